// terminal.cpp — the documented backspace filter and the strict terminal policy (see websec/terminal.hpp).
#include "websec/terminal.hpp"

namespace websec::terminal {

std::string_view to_string(kind k) {
  switch (k) {
    case kind::backspace: return "backspace";
    case kind::c0_control: return "c0_control";
    case kind::del: return "del";
    case kind::c1_control: return "c1_control";
    case kind::csi_sequence: return "csi_sequence";
    case kind::osc_sequence: return "osc_sequence";
    case kind::string_sequence: return "string_sequence";
    case kind::escape_sequence: return "escape_sequence";
    case kind::bidi_override: return "bidi_override";
    case kind::bidi_isolate: return "bidi_isolate";
    case kind::bidi_mark: return "bidi_mark";
    case kind::invalid_utf8: return "invalid_utf8";
  }
  return "?";
}

namespace {

void record(std::vector<change>& ch, kind k, std::size_t off, std::size_t len) {
  if (!ch.empty() && ch.back().what == k && ch.back().offset + ch.back().length == off) {
    ch.back().length += len;
    ch.back().count += 1;
    return;
  }
  ch.push_back({k, off, len, 1});
}

struct cp {
  char32_t c;       // code point (valid only when ok)
  std::size_t len;  // bytes: the sequence, or the maximal invalid subpart
  bool ok;
};

// Strict UTF-8; on error the maximal subpart of an ill-formed sequence (Unicode 15 §3.9, D93b).
cp decode(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {c, 1, true};
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {0, 1, false};
  }
  std::size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) return {0, k, false};
    unsigned char x = b(i + k);
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (x < l || x > h) return {0, k, false};
    v = (v << 6) | (x & 0x3F);
  }
  return {v, need + 1, true};
}

const char* hexd = "0123456789abcdef";

void visible_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += hexd[c >> 4];
  out += hexd[c & 15];
}

void visible_cp(std::string& out, char32_t c) {
  if (c < 0x80) {
    visible_byte(out, static_cast<unsigned char>(c));
    return;
  }
  out += "\\u";
  for (int sh = 12; sh >= 0; sh -= 4) out += hexd[(c >> sh) & 15];
}

bool is_bidi(char32_t c, kind& k) {
  if (c >= 0x202A && c <= 0x202E) return k = kind::bidi_override, true;
  if (c >= 0x2066 && c <= 0x2069) return k = kind::bidi_isolate, true;
  if (c == 0x200E || c == 0x200F || c == 0x061C) return k = kind::bidi_mark, true;
  return false;
}

// Renders a removed range visibly: every control, bidi character and invalid byte as an escape; printable
// characters as they are.
void render_visible(std::string& out, std::string_view s, std::size_t b, std::size_t e) {
  for (std::size_t i = b; i < e;) {
    cp d = decode(s, i);
    if (i + d.len > e) d = {0, e - i, false};
    kind k;
    if (!d.ok) {
      for (std::size_t j = 0; j < d.len; ++j) visible_byte(out, static_cast<unsigned char>(s[i + j]));
    } else if (d.c < 0x20 || d.c == 0x7F || (d.c >= 0x80 && d.c <= 0x9F) || is_bidi(d.c, k)) {
      visible_cp(out, d.c);
    } else {
      out.append(s.data() + i, d.len);
    }
    i += d.len;
  }
}

// Terminators of OSC and the other string sequences: BEL (OSC only), ESC \, U+009C; CAN and SUB cancel.
// Returns the end of the sequence (after its terminator), or where a new ESC starts, or the end of input.
std::size_t string_end(std::string_view s, std::size_t j, bool bel_ends) {
  const std::size_t n = s.size();
  while (j < n) {
    unsigned char c = static_cast<unsigned char>(s[j]);
    if (c == 0x07 && bel_ends) return j + 1;
    if (c == 0x18 || c == 0x1A) return j + 1;
    if (c == 0x1B) return (j + 1 < n && s[j + 1] == '\\') ? j + 2 : j;
    if (c == 0xC2 && j + 1 < n && static_cast<unsigned char>(s[j + 1]) == 0x9C) return j + 2;
    ++j;
  }
  return n;
}

std::size_t csi_end(std::string_view s, std::size_t j) {
  const std::size_t n = s.size();
  while (j < n && s[j] >= 0x30 && s[j] <= 0x3F) ++j;
  while (j < n && s[j] >= 0x20 && s[j] <= 0x2F) ++j;
  if (j < n && s[j] >= 0x40 && s[j] <= 0x7E) ++j;
  return j;
}

}  // namespace

std::string filter_doc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\b') out += c;
  return out;
}

cleaned clean_doc(std::string_view s) {
  cleaned r;
  r.text.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\b')
      record(r.changes, kind::backspace, i, 1);
    else
      r.text += s[i];
  }
  return r;
}

cleaned clean(std::string_view s, const options& o) {
  cleaned r;
  r.text.reserve(s.size());
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto drop = [&](kind k, std::size_t b, std::size_t e) {
    record(r.changes, k, b, e - b);
    if (o.act == action::visible) render_visible(r.text, s, b, e);
  };
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      std::size_t j = i + 1;
      while (j < n && static_cast<unsigned char>(s[j]) >= 0x20 && static_cast<unsigned char>(s[j]) < 0x7F) ++j;
      r.text.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c == 0x1B) {
      std::size_t e = i + 1;
      kind k = kind::escape_sequence;
      if (e < n) {
        unsigned char x = static_cast<unsigned char>(s[e]);
        if (x == '[') {
          k = kind::csi_sequence;
          e = csi_end(s, e + 1);
        } else if (x == ']') {
          k = kind::osc_sequence;
          e = string_end(s, e + 1, true);
        } else if (x == 'P' || x == 'X' || x == '^' || x == '_') {
          k = kind::string_sequence;
          e = string_end(s, e + 1, false);
        } else if (x >= 0x20 && x <= 0x2F) {
          while (e < n && s[e] >= 0x20 && s[e] <= 0x2F) ++e;
          if (e < n && s[e] >= 0x30 && s[e] <= 0x7E) ++e;
        } else if (x >= 0x30 && x <= 0x7E) {
          e += 1;
        }
      }
      drop(k, i, e);
      i = e;
      continue;
    }
    if (c < 0x20) {
      if ((c == '\t' && o.keep_tab) || (c == '\n' && o.keep_newline) ||
          (c == '\r' && o.keep_crlf && i + 1 < n && s[i + 1] == '\n')) {
        r.text += static_cast<char>(c);
      } else {
        drop(kind::c0_control, i, i + 1);
      }
      ++i;
      continue;
    }
    if (c == 0x7F) {
      drop(kind::del, i, i + 1);
      ++i;
      continue;
    }
    cp d = decode(s, i);
    if (!d.ok) {
      record(r.changes, kind::invalid_utf8, i, d.len);
      if (o.act == action::visible)
        render_visible(r.text, s, i, i + d.len);
      else
        r.text += "\xEF\xBF\xBD";
      i += d.len;
      continue;
    }
    if (d.c >= 0x80 && d.c <= 0x9F) {
      std::size_t e = i + 2;
      kind k = kind::c1_control;
      if (d.c == 0x9B) {
        k = kind::csi_sequence;
        e = csi_end(s, e);
      } else if (d.c == 0x9D) {
        k = kind::osc_sequence;
        e = string_end(s, e, true);
      } else if (d.c == 0x90 || d.c == 0x98 || d.c == 0x9E || d.c == 0x9F) {
        k = kind::string_sequence;
        e = string_end(s, e, false);
      }
      drop(k, i, e);
      i = e;
      continue;
    }
    kind k;
    if (is_bidi(d.c, k)) {
      drop(k, i, i + d.len);
      i += d.len;
      continue;
    }
    r.text.append(s.data() + i, d.len);
    i += d.len;
  }
  return r;
}

}  // namespace websec::terminal
