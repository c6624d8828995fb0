// multipart_mutator — structure-aware mutations for multipart_fuzzer (linked into multipart_fuzzer_sa, and built
// as the AFL++ custom mutator library libmultipart_fuzzer_mutator.so).
//
// An input is read in multipart_fuzzer's layout (flags, limits, boundary, split seed, filler, body: see the top
// of targets/multipart_fuzzer.cpp) and the body is cut into preamble, parts (header lines and data) and epilogue
// at its delimiters. One to three mutations are applied to that model:
//   * the header: a flag, max_form_memory_size near a part's size, max_form_parts near the number of parts,
//     the Content-Length byte, the split seed, the filler;
//   * the boundary: a new one (1-16 bytes, quoting and non-ASCII included), written into every delimiter;
//   * parts: duplicated, dropped, swapped, inserted (text field, file, file with a charset, filename*);
//   * part headers: Content-Disposition rewritten (quoting, filename, filename*, no name), Content-Type with a
//     charset, folding, case, a missing colon, bytes that are not UTF-8, a header dropped;
//   * part data: grown to a limit +- 1, emptied, a near-delimiter ("\r\n--" + a prefix of the boundary), CR or LF
//     at its end, a byte changed;
//   * framing: the closing delimiter dropped, an epilogue or preamble, LF line ends, transport padding, truncation.
// The model is written back in the same layout, so every existing corpus file keeps its meaning as a seed.
// Crossover: parts of the second input (cut at its own boundary) go into the first.
#include "fuzz_input.hpp"
#include "mutators/mutator.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using websec::fuzz::mutate::rng;

// ---- the layout of multipart_fuzzer -------------------------------------------------------------------------
struct head {
  std::uint8_t flags = 0, parts = 255, cl = 0, blen = 0, filler_byte = 'x';
  std::uint16_t mem = 0, filler = 0;
  std::uint32_t seed = 0;
  std::string boundary = "b";
};

bool read(std::string_view data, head& h, std::string& body) {
  if (data.size() < 16) return false;
  websec::fuzz::input in(data);
  std::string_view b;
  if (!in.u8(h.flags) || !in.u16be(h.mem) || !in.u8(h.parts) || !in.u8(h.cl) || !in.u8(h.blen) ||
      !in.bytes(h.blen % 16 + 1u, b) || !in.u32le(h.seed) || !in.u16be(h.filler) || !in.u8(h.filler_byte))
    return false;
  h.boundary = std::string(b);
  body = std::string(in.rest());
  return true;
}

std::string write(const head& h, const std::string& body) {
  websec::fuzz::writer w;
  const auto blen = static_cast<std::uint8_t>((h.blen & 0xF0) | ((h.boundary.size() - 1) & 0x0F));
  w.u8(h.flags).u16be(h.mem).u8(h.parts).u8(h.cl).u8(blen).bytes(h.boundary).u32le(h.seed).u16be(h.filler).u8(h.filler_byte);
  w.bytes(body);
  std::string out = w.take();
  while (out.size() < 16) out.push_back('\n');  // the target reads nothing shorter
  return out;
}

// ---- the body as parts ------------------------------------------------------------------------------------------
struct part {
  std::vector<std::string> headers;  // lines without their line end
  std::string data;
};
struct body_model {
  std::string preamble, epilogue, nl = "\r\n", padding;
  std::vector<part> parts;
  bool closed = true;
};

part split_part(std::string_view raw, std::string_view nl) {
  part p;
  const std::string blank = std::string(nl) + std::string(nl);
  std::size_t end = raw.find(blank);
  std::string_view hb = end == std::string_view::npos ? raw : raw.substr(0, end);
  p.data = end == std::string_view::npos ? std::string() : std::string(raw.substr(end + blank.size()));
  while (!hb.empty()) {
    std::size_t e = hb.find(nl);
    p.headers.emplace_back(hb.substr(0, e));
    if (e == std::string_view::npos) break;
    hb.remove_prefix(e + nl.size());
  }
  return p;
}

// Cuts at "--boundary" delimiters; false when the body has none (then it is mutated as bytes or replaced).
bool parse_body(std::string_view body, std::string_view boundary, body_model& m) {
  const std::string delim = "--" + std::string(boundary);
  std::size_t first = body.find(delim);
  if (first == std::string_view::npos) return false;
  m.preamble = std::string(body.substr(0, first));
  if (!m.preamble.empty() && m.preamble.back() == '\n') {  // the line end before a delimiter belongs to it
    m.preamble.pop_back();
    if (!m.preamble.empty() && m.preamble.back() == '\r') m.preamble.pop_back();
  }
  std::size_t after = first + delim.size();
  m.nl = body.substr(after).find("\r\n") == std::string_view::npos ? "\n" : "\r\n";
  const std::string sep = m.nl + delim;
  m.closed = false;
  for (std::size_t at = after; at <= body.size();) {
    if (body.substr(at, 2) == "--") {  // the closing delimiter
      m.closed = true;
      m.epilogue = std::string(body.substr(at + 2));
      break;
    }
    std::size_t eol = body.find(m.nl, at);
    if (eol == std::string_view::npos) {
      m.epilogue = std::string(body.substr(at));
      break;
    }
    if (m.parts.empty()) m.padding = std::string(body.substr(at, eol - at));
    std::size_t start = eol + m.nl.size();
    std::size_t next = body.find(sep, start);
    std::string_view raw = body.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    m.parts.push_back(split_part(raw, m.nl));
    if (next == std::string_view::npos) break;
    at = next + sep.size();
  }
  return true;
}

std::string write_body(const body_model& m, std::string_view boundary) {
  const std::string delim = "--" + std::string(boundary);
  std::string out = m.preamble;
  if (!out.empty()) out += m.nl;
  for (const part& p : m.parts) {
    out += delim + m.padding + m.nl;
    for (const auto& h : p.headers) out += h + m.nl;
    out += m.nl + p.data + m.nl;
  }
  if (m.closed) out += delim + "--" + m.epilogue;
  else if (m.parts.empty()) out += delim + m.nl;
  return out;
}

// ---- generated pieces ---------------------------------------------------------------------------------------
std::string quoted(rng& r, std::string_view v) {
  switch (r.below(5)) {
    case 0: return std::string(v);  // unquoted token
    case 1: return "'" + std::string(v) + "'";
    default: return "\"" + std::string(v) + "\"";
  }
}

std::string name_value(rng& r) {
  return std::string(r.pick({"a", "f", "file", "csrf_token", "name", "", "\xc3\xa9t\xc3\xa9", "a\"b", "a\\\"b", "x;y",
                             "files[]", "a%22b", "\xff", "username", "value"}));
}

std::string content_disposition(rng& r) {
  std::string h = std::string(r.pick({"Content-Disposition", "content-disposition", "CONTENT-DISPOSITION"})) + ":" +
                  std::string(r.pick({" ", "", "  ", "\t"})) + std::string(r.pick({"form-data", "attachment", "FORM-DATA", "inline"}));
  const std::size_t params = r.below(4);
  for (std::size_t i = 0; i < params; ++i) {
    h += r.pick({"; ", ";", " ; ", ";\t"});
    switch (r.below(6)) {
      case 0:
      case 1: h += "name=" + quoted(r, name_value(r)); break;
      case 2:
        h += "filename=" + quoted(r, r.pick({"x.txt", "", "C:\\x\\y.txt", "../../etc/passwd", "a b.png", "\xe2\x82\xac.txt",
                                             "x\".txt"}));
        break;
      case 3: h += std::string("filename*=") + r.pick({"UTF-8''%E2%82%AC.txt", "utf-8''a%20b", "iso-8859-1'en'%A3", "UTF-8''", "x''y"}).data(); break;
      case 4: h += std::string("name*=") + r.pick({"UTF-8''%C3%A9", "UTF-8''a"}).data(); break;
      default: h += std::string(r.pick({"size", "creation-date", "x", "NAME", "Name"})) + "=" + quoted(r, "1"); break;
    }
  }
  return h;
}

std::string content_type(rng& r) {
  std::string h = std::string(r.pick({"Content-Type", "content-type"})) + ": " +
                  std::string(r.pick({"text/plain", "application/octet-stream", "image/png", "text/html", "", "multipart/mixed"}));
  if (r.chance(2, 3))
    h += std::string("; charset=") + r.pick({"utf-8", "UTF-8", "iso-8859-1", "latin1", "utf-16-le", "utf-16", "koi8-r", "us-ascii",
                                             "bogus", "\"utf-8\"", "", "cp1252", "utf-32", "shift_jis"}).data();
  return h;
}

std::string random_header(rng& r) {
  switch (r.below(6)) {
    case 0: return content_type(r);
    case 1: return std::string("Content-Transfer-Encoding: ") + r.pick({"base64", "quoted-printable", "8bit", "binary"}).data();
    case 2: return "X-Long: " + std::string(r.run_length(3000), 'h');
    case 3: return std::string(r.pick({"no colon here", ": empty name", "X-Empty:", "X-\xff: \xfe", "\t folded"}));
    case 4: return content_disposition(r);
    default: return "X-" + std::to_string(r.below(100)) + ": " + std::string(r.pick({"v", "\xe2\x82\xac", "a\tb"}));
  }
}

part new_part(rng& r) {
  part p;
  p.headers.push_back(content_disposition(r));
  if (r.chance(1, 2)) p.headers.push_back(content_type(r));
  switch (r.below(5)) {
    case 0: p.data = "value"; break;
    case 1: p.data = std::string(r.small(600), static_cast<char>('a' + r.below(26))); break;
    case 2: p.data = std::string(r.pick({"\xe2\x82\xac", "\xff\xfe", "caf\xc3\xa9", "a\r\nb", "\r", "\n", "--", "\x01\x7f"})); break;
    case 3: p.data = "<script>alert(1)</script>"; break;
    default: p.data.clear();
  }
  return p;
}

std::string new_boundary(rng& r) {
  static constexpr std::string_view chars =
      "abcdefghijklmnopqrstuvwxyz0123456789-'()+_,./:=? ABCXYZ";
  std::string b;
  const std::size_t n = 1 + r.small(16);
  for (std::size_t i = 0; i < n && b.size() < 16; ++i) {
    if (r.chance(1, 20)) b += r.pick({"\"", "\xff", "\\", ";", "\t", "\xc3\xa9"});
    else b.push_back(chars[r.below(chars.size())]);
  }
  if (b.size() > 16) b.resize(16);
  if (b.empty()) b = "b";
  return b;
}

// ---- the mutations ----------------------------------------------------------------------------------------------
void mutate_head(head& h, const body_model& m, rng& r) {
  switch (r.below(7)) {
    case 0: h.flags ^= static_cast<std::uint8_t>(1u << r.below(6)); break;
    case 1: {  // max_form_memory_size near a part's size (value * 8), or none
      std::size_t biggest = 0;
      for (const part& p : m.parts) biggest = std::max(biggest, p.data.size());
      const std::size_t pick = m.parts.empty() ? r.below(4096) : m.parts[r.below(m.parts.size())].data.size();
      switch (r.below(4)) {
        case 0: h.mem = 0; break;
        case 1: h.mem = static_cast<std::uint16_t>(std::min<std::size_t>(pick / 8 + r.below(2), 0xFFFF)); break;
        case 2: h.mem = static_cast<std::uint16_t>(std::min<std::size_t>(biggest / 8, 0xFFFF)); break;
        default: h.mem = static_cast<std::uint16_t>(r.next());
      }
      break;
    }
    case 2:  // max_form_parts (value % 24) near the number of parts, or unlimited
      h.parts = r.chance(1, 4) ? 255 : static_cast<std::uint8_t>((m.parts.size() + r.below(3) + 23) % 24);
      break;
    case 3:  // Content-Length delta (low nibble) or max_content_length (>= 240)
      h.cl = r.chance(1, 2) ? static_cast<std::uint8_t>(240 + r.below(16)) : static_cast<std::uint8_t>(r.below(16));
      break;
    case 4: h.seed = static_cast<std::uint32_t>(r.next()); break;
    case 5:  // the filler: off, short, or across one of werkzeug's 64 KiB reads
      h.flags ^= 0x10;
      h.filler = static_cast<std::uint16_t>(r.chance(1, 3) ? 16384 + r.below(64) : r.small(4096));
      h.filler_byte = static_cast<std::uint8_t>(r.pick({"a", "\r", "\n", "-", " ", "\xff"})[0]);
      break;
    default: h.flags = static_cast<std::uint8_t>((h.flags & ~0x0C) | (r.below(4) << 2));  // the framing
  }
}

void mutate_headers(part& p, rng& r) {
  if (p.headers.empty() || r.chance(1, 4)) {
    p.headers.insert(p.headers.begin() + static_cast<std::ptrdiff_t>(r.below(p.headers.size() + 1)), random_header(r));
    return;
  }
  std::string& h = p.headers[r.below(p.headers.size())];
  switch (r.below(7)) {
    case 0: h = content_disposition(r); break;
    case 1: h = content_type(r); break;
    case 2: h.insert(r.below(h.size() + 1), r.pick({"\r\n ", "\n\t", "\r\n"})); break;  // folding, broken lines
    case 3:
      for (char& c : h) c = static_cast<char>(r.chance(1, 2) ? (c >= 'a' && c <= 'z' ? c - 32 : c) : (c >= 'A' && c <= 'Z' ? c + 32 : c));
      break;
    case 4: h.erase(std::remove(h.begin(), h.end(), ':'), h.end()); break;
    case 5:
      if (r.chance(1, 5)) h.insert(h.begin() + static_cast<std::ptrdiff_t>(r.below(h.size() + 1)), '\0');
      else h.insert(r.below(h.size() + 1), r.pick({"\xff", "\xc3", "\xed\xa0\x80", "\xe2\x82"}));
      break;
    default: p.headers.erase(p.headers.begin() + static_cast<std::ptrdiff_t>(r.below(p.headers.size())));
  }
}

void mutate_data(part& p, const head& h, std::string_view boundary, rng& r) {
  switch (r.below(6)) {
    case 0: {  // exactly at a limit, or one past it
      std::size_t want = h.mem ? h.mem * std::size_t{8} : 500000;
      want = std::min<std::size_t>(want + r.below(3) - 1, 70000);
      p.data.assign(want, p.data.empty() ? 'd' : p.data[0]);
      break;
    }
    case 1: p.data.clear(); break;
    case 2:  // something that nearly closes the part
      p.data.insert(r.below(p.data.size() + 1), std::string(r.pick({"\r\n--", "\n--", "\r--", "--"})) +
                                                    std::string(boundary.substr(0, r.below(boundary.size() + 1))));
      break;
    case 3: p.data += r.pick({"\r", "\n", "\r\n", " ", "--"}); break;
    case 4: p.data.append(r.small(2048), static_cast<char>(r.below(256))); break;
    default:
      if (!p.data.empty()) p.data[r.below(p.data.size())] = static_cast<char>(r.next());
      else p.data = "v";
  }
}

void mutate_parts(body_model& m, rng& r) {
  const std::size_t n = m.parts.size();
  switch (r.below(4)) {
    case 0:
      if (n) m.parts.insert(m.parts.begin() + static_cast<std::ptrdiff_t>(r.below(n + 1)), m.parts[r.below(n)]);
      break;
    case 1:
      if (n) m.parts.erase(m.parts.begin() + static_cast<std::ptrdiff_t>(r.below(n)));
      break;
    case 2:
      if (n > 1) std::swap(m.parts[r.below(n)], m.parts[r.below(n)]);
      break;
    default: m.parts.insert(m.parts.begin() + static_cast<std::ptrdiff_t>(r.below(n + 1)), new_part(r));
  }
}

void mutate_framing(body_model& m, rng& r) {
  switch (r.below(6)) {
    case 0: m.closed = !m.closed; break;
    case 1: m.epilogue = r.pick({"\r\n", "", "epilogue\r\n", "\r\n--", "--\r\n"}); break;
    case 2: m.preamble = r.pick({"", "preamble", "\r\n", "--", "this is a preamble\r\n\r\n"}); break;
    case 3: m.nl = m.nl == "\r\n" ? "\n" : "\r\n"; break;
    case 4: m.padding = r.pick({"", " ", "\t", "  \t", " x", "--"}); break;
    default: m.parts.clear();
  }
}

// A fresh input: the body a browser sends for a form with a text field and a file.
std::string fresh(rng& r) {
  head h;
  h.boundary = new_boundary(r);
  h.seed = static_cast<std::uint32_t>(r.next());
  body_model m;
  m.parts.push_back(new_part(r));
  m.parts.push_back(new_part(r));
  return write(h, write_body(m, h.boundary));
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  head h;
  std::string body;
  if (!read(data, h, body)) {
    data = fresh(r);
    return data.size() <= max_size;
  }
  body_model m;
  const bool structured = parse_body(body, h.boundary, m);
  if (structured && !m.parts.empty() && r.prefer_removal(data.size())) {  // a part fewer, or half its data
    part& p = m.parts[r.below(m.parts.size())];
    if (m.parts.size() > 1 && r.chance(1, 2)) m.parts.erase(m.parts.begin() + (&p - m.parts.data()));
    else p.data.resize(p.data.size() / 2);
    data = write(h, write_body(m, h.boundary));
    return data.size() <= max_size;
  }
  const std::size_t rounds = 1 + r.small(3);
  for (std::size_t i = 0; i < rounds; ++i) {
    const std::size_t what = r.below(10);
    if (what < 2 || !structured) {
      mutate_head(h, m, r);
    } else if (what == 2) {  // a new boundary, written into every delimiter
      h.boundary = new_boundary(r);
    } else if (what == 3) {
      mutate_parts(m, r);
    } else if (what < 6 && !m.parts.empty()) {
      mutate_headers(m.parts[r.below(m.parts.size())], r);
    } else if (what < 8 && !m.parts.empty()) {
      mutate_data(m.parts[r.below(m.parts.size())], h, h.boundary, r);
    } else {
      mutate_framing(m, r);
    }
  }
  if (structured) body = write_body(m, h.boundary);
  if (r.chance(1, 16) && !body.empty()) body.resize(r.below(body.size()));  // a truncated upload
  data = write(h, body);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  head ha, hb;
  std::string ba, bb;
  body_model ma, mb;
  if (!read(a, ha, ba) || !read(b, hb, bb) || !parse_body(ba, ha.boundary, ma) || !parse_body(bb, hb.boundary, mb) ||
      mb.parts.empty())
    return false;
  const std::size_t take = 1 + r.below(mb.parts.size());
  for (std::size_t i = 0; i < take; ++i)
    ma.parts.insert(ma.parts.begin() + static_cast<std::ptrdiff_t>(r.below(ma.parts.size() + 1)), mb.parts[r.below(mb.parts.size())]);
  if (r.chance(1, 3)) ha.flags = hb.flags;
  out = write(ha, write_body(ma, ha.boundary));
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
