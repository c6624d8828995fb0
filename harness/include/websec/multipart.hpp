// websec/multipart.hpp — Flask/werkzeug request form parsing: `multipart/form-data` (a streaming push parser)
// and dispatch to `application/x-www-form-urlencoded` (websec/urlencoded.hpp), with Flask's limits.
//
// Mirrors `werkzeug.formparser.FormDataParser.parse` → `MultiPartParser.parse` → `sansio.multipart.MultipartDecoder`
// (docs/spec.md §1.2–1.8; RFC 7578 / RFC 2046 as werkzeug reads them), byte for byte, in two profiles:
// `profile::upstream` (werkzeug 3.1.8 / Flask 3.1, what the Flask 3.x documentation describes) and
// `profile::debian` (Debian 12's werkzeug 2.2.2+deb12u1, the live oracle of the tests). Every difference is a
// switch of `websec::form_rules` (websec/form_profile.hpp).
//
// What is reproduced exactly:
//  * the body is consumed in werkzeug's 65 536-byte reads (feed() regroups whatever the caller pushes), so the
//    decoder-buffer check `len(buffer) + len(chunk) > max_form_memory_size`, the hold-back after the last CR/LF
//    and every chunk-boundary effect match;
//  * the decoder's regular expressions (preamble/boundary/blank line, CR/LF/CRLF, transport padding, search
//    positions), header parsing (folding, `splitlines`, strict UTF-8), Content-Disposition parameters;
//  * limits: parts counted as soon as part N+1's header block completes (413), both memory checks (413; the
//    per-field one is a NameError → 500 in debian), max_content_length for declared and chunked bodies, a body
//    shorter than Content-Length (400), a longer one truncated;
//  * werkzeug's silent failure: a ValueError drops *all* fields and files (status 200, empty form) — the result
//    still names the precise reason (`outcome.error`, `outcome.silent_empty_form`).
//
// Memory: the text of the fields (names, values, headers) lives in one arena per result, so a field costs no
// allocation of its own (see `header` and `form_data::storage`). File parts go to a sink (memory up to 512 000
// bytes, then an unlinked-on-destruction temporary file, like werkzeug's SpooledTemporaryFile; or hash-only),
// SHA-256 computed while streaming. Field values are bounded
// by max_form_memory_size per field; the decoder buffer by max_form_memory_size when set. Unset limits are
// unlimited as in Python — in the debian profile with max_form_memory_size unset (Debian's default) the
// decoder holds what Debian holds (e.g. a part header block, or the O(n) hold-back after `\r--boundary`).
// Untrusted input never throws.
//
// Sources: the debian profile follows the installed werkzeug 2.2.2+deb12u1 (formparser.py, sansio/multipart.py,
// http.py, wsgi.py) and is checked against it live (multipart_test: 2 200 generated bodies). The upstream profile
// follows docs/spec.md and its vectors; where 3.1.8's source was not at hand (CR/LF split across two reads right
// after a part's blank line or a delimiter), it follows werkzeug `main`'s decoder, which still has the decoder
// buffer check that 3.2 removes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "websec/result.hpp"
#include "websec/version.hpp"

namespace websec::multipart {

/// Flask's request limits (Flask 3.1 defaults); nullopt = unlimited. Like `Request.max_*`, settable per call.
struct FormLimits {
  std::optional<std::uint64_t> max_content_length;               ///< MAX_CONTENT_LENGTH (None)
  std::optional<std::uint64_t> max_form_memory_size = 500000;    ///< MAX_FORM_MEMORY_SIZE (500 000; Debian: None)
  std::optional<std::uint64_t> max_form_parts = 1000;            ///< MAX_FORM_PARTS (1000)
};
using form_limits = FormLimits;

/// How the body arrives, as the WSGI environ describes it.
struct request_info {
  /// CONTENT_TYPE as raw header bytes (WSGI decodes them as latin-1). nullopt or "" → the form is not parsed.
  std::optional<std::string> content_type;
  /// CONTENT_LENGTH header text (e.g. "63", " 63 ", "+63", "abc"); nullopt = absent (→ empty body unless chunked or
  /// read_to_end).
  std::optional<std::string> content_length;
  /// The declared length is the length of what is fed (Content-Length = body length, learned at finish()).
  /// Use it to stream a body of known-but-not-yet-counted size (a pipe). Overrides `content_length`.
  bool content_length_is_body_length = false;
  /// Transfer-Encoding: chunked (wsgi.input_terminated): the whole body is read, no Content-Length.
  bool chunked = false;
  /// The parser level of werkzeug (`FormDataParser.parse(stream, mimetype, content_length=None)`,
  /// `MultiPartParser.parse(stream, boundary, None)`): no length is known, the stream is read to its end, and no
  /// length is checked against max_content_length (neither profile checks a None length; the per-field, memory and
  /// part limits still apply). Overrides `content_length`, `content_length_is_body_length` and `chunked`.
  bool read_to_end = false;
  /// When set, the body is multipart/form-data with exactly these boundary bytes and `content_type` is not
  /// consulted (for callers that already know the boundary, e.g. `websec multipart parse --boundary`).
  std::optional<std::string> boundary;
};

/// Where file bytes go.
enum class file_sink {
  spooled,    ///< werkzeug's default: memory up to 512 000 bytes, then a temporary file ($TMPDIR or /tmp)
  memory,     ///< always in memory (like werkzeug with a BytesIO stream_factory)
  hash_only,  ///< keep nothing: size and SHA-256 only (the CLI)
  callback,   ///< hand every piece of file data to `parse_options::on_file_data` (nothing kept)
};

/// Where `file_sink::spooled` keeps a file once it rolls over.
enum class spool_backing {
  temp_dir,  ///< a temporary file in $TMPDIR or /tmp, as werkzeug's SpooledTemporaryFile (the default)
  memfd,     ///< an anonymous in-memory file (Linux memfd_create): the same roll-over, sizes and reads, no file
             ///< system — for callers that parse millions of bodies (the fuzz targets). Falls back to temp_dir
             ///< where memfd_create is missing.
};

struct parse_options {
  profile prof = profile::upstream;
  file_sink sink = file_sink::spooled;
  bool sha256 = true;                         ///< compute each file's SHA-256 while streaming
  std::uint64_t spool_max_size = 1024 * 500;  ///< SpooledTemporaryFile(max_size=1024*500): rolls when size > this
  spool_backing spool_to = spool_backing::temp_dir;  ///< where a rolled-over file goes (file_sink::spooled)
  /// With `file_sink::callback`: called with the index of the file (0, 1, ... in body order) and the next bytes
  /// of its data, as they are parsed. A file later dropped by an error outcome has been delivered all the same.
  std::function<void(std::size_t file_index, std::string_view bytes)> on_file_data;
};

/// The text of a result (names, values, filenames, header lines) lives in one arena owned by the form_data
/// (`form_data::storage`): `field`, `file` and `header` hold views into it, valid as long as the form_data — or a
/// copy of it, which shares the arena — lives. Moving a form_data keeps every view valid. A `field` or `file`
/// copied out of the form_data must not outlive it.
struct header {
  std::string_view name, value;  ///< UTF-8, stripped as werkzeug stores them
};

struct field {
  std::optional<std::string_view> name;  ///< nullopt = Python None (no `name` parameter)
  std::string_view value;                ///< decoded as werkzeug does (charset rules of the profile, errors="replace")
  std::span<const header> headers;       ///< the part's headers in order
  std::string_view raw_bytes;            ///< the bytes of the value as sent (the same storage as `value` when
                                         ///< decoding changed nothing)
  std::string_view raw() const { return raw_bytes; }
};

/// A temporary file owned by a result; removed when the last reference goes.
class temp_file {
 public:
  explicit temp_file(std::string path) : path_(std::move(path)) {}
  /// An anonymous file (`spool_backing::memfd`) open as `fd`, closed with the last reference; its path() is "".
  explicit temp_file(int fd) : fd_(fd) {}
  ~temp_file();
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }
  /// The descriptor of an anonymous file, -1 for a file on disk.
  int fd() const { return fd_; }
  /// Keeps the file on disk when the result is destroyed.
  void release() { keep_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool keep_ = false;
};

struct file {
  std::optional<std::string_view> name;          ///< nullopt = None
  std::string_view filename;                     ///< verbatim (no path stripping); may be ""
  std::optional<std::string_view> content_type;  ///< the part's Content-Type header, or None
  std::span<const header> headers;
  std::uint64_t size = 0;
  std::string sha256;                       ///< lowercase hex ("" when hashing is off)
  bool rolled_to_disk = false;              ///< werkzeug's `stream._rolled`
  enum class storage { memory, temp_file, discarded } where = storage::memory;
  std::string data;                         ///< the bytes when `where == memory`
  std::shared_ptr<temp_file> disk;          ///< the file when `where == temp_file`
  /// The bytes, wherever they are (reads the temporary file; "" when discarded).
  std::string read_all() const;
};

struct outcome {
  int status = 200;                    ///< 200, 400 (short body), 413 (a limit), 500 (debian: NameError/LookupError)
  std::optional<websec::error> error;  ///< null when the body parsed; set for every failure incl. silent ones
  bool silent_empty_form = false;      ///< werkzeug swallowed a ValueError: status 200 with an empty form
};

enum class body_kind {
  none,        ///< not parsed: no Content-Type, or a mimetype werkzeug does not parse (stream untouched)
  multipart,
  urlencoded,
};

/// The arena the views of a form_data point into (opaque; see `header`).
class form_storage;

struct form_data {
  std::vector<field> fields;  ///< request.form, in order, duplicates kept
  std::vector<file> files;    ///< request.files
  outcome result;
  body_kind kind = body_kind::none;
  std::string mimetype;       ///< `Request.mimetype` (lower-cased)
  /// Bytes consumed from the stream (never past its limit: Content-Length, or max_content_length when streamed).
  /// Without an error it does not depend on how the body was split into feed() calls. After an error it is where
  /// consuming stopped: every byte of the feed() call in which the error was decided counts, so the figure
  /// depends on the split (fed at once, the whole body counts).
  std::uint64_t body_bytes = 0;
  /// Owns the bytes `fields` and `files` view (all but `file::data`/`file::sha256`); shared by copies.
  std::shared_ptr<const form_storage> storage;
};

/// Streaming form parser (the whole `request.form` pipeline). feed() any split of the body, then finish().
/// Error kinds (outcome.error->kind), with the status Flask answers:
///   413: errc::max_content_length, errc::max_form_memory_size (decoder buffer),
///        errc::max_form_memory_size_field, errc::max_form_parts;
///   400: errc::client_disconnected (body shorter than Content-Length);
///   500 (debian): errc::field_limit_name_error, errc::unknown_charset, errc::unsupported_charset,
///        errc::charset_none;
///   200 silent empty form: errc::missing_boundary, errc::boundary_not_ascii, errc::incomplete_body (EOF in a
///        state: message "Invalid form-data cannot parse beyond State.X"), errc::missing_content_disposition,
///        errc::header_not_utf8, errc::header_line_without_colon, errc::parameter_charset_decode,
///        errc::charset_decode, errc::body_not_utf8 (urlencoded, upstream).
class form_parser {
 public:
  form_parser(const request_info& req, const FormLimits& limits = {}, const parse_options& opts = {});
  ~form_parser();
  form_parser(form_parser&&) noexcept;
  form_parser& operator=(form_parser&&) noexcept;

  /// Pushes body bytes. Never throws on any input; once an outcome is decided further bytes are only counted.
  void feed(std::string_view bytes);
  /// End of body. Returns the result (call once).
  form_data finish();

  /// The error outcome the bytes fed so far have already decided, when nothing the rest of the body can bring
  /// (or fail to bring) changes it: finish() will report exactly this outcome (status, error, silent flag), with
  /// an empty form. nullopt while the body may still parse, and while a later check can still replace the error —
  /// in the debian profile a declared body that turns out shorter than its Content-Length answers 400 whatever
  /// came first (werkzeug 2.2 drains the stream before raising), and with `content_length_is_body_length` the
  /// streamed length is compared with max_content_length (and, urlencoded, max_form_memory_size) at finish().
  /// A server can answer e.g. 413 for part 1001 or an oversized field without reading the rest of the body.
  std::optional<outcome> failed() const;

  /// Largest number of bytes the multipart decoder buffer held at once (werkzeug's `len(buffer)` minus the
  /// preamble/epilogue bytes it can drop), excluding the ≤ 64 KiB read staging. With max_form_memory_size set
  /// this never exceeds it.
  std::uint64_t peak_buffered() const;
  /// Largest field value held (bytes); never exceeds max_form_memory_size when set.
  std::uint64_t peak_field_bytes() const;

  class impl;

 private:
  std::unique_ptr<impl> p_;
};

/// One-shot convenience: `form_parser(req, limits, opts)`, feed(body), finish().
form_data parse_form(std::string_view body, const request_info& req, const FormLimits& limits = {},
                     const parse_options& opts = {});

/// Shortcut for a multipart body with a known boundary (Content-Type `multipart/form-data; boundary="<b>"`
/// is bypassed: the boundary bytes are used as given) and Content-Length = body length.
form_data parse_multipart(std::string_view body, std::string_view boundary, const FormLimits& limits = {},
                          const parse_options& opts = {});

}  // namespace websec::multipart
