#include "websec/charset.hpp"
#include "websec/result.hpp"

#include "text_util.hpp"

#include <cstring>
#include <iterator>

namespace websec::charset {
namespace {
#include "charset_tables.inc"

constexpr const char* kReplacement = "\xEF\xBF\xBD";

// codecs.lookup(): CPython lower-cases ASCII and maps ' ' to '-', then encodings.normalize_encoding()
// collapses runs of non-alphanumerics (except '.') into '_' and drops non-ASCII alphanumerics.
std::string normalize(std::string_view name) {
  std::string out;
  bool punct = false;
  auto u = detail::from_utf8(name);
  for (char32_t c : u) {
    if (c < 0x80 && c >= 'A' && c <= 'Z') c += 32;
    // CPython normalises twice: _PyCodec_Lookup's C normalizestring() first (ASCII alnum and '.' kept, lower-cased,
    // every other byte of the UTF-8 name — so every non-ASCII character — is punctuation), then
    // encodings.normalize_encoding() on that ASCII result. "utëf-16" is therefore "ut_f_16" (LookupError).
    bool alnum = c < 0x80 && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
    if (alnum || c == '.') {
      if (punct && !out.empty()) out.push_back('_');
      if (c < 0x80) out.push_back(static_cast<char>(c));
      punct = false;
    } else {
      punct = true;
    }
  }
  return out;
}

const char* find_alias(std::string_view key, bool aliases_only) {
  for (auto& a : kCodecAliases)
    if (key == a.alias && (!aliases_only || a.is_alias)) return a.codec;
  return nullptr;
}

char kind_of(std::string_view codec) {
  for (auto& k : kCodecKinds)
    if (codec == k.codec) return k.kind;
  return 'm';
}

const unsigned int* charmap_of(std::string_view codec) {
  for (auto& c : kCharmaps)
    if (codec == c.codec) return c.table;
  return nullptr;
}

std::string hexbyte(unsigned char c) {
  static const char* h = "0123456789abcdef";
  return std::string("0x") + h[c >> 4] + h[c & 15];
}

decoded fail(std::string codec, unsigned char byte, std::size_t pos, const char* why) {
  decoded d;
  d.st = status::decode_error;
  d.message = "'" + codec + "' codec can't decode byte " + hexbyte(byte) + " in position " + std::to_string(pos) + ": " + why;
  return d;
}

decoded decode_utf8(std::string_view b, errors e) {
  decoded d;
  if (e == errors::strict) {
    const char* why = nullptr;
    std::size_t pos = detail::utf8_first_error(b, &why);
    if (pos != std::string_view::npos) return fail("utf-8", static_cast<unsigned char>(b[pos]), pos, why);
    d.text.assign(b);
    return d;
  }
  d.text = utf8_replace(b);
  return d;
}

decoded decode_units(std::string_view b, errors e, int unit, bool big, bool detect_bom, const char* name) {
  decoded d;
  std::size_t i = 0;
  if (detect_bom) {
    if (unit == 2 && b.size() >= 2) {
      if ((unsigned char)b[0] == 0xFF && (unsigned char)b[1] == 0xFE) { big = false; i = 2; }
      else if ((unsigned char)b[0] == 0xFE && (unsigned char)b[1] == 0xFF) { big = true; i = 2; }
    } else if (unit == 4 && b.size() >= 4) {
      if (!std::memcmp(b.data(), "\xFF\xFE\x00\x00", 4)) { big = false; i = 4; }
      else if (!std::memcmp(b.data(), "\x00\x00\xFE\xFF", 4)) { big = true; i = 4; }
    }
  }
  auto rd = [&](std::size_t k) -> std::uint32_t {
    std::uint32_t v = 0;
    for (int j = 0; j < unit; ++j) {
      std::uint32_t byte = static_cast<unsigned char>(b[k + (big ? j : unit - 1 - j)]);
      v = (v << 8) | byte;
    }
    return v;
  };
  auto bad = [&](std::size_t pos, const char* why) -> bool {
    if (e == errors::strict) {
      d = fail(name, static_cast<unsigned char>(b[pos]), pos, why);
      return false;
    }
    d.text += kReplacement;
    return true;
  };
  while (i < b.size()) {
    if (b.size() - i < static_cast<std::size_t>(unit)) {
      if (!bad(i, "truncated data")) return d;
      break;
    }
    std::uint32_t v = rd(i);
    if (unit == 4) {
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        if (!bad(i, "code point not in range(0x110000)")) return d;
      } else {
        detail::append_utf8(d.text, v);
      }
      i += 4;
      continue;
    }
    if (v < 0xD800 || v > 0xDFFF) { detail::append_utf8(d.text, v); i += 2; continue; }
    if (v >= 0xDC00) { if (!bad(i, "illegal encoding")) return d; i += 2; continue; }
    if (b.size() - i < 4) {
      if (!bad(i, "unexpected end of data")) return d;
      break;
    }
    std::uint32_t lo = rd(i + 2);
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
      detail::append_utf8(d.text, 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00));
      i += 4;
    } else {
      if (!bad(i, "illegal UTF-16 surrogate")) return d;
      i += 2;
    }
  }
  return d;
}
}  // namespace

std::string canonical_codec(std::string_view encoding) {
  std::string norm = normalize(encoding);
  if (const char* c = find_alias(norm, true)) return c;
  if (norm.find('.') != std::string::npos) {
    std::string alt = norm;
    for (auto& ch : alt) if (ch == '.') ch = '_';
    if (const char* c = find_alias(alt, true)) return c;
    return {};
  }
  if (norm.empty()) return {};
  if (const char* c = find_alias(norm, false)) return c;
  return {};
}

bool utf8_valid(std::string_view bytes) { return detail::utf8_first_error(bytes) == std::string_view::npos; }

std::string utf8_replace(std::string_view b) {
  std::size_t first = detail::utf8_first_error(b);
  if (first == std::string_view::npos) return std::string(b);
  std::string out;
  out.reserve(b.size() + 16);
  out.append(b.substr(0, first));
  for (std::size_t i = first; i < b.size();) {
    const detail::utf8_char d = detail::decode_utf8_at(b, i, detail::utf8_errors::replace);
    if (d.valid) out.append(b.substr(i, d.len));
    else out += kReplacement;
    i += d.len;
  }
  return out;
}

decoded decode(std::string_view bytes, std::string_view encoding, errors e) {
  decoded d;
  if (encoding.find('\0') != std::string_view::npos) {
    // codecs.lookup refuses a name with NUL before looking it up: ValueError, not LookupError
    d.st = status::decode_error;
    d.message = "embedded null character";
    return d;
  }
  // CPython decodes empty input to "" without looking the codec up (b"".decode("bogus") == "")
  if (bytes.empty()) return d;
  std::string codec = canonical_codec(encoding);
  if (codec.empty()) {
    d.st = status::lookup_error;
    d.message = "unknown encoding: " + quote_input(encoding, quote_style::bare);
    return d;
  }
  char kind = kind_of(codec);
  if (kind == 'n' || kind == 'm') {
    d.st = status::lookup_error;
    d.message.assign(kind == 'n' ? "'" : "unknown encoding: ");
    d.message.append(encoding);
    if (kind == 'n') d.message.append("' is not a text encoding; use codecs.decode() to handle arbitrary codecs");
    return d;
  }
  if (codec == "utf_8") return decode_utf8(bytes, e);
  if (codec == "utf_8_sig") {
    if (bytes.size() >= 3 && !std::memcmp(bytes.data(), "\xEF\xBB\xBF", 3)) bytes.remove_prefix(3);
    return decode_utf8(bytes, e);
  }
  if (codec == "latin_1" || codec == "charmap") {
    d.text = detail::latin1_to_utf8(bytes);
    return d;
  }
  if (codec == "ascii") {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(bytes[i]);
      if (c < 0x80) d.text.push_back(static_cast<char>(c));
      else if (e == errors::strict) return fail("ascii", c, i, "ordinal not in range(128)");
      else d.text += kReplacement;
    }
    return d;
  }
  if (codec == "utf_16") return decode_units(bytes, e, 2, false, true, "utf-16");
  if (codec == "utf_16_le") return decode_units(bytes, e, 2, false, false, "utf-16-le");
  if (codec == "utf_16_be") return decode_units(bytes, e, 2, true, false, "utf-16-be");
  if (codec == "utf_32") return decode_units(bytes, e, 4, false, true, "utf-32");
  if (codec == "utf_32_le") return decode_units(bytes, e, 4, false, false, "utf-32-le");
  if (codec == "utf_32_be") return decode_units(bytes, e, 4, true, false, "utf-32-be");
  if (codec == "undefined") {
    d.st = status::decode_error;
    d.message = "undefined encoding";
    return d;
  }
  if (const unsigned int* table = charmap_of(codec)) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(bytes[i]);
      unsigned int cp = table[c];
      if (cp == 0xFFFFFFFFu) {
        if (e == errors::strict) return fail(codec, c, i, "character maps to <undefined>");
        d.text += kReplacement;
      } else {
        detail::append_utf8(d.text, cp);
      }
    }
    return d;
  }
  d.st = status::unsupported;
  d.message = "codec '" + codec + "' exists in Python but is not implemented by websec";
  return d;
}

}  // namespace websec::charset
