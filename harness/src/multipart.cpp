// werkzeug's form pipeline: FormDataParser.parse → MultiPartParser.parse → MultipartDecoder (see multipart.hpp).
// The decoder runs werkzeug's algorithm on werkzeug's buffer (same contents after every 64 KiB read), with
// memchr/memmem scans instead of regular expressions and without copying a read that starts on an empty buffer.
#include "websec/multipart.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "text_util.hpp"
#include "websec/charset.hpp"
#include "websec/content_type.hpp"
#include "websec/form_profile.hpp"
#include "websec/urlencoded.hpp"

namespace websec::multipart {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;  // MultiPartParser buffer_size
// The most the memory file sink reserves ahead of the bytes it holds on the word of a declared Content-Length.
constexpr std::uint64_t kMemorySinkAhead = 1u << 20;
constexpr std::size_t npos = std::string_view::npos;

inline bool is_hspace(char c) { return c == ' ' || c == '\t' || c == '\x0b' || c == '\x0c'; }
inline bool is_lb(char c) { return c == '\r' || c == '\n'; }

std::size_t rfind_byte(std::string_view v, char c) {
  if (v.empty()) return npos;
  const void* p = memrchr(v.data(), c, v.size());
  return p ? static_cast<std::size_t>(static_cast<const char*>(p) - v.data()) : npos;
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// Leftmost occurrence of n (nl >= 2) in h[0, len): 32 candidate starts a step, filtered on the needle's first and
// last bytes, each survivor confirmed with memcmp. When survivors are frequent (a haystack made of the needle's
// bytes) the rest goes to memmem, whose time is linear whatever the input.
__attribute__((target("avx2"))) const char* search_avx2(const char* h, std::size_t len, const char* n, std::size_t nl) {
  const __m256i f = _mm256_set1_epi8(n[0]), l = _mm256_set1_epi8(n[nl - 1]);
  const std::size_t starts = len - nl + 1;  // candidate starts 0 .. starts-1
  std::size_t i = 0, checks = 0;
  for (; i + 32 <= starts; i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + nl - 1));
    auto m = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, f), _mm256_cmpeq_epi8(b, l))));
    while (m) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(m));
      if (std::memcmp(h + i + bit + 1, n + 1, nl - 2) == 0) return h + i + bit;
      m &= m - 1;
      if (++checks > 64 && checks * 16 > i) {
        return static_cast<const char*>(memmem(h + i, len - i, n, nl));
      }
    }
  }
  for (; i < starts; ++i)
    if (h[i] == n[0] && std::memcmp(h + i, n, nl) == 0) return h + i;
  return nullptr;
}
const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
#endif

const char* search(const char* h, std::size_t len, const char* n, std::size_t nl) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (kHaveAvx2 && nl >= 2 && len >= nl) return search_avx2(h, len, n, nl);
#endif
  return static_cast<const char*>(memmem(h, len, n, nl));
}

std::size_t find_bytes(std::string_view hay, std::size_t from, std::string_view needle) {
  if (from > hay.size() || hay.size() - from < needle.size()) return npos;
  if (needle.empty()) return from;
  const char* h = hay.data() + from;
  const std::size_t len = hay.size() - from, nl = needle.size();
  // The next delimiter is usually close (small fields): probe the first candidate positions with memchr+memcmp,
  // where memmem's per-call setup would dominate; the rest of the haystack goes to memmem.
  const std::size_t starts = len - nl + 1, stop = std::min<std::size_t>(starts, 256);
  for (std::size_t i = 0; i < stop;) {
    const void* q = std::memchr(h + i, needle[0], stop - i);
    if (!q) break;
    i = static_cast<std::size_t>(static_cast<const char*>(q) - h);
    if (std::memcmp(h + i, needle.data(), nl) == 0) return from + i;
    ++i;
  }
  if (stop == starts) return npos;
  const char* p = search(h + stop, len - stop, needle.data(), nl);
  return p ? static_cast<std::size_t>(p - hay.data()) : npos;
}

// true when every byte is < 0x80 (32 bytes a step)
bool all_ascii(std::string_view v) {
  const char* p = v.data();
  std::size_t n = v.size(), i = 0;
  constexpr std::uint64_t hi = 0x8080808080808080ull;
  for (; i + 32 <= n; i += 32) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, p + i, 8);
    std::memcpy(&b, p + i + 8, 8);
    std::memcpy(&c, p + i + 16, 8);
    std::memcpy(&d, p + i + 24, 8);
    if ((a | b | c | d) & hi) return false;
  }
  for (; i + 8 <= n; i += 8) {
    std::uint64_t a;
    std::memcpy(&a, p + i, 8);
    if (a & hi) return false;
  }
  for (; i < n; ++i)
    if (static_cast<unsigned char>(p[i]) >= 0x80) return false;
  return true;
}

// First CR or LF in [p, e) (e when none), 8 bytes a step: header blocks are short, where memchr's call costs more.
const char* find_lb(const char* p, const char* e) {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  for (; e - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t a = w ^ (ones * '\r'), b = w ^ (ones * '\n');
    const std::uint64_t z = (((a - ones) & ~a) | ((b - ones) & ~b)) & highs;  // lowest set byte is exact
    if (z) return p + (__builtin_ctzll(z) >> 3);
  }
  for (; p < e; ++p)
    if (*p == '\r' || *p == '\n') return p;
  return e;
}

std::string hex(const unsigned char* d, std::size_t n) {
  static const char* h = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) { s.push_back(h[d[i] >> 4]); s.push_back(h[d[i] & 15]); }
  return s;
}

// Python int(str) for CONTENT_LENGTH (debian): strip, sign, digits with single '_' between; saturates.
std::optional<std::uint64_t> python_int_nonneg(std::string_view raw, bool* invalid) {
  std::u32string u = detail::from_utf8(detail::latin1_to_utf8(raw));
  std::u32string_view s = detail::py_strip(u);
  *invalid = false;
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == U'+' || s[i] == U'-')) { neg = s[i] == U'-'; ++i; }
  if (i >= s.size()) { *invalid = true; return std::nullopt; }
  std::uint64_t v = 0;
  bool sat = false, last_us = true;
  for (; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c == U'_') {
      if (last_us) { *invalid = true; return std::nullopt; }
      last_us = true;
      continue;
    }
    if (c < U'0' || c > U'9') { *invalid = true; return std::nullopt; }
    last_us = false;
    if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) sat = true;
    else v = v * 10 + (c - U'0');
  }
  if (last_us) { *invalid = true; return std::nullopt; }
  if (neg) return 0;
  return sat ? std::numeric_limits<std::uint64_t>::max() : v;
}

// werkzeug 3 `_plain_int`: strip, then -?\d+ (ASCII); invalid → 0 (get_content_length); max(0, v).
std::uint64_t plain_int_nonneg(std::string_view raw) {
  std::u32string u = detail::from_utf8(detail::latin1_to_utf8(raw));
  std::u32string_view s = detail::py_strip(u);
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && s[i] == U'-') { neg = true; ++i; }
  if (i >= s.size()) return 0;
  std::uint64_t v = 0;
  bool sat = false;
  for (; i < s.size(); ++i) {
    if (s[i] < U'0' || s[i] > U'9') return 0;
    if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) sat = true;
    else v = v * 10 + (s[i] - U'0');
  }
  if (neg) return 0;
  return sat ? std::numeric_limits<std::uint64_t>::max() : v;
}

struct decode_error {  // what a Python exception would be
  errc kind;
  int status;
  std::string message;
  bool silent;
};

}  // namespace

// The arena of a result: blocks that never move. Small strings are appended to the current block (blocks grow
// geometrically up to 64 KiB). A field value grows in place at the end of the current block (the "open" value);
// when it outgrows it, it moves to a block of its own sized for what it can still grow to (like a std::string
// that reserves), and the small strings that follow go on in the current block.
class form_storage {
 public:
  explicit form_storage(std::size_t first_block) : next_size_(first_block) {}
  form_storage(const form_storage&) = delete;
  form_storage& operator=(const form_storage&) = delete;

  void first_block(std::size_t n) {
    if (blocks_.empty()) next_size_ = n;
  }

  std::string_view copy(std::string_view s) {
    if (s.empty()) return std::string_view(kEmpty, 0);
    if (s.size() > left_) new_block(s.size());
    char* p = cur_;
    std::memcpy(p, s.data(), s.size());
    cur_ += s.size();
    left_ -= s.size();
    return {p, s.size()};
  }
  std::span<const header> copy(std::span<const header> hs) {
    if (hs.empty()) return {};
    const std::size_t bytes = hs.size() * sizeof(header);
    if (pad() + bytes > left_) new_block(bytes + alignof(header));
    const std::size_t pd = pad();
    header* out = reinterpret_cast<header*>(cur_ + pd);
    std::uninitialized_copy(hs.begin(), hs.end(), out);
    cur_ += pd + bytes;
    left_ -= pd + bytes;
    return {out, hs.size()};
  }

  // the open value: begin_value(), append()*, end_value()
  void begin_value() {
    own_ = nullptr;
    own_len_ = own_cap_ = 0;
    open_len_ = 0;
  }
  /// `want`: the size the value may reach, a capacity hint for the block it moves to when it outgrows this one.
  void append(std::string_view d, std::size_t want = 0) {
    if (d.empty()) return;
    if (own_) {
      if (d.size() > own_cap_ - own_len_) grow_own(own_len_ + d.size(), want);
      std::memcpy(own_ + own_len_, d.data(), d.size());
      own_len_ += d.size();
      return;
    }
    if (d.size() > left_ - open_len_) {
      const std::size_t need = open_len_ + d.size();
      if (need <= kMaxStep / 4 && want < need) {  // a short value: on with it in the next small block
        new_block(need, open_len_);
      } else {
        grow_own(need, want);
        std::memcpy(own_ + own_len_, d.data(), d.size());
        own_len_ += d.size();
        return;
      }
    }
    std::memcpy(cur_ + open_len_, d.data(), d.size());
    open_len_ += d.size();
  }
  std::size_t value_size() const { return own_ ? own_len_ : open_len_; }
  std::string_view end_value() {
    if (own_) {
      std::string_view v(own_, own_len_);
      own_ = nullptr;
      own_len_ = own_cap_ = 0;
      return v;
    }
    std::string_view v = open_len_ ? std::string_view(cur_, open_len_) : std::string_view(kEmpty, 0);
    cur_ += open_len_;
    left_ -= open_len_;
    open_len_ = 0;
    return v;
  }

 private:
  static constexpr std::size_t kMaxStep = 64 * 1024, kMaxGrowth = 1 << 20;
  inline static const char kEmpty[1] = {};
  std::size_t pad() const {
    return (alignof(header) - reinterpret_cast<std::uintptr_t>(cur_) % alignof(header)) % alignof(header);
  }
  // a new current block of at least `need` bytes; the first `keep` bytes at cur_ (an open value) move with it
  void new_block(std::size_t need, std::size_t keep = 0) {
    const std::size_t size = std::max(need, next_size_);
    if (next_size_ < kMaxStep) next_size_ = std::min(next_size_ * 2, kMaxStep);
    std::unique_ptr<char[]> b(new char[size]);
    if (keep) std::memcpy(b.get(), cur_, keep);
    cur_ = b.get();
    left_ = size;
    blocks_.push_back(std::move(b));
  }
  // the open value moves to (or within) a block of its own of at least `need` bytes
  void grow_own(std::size_t need, std::size_t want) {
    const std::size_t cap = want >= need ? want : std::max(std::min(2 * need, need + kMaxGrowth), 2 * own_cap_);
    std::unique_ptr<char[]> b(new char[cap]);
    if (own_) {
      std::memcpy(b.get(), own_, own_len_);
      for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it)  // the previous own block is garbage now
        if (it->get() == own_) { it->reset(); break; }
    } else {
      std::memcpy(b.get(), cur_, open_len_);
      own_len_ = open_len_;
      open_len_ = 0;
    }
    own_ = b.get();
    own_cap_ = cap;
    blocks_.push_back(std::move(b));
  }

  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cur_ = nullptr;  // the current small block: free space [cur_, cur_ + left_)
  std::size_t left_ = 0, open_len_ = 0, next_size_;
  char* own_ = nullptr;  // the open value when it has a block of its own
  std::size_t own_len_ = 0, own_cap_ = 0;
};

temp_file::~temp_file() {
  if (fd_ >= 0) ::close(fd_);
  if (!keep_ && !path_.empty()) ::unlink(path_.c_str());
}

std::string file::read_all() const {
  if (where == storage::memory) return data;
  if (where == storage::discarded || !disk) return {};
  std::string out;
  if (disk->fd() >= 0) {  // an anonymous file: read it from its start
    char buf[65536];
    for (off_t at = 0;;) {
      ssize_t n = ::pread(disk->fd(), buf, sizeof buf, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }
  int fd = ::open(disk->path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// =====================================================================================================
class form_parser::impl {
 public:
  impl(const request_info& req, const FormLimits& lim, const parse_options& opts)
      : req_(req), lim_(lim), opts_(opts), rules_(form_rules_for(opts.prof)) {
    setup();
  }
  ~impl() { close_sink(); if (md_) EVP_MD_CTX_free(md_); }

  void feed(std::string_view bytes);
  form_data finish();
  std::uint64_t peak_buffered() const { return peak_buffer_; }
  std::optional<outcome> failed() const;
  std::uint64_t peak_field() const { return peak_field_; }

 private:
  enum class st { preamble, part, data_start, data, epilogue, complete };
  static const char* state_name(st s) {
    switch (s) {
      case st::preamble: return "PREAMBLE";
      case st::part: return "PART";
      case st::data_start: return "DATA_START";
      case st::data: return "DATA";
      case st::epilogue: return "EPILOGUE";
      default: return "COMPLETE";
    }
  }

  void setup();
  void decide(errc kind, int status, std::string message, std::uint64_t offset, bool silent = false) {
    if (decided_) return;
    decided_ = true;
    err_.kind = kind;
    err_.http_status = status;
    err_.message = std::move(message);
    err_.offset = offset;
    silent_ = silent;
  }
  void decide(const decode_error& e, std::uint64_t offset) { decide(e.kind, e.status, e.message, offset, e.silent); }
  void decide(const websec::error& e, bool silent) { decide(e.kind, e.http_status, e.message, e.offset, silent); }
  // a streamed length (content_length_is_body_length) over max_content_length / urlencoded max_form_memory_size;
  // offset: the first byte past the limit (independent of how the body was split into feed() calls)
  websec::error streamed_length_error(bool mcl) const {
    websec::error e;
    e.kind = mcl ? errc::max_content_length : errc::max_form_memory_size;
    e.http_status = 413;
    e.offset = mcl ? *lim_.max_content_length : *lim_.max_form_memory_size;
    e.message = mcl ? "body length exceeds max_content_length " + std::to_string(*lim_.max_content_length)
                    : "body length exceeds max_form_memory_size " + std::to_string(*lim_.max_form_memory_size) +
                          " (urlencoded)";
    return e;
  }

  void stream_bytes(std::string_view b);   // bytes of the (limited) stream, in order
  void read_chunk(std::string_view chunk); // one stream.read(65536)
  void at_eof();                           // the read that returned b"" (or raised)

  // multipart decoder
  void mp_receive(std::string_view chunk);
  void mp_events(bool complete);
  bool ev_preamble();
  bool ev_part();
  bool ev_data(bool start);
  bool parse_headers(std::string_view block, std::uint64_t offset);  // → hdrs_
  std::string_view keep(std::string_view s) { return arena_->copy(s); }
  struct dmatch { std::size_t start, end; bool epilogue; };
  bool scan_delims(std::string_view v, std::size_t occ_from, bool need_lb, dmatch& m, std::size_t& incomplete_min,
                   std::size_t& last_any);
  void consume(std::size_t k);
  // copies the unconsumed bytes into store_ when they still point into memory the parser does not own
  void materialize() {
    if (view_.data() == store_.data()) return;
    std::string_view rest = view_.substr(pos_);
    store_.assign(rest.data(), rest.size());
    view_ = store_;
    pos_ = 0;
  }
  std::string_view buf() const { return view_.substr(pos_); }
  std::uint64_t python_len() const { return discarded_ + (view_.size() - pos_); }

  // part consumer (MultiPartParser.parse loop)
  void on_part(bool is_file, std::optional<std::string_view> name, std::optional<std::string_view> filename);
  void on_data(std::string_view d, bool more);
  void finish_part();
  void sink_write(std::string_view d);
  void close_sink();

  request_info req_;
  FormLimits lim_;
  parse_options opts_;
  form_rules rules_;

  form_data out_;
  std::shared_ptr<form_storage> arena_;  // becomes out_.storage
  std::vector<header> hdrs_;             // the current part's headers (views into arena_), reused across parts
  std::size_t cd_ = npos, ct_ = npos;    // index in hdrs_ of its first Content-Disposition / Content-Type
  const header* cur_ct_ = nullptr;       // the current part's first Content-Type header (in the arena)
  std::string line_tmp_;                 // a header line stripped of non-ASCII whitespace (debian)
  bool decided_ = false, silent_ = false, ct_error_ = false;
  websec::error err_;

  // stream
  bool parse_stream_ = false;          // the parse function reads the stream
  std::optional<std::uint64_t> declared_;  // Content-Length as werkzeug computed it (None = nullopt)
  bool auto_length_ = false;
  std::optional<std::uint64_t> stream_limit_;  // LimitedStream limit (bytes that can be read)
  bool limit_is_max_ = false;          // upstream chunked + max_content_length
  bool empty_stream_ = false;          // BytesIO(): nothing can be read
  std::uint64_t total_fed_ = 0, stream_pos_ = 0;
  std::string staging_;
  bool eof_done_ = false;

  // urlencoded
  std::string url_body_;

  // multipart decoder state
  std::string boundary_, delim_;  // delim = "--" + boundary
  std::string store_;             // werkzeug's buffer (minus `discarded_` dropped bytes)
  std::string_view view_;         // current logical buffer storage (store_ or the incoming chunk)
  std::size_t pos_ = 0;           // consumed prefix of view_
  std::uint64_t discarded_ = 0;   // preamble/epilogue bytes still counted by len(buffer)
  st state_ = st::preamble;
  std::uint64_t search_position_ = 0;  // werkzeug's _search_position (python buffer coordinates)
  std::uint64_t parts_ = 0;
  std::size_t occ_hint_ = 0, last_any_ = npos;  // delimiter-search memo (relative to buf())
  std::uint64_t buf_base_ = 0;    // stream offset of buf()[0]
  std::uint64_t peak_buffer_ = 0, peak_field_ = 0;

  // current part
  bool in_part_ = false, part_is_file_ = false;
  std::size_t files_started_ = 0;
  std::optional<std::uint64_t> field_size_;
  bool field_ascii_ = true;  // every byte of the current field value so far is ASCII
  field cur_field_;
  file cur_file_;
  std::string spool_mem_;
  int spool_fd_ = -1;
  EVP_MD_CTX* md_ = nullptr;
};

void form_parser::impl::setup() {
  arena_ = std::make_shared<form_storage>(4096);
  // Request.want_form_data_parsed / mimetype / parse function
  const bool has_ct = req_.boundary.has_value() || (req_.content_type && !req_.content_type->empty());
  content_type::options_header ct;
  if (req_.boundary) {
    out_.mimetype = "multipart/form-data";
    out_.kind = body_kind::multipart;
  } else if (has_ct) {
    auto r = content_type::parse_options_header(content_type::latin1_to_utf8(*req_.content_type), opts_.prof);
    if (!r) {
      // raised while computing request.mimetype, outside FormDataParser's try: an unhandled exception → 500
      decide(r.err().kind, 500, "Content-Type: " + r.err().message, 0);
      ct_error_ = true;
      return;
    }
    ct = std::move(*r);
    out_.mimetype = ct.mimetype();
    if (out_.mimetype == "multipart/form-data") out_.kind = body_kind::multipart;
    else if (out_.mimetype == "application/x-www-form-urlencoded" ||
             (rules_.accepts_x_url_encoded && out_.mimetype == "application/x-url-encoded"))
      out_.kind = body_kind::urlencoded;
  }
  if (!has_ct) return;  // form not parsed, stream untouched

  // get_content_length / get_input_stream
  if (req_.chunked || req_.read_to_end) {
    declared_.reset();
  } else if (req_.content_length_is_body_length) {
    auto_length_ = true;
  } else if (req_.content_length) {
    if (rules_.content_length_python_int) {
      bool invalid;
      declared_ = python_int_nonneg(*req_.content_length, &invalid);
    } else {
      declared_ = plain_int_nonneg(*req_.content_length);
    }
  }
  // first arena block: the declared body size (the text of the fields is about that), within [1 KiB, 64 KiB]
  if (declared_) arena_->first_block(static_cast<std::size_t>(std::clamp<std::uint64_t>(*declared_, 1024, 65536)));
  if (req_.chunked && !req_.read_to_end) {
    if (rules_.mcl_limits_stream && lim_.max_content_length) { stream_limit_ = lim_.max_content_length; limit_is_max_ = true; }
  } else if (req_.read_to_end) {
    // parser level (FormDataParser.parse(stream, ..., content_length=None)): the stream is read to its end
  } else if (!auto_length_) {
    if (declared_) stream_limit_ = declared_;
    else empty_stream_ = true;
  }
  // max_content_length against a declared length: before anything is parsed (both profiles; debian drains first)
  if (lim_.max_content_length && declared_ && *declared_ > *lim_.max_content_length) {
    decide(errc::max_content_length, 413,
           "Content-Length " + std::to_string(*declared_) + " exceeds max_content_length " +
               std::to_string(*lim_.max_content_length),
           0);
    return;
  }
  if (out_.kind == body_kind::none) return;
  parse_stream_ = true;
  if (out_.kind == body_kind::urlencoded) {
    if (lim_.max_form_memory_size && declared_ && *declared_ > *lim_.max_form_memory_size)
      decide(errc::max_form_memory_size, 413,
             "Content-Length " + std::to_string(*declared_) + " exceeds max_form_memory_size " +
                 std::to_string(*lim_.max_form_memory_size) + " (urlencoded)",
             0);
    return;
  }
  // multipart boundary: options.get("boundary", "").encode("ascii")
  std::string b;
  if (req_.boundary) {
    b = *req_.boundary;
  } else {
    const content_type::parameter* p = ct.find("boundary");
    if (p && !p->value) {
      decide(errc::boundary_none, 500, "boundary parameter without a value: None.encode() raises AttributeError", 0);
      return;
    }
    b = p ? *p->value : std::string();
    for (unsigned char c : b)
      if (c >= 0x80) {
        decide(errc::boundary_not_ascii, 200, "'ascii' codec can't encode the boundary", 0, true);
        return;
      }
  }
  if (b.empty()) {
    decide(errc::missing_boundary, 200, "Missing boundary", 0, true);
    return;
  }
  boundary_ = b;
  delim_ = "--" + b;
  staging_.reserve(kReadSize);
}

// ---------------------------------------------------------------- stream layer
void form_parser::impl::feed(std::string_view bytes) {
  total_fed_ += bytes.size();
  if (auto_length_ && !decided_) {
    if (lim_.max_content_length && total_fed_ > *lim_.max_content_length)
      decide(streamed_length_error(true), false);
    else if (out_.kind == body_kind::urlencoded && lim_.max_form_memory_size && total_fed_ > *lim_.max_form_memory_size)
      decide(streamed_length_error(false), false);
  }
  if (!parse_stream_ || decided_ || empty_stream_) return;
  // LimitedStream: nothing past the limit is read
  if (stream_limit_) {
    std::uint64_t room = *stream_limit_ > stream_pos_ ? *stream_limit_ - stream_pos_ : 0;
    if (bytes.size() > room) bytes = bytes.substr(0, static_cast<std::size_t>(room));
  }
  stream_pos_ += bytes.size();
  stream_bytes(bytes);
}

void form_parser::impl::stream_bytes(std::string_view b) {
  while (!b.empty() && !decided_) {
    if (staging_.empty() && b.size() >= kReadSize) {
      read_chunk(b.substr(0, kReadSize));
      b.remove_prefix(kReadSize);
      continue;
    }
    std::size_t take = std::min(b.size(), kReadSize - staging_.size());
    staging_.append(b.data(), take);
    b.remove_prefix(take);
    if (staging_.size() == kReadSize) {
      read_chunk(staging_);
      materialize();
      staging_.clear();
    }
  }
  materialize();
}

void form_parser::impl::read_chunk(std::string_view chunk) {
  if (decided_) return;
  if (out_.kind == body_kind::urlencoded) {
    url_body_.append(chunk);
    return;
  }
  mp_receive(chunk);
  if (!decided_) mp_events(false);
}

void form_parser::impl::at_eof() {
  if (eof_done_) return;
  eof_done_ = true;
  if (!decided_ && !staging_.empty()) {
    std::string last;
    last.swap(staging_);
    read_chunk(last);
    materialize();
  }
  if (decided_) return;
  if (stream_limit_ && stream_pos_ < *stream_limit_ && !limit_is_max_) {
    decide(errc::client_disconnected, 400,
           "body ended after " + std::to_string(stream_pos_) + " of " + std::to_string(*stream_limit_) +
               " bytes (Content-Length)",
           stream_pos_);
    return;
  }
  if (limit_is_max_ && stream_limit_ && stream_pos_ >= *stream_limit_) {
    decide(errc::max_content_length, 413,
           "streamed body reached max_content_length " + std::to_string(*stream_limit_), stream_pos_);
    return;
  }
  if (out_.kind == body_kind::urlencoded) {
    auto r = urlencoded::decode(url_body_, opts_.prof);
    if (!r) {
      decide(r.err().kind, r.err().http_status, r.err().message, r.err().offset, r.err().http_status == 200);
      return;
    }
    out_.fields.reserve(r->size());
    for (auto& p : *r) {
      field f;
      f.name = keep(p.name);
      f.value = keep(p.value);
      f.raw_bytes = f.value;
      out_.fields.push_back(f);
    }
    return;
  }
  mp_events(true);
}

// ---------------------------------------------------------------- MultipartDecoder
void form_parser::impl::mp_receive(std::string_view chunk) {
  const std::uint64_t chunk_offset = stream_pos_ - staging_.size() - 0;  // informative only
  (void)chunk_offset;
  std::uint64_t logical = python_len();
  if (lim_.max_form_memory_size && logical + chunk.size() > *lim_.max_form_memory_size) {
    decide(errc::max_form_memory_size, 413,
           "decoder buffer would hold " + std::to_string(logical + chunk.size()) + " bytes > max_form_memory_size " +
               std::to_string(*lim_.max_form_memory_size),
           buf_base_ + (view_.size() - pos_));
    return;
  }
  std::size_t held = view_.size() - pos_;
  if (state_ == st::epilogue) {  // epilogue bytes are only counted
    discarded_ += held + chunk.size();
    store_.clear();
    view_ = {};
    pos_ = 0;
    buf_base_ += held + chunk.size();
    peak_buffer_ = std::max<std::uint64_t>(peak_buffer_, python_len());
    return;
  }
  if (held == 0) {
    store_.clear();
    view_ = chunk;
    pos_ = 0;
  } else if (view_.data() != store_.data() && view_.data() + view_.size() == chunk.data()) {
    // the held bytes are the tail of the previous read of the same feed(): the buffer is already contiguous
    view_ = std::string_view(view_.data() + pos_, held + chunk.size());
    pos_ = 0;
  } else {
    if (pos_ > 0 && view_.data() == store_.data()) store_.erase(0, pos_);
    else if (view_.data() != store_.data()) store_.assign(view_.substr(pos_));
    store_.append(chunk);
    view_ = store_;
    pos_ = 0;
  }
  peak_buffer_ = std::max<std::uint64_t>(peak_buffer_, python_len());
}

void form_parser::impl::consume(std::size_t k) {
  pos_ += k;
  buf_base_ += k;
  occ_hint_ = occ_hint_ > k ? occ_hint_ - k : 0;
  if (last_any_ != npos) last_any_ = last_any_ >= k ? last_any_ - k : npos;
}

// Finds the leftmost match of preamble_re (need_lb=false) / boundary_re (need_lb=true) among occurrences of
// "--"+boundary at positions >= occ_from. Records the smallest occurrence that could still match once more
// bytes arrive (`incomplete_min`) and the last occurrence seen (`last_any`).
bool form_parser::impl::scan_delims(std::string_view v, std::size_t occ_from, bool need_lb, dmatch& m,
                                    std::size_t& incomplete_min, std::size_t& last_any) {
  const std::size_t n = v.size(), dl = delim_.size();
  std::size_t t = occ_from;
  while ((t = find_bytes(v, t, delim_)) != npos) {
    last_any = t;
    std::size_t start = t;
    if (need_lb) {
      if (t >= 2 && v[t - 2] == '\r' && v[t - 1] == '\n') start = t - 2;
      else if (t >= 1 && is_lb(v[t - 1])) start = t - 1;
      else { ++t; continue; }
    }
    std::size_t u = t + dl;
    bool incomplete = false;
    // alt 1: --[hs]*LB?
    if (u + 1 < n) {
      if (v[u] == '-' && v[u + 1] == '-') {
        std::size_t e = u + 2;
        while (e < n && is_hspace(v[e])) ++e;
        if (e < n && v[e] == '\r') { ++e; if (e < n && v[e] == '\n') ++e; }
        else if (e < n && v[e] == '\n') ++e;
        m = {start, e, true};
        return true;
      }
    } else if (u >= n || v[u] == '-') {
      incomplete = true;
    }
    // alt 2: [hs]*LB
    std::size_t k = u;
    while (k < n && is_hspace(v[k])) ++k;
    if (k >= n) incomplete = true;
    else if (v[k] == '\r') { std::size_t e = k + 1; if (e < n && v[e] == '\n') ++e; m = {start, e, false}; return true; }
    else if (v[k] == '\n') { m = {start, k + 1, false}; return true; }
    if (incomplete && incomplete_min == npos) incomplete_min = t;
    ++t;
  }
  return false;
}

bool form_parser::impl::ev_preamble() {
  std::string_view b = buf();
  // search from _search_position (python coordinates) → stored coordinates
  std::size_t from = search_position_ > discarded_ ? static_cast<std::size_t>(search_position_ - discarded_) : 0;
  dmatch m;
  std::size_t inc = npos, any = npos;
  if (scan_delims(b, from, false, m, inc, any)) {
    state_ = m.epilogue ? st::epilogue : st::part;
    consume(m.end);
    discarded_ = 0;
    search_position_ = 0;
    occ_hint_ = 0;
    last_any_ = npos;
    return true;  // Preamble event
  }
  std::uint64_t len = python_len();
  std::uint64_t sp = len > boundary_.size() + 8 ? len - boundary_.size() - 8 : 0;
  search_position_ = sp;
  // bytes before the search position are never looked at again: drop them but keep counting them
  if (sp > discarded_) {
    std::size_t drop = static_cast<std::size_t>(sp - discarded_);
    drop = std::min(drop, b.size());
    consume(drop);
    discarded_ += drop;
  }
  return false;
}

// Python str.strip() of a UTF-8 view: a view of `v`, or of `tmp` when a non-ASCII character sits at an edge.
static std::string_view strip_view(std::string_view v, std::string& tmp) {
  std::size_t i = 0, j = v.size();
  auto ws = [](unsigned char c) { return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F); };
  while (i < j && static_cast<unsigned char>(v[i]) < 0x80 && ws(static_cast<unsigned char>(v[i]))) ++i;
  while (j > i && static_cast<unsigned char>(v[j - 1]) < 0x80 && ws(static_cast<unsigned char>(v[j - 1]))) --j;
  if ((i < j && static_cast<unsigned char>(v[i]) >= 0x80) || (j > i && static_cast<unsigned char>(v[j - 1]) >= 0x80)) {
    tmp = detail::py_strip_utf8(v.substr(i, j - i));
    return tmp;
  }
  return v.substr(i, j - i);
}

// ASCII case-insensitive equality with a header name (werkzeug's Headers), trying first the spelling clients send
static bool iequals(std::string_view v, std::string_view lower, std::string_view usual) {
  return v == usual || detail::iequals(v, lower);
}

bool form_parser::impl::parse_headers(std::string_view block, std::uint64_t offset) {
  hdrs_.clear();
  cd_ = ct_ = npos;
  // HEADER_CONTINUATION_RE.sub(b" ", data): (?:\r\n|\n|\r)[ \t] → " " (copy only when a fold is present)
  std::string folded;
  std::string_view d = block;
  // a fold is a CR or LF followed by SP/HT (the "\r\n[ \t]" form has its LF so followed): look only at line breaks
  bool has_fold = false;
  {
    const char* const e = block.data() + block.size();
    for (const char* q = find_lb(block.data(), e); q + 1 < e; q = find_lb(q + 1, e))
      if (q[1] == ' ' || q[1] == '\t') { has_fold = true; break; }
  }
  for (std::size_t k = 0; has_fold && k + 1 < block.size(); ++k) {
    char c = block[k];
    if ((c == '\r' || c == '\n') && (block[k + 1] == ' ' || block[k + 1] == '\t' || (c == '\r' && block[k + 1] == '\n'))) {
      bool fold = block[k + 1] == ' ' || block[k + 1] == '\t' ||
                  (k + 2 < block.size() && (block[k + 2] == ' ' || block[k + 2] == '\t'));
      if (!fold) continue;
      folded.reserve(block.size());
      for (std::size_t i = 0; i < block.size();) {
        char ch = block[i];
        if (ch == '\r' && i + 2 < block.size() && block[i + 1] == '\n' && (block[i + 2] == ' ' || block[i + 2] == '\t')) {
          folded.push_back(' '); i += 3; continue;
        }
        if ((ch == '\r' || ch == '\n') && i + 1 < block.size() && (block[i + 1] == ' ' || block[i + 1] == '\t')) {
          folded.push_back(' '); i += 2; continue;
        }
        folded.push_back(ch);
        ++i;
      }
      d = folded;
      break;
    }
  }
  // bytes.splitlines()
  std::size_t i = 0;
  while (i < d.size()) {
    std::size_t j = static_cast<std::size_t>(find_lb(d.data() + i, d.data() + d.size()) - d.data());
    std::string_view line(d.data() + i, j - i);
    if (j < d.size()) { if (d[j] == '\r' && j + 1 < d.size() && d[j + 1] == '\n') j += 2; else j += 1; }
    i = j;
    // bytes.strip() (ASCII whitespace)
    std::size_t a = 0, z = line.size();
    auto ws = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\x0b' || ch == '\x0c'; };
    while (a < z && ws(line[a])) ++a;
    while (z > a && ws(line[z - 1])) --z;
    if (a == z) continue;
    std::string_view decoded_src = rules_.header_line_needs_colon ? line : line.substr(a, z - a);
    const char* why = nullptr;
    std::size_t bad = all_ascii(decoded_src) ? npos : detail::utf8_first_error(decoded_src, &why);
    if (bad != npos) {
      char hx[8];
      std::snprintf(hx, sizeof hx, "0x%02x", static_cast<unsigned char>(decoded_src[bad]));
      decide(errc::header_not_utf8, 200,
             std::string("'utf-8' codec can't decode byte ") + hx + " in position " + std::to_string(bad) + ": " + why,
             offset, true);
      return false;
    }
    std::string_view s = decoded_src;
    if (rules_.header_line_needs_colon) s = strip_view(decoded_src, line_tmp_);  // debian: str.strip() first
    std::size_t colon = s.find(':');
    if (colon == std::string_view::npos) {
      if (rules_.header_line_needs_colon) {
        decide(errc::header_line_without_colon, 200, "not enough values to unpack (expected 2, got 1)", offset, true);
        return false;
      }
      std::string tmp;
      hdrs_.push_back({keep(strip_view(s, tmp)), keep({})});
      continue;
    }
    std::string tmp;
    std::string_view name = strip_view(s.substr(0, colon), tmp);
    std::string_view interned;
    if (iequals(name, "content-disposition", "Content-Disposition")) {
      if (cd_ == npos) cd_ = hdrs_.size();
      if (name == "Content-Disposition") interned = "Content-Disposition";
    } else if (iequals(name, "content-type", "Content-Type")) {
      if (ct_ == npos) ct_ = hdrs_.size();
      if (name == "Content-Type") interned = "Content-Type";
    }
    name = interned.empty() ? keep(name) : interned;
    hdrs_.push_back({name, keep(strip_view(s.substr(colon + 1), tmp))});
  }
  return true;
}

// The shape every browser and curl send, `form-data; name="x"` (and `; filename="y"`), with values of printable
// ASCII other than `"` `\` `%` `;` `,`: both profiles' parse_options_header give exactly the quoted text, so it
// is read directly. Anything else goes through websec::content_type.
static bool simple_disposition(std::string_view v, std::optional<std::string_view>& name,
                               std::optional<std::string_view>& filename) {
  struct tables {
    bool token[256] = {}, quoted[256] = {};
    constexpr tables() {
      for (int c = 'a'; c <= 'z'; ++c) token[c] = token[c - 32] = true;
      token[static_cast<unsigned char>('-')] = true;
      for (int c = 0x20; c < 0x7f; ++c) quoted[c] = c != '"' && c != '\\' && c != '%' && c != ';' && c != ',';
    }
  };
  static constexpr tables t;
  const char* p = v.data();
  const char* const e = p + v.size();
  auto at = [&](const char* q, std::string_view lit) {
    return static_cast<std::size_t>(e - q) >= lit.size() && std::memcmp(q, lit.data(), lit.size()) == 0;
  };
  if (at(p, "form-data")) p += 9;
  while (p < e && t.token[static_cast<unsigned char>(*p)]) ++p;
  if (p == v.data()) return false;
  std::optional<std::string_view> n, f;
  while (p < e) {
    std::optional<std::string_view>* slot;
    if (at(p, "; name=\"")) { slot = &n; p += 8; }
    else if (at(p, "; filename=\"")) { slot = &f; p += 12; }
    else return false;
    const char* q = p;
    while (q < e && t.quoted[static_cast<unsigned char>(*q)]) ++q;
    if (q >= e || *q != '"') return false;
    *slot = std::string_view(p, static_cast<std::size_t>(q - p));
    p = q + 1;
  }
  name = n;
  filename = f;
  return true;
}

bool form_parser::impl::ev_part() {
  std::string_view b = buf();
  std::size_t from = search_position_ > discarded_ ? static_cast<std::size_t>(search_position_ - discarded_) : 0;
  // BLANK_LINE_RE = \r\n\r\n | \r\r | \n\n   (leftmost, alternatives in order)
  std::size_t ms = npos, me = 0;
  if (from < b.size()) {
    const char* const end = b.data() + b.size();
    // each CR / LF at or after the scan point, in order (a header block is short: find_lb, not memchr)
    for (const char* p = find_lb(b.data() + from, end); p < end; p = find_lb(p + 1, end)) {
      std::size_t k = static_cast<std::size_t>(p - b.data());
      if (b[k] == '\r') {
        if (k + 3 < b.size() && b[k + 1] == '\n' && b[k + 2] == '\r' && b[k + 3] == '\n') { ms = k; me = k + 4; break; }
        if (k + 1 < b.size() && b[k + 1] == '\r') { ms = k; me = k + 2; break; }
      } else {
        if (k + 1 < b.size() && b[k + 1] == '\n') { ms = k; me = k + 2; break; }
      }
    }
  }
  if (ms == npos) {
    std::uint64_t len = python_len();
    search_position_ = len > 8 ? len - 8 : 0;
    return false;
  }
  std::uint64_t offset = buf_base_ + ms;
  if (!parse_headers(b.substr(0, ms), offset)) return false;
  std::size_t del = rules_.data_start_state ? (ms + me) / 2 : me;
  consume(del);
  const header* cd = cd_ == npos ? nullptr : &hdrs_[cd_];
  if (!cd) {
    decide(errc::missing_content_disposition, 200, "Missing Content-Disposition header", offset, true);
    return false;
  }
  std::optional<std::string_view> name, filename;  // views of cd->value, or kept in the arena
  if (!simple_disposition(cd->value, name, filename)) {
    auto opts = content_type::parse_options_header(cd->value, opts_.prof);
    if (!opts) {
      decide(opts.err().kind, opts.err().http_status, "Content-Disposition " + opts.err().message, offset,
             opts.err().http_status == 200);
      return false;
    }
    if (auto* p = opts->find("name"); p && p->value) name = keep(*p->value);
    if (auto* p = opts->find("filename"); p && p->value) filename = keep(*p->value);
  }
  bool is_file = filename.has_value();
  state_ = rules_.data_start_state ? st::data_start : st::data;
  search_position_ = 0;
  occ_hint_ = 0;
  last_any_ = npos;
  ++parts_;
  if (lim_.max_form_parts && parts_ > *lim_.max_form_parts) {
    decide(errc::max_form_parts, 413,
           "part " + std::to_string(parts_) + " exceeds max_form_parts " + std::to_string(*lim_.max_form_parts), offset);
    return false;
  }
  if (parts_ == 1 && declared_) {
    // room for the parts the declared body can hold (a part takes at least its delimiter and a header line)
    std::uint64_t most = *declared_ / (delim_.size() + 32) + 1;
    if (lim_.max_form_parts) most = std::min<std::uint64_t>(most, *lim_.max_form_parts);
    out_.fields.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(most, 4096)));
  }
  on_part(is_file, name, filename);
  return !decided_;
}

// DATA / DATA_START: werkzeug's _parse_data (upstream) or the DATA branch (debian).
bool form_parser::impl::ev_data(bool start) {
  std::string_view b = buf();
  const std::size_t n = b.size();
  std::size_t data_start = 0;
  if (start) {  // LINE_BREAK_RE.match(buffer)
    if (n >= 2 && b[0] == '\r' && b[1] == '\n') data_start = 2;
    else if (n >= 1 && is_lb(b[0])) data_start = 1;
  }
  const std::size_t cap = boundary_.size() + rules_.holdback_extra;
  // earliest of the last LF / last CR in d = b[from..], ignoring ones farther than `cap` from the end when capped
  auto last_partial = [&](std::size_t from, bool capped) -> std::size_t {
    std::string_view d = b.substr(from);
    std::size_t nl = rfind_byte(d, '\n'), cr = rfind_byte(d, '\r');
    if (nl == npos) nl = d.size();
    if (cr == npos) cr = d.size();
    if (capped) {
      std::size_t cbi = d.size() > cap ? d.size() - cap : 0;
      bool under = d.size() < cap;
      if (!under && nl < cbi) nl = d.size();
      if (!under && cr < cbi) cr = d.size();
    }
    return from + std::min(nl, cr);
  };
  dmatch m;
  std::size_t inc = npos, any = npos;
  bool matched = scan_delims(b, occ_hint_, true, m, inc, any);
  bool present = matched || any != npos || last_any_ != npos;
  std::size_t data_end, del_index;
  bool more = true;
  if (!present) {
    if (rules_.holdback_cap_both_branches) {
      data_end = last_partial(data_start, true);
    } else {  // debian: min over the whole buffer, then the CVE-2023-46136 cap
      data_end = last_partial(0, false);
      if (n - data_end > boundary_.size() + 3) data_end = n;
    }
    del_index = data_end;
  } else if (matched) {
    state_ = m.epilogue ? st::epilogue : st::part;
    data_end = m.start;
    del_index = m.end;
    more = false;
  } else {
    data_end = rules_.holdback_cap_both_branches ? last_partial(data_start, true) : last_partial(0, false);
    del_index = data_end;
  }
  if (!matched) {
    // memo for the next search: nothing before here can start a match any more
    std::size_t first_new = n >= delim_.size() ? n - delim_.size() + 1 : 0;
    std::size_t h = std::max(occ_hint_, first_new);
    if (inc != npos) h = std::min(h, inc);
    occ_hint_ = h;
    if (any != npos && any < h) last_any_ = any;
    else if (any != npos) last_any_ = std::max(last_any_ == npos ? 0 : last_any_, any) < h ? any : last_any_;
  }
  std::string_view data = data_end > data_start ? b.substr(data_start, data_end - data_start) : std::string_view();
  // copy nothing: hand the bytes to the part consumer before the buffer moves
  bool event = start ? true : (!data.empty() || !more);
  if (event) on_data(data, more);
  if (decided_) return false;
  consume(del_index);
  if (start && more) state_ = st::data;
  if (!matched) {
    // after consuming, a match may now be possible only if a state change happened; nothing else to do
  } else {
    search_position_ = 0;
  }
  return event;
}

void form_parser::impl::mp_events(bool complete) {
  for (;;) {
    if (decided_) return;
    bool ev = false;
    switch (state_) {
      case st::preamble: ev = ev_preamble(); break;
      case st::part: ev = ev_part(); break;
      case st::data_start: ev = ev_data(true); break;
      case st::data: ev = ev_data(false); break;
      case st::epilogue:
        if (complete) { state_ = st::complete; return; }  // Epilogue event ends the loop
        discarded_ += view_.size() - pos_;
        consume(view_.size() - pos_);
        return;
      case st::complete: return;
    }
    if (decided_) return;
    if (!ev) {
      if (complete) {
        decide(errc::incomplete_body, 200, std::string("Invalid form-data cannot parse beyond State.") + state_name(state_),
               buf_base_ + (view_.size() - pos_), true);
      } else {
        // keep the unconsumed bytes; if they live in the caller's chunk they are copied only when that memory
        // goes away (materialize(): end of feed(), staging reuse), not when the next read follows them there
        if (view_.data() == store_.data() && pos_ > 0) {
          store_.erase(0, pos_);
          view_ = store_;
          pos_ = 0;
        }
      }
      return;
    }
  }
}

// ---------------------------------------------------------------- part consumer
void form_parser::impl::on_part(bool is_file, std::optional<std::string_view> name,
                                std::optional<std::string_view> filename) {
  in_part_ = true;
  part_is_file_ = is_file;
  if (is_file) ++files_started_;
  std::span<const header> headers = arena_->copy(std::span<const header>(hdrs_));
  cur_ct_ = ct_ == npos ? nullptr : &headers[ct_];
  if (!is_file) {
    field_size_ = 0;
    field_ascii_ = true;
    cur_field_ = field{};
    cur_field_.name = name;
    cur_field_.headers = headers;
    arena_->begin_value();
    return;
  }
  field_size_.reset();
  cur_file_ = file{};
  cur_file_.name = name;
  cur_file_.filename = *filename;
  if (cur_ct_) cur_file_.content_type = cur_ct_->value;
  cur_file_.headers = headers;
  cur_file_.where = (opts_.sink == file_sink::hash_only || opts_.sink == file_sink::callback) ? file::storage::discarded
                                                                                              : file::storage::memory;
  spool_mem_.clear();
  if (opts_.sha256) {
    if (!md_) md_ = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md_, EVP_sha256(), nullptr);
  }
}

void form_parser::impl::sink_write(std::string_view d) {
  if (d.empty()) return;
  if (opts_.sha256 && md_) EVP_DigestUpdate(md_, d.data(), d.size());
  cur_file_.size += d.size();
  switch (opts_.sink) {
    case file_sink::hash_only:
      if (cur_file_.size > opts_.spool_max_size) cur_file_.rolled_to_disk = true;
      return;
    case file_sink::callback:
      if (cur_file_.size > opts_.spool_max_size) cur_file_.rolled_to_disk = true;
      if (opts_.on_file_data) opts_.on_file_data(files_started_ - 1, d);
      return;
    case file_sink::memory: {
      if (spool_mem_.capacity() < spool_mem_.size() + d.size()) {
        std::size_t want = std::max(spool_mem_.capacity() * 2, spool_mem_.size() + d.size());
        // reserve for what the declared body can still hold, but never more than kMemorySinkAhead on the word of
        // a Content-Length the peer chose: beyond that the buffer grows by doubling as bytes arrive
        if (stream_limit_ && *stream_limit_ > stream_pos_)
          want = std::max<std::size_t>(want, spool_mem_.size() + d.size() +
                                                 static_cast<std::size_t>(std::min<std::uint64_t>(
                                                     *stream_limit_ - stream_pos_, kMemorySinkAhead)));
        spool_mem_.reserve(want);
      }
      spool_mem_.append(d);
      if (cur_file_.size > opts_.spool_max_size) cur_file_.rolled_to_disk = true;
      return;
    }
    case file_sink::spooled:
      if (spool_fd_ < 0) {
        if (cur_file_.size <= opts_.spool_max_size) { spool_mem_.append(d); return; }
        // rollover: a write made the file larger than max_size
#ifdef MFD_CLOEXEC
        if (opts_.spool_to == spool_backing::memfd && (spool_fd_ = ::memfd_create("websec-upload", MFD_CLOEXEC)) >= 0) {
          int reader = ::dup(spool_fd_);
          if (reader < 0) {
            decide(errc::spool_failed, 500, std::string("cannot keep an anonymous file: ") + std::strerror(errno), buf_base_);
            return;
          }
          cur_file_.disk = std::make_shared<temp_file>(reader);
        }
#endif
        if (spool_fd_ < 0) {
          const char* dir = std::getenv("TMPDIR");
          std::string path = std::string(dir && *dir ? dir : "/tmp") + "/websec-upload-XXXXXX";
          spool_fd_ = ::mkstemp(path.data());
          if (spool_fd_ < 0) {
            decide(errc::spool_failed, 500, std::string("cannot create a temporary file: ") + std::strerror(errno), buf_base_);
            return;
          }
          cur_file_.disk = std::make_shared<temp_file>(path);
        }
        cur_file_.where = file::storage::temp_file;
        cur_file_.rolled_to_disk = true;
        std::string pending;
        pending.swap(spool_mem_);
        pending.append(d);
        d = pending;
        const char* p = d.data();
        std::size_t left = d.size();
        while (left) {
          ssize_t w = ::write(spool_fd_, p, left);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) { decide(errc::spool_failed, 500, std::string("write: ") + std::strerror(errno), buf_base_); return; }
          p += w;
          left -= static_cast<std::size_t>(w);
        }
        return;
      }
      {
        const char* p = d.data();
        std::size_t left = d.size();
        while (left) {
          ssize_t w = ::write(spool_fd_, p, left);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) { decide(errc::spool_failed, 500, std::string("write: ") + std::strerror(errno), buf_base_); return; }
          p += w;
          left -= static_cast<std::size_t>(w);
        }
      }
      return;
  }
}

void form_parser::impl::close_sink() {
  if (spool_fd_ >= 0) { ::close(spool_fd_); spool_fd_ = -1; }
}

void form_parser::impl::on_data(std::string_view d, bool more) {
  if (!in_part_) return;
  if (lim_.max_form_memory_size && field_size_) {
    *field_size_ += d.size();
    if (*field_size_ > *lim_.max_form_memory_size) {
      if (rules_.field_limit_is_name_error)
        decide(errc::field_limit_name_error, 500,
               "field exceeds max_form_memory_size " + std::to_string(*lim_.max_form_memory_size) +
                   ": Debian's backport raises RequestEntityTooLarge without importing it (NameError)",
               buf_base_);
      else
        decide(errc::max_form_memory_size_field, 413,
               "field exceeds max_form_memory_size " + std::to_string(*lim_.max_form_memory_size), buf_base_);
      return;
    }
  }
  if (part_is_file_) sink_write(d);
  else {
    const std::size_t held = arena_->value_size();
    std::uint64_t want = 0;
    if (d.size() >= 16384) {
      // a long value: room for what it can still grow to (bounded by max_form_memory_size and the body)
      want = held + d.size() + (1u << 20);
      if (lim_.max_form_memory_size) want = std::min<std::uint64_t>(want, *lim_.max_form_memory_size + 1);
      if (stream_limit_) want = std::min<std::uint64_t>(want, held + d.size() + (*stream_limit_ - std::min(*stream_limit_, stream_pos_)) + 65536);
    }
    arena_->append(d, static_cast<std::size_t>(want));
    if (field_ascii_) field_ascii_ = all_ascii(d);  // while the bytes are still in cache
    peak_field_ = std::max<std::uint64_t>(peak_field_, held + d.size());
  }
  if (decided_) return;
  if (!more) finish_part();
}

void form_parser::impl::finish_part() {
  in_part_ = false;
  if (!part_is_file_) {
    // value = b"".join(container).decode(get_part_charset(headers), "replace")
    if (field_ascii_ && (!cur_ct_ || cur_ct_->value.empty())) {  // utf-8 (the default), and ASCII: as sent
      cur_field_.value = cur_field_.raw_bytes = arena_->end_value();
      out_.fields.push_back(cur_field_);
      return;
    }
    std::string cs = "utf-8";
    bool cs_none = false;
    if (const header* h = cur_ct_; h && !h->value.empty()) {
      auto o = content_type::parse_options_header(h->value, opts_.prof);
      if (!o) {
        decide(o.err().kind, o.err().http_status, "part Content-Type " + o.err().message, buf_base_,
               o.err().http_status == 200);
        return;
      }
      if (rules_.charset_allow_list) {
        std::string c = o->get("charset");
        for (auto& ch : c) if (ch >= 'A' && ch <= 'Z') ch += 32;
        if (c == "ascii" || c == "us-ascii" || c == "utf-8" || c == "iso-8859-1") cs = c;
      } else if (const content_type::parameter* p = o->find("charset")) {
        if (p->value) cs = *p->value;
        else cs_none = true;
      }
    }
    if (cs_none) {
      decide(errc::charset_none, 500, "decode() argument 'encoding' must be str, not None (charset without a value)",
             buf_base_);
      return;
    }
    const std::string_view raw = arena_->end_value();
    cur_field_.raw_bytes = raw;
    const bool known = cs == "utf-8" || cs == "ascii" || cs == "us-ascii" || cs == "iso-8859-1";
    if (known && (field_ascii_ || (cs == "utf-8" && charset::utf8_valid(raw)))) {
      cur_field_.value = raw;  // decoding changes nothing: one buffer serves as both
    } else if (cs == "utf-8") {
      cur_field_.value = keep(charset::utf8_replace(raw));
    } else {
      auto d = charset::decode(raw, cs, charset::errors::replace);
      switch (d.st) {
        case charset::status::ok:
          cur_field_.value = d.text == raw ? raw : keep(d.text);
          break;
        case charset::status::decode_error:
          decide(errc::charset_decode, 200, d.message, buf_base_, true);
          return;
        case charset::status::lookup_error: decide(errc::unknown_charset, 500, "LookupError: " + d.message, buf_base_); return;
        case charset::status::unsupported: decide(errc::unsupported_charset, 500, d.message, buf_base_); return;
      }
    }
    out_.fields.push_back(cur_field_);
    return;
  }
  if (opts_.sha256 && md_) {
    unsigned char dg[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(md_, dg, &len);
    cur_file_.sha256 = hex(dg, len);
  }
  if (cur_file_.where == file::storage::memory) cur_file_.data = std::move(spool_mem_);
  spool_mem_ = std::string();
  close_sink();
  out_.files.push_back(std::move(cur_file_));
  cur_file_ = file{};
}

// What finish() will report, if the bytes fed so far decide it whatever follows (see form_parser::failed).
std::optional<outcome> form_parser::impl::failed() const {
  websec::error over;
  const websec::error* e = decided_ ? &err_ : nullptr;
  bool silent = silent_;
  if (auto_length_ && !ct_error_) {  // finish() compares the streamed length with the limits first
    const bool url_limit = out_.kind == body_kind::urlencoded && lim_.max_form_memory_size.has_value();
    if (lim_.max_content_length && total_fed_ > *lim_.max_content_length) {
      over = streamed_length_error(true);
    } else if (lim_.max_content_length) {
      return std::nullopt;  // the final length may still exceed it
    } else if (url_limit && total_fed_ > *lim_.max_form_memory_size) {
      over = streamed_length_error(false);
    } else if (url_limit) {
      return std::nullopt;
    }
    if (over.kind != errc::none) { e = &over; silent = false; }
  }
  if (!e) return std::nullopt;
  // debian @exhaust_stream: a declared body shorter than Content-Length answers 400 whatever happened
  if (rules_.exhaust_after_parse && (parse_stream_ || e->kind == errc::max_content_length) && !auto_length_ &&
      !req_.chunked && declared_ && total_fed_ < *declared_ && !empty_stream_)
    return std::nullopt;
  outcome o;
  o.status = silent ? 200 : e->http_status;
  o.error = *e;
  o.silent_empty_form = silent;
  return o;
}

form_data form_parser::impl::finish() {
  if (parse_stream_ && !empty_stream_) at_eof();
  else if (parse_stream_ && empty_stream_ && !decided_) {
    // BytesIO(): the first read is empty
    if (out_.kind == body_kind::multipart) mp_events(true);
    else at_eof();
  }
  // A streamed length (Content-Length = what was fed) is compared with max_content_length (and, for urlencoded,
  // max_form_memory_size) before werkzeug parses anything: that outcome wins over whatever parsing found while the
  // length was still unknown. Only a Content-Type that fails to parse (debian: request.mimetype raises) comes first.
  if (auto_length_ && !ct_error_) {
    if (lim_.max_content_length && total_fed_ > *lim_.max_content_length) {
      decided_ = false;
      decide(streamed_length_error(true), false);
    } else if (out_.kind == body_kind::urlencoded && lim_.max_form_memory_size && total_fed_ > *lim_.max_form_memory_size) {
      decided_ = false;
      decide(streamed_length_error(false), false);
    }
  }
  // debian @exhaust_stream / _exhaust: a declared body shorter than Content-Length answers 400 whatever happened
  if (rules_.exhaust_after_parse && (parse_stream_ || (decided_ && err_.kind == errc::max_content_length)) &&
      !auto_length_ && !req_.chunked && declared_ && total_fed_ < *declared_ && !empty_stream_) {
    decided_ = false;
    decide(errc::client_disconnected, 400,
           "body ended after " + std::to_string(total_fed_) + " of " + std::to_string(*declared_) +
               " bytes (Content-Length)",
           total_fed_);
  }
  close_sink();
  out_.body_bytes = stream_pos_;
  out_.storage = arena_;
  if (decided_) {
    out_.result.status = silent_ ? 200 : err_.http_status;
    out_.result.error = err_;
    out_.result.silent_empty_form = silent_;
    out_.fields.clear();
    out_.files.clear();
  }
  return std::move(out_);
}

// =====================================================================================================
form_parser::form_parser(const request_info& req, const FormLimits& limits, const parse_options& opts)
    : p_(std::make_unique<impl>(req, limits, opts)) {}
form_parser::~form_parser() = default;
form_parser::form_parser(form_parser&&) noexcept = default;
form_parser& form_parser::operator=(form_parser&&) noexcept = default;
void form_parser::feed(std::string_view bytes) { p_->feed(bytes); }
form_data form_parser::finish() { return p_->finish(); }
std::uint64_t form_parser::peak_buffered() const { return p_->peak_buffered(); }
std::optional<outcome> form_parser::failed() const { return p_->failed(); }
std::uint64_t form_parser::peak_field_bytes() const { return p_->peak_field(); }

form_data parse_form(std::string_view body, const request_info& req, const FormLimits& limits, const parse_options& opts) {
  form_parser p(req, limits, opts);
  p.feed(body);
  return p.finish();
}

form_data parse_multipart(std::string_view body, std::string_view boundary, const FormLimits& limits,
                          const parse_options& opts) {
  request_info req;
  req.boundary = std::string(boundary);
  req.content_length = std::to_string(body.size());
  return parse_form(body, req, limits, opts);
}

}  // namespace websec::multipart
