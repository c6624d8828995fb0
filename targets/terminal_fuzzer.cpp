// terminal_fuzzer — the documented backspace filter and the strict terminal policy on arbitrary bytes.
//
// Invariants (abort on violation), for both actions (remove, visible) and with and without TAB/LF/CRLF kept:
//   * the output is strict UTF-8 with no C0 control (except those kept), DEL, C1 control, ESC, bidi
//     override/isolate/mark
//   * cleaning is idempotent: cleaning the output again changes nothing and reports nothing
//   * reported changes are ordered, disjoint, inside the input, and there are none exactly when the text is
//     unchanged
//   * the remove action never makes text longer than 3 bytes per input byte (U+FFFD for an invalid byte)
//   * the documented filter equals Python's `s.replace("\b", "")`
//   * the streaming cleaner fed the input in pieces of 1-8 bytes gives exactly clean()'s text and changes
#include "fuzz_check.hpp"
#include "websec/terminal.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace websec::terminal;

namespace {

bool safe_output(const std::string& s, const options& o) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == 0x7F) return false;
      if (c < 0x20 && !((c == '\t' && o.keep_tab) || (c == '\n' && o.keep_newline) ||
                        (c == '\r' && o.keep_crlf && i + 1 < s.size() && s[i + 1] == '\n')))
        return false;
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return false;
    char32_t cp = c & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F)) return false;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
        cp == 0x061C)
      return false;
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view x(reinterpret_cast<const char*>(data), size);
  for (int variant = 0; variant < 4; ++variant) {
    options o;
    o.act = (variant & 1) ? action::visible : action::remove;
    if (variant & 2) o.keep_tab = o.keep_newline = o.keep_crlf = false;
    cleaned r = clean(x, o);
    CHECK(safe_output(r.text, o), "unsafe character in strict output");
    cleaned again = clean(r.text, o);
    CHECK(again.text == r.text && again.changes.empty(), "cleaning is not idempotent");
    CHECK(r.changes.empty() == (r.text == x), "changes reported iff text changed");
    std::size_t covered = 0;
    for (const change& c : r.changes) {
      CHECK(c.offset >= covered, "changes overlap or are out of order");
      CHECK(c.offset + c.length <= size, "change outside the input");
      CHECK(c.count >= 1 && c.length >= c.count, "change count");
      covered = c.offset + c.length;
    }
    if (o.act == action::remove) CHECK(r.text.size() <= 3 * size, "output grew");
    // the streaming cleaner, fed pieces of 1 to 8 bytes (sizes taken from the input), gives the same text and report;
    // a feed() per few bytes is the costliest check here: the cheaper twin terminal_fuzzer_fast leaves it out
    if (!websec::fuzz::full) continue;
    cleaner st(o);
    cleaned p;
    for (std::size_t i = 0, k = 0; i < size; ++k) {
      std::size_t n = std::min<std::size_t>(1 + (static_cast<unsigned char>(x[k % size]) + variant) % 8, size - i);
      st.feed(x.substr(i, n), p.text, p.changes);
      i += n;
    }
    st.finish(p.text, p.changes);
    CHECK(p.text == r.text, "streamed text differs from clean()");
    CHECK(p.changes.size() == r.changes.size(), "streamed report differs from clean()");
    for (std::size_t i = 0; i < p.changes.size(); ++i)
      CHECK(p.changes[i].what == r.changes[i].what && p.changes[i].offset == r.changes[i].offset &&
                p.changes[i].length == r.changes[i].length && p.changes[i].count == r.changes[i].count,
            "streamed change %zu differs from clean()", i);
  }
  std::string want;
  for (char c : x)
    if (c != '\b') want += c;
  CHECK(filter_doc(x) == want, "filter_doc differs from str.replace");
  cleaned d = clean_doc(x);
  CHECK(d.text == want, "clean_doc text");
  std::size_t removed = 0;
  for (const change& c : d.changes) removed += c.length;
  CHECK(removed == size - want.size(), "clean_doc report");
  // every reported kind has a distinct, non-empty name (reports and JSON output use them); the names do not depend on
  // the input, so they are compared once
  for (const change& c : d.changes) CHECK(!to_string(c.what).empty(), "kind without a name");
  static const bool names_checked = [] {
    static const kind all_kinds[] = {kind::backspace, kind::c0_control, kind::del, kind::c1_control, kind::csi_sequence,
                                     kind::osc_sequence, kind::string_sequence, kind::escape_sequence,
                                     kind::bidi_override, kind::bidi_isolate, kind::bidi_mark, kind::invalid_utf8};
    for (kind a : all_kinds)
      for (kind b : all_kinds) CHECK((a == b) == (to_string(a) == to_string(b)), "kind names not distinct");
    return true;
  }();
  (void)names_checked;
  return 0;
}
