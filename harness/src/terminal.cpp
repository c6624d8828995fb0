// terminal.cpp — the documented backspace filter and the strict terminal policy (see websec/terminal.hpp).
#include "websec/terminal.hpp"

#include "text_util.hpp"

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

struct cp {
  char32_t c;         // code point (valid only when ok)
  std::size_t len;    // bytes: the sequence, or the maximal invalid subpart
  bool ok;
  bool more = false;  // cut short by the end of the bytes at hand: more input may complete it
};

// Strict UTF-8 (the library's decoder); on error the maximal subpart of an ill-formed sequence (Unicode 15 §3.9, D93b).
cp decode(std::string_view s, std::size_t i) {
  const detail::utf8_char d = detail::decode_utf8_at(s, i);
  return {d.cp, d.len, d.valid, d.truncated};
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

bool csi_param(unsigned char c) { return c >= 0x30 && c <= 0x3F; }
bool intermediate(unsigned char c) { return c >= 0x20 && c <= 0x2F; }
unsigned char byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

// The steps of cleaner::run. Each is called from one place, so the compiler inlines it into the loop.

// Where the bytes at hand of a CSI or ESC-intermediate sequence end.
struct sequence_scan {
  std::size_t end;  // after the last byte of the sequence in the bytes at hand
  bool done;        // the sequence ends at `end`; otherwise it goes on in the next piece
  bool inter;       // a CSI reached its intermediates
};

// CSI: parameters 0x30-0x3F, then intermediates 0x20-0x2F, then a final byte 0x40-0x7E (optional)
inline sequence_scan scan_csi(std::string_view s, std::size_t i, bool in_params) {
  const std::size_t n = s.size();
  std::size_t j = i;
  bool inter = !in_params;
  if (in_params) {
    while (j < n && csi_param(byte_at(s, j))) ++j;
    if (j < n && intermediate(byte_at(s, j))) inter = true;
  }
  if (inter)
    while (j < n && intermediate(byte_at(s, j))) ++j;
  const bool done = j < n;  // the sequence ends here, with its final byte if one follows
  if (done && s[j] >= 0x40 && s[j] <= 0x7E) ++j;
  return {j, done, inter};
}

// ESC, intermediates 0x20-0x2F, then a final byte 0x30-0x7E (optional)
inline sequence_scan scan_esc_inter(std::string_view s, std::size_t i) {
  const std::size_t n = s.size();
  std::size_t j = i;
  while (j < n && intermediate(byte_at(s, j))) ++j;
  const bool done = j < n;
  if (done && s[j] >= 0x30 && s[j] <= 0x7E) ++j;
  return {j, done, true};
}

// Where the body of a string sequence ends in the bytes at hand.
struct string_scan {
  std::size_t stop;  // where the scan stopped
  std::size_t end;   // after the sequence (valid when ended)
  bool ended;        // the terminator is here
  bool wait;         // the byte at `stop` may start a terminator: the next piece says
};

// OSC / DCS / SOS / PM / APC: ends after BEL (OSC only), CAN, SUB, ESC \ or U+009C, or before another ESC
inline string_scan scan_string(std::string_view s, std::size_t i, bool bel_ends, bool final) {
  const std::size_t n = s.size();
  for (std::size_t j = i; j < n; ++j) {
    const unsigned char c = byte_at(s, j);
    if ((c == 0x07 && bel_ends) || c == 0x18 || c == 0x1A) return {j, j + 1, true, false};
    if (c == 0x1B) {
      if (j + 1 < n) return {j, s[j + 1] == '\\' ? j + 2 : j, true, false};
      if (final) return {j, j, true, false};
      return {j, 0, false, true};
    }
    if (c == 0xC2) {
      if (j + 1 < n) {
        if (byte_at(s, j + 1) == 0x9C) return {j, j + 2, true, false};
      } else if (!final) {
        return {j, 0, false, true};
      }
    }
  }
  return {n, 0, false, false};
}

// Renders the surely complete characters of a string's content in [i, upto) and returns where they end; an
// unfinished character waits for more input.
inline std::size_t render_complete(std::string& text, std::string_view s, std::size_t i, std::size_t upto) {
  std::size_t r = i;
  while (r < upto) {
    const cp d = decode(s, r);
    if (d.more) break;
    r += d.len;
  }
  render_visible(text, s, i, r);
  return r;
}

// What the bytes at an offset in the ground state are, and what becomes of them.
enum class act : unsigned char {
  keep,     // printable: copied to the text
  drop,     // removed (or rendered visibly) as `k`
  invalid,  // invalid UTF-8: U+FFFD (or rendered visibly)
  begin,    // the introducer of a sequence `seq` of kind `k`, which goes on in the following bytes
  wait,     // the bytes at hand do not say yet
};
enum class sequence : unsigned char { csi, osc, string, esc_inter };
struct ground_step {
  act what;
  std::size_t len = 0;
  kind k = kind::escape_sequence;
  sequence seq = sequence::csi;
};

// Renders a sequence's introducer visibly: ESC and its letter, if any, or the C1 control (C2 xx in UTF-8).
inline void visible_introducer(std::string& text, std::string_view s, std::size_t i, std::size_t len) {
  if (s[i] == 0x1B) {
    text += "\\x1b";
    text.append(s.data() + i + 1, len - 1);
  } else {
    visible_cp(text, byte_at(s, i + 1));
  }
}

inline std::size_t printable_run(std::string_view s, std::size_t i) {
  std::size_t j = i + 1;
  while (j < s.size() && byte_at(s, j) >= 0x20 && byte_at(s, j) < 0x7F) ++j;
  return j - i;
}

inline ground_step esc_step(std::string_view s, std::size_t i, bool final) {
  if (i + 1 >= s.size()) {
    if (!final) return {act::wait};
    return {act::drop, 1};  // a lone ESC at the end
  }
  const unsigned char x = byte_at(s, i + 1);
  if (x == '[') return {act::begin, 2, kind::csi_sequence, sequence::csi};
  if (x == ']') return {act::begin, 2, kind::osc_sequence, sequence::osc};
  if (x == 'P' || x == 'X' || x == '^' || x == '_') return {act::begin, 2, kind::string_sequence, sequence::string};
  if (intermediate(x)) return {act::begin, 1, kind::escape_sequence, sequence::esc_inter};
  if (x >= 0x30 && x <= 0x7E) return {act::drop, 2};
  return {act::drop, 1};  // a lone ESC
}

inline ground_step c0_step(std::string_view s, std::size_t i, bool final, const options& o) {
  const unsigned char c = byte_at(s, i);
  const bool last = i + 1 >= s.size();
  if (c == '\r' && o.keep_crlf && last && !final) return {act::wait};  // CRLF or a lone CR: the next byte says
  if ((c == '\t' && o.keep_tab) || (c == '\n' && o.keep_newline) || (c == '\r' && o.keep_crlf && !last && s[i + 1] == '\n'))
    return {act::keep, 1};
  return {act::drop, 1, kind::c0_control};
}

inline ground_step non_ascii_step(std::string_view s, std::size_t i, bool final) {
  const cp d = decode(s, i);
  if (d.more && !final) return {act::wait};
  if (!d.ok) return {act::invalid, d.len, kind::invalid_utf8};
  if (d.c >= 0x80 && d.c <= 0x9F) {
    if (d.c == 0x9B) return {act::begin, 2, kind::csi_sequence, sequence::csi};
    if (d.c == 0x9D) return {act::begin, 2, kind::osc_sequence, sequence::osc};
    if (d.c == 0x90 || d.c == 0x98 || d.c == 0x9E || d.c == 0x9F)
      return {act::begin, 2, kind::string_sequence, sequence::string};
    return {act::drop, 2, kind::c1_control};
  }
  kind k;
  if (is_bidi(d.c, k)) return {act::drop, d.len, k};
  return {act::keep, d.len};
}

inline ground_step ground_at(std::string_view s, std::size_t i, bool final, const options& o) {
  const unsigned char c = byte_at(s, i);
  if (c >= 0x20 && c < 0x7F) return {act::keep, printable_run(s, i)};
  if (c == 0x1B) return esc_step(s, i, final);
  if (c < 0x20) return c0_step(s, i, final, o);
  if (c == 0x7F) return {act::drop, 1, kind::del};
  return non_ascii_step(s, i, final);
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
  cleaner c = cleaner::documented();
  c.feed(s, r.text, r.changes);
  c.finish(r.text, r.changes);
  return r;
}

cleaned clean(std::string_view s, const options& o) {
  cleaned r;
  r.text.reserve(s.size());
  cleaner c(o);
  c.feed(s, r.text, r.changes);
  c.finish(r.text, r.changes);
  return r;
}

void cleaner::record(kind k, std::uint64_t off, std::uint64_t len, std::vector<change>& changes) {
  if (pending_ && pending_->what == k && pending_->offset + pending_->length == off) {
    pending_->length += len;
    pending_->count += 1;
    return;
  }
  if (pending_) changes.push_back(*pending_);
  pending_ = change{k, off, len, 1};
}

void cleaner::begin_item(kind k, std::uint64_t offset, mode m, bool bel_ends) {
  item_kind_ = k;
  item_start_ = offset;
  mode_ = m;
  item_bel_ = bel_ends;
}

void cleaner::end_item(std::uint64_t end, std::vector<change>& changes) {
  record(item_kind_, item_start_, end - item_start_, changes);
  mode_ = mode::ground;
}

void cleaner::feed(std::string_view piece, std::string& text, std::vector<change>& changes) {
  if (doc_) {
    for (std::size_t i = 0; i < piece.size();) {
      std::size_t j = piece.find('\b', i);
      if (j == std::string_view::npos) j = piece.size();
      text.append(piece.data() + i, j - i);
      if (j < piece.size()) record(kind::backspace, base_ + j, 1, changes);
      i = j + 1;
    }
    base_ += piece.size();
    return;
  }
  if (held_.empty()) {
    std::size_t n = run(piece, false, text, changes);
    base_ += n;
    held_.assign(piece.substr(n));
  } else {
    std::string joined = held_ + std::string(piece);
    std::size_t n = run(joined, false, text, changes);
    base_ += n;
    held_ = joined.substr(n);
  }
}

void cleaner::finish(std::string& text, std::vector<change>& changes) {
  if (!doc_) {
    base_ += run(held_, true, text, changes);
    held_.clear();
  }
  if (pending_) changes.push_back(*pending_);
  pending_.reset();
}

// Cleans s (the input from offset base_) and returns how many bytes were decided; the rest (at most 3 bytes) waits
// for the next piece. With `final`, the input ends after s and everything is decided.
std::size_t cleaner::run(std::string_view s, bool final, std::string& text, std::vector<change>& changes) {
  const std::size_t n = s.size();
  const bool vis = o_.act == action::visible;
  std::size_t i = 0;
  while (i < n) {
    if (mode_ == mode::ground) {
      const ground_step g = ground_at(s, i, final, o_);
      switch (g.what) {
        case act::wait: return i;
        case act::keep: text.append(s.data() + i, g.len); break;
        case act::drop:
          record(g.k, base_ + i, g.len, changes);
          if (vis) render_visible(text, s, i, i + g.len);
          break;
        case act::invalid:
          record(g.k, base_ + i, g.len, changes);
          if (vis) render_visible(text, s, i, i + g.len);
          else text += "\xEF\xBF\xBD";
          break;
        case act::begin:
          begin_item(g.k, base_ + i,
                     g.seq == sequence::csi         ? mode::csi_params
                     : g.seq == sequence::esc_inter ? mode::esc_inter
                                                    : mode::string,
                     g.seq == sequence::osc);
          if (vis) visible_introducer(text, s, i, g.len);
          break;
      }
      i += g.len;
    } else if (mode_ == mode::string) {
      const string_scan r = scan_string(s, i, item_bel_, final);
      if (!r.ended && !final) {
        // more input is needed: what is surely content goes out now, an unfinished character waits
        const std::size_t upto = r.wait ? r.stop : n;
        return vis ? render_complete(text, s, i, upto) : upto;
      }
      const std::size_t e = r.ended ? r.end : n;  // a string without its terminator runs to the end of the input
      if (vis) render_visible(text, s, i, e);
      end_item(base_ + e, changes);
      i = e;
    } else {
      const sequence_scan r = mode_ == mode::esc_inter ? scan_esc_inter(s, i) : scan_csi(s, i, mode_ == mode::csi_params);
      if (r.inter && mode_ == mode::csi_params) mode_ = mode::csi_inter;
      if (vis) text.append(s.data() + i, r.end - i);  // all printable ASCII
      if (r.done) end_item(base_ + r.end, changes);
      i = r.end;
    }
  }
  if (final && mode_ != mode::ground) end_item(base_ + n, changes);  // a sequence cut by the end of the input
  return n;
}

}  // namespace websec::terminal
