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

void record(std::vector<change>& ch, kind k, std::size_t off, std::size_t len) {
  if (!ch.empty() && ch.back().what == k && ch.back().offset + ch.back().length == off) {
    ch.back().length += len;
    ch.back().count += 1;
    return;
  }
  ch.push_back({k, off, len, 1});
}

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
  auto drop = [&](kind k, std::size_t b, std::size_t e) {
    record(k, base_ + b, e - b, changes);
    if (vis) render_visible(text, s, b, e);
  };
  while (i < n) {
    switch (mode_) {
      case mode::csi_params:
      case mode::csi_inter: {
        // CSI: parameters 0x30-0x3F, then intermediates 0x20-0x2F, then a final byte 0x40-0x7E (optional)
        std::size_t j = i;
        if (mode_ == mode::csi_params) {
          while (j < n && csi_param(static_cast<unsigned char>(s[j]))) ++j;
          if (j < n && intermediate(static_cast<unsigned char>(s[j]))) mode_ = mode::csi_inter;
        }
        if (mode_ == mode::csi_inter)
          while (j < n && intermediate(static_cast<unsigned char>(s[j]))) ++j;
        const bool done = j < n;  // the sequence ends here, with its final byte if one follows
        if (done && s[j] >= 0x40 && s[j] <= 0x7E) ++j;
        if (vis) text.append(s.data() + i, j - i);  // all printable ASCII
        if (done) end_item(base_ + j, changes);
        i = j;
        continue;
      }
      case mode::esc_inter: {
        // ESC, intermediates 0x20-0x2F, then a final byte 0x30-0x7E (optional)
        std::size_t j = i;
        while (j < n && intermediate(static_cast<unsigned char>(s[j]))) ++j;
        const bool done = j < n;
        if (done && s[j] >= 0x30 && s[j] <= 0x7E) ++j;
        if (vis) text.append(s.data() + i, j - i);
        if (done) end_item(base_ + j, changes);
        i = j;
        continue;
      }
      case mode::string: {
        // OSC / DCS / SOS / PM / APC: ends after BEL (OSC only), CAN, SUB, ESC \ or U+009C, or before another ESC
        std::size_t j = i, e = 0;
        bool ended = false, wait = false;
        for (; j < n; ++j) {
          unsigned char c = static_cast<unsigned char>(s[j]);
          if ((c == 0x07 && item_bel_) || c == 0x18 || c == 0x1A) {
            e = j + 1;
            ended = true;
            break;
          }
          if (c == 0x1B) {
            if (j + 1 < n) {
              e = s[j + 1] == '\\' ? j + 2 : j;
              ended = true;
            } else if (final) {
              e = j;
              ended = true;
            } else {
              wait = true;
            }
            break;
          }
          if (c == 0xC2) {
            if (j + 1 < n) {
              if (static_cast<unsigned char>(s[j + 1]) == 0x9C) {
                e = j + 2;
                ended = true;
                break;
              }
            } else if (!final) {
              wait = true;
              break;
            }
          }
        }
        if (ended || final) {
          if (!ended) e = n;  // a string without its terminator runs to the end of the input
          if (vis) render_visible(text, s, i, e);
          end_item(base_ + e, changes);
          i = e;
          continue;
        }
        // more input is needed: what is surely content goes out now, an unfinished character waits
        std::size_t upto = wait ? j : n;
        if (vis) {
          std::size_t r = i;
          while (r < upto) {
            cp d = decode(s, r);
            if (d.more) break;
            r += d.len;
          }
          render_visible(text, s, i, r);
          upto = r;
        }
        return upto;
      }
      case mode::ground:
        break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      std::size_t j = i + 1;
      while (j < n && static_cast<unsigned char>(s[j]) >= 0x20 && static_cast<unsigned char>(s[j]) < 0x7F) ++j;
      text.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c == 0x1B) {
      if (i + 1 >= n) {
        if (!final) return i;
        drop(kind::escape_sequence, i, i + 1);  // a lone ESC at the end
        ++i;
        continue;
      }
      unsigned char x = static_cast<unsigned char>(s[i + 1]);
      if (x == '[') {
        begin_item(kind::csi_sequence, base_ + i, mode::csi_params);
        if (vis) text += "\\x1b[";
        i += 2;
      } else if (x == ']') {
        begin_item(kind::osc_sequence, base_ + i, mode::string, true);
        if (vis) text += "\\x1b]";
        i += 2;
      } else if (x == 'P' || x == 'X' || x == '^' || x == '_') {
        begin_item(kind::string_sequence, base_ + i, mode::string);
        if (vis) {
          text += "\\x1b";
          text += static_cast<char>(x);
        }
        i += 2;
      } else if (intermediate(x)) {
        begin_item(kind::escape_sequence, base_ + i, mode::esc_inter);
        if (vis) text += "\\x1b";
        i += 1;
      } else if (x >= 0x30 && x <= 0x7E) {
        drop(kind::escape_sequence, i, i + 2);
        i += 2;
      } else {
        drop(kind::escape_sequence, i, i + 1);  // a lone ESC
        ++i;
      }
      continue;
    }
    if (c < 0x20) {
      if (c == '\r' && o_.keep_crlf && i + 1 >= n && !final) return i;  // CRLF or a lone CR: the next byte says
      if ((c == '\t' && o_.keep_tab) || (c == '\n' && o_.keep_newline) ||
          (c == '\r' && o_.keep_crlf && i + 1 < n && s[i + 1] == '\n')) {
        text += static_cast<char>(c);
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
    if (d.more && !final) return i;
    if (!d.ok) {
      record(kind::invalid_utf8, base_ + i, d.len, changes);
      if (vis)
        render_visible(text, s, i, i + d.len);
      else
        text += "\xEF\xBF\xBD";
      i += d.len;
      continue;
    }
    if (d.c >= 0x80 && d.c <= 0x9F) {
      if (d.c == 0x9B || d.c == 0x9D || d.c == 0x90 || d.c == 0x98 || d.c == 0x9E || d.c == 0x9F) {
        if (d.c == 0x9B) begin_item(kind::csi_sequence, base_ + i, mode::csi_params);
        else if (d.c == 0x9D) begin_item(kind::osc_sequence, base_ + i, mode::string, true);
        else begin_item(kind::string_sequence, base_ + i, mode::string);
        if (vis) visible_cp(text, d.c);
      } else {
        drop(kind::c1_control, i, i + 2);
      }
      i += 2;
      continue;
    }
    kind k;
    if (is_bidi(d.c, k)) {
      drop(k, i, i + d.len);
      i += d.len;
      continue;
    }
    text.append(s.data() + i, d.len);
    i += d.len;
  }
  if (final && mode_ != mode::ground) end_item(base_ + n, changes);  // a sequence cut by the end of the input
  return n;
}

}  // namespace websec::terminal
