// websec/terminal.hpp — text that is safe to print on a terminal or to paste (spec §3.3, the copy/paste note of
// Flask's security documentation).
//
// Flask's documentation shows one filter: `value.replace("\b", "")` (backspaces hide characters from someone who
// reads and copies the text). `filter_doc` is exactly that. `clean` is the project's stricter policy (there is
// no Python oracle for it): it removes, or makes visible, everything that lets text lie about itself:
//   * C0 controls (U+0000–U+001F except the TAB and LF the options keep; CR unless part of CRLF) and DEL;
//   * C1 controls (U+0080–U+009F, encoded in UTF-8 as C2 80–C2 9F);
//   * ANSI/ECMA-48 escape sequences as a terminal parses them: CSI (`ESC [` or U+009B, parameters 0x30–0x3F,
//     intermediates 0x20–0x2F, final 0x40–0x7E), OSC (`ESC ]` or U+009D … BEL or ST, including OSC 8
//     hyperlinks), DCS/SOS/PM/APC strings (… ST), and the short `ESC` + intermediates + final forms;
//     a string sequence without its terminator runs to the end of the input, as on a terminal;
//   * bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069; "Trojan Source", CVE-2021-42574)
//     and the implicit marks U+200E, U+200F, U+061C;
//   * invalid UTF-8: each maximal invalid subpart (Unicode §3.9, as Python's decoder splits errors) becomes one
//     U+FFFD, or each byte `\xNN` when made visible.
// Every change is reported with its kind, byte offset in the input, length and count. The output is valid
// UTF-8, contains none of the above, and cleaning it again changes nothing. `cleaner` does the same on input pushed in
// pieces, in memory independent of the input's size (`websec terminal clean` streams through it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace websec::terminal {

/// The documented filter: `body.replace("\b", "")`.
std::string filter_doc(std::string_view s);

enum class kind {
  backspace,         ///< \b removed by filter_doc
  c0_control,        ///< a C0 control other than ESC (and other than kept TAB/LF/CRLF)
  del,               ///< U+007F
  c1_control,        ///< U+0080–U+009F other than those starting a sequence
  csi_sequence,      ///< ESC [ … final, or U+009B …
  osc_sequence,      ///< ESC ] … BEL/ST (window titles, OSC 8 hyperlinks, clipboard OSC 52)
  string_sequence,   ///< DCS / SOS / PM / APC … ST
  escape_sequence,   ///< other ESC sequences, and a lone ESC
  bidi_override,     ///< U+202A–U+202E
  bidi_isolate,      ///< U+2066–U+2069
  bidi_mark,         ///< U+200E, U+200F, U+061C
  invalid_utf8,      ///< a maximal invalid subpart
};

std::string_view to_string(kind k);

enum class action {
  remove,   ///< drop the item (invalid UTF-8 becomes U+FFFD)
  visible,  ///< replace each control code point by `\xNN` / `\uNNNN` and each invalid byte by `\xNN`;
            ///< the printable bytes of a sequence stay, so `ESC[31m` shows as `\x1b[31m`
};

struct options {
  action act = action::remove;
  bool keep_tab = true;
  bool keep_newline = true;  ///< LF
  bool keep_crlf = true;     ///< CR directly followed by LF (a lone CR can overwrite what was printed)
};

/// One change: `count` adjacent items of the same kind starting at byte `offset`, covering `length` bytes.
struct change {
  terminal::kind what;
  std::size_t offset;
  std::size_t length;
  std::size_t count;
};

struct cleaned {
  std::string text;
  std::vector<change> changes;
};

/// The strict policy. Linear time; never throws. (A `cleaner` fed `s` at once.)
cleaned clean(std::string_view s, const options& o = {});

/// The documented filter with a report (one change per run of backspaces).
cleaned clean_doc(std::string_view s);

/// `clean` and `clean_doc` for input of any size, pushed in pieces: the cleaned text and every change that is
/// complete come out as soon as they are decided. Between two calls it holds at most 3 bytes of input (an ESC, a CR
/// or a character whose meaning depends on the next byte) and the one change that may still grow, so its memory does
/// not depend on the input's size, and an escape sequence or string of any length streams through. However the input
/// is split into pieces, the concatenated text and changes are exactly what `clean` / `clean_doc` give for the whole.
class cleaner {
 public:
  /// The strict policy with `o`.
  explicit cleaner(const options& o = {}) : o_(o) {}
  /// The documented filter (clean_doc).
  static cleaner documented() {
    cleaner c;
    c.doc_ = true;
    return c;
  }
  /// Cleans the next piece: appends its text to `text` and the changes it completed to `changes`.
  void feed(std::string_view piece, std::string& text, std::vector<change>& changes);
  /// End of the input: decides what was held back and appends the last change.
  void finish(std::string& text, std::vector<change>& changes);

 private:
  enum class mode : unsigned char { ground, csi_params, csi_inter, esc_inter, string };
  std::size_t run(std::string_view s, bool final, std::string& text, std::vector<change>& changes);
  void record(kind k, std::uint64_t offset, std::uint64_t length, std::vector<change>& changes);
  void begin_item(kind k, std::uint64_t offset, mode m, bool bel_ends = false);
  void end_item(std::uint64_t end, std::vector<change>& changes);

  options o_;
  bool doc_ = false;
  std::string held_;           // input not decided yet (at most 3 bytes)
  std::uint64_t base_ = 0;     // input offset of held_[0], or of the next piece when nothing is held
  mode mode_ = mode::ground;   // inside a CSI, ESC-intermediate or string sequence that goes on
  kind item_kind_ = kind::escape_sequence;
  std::uint64_t item_start_ = 0;
  bool item_bel_ = false;      // the string sequence ends at BEL (OSC)
  std::optional<change> pending_;  // the last change, which the next item may still extend
};

}  // namespace websec::terminal
