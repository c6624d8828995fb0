#include "websec/urlencoded.hpp"

#include "text_util.hpp"
#include "websec/charset.hpp"
#include "websec/form_profile.hpp"

namespace websec::urlencoded {
namespace {
int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `+` → space, then %XX → byte (werkzeug `_unquote_to_bytes` / `urllib.parse.unquote_to_bytes`).
std::string unquote_plus_bytes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') { out.push_back(' '); continue; }
    if (c == '%' && i + 2 < s.size()) {
      int h = hexval(static_cast<unsigned char>(s[i + 1])), l = hexval(static_cast<unsigned char>(s[i + 2]));
      if (h >= 0 && l >= 0) { out.push_back(static_cast<char>(h * 16 + l)); i += 2; continue; }
    }
    out.push_back(c);
  }
  return out;
}

// bytes.decode("utf-8", errors="werkzeug.url_quote"): each maximal invalid subpart is re-quoted as %XX.
std::string utf8_url_quote_errors(std::string_view b) {
  std::string out;
  out.reserve(b.size());
  static const char* hx = "0123456789ABCDEF";
  std::size_t i = 0;
  while (i < b.size()) {
    std::size_t bad = detail::utf8_first_error(b.substr(i));
    if (bad == std::string_view::npos) { out.append(b.substr(i)); break; }
    out.append(b.substr(i, bad));
    i += bad;
    const std::size_t k = detail::decode_utf8_at(b, i).len;  // the maximal invalid subpart
    for (std::size_t j = 0; j < k; ++j) {
      unsigned char x = static_cast<unsigned char>(b[i + j]);
      out.push_back('%');
      out.push_back(hx[x >> 4]);
      out.push_back(hx[x & 15]);
    }
    i += k;
  }
  return out;
}

// urllib.parse.unquote(s, errors="werkzeug.url_quote") after '+' → ' ' on a valid UTF-8 str: ASCII runs are
// percent-decoded and decoded, non-ASCII characters pass through.
std::string unquote_upstream(std::string_view s) {
  std::string plus(s);
  for (auto& c : plus) if (c == '+') c = ' ';
  if (plus.find('%') == std::string::npos) return plus;
  std::string out;
  std::size_t i = 0;
  while (i < plus.size()) {
    if (static_cast<unsigned char>(plus[i]) >= 0x80) {
      std::size_t j = i;
      while (j < plus.size() && static_cast<unsigned char>(plus[j]) >= 0x80) ++j;
      out.append(plus, i, j - i);
      i = j;
      continue;
    }
    std::size_t j = i;
    while (j < plus.size() && static_cast<unsigned char>(plus[j]) < 0x80) ++j;
    // percent-decode (no '+' handling here: already replaced)
    std::string bytes;
    for (std::size_t k = i; k < j; ++k) {
      if (plus[k] == '%' && k + 2 < j) {
        int h = hexval(static_cast<unsigned char>(plus[k + 1])), l = hexval(static_cast<unsigned char>(plus[k + 2]));
        if (h >= 0 && l >= 0) { bytes.push_back(static_cast<char>(h * 16 + l)); k += 2; continue; }
      }
      bytes.push_back(plus[k]);
    }
    out += utf8_url_quote_errors(bytes);
    i = j;
  }
  return out;
}
}  // namespace

result<std::vector<pair>> decode(std::string_view body, profile p) {
  const bool debian = form_rules_for(p).urlencoded_werkzeug_decoder;
  if (!debian) {
    const char* why = nullptr;
    std::size_t bad = detail::utf8_first_error(body, &why);
    if (bad != std::string_view::npos) {
      error e;
      e.kind = "body_not_utf8";
      e.offset = bad;
      e.http_status = 200;
      e.message = std::string("'utf-8' codec can't decode the body at byte ") + std::to_string(bad) + ": " + why;
      return e;
    }
  }
  std::vector<pair> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t amp = body.find('&', start);
    std::string_view piece = body.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!piece.empty()) {
      std::size_t eq = piece.find('=');
      std::string_view k = piece.substr(0, eq), v = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
      if (debian) out.push_back({charset::utf8_replace(unquote_plus_bytes(k)), charset::utf8_replace(unquote_plus_bytes(v))});
      else out.push_back({unquote_upstream(k), unquote_upstream(v)});
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

}  // namespace websec::urlencoded
