// Tests of websec::multipart (and content_type, charset, urlencoded through it):
//  * every vector of harness/tests/vectors/{debian,upstream}/multipart.json under its profile;
//  * a differential test: generated bodies (random and adversarial) parsed by Debian's werkzeug
//    (`/usr/bin/python3`, the same request pipeline as gen_vectors.py) and by websec under the debian profile;
//  * RapidCheck: any split of the body into feed() calls gives the same result.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "support.hpp"
#include "websec/charset.hpp"
#include "websec/content_type.hpp"
#include "websec/multipart.hpp"
#include "websec/urlencoded.hpp"

using namespace websec;
using namespace websec::multipart;
using websec::test::json;

namespace {

std::optional<std::uint64_t> opt_u64(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<std::uint64_t>();
}

struct req_spec {
  std::optional<std::string> content_type;
  json content_length = "auto";
  bool chunked = false;
  FormLimits limits;
};

request_info to_request(const req_spec& r, std::size_t body_len) {
  request_info q;
  q.content_type = r.content_type;
  q.chunked = r.chunked;
  if (!r.chunked) {
    if (r.content_length.is_string() && r.content_length.get<std::string>() == "auto") q.content_length = std::to_string(body_len);
    else if (r.content_length.is_null()) q.content_length.reset();
    else if (r.content_length.is_string()) q.content_length = r.content_length.get<std::string>();
    else q.content_length = std::to_string(r.content_length.get<long long>());
  }
  return q;
}

std::string describe(const form_data& f) {
  std::ostringstream o;
  o << "status=" << f.result.status;
  if (f.result.error) o << " error=" << websec::to_string(f.result.error->kind) << " (" << f.result.error->message << ")";
  o << " fields=" << f.fields.size() << " files=" << f.files.size();
  return o.str();
}

std::string sha(std::string_view s) { return websec::test::sha256_hex(s); }

// werkzeug's MultiDict.items(multi=True): keys in first-appearance order, each key's values together.
template <class T>
std::vector<T> grouped(const std::vector<T>& v) {
  std::vector<T> out;
  std::vector<bool> used(v.size(), false);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (used[i]) continue;
    for (std::size_t j = i; j < v.size(); ++j)
      if (!used[j] && v[j].name == v[i].name) { out.push_back(v[j]); used[j] = true; }
  }
  return out;
}


// Compares a vector's "expected" with a websec result.
void check_expected(const json& exp, const form_data& got, const std::string& name) {
  SCOPED_TRACE(name + ": " + describe(got));
  std::string outcome = exp.at("outcome");
  if (outcome == "http_error") {
    EXPECT_EQ(got.result.status, exp.at("status").get<int>());
    EXPECT_TRUE(got.result.error.has_value());
    EXPECT_FALSE(got.result.silent_empty_form);
    return;
  }
  if (outcome == "exception_500") {
    EXPECT_EQ(got.result.status, 500);
    return;
  }
  ASSERT_EQ(outcome, "ok");
  EXPECT_EQ(got.result.status, 200);
  if (exp.contains("silenced_error")) {
    EXPECT_TRUE(got.result.silent_empty_form);
    ASSERT_TRUE(got.result.error.has_value());
    std::string msg = exp["silenced_error"]["message"];
    if (msg.rfind("Invalid form-data cannot parse beyond", 0) == 0 || msg == "Missing boundary" ||
        msg == "Missing Content-Disposition header")
      EXPECT_EQ(got.result.error->message, msg);
  } else {
    EXPECT_FALSE(got.result.error.has_value());
  }
  const json& form = exp.at("form");
  ASSERT_EQ(got.fields.size(), form.size());
  const auto gfields = grouped(got.fields);
  const auto gfiles = grouped(got.files);
  for (std::size_t i = 0; i < form.size(); ++i) {
    const json& k = form[i][0];
    const json& v = form[i][1];
    if (k.is_null()) EXPECT_FALSE(gfields[i].name.has_value()) << i;
    else { ASSERT_TRUE(gfields[i].name.has_value()) << i; EXPECT_EQ(*gfields[i].name, k.get<std::string>()) << i; }
    if (v.is_string()) EXPECT_EQ(gfields[i].value, v.get<std::string>()) << i;
    else {
      EXPECT_EQ(gfields[i].value.size(), v.at("utf8_len").get<std::size_t>()) << i;
      EXPECT_EQ(sha(gfields[i].value), v.at("sha256").get<std::string>()) << i;
    }
  }
  const json& files = exp.at("files");
  ASSERT_EQ(got.files.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    const json& e = files[i];
    const file& f = gfiles[i];
    if (e["name"].is_null()) EXPECT_FALSE(f.name.has_value());
    else { ASSERT_TRUE(f.name.has_value()); EXPECT_EQ(*f.name, e["name"].get<std::string>()); }
    EXPECT_EQ(f.filename, e["filename"].get<std::string>());
    if (e["content_type"].is_null()) EXPECT_FALSE(f.content_type.has_value());
    else { ASSERT_TRUE(f.content_type.has_value()); EXPECT_EQ(*f.content_type, e["content_type"].get<std::string>()); }
    EXPECT_EQ(f.size, e["size"].get<std::uint64_t>());
    EXPECT_EQ(f.sha256, e["sha256"].get<std::string>());
    EXPECT_EQ(f.rolled_to_disk, e["rolled_to_disk"].get<bool>());
    ASSERT_EQ(f.headers.size(), e["headers"].size());
    for (std::size_t h = 0; h < f.headers.size(); ++h) {
      EXPECT_EQ(f.headers[h].name, e["headers"][h][0].get<std::string>());
      EXPECT_EQ(f.headers[h].value, e["headers"][h][1].get<std::string>());
    }
    std::string data = f.read_all();
    EXPECT_EQ(data.size(), f.size);
    EXPECT_EQ(sha(data), f.sha256);
    if (e["data"].contains("latin1")) EXPECT_EQ(data, websec::test::latin1(e["data"]["latin1"]));
  }
}

void run_vectors(const char* prof_name, profile prof) {
  json v = websec::test::load_vectors(prof_name, "multipart");
  ASSERT_TRUE(v.contains("multipart"));
  std::size_t n = 0;
  for (const char* list : {"multipart", "urlencoded"}) {
    for (const json& c : v[list]) {
      std::string body = websec::test::segments_to_bytes(c.at("body"));
      if (c.contains("body_sha256")) ASSERT_EQ(sha(body), c["body_sha256"].get<std::string>());
      const json& r = c.at("request");
      req_spec s;
      if (std::string(list) == "multipart") {
        if (!r["content_type"].is_null()) s.content_type = r["content_type"].get<std::string>();
      } else {
        // gen_vectors.py does not record the urlencoded Content-Type; only this case uses another one
        s.content_type = c["name"] == "bad_ctype_x_url_encoded" ? "application/x-url-encoded" : "application/x-www-form-urlencoded";
      }
      if (s.content_type) {  // the JSON holds the Python str; WSGI hands latin-1 bytes
        std::u32string u;
        std::string t = *s.content_type, bytes;
        // back from UTF-8 to one byte per code point when possible (latin-1), else keep UTF-8
        bool latin = true;
        for (std::size_t i = 0; i < t.size(); ++i) {
          unsigned char ch = static_cast<unsigned char>(t[i]);
          if (ch < 0x80) bytes.push_back(static_cast<char>(ch));
          else if ((ch == 0xC2 || ch == 0xC3) && i + 1 < t.size()) { bytes.push_back(static_cast<char>(((ch & 3) << 6) | (t[i + 1] & 0x3F))); ++i; }
          else { latin = false; break; }
        }
        if (latin) s.content_type = bytes;
      }
      s.content_length = r.value("content_length", json("auto"));
      s.chunked = r.value("chunked", false);
      s.limits.max_content_length = opt_u64(r["max_content_length"]);
      s.limits.max_form_memory_size = opt_u64(r["max_form_memory_size"]);
      s.limits.max_form_parts = opt_u64(r["max_form_parts"]);
      parse_options o;
      o.prof = prof;
      form_data got = parse_form(body, to_request(s, body.size()), s.limits, o);
      check_expected(c.at("expected"), got, std::string(prof_name) + "/" + list + "/" + c["name"].get<std::string>());
      // the same body fed one byte... in 7-byte pieces gives the same result
      if (body.size() < 200000) {
        form_parser p(to_request(s, body.size()), s.limits, o);
        for (std::size_t i = 0; i < body.size(); i += 7) p.feed(std::string_view(body).substr(i, 7));
        form_data got2 = p.finish();
        EXPECT_EQ(describe(got2), describe(got)) << c["name"];
      }
      ++n;
    }
  }
  EXPECT_GT(n, 100u);
}

}  // namespace

TEST(MultipartVectors, Debian) { run_vectors("debian", profile::debian); }
TEST(MultipartVectors, Upstream) { run_vectors("upstream", profile::upstream); }

// ------------------------------------------------------------------------------------------------ unit cases
TEST(Charset, Utf8ReplaceMaximalSubpart) {
  EXPECT_EQ(charset::utf8_replace("\xff\xfe" "A\xc3"), "\xEF\xBF\xBD\xEF\xBF\xBD" "A\xEF\xBF\xBD");
  EXPECT_EQ(charset::utf8_replace("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(charset::utf8_replace("\xe2\x82" "x"), "\xEF\xBF\xBD" "x");
  EXPECT_EQ(charset::utf8_replace("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

TEST(Charset, NameWithNulIsAValueErrorNotALookupError) {
  // Python: b"x".decode("UT\x008") raises ValueError("embedded null character") before any codec lookup, so
  // werkzeug's form parser swallows it (silent empty form) instead of answering 500.
  // Found by the differential replay of corpora/multipart_fuzzer (filename*=UT<NUL>8''...).
  auto d = charset::decode("x", std::string_view("UT\0" "8", 4), charset::errors::replace);
  EXPECT_EQ(d.st, charset::status::decode_error);
  EXPECT_EQ(d.message, "embedded null character");
}

TEST(Charset, EmptyInputDecodesWithoutCodecLookup) {
  // Python: b"".decode("bogus") == "" and b"".decode("hex") == "" (no lookup for empty input); a non-empty input
  // still raises LookupError. Found by the differential replay of corpora/content_type_fuzzer (key*=U'=U'").
  EXPECT_EQ(charset::decode("", "bogus", charset::errors::strict).st, charset::status::ok);
  EXPECT_EQ(charset::decode("", "hex", charset::errors::strict).st, charset::status::ok);
  EXPECT_EQ(charset::decode("a", "bogus", charset::errors::strict).st, charset::status::lookup_error);
}

TEST(Charset, PythonCodecLookup) {
  EXPECT_EQ(charset::canonical_codec("UTF-8"), "utf_8");
  EXPECT_EQ(charset::canonical_codec("Utf 8"), "utf_8");
  EXPECT_EQ(charset::canonical_codec("u8"), "utf_8");
  EXPECT_EQ(charset::canonical_codec("utf.8"), "");
  EXPECT_EQ(charset::canonical_codec("L1"), "latin_1");
  EXPECT_EQ(charset::canonical_codec("KOI8-R"), "koi8_r");
  // non-ASCII characters are punctuation for CPython's C-level normalisation (found by the differential replay of
  // corpora/content_type_fuzzer: filename*=ut\xeb\xeb\xeb\xebf-16''...)
  EXPECT_EQ(charset::canonical_codec("ut\xC3\xAB" "f-16"), "");
  EXPECT_EQ(charset::canonical_codec("utf-\xC3\xAB" "8"), "utf_8");
  EXPECT_EQ(charset::canonical_codec("\xC3\xAButf8\xC3\xAB"), "utf_8");
  EXPECT_EQ(charset::canonical_codec("latin\xC2\xAA" "1"), "latin_1");
  EXPECT_EQ(charset::decode("\xe9", "koi8-r", charset::errors::strict).text, "\xD0\x98");  // 'И'
  EXPECT_EQ(charset::decode("a", "bogus", charset::errors::replace).st, charset::status::lookup_error);
  EXPECT_EQ(charset::decode("a", "rot13", charset::errors::replace).st, charset::status::lookup_error);
  EXPECT_EQ(charset::decode("a", "shift_jis", charset::errors::replace).st, charset::status::unsupported);
  EXPECT_EQ(charset::decode(std::string("a\0b\0", 4), "utf-16-le", charset::errors::replace).text, "ab");
  EXPECT_EQ(charset::decode("\xe9" "a", "utf_16", charset::errors::replace).text, "\xE6\x87\xA9");  // U+61E9
}

TEST(Charset, CodecLookupMatchesPython) {
  // every name: the C++ lookup (known codec or not) agrees with codecs.lookup of the installed Python
  const std::vector<std::string> names = {"utf-8", "UTF8", "ut\xC3\xAB" "f-16", "utf-\xC3\xAB" "8", "\xC3\xAButf8",
                                          "latin\xC2\xAA" "1", "utf.8", "  utf8", "utf--8", "KOI8\xE2\x80\x94R",
                                          "iso\xC2\xA0" "8859-1", "cp\xD9\xA1\xD9\xA2\xD9\xA5\xD9\xA2", "x"};
  std::string program = "import codecs, sys\nfor n in sys.stdin.buffer.read().decode('utf-8').split('\\n'):\n"
                        "    try:\n        codecs.lookup(n); print(1)\n    except LookupError:\n        print(0)\n";
  std::string input;
  for (std::size_t i = 0; i < names.size(); ++i) input += (i ? "\n" : "") + names[i];
  auto r = websec::test::run_python(program, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> want;
  std::size_t at = 0;
  for (std::size_t nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1) want.push_back(r.out.substr(at, nl - at));
  ASSERT_EQ(want.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    EXPECT_EQ(charset::canonical_codec(names[i]).empty() ? "0" : "1", want[i]) << names[i];
}

TEST(ContentType, UpstreamRules) {
  auto p = [](const char* s) { return *content_type::parse_options_header(s, profile::upstream); };
  EXPECT_EQ(p("multipart/form-data; boundary=a:b").get("boundary"), "a");
  EXPECT_EQ(p("multipart/form-data; boundary=b; boundary=c").get("boundary"), "c");
  EXPECT_EQ(p("multipart/form-data; boundary = b").find("boundary"), nullptr);
  EXPECT_EQ(p("form-data; name=\"a\\\"b\"; filename=\"C:\\\\x\"").get("name"), "a\"b");
  EXPECT_EQ(p("form-data; name=\"p%22q\"").get("name"), "p\"q");
  EXPECT_EQ(p("form-data; filename=\"a\"; filename*=UTF-8''%E2%82%AC").get("filename"), "\xE2\x82\xAC");
  EXPECT_EQ(p("form-data; filename*=koi8-r''%E9.txt").get("filename"), "%E9.txt");
  EXPECT_EQ(p("form-data; filename*0=\"ab\"; filename*1=\"cd.txt\"").get("filename"), "abcd.txt");
  EXPECT_EQ(p("Multipart/Form-Data; boundary=b").mimetype(), "multipart/form-data");
}

TEST(ContentType, DebianRules) {
  auto p = [](const char* s) { return content_type::parse_options_header(s, profile::debian); };
  EXPECT_EQ(p("multipart/form-data; boundary = b")->get("boundary"), "b");
  EXPECT_EQ(p("multipart/form-data; boundary=b ")->get("boundary"), "b ");
  EXPECT_EQ(p("form-data; name=a b; filename=c,d")->get("filename"), "c");
  EXPECT_EQ(p("form-data; name=a b")->get("name"), "a b");
  EXPECT_FALSE(p("form-data; name")->find("name")->value.has_value());
  EXPECT_EQ(p("form-data; filename=\"\\\\srv\\share\"")->get("filename"), "\\\\srv\\share");
  EXPECT_EQ(p("form-data; filename*=koi8-r''%E9.txt")->get("filename"), "\xD0\x98.txt");
  EXPECT_EQ(p("form-data; filename*=bogus''%E9.txt").err().http_status, 500);
  EXPECT_EQ(p("form-data; filename*=UTF-8''%FF.txt").err().kind, websec::errc::parameter_charset_decode);
  EXPECT_EQ(p("text/plain ; charset=x")->params.size(), 0u);  // whitespace after the mimetype ends the match
}

TEST(Urlencoded, BothProfiles) {
  auto d = *urlencoded::decode("a=%3Cx%3E&b=+plus+&c=%ZZ&d=%FF&e&=novalue&f=1&f=2;g=3", profile::debian);
  ASSERT_EQ(d.size(), 8u);
  EXPECT_EQ(d[3].value, "\xEF\xBF\xBD");
  auto u = *urlencoded::decode("a=%3Cx%3E&b=+plus+&c=%ZZ&d=%FF&e&=novalue&f=1&f=2;g=3", profile::upstream);
  EXPECT_EQ(u[3].value, "%FF");
  EXPECT_EQ(u[7].value, "2;g=3");
  EXPECT_EQ(urlencoded::decode("a=\xff", profile::upstream).err().kind, websec::errc::body_not_utf8);
}

TEST(Multipart, SpoolsToTemporaryFileAndCleansUp) {
  std::string body = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n" + std::string(600000, 'q') + "\r\n--b--\r\n";
  std::string path;
  {
    form_data f = parse_multipart(body, "b");
    ASSERT_EQ(f.files.size(), 1u);
    EXPECT_TRUE(f.files[0].rolled_to_disk);
    ASSERT_EQ(f.files[0].where, file::storage::temp_file);
    path = f.files[0].disk->path();
    EXPECT_EQ(f.files[0].read_all(), std::string(600000, 'q'));
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "temporary file left behind: " << path;
}

TEST(Multipart, MemoryBoundedByLimitsOnLongFieldsAndFiles) {
  // 3 MiB file + a 400 kB field: decoder buffer stays within max_form_memory_size
  std::string body = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n";
  for (int i = 0; i < 3 * 1024; ++i) body += std::string(1000, 'a' + i % 26) + "\r\n-";
  body += "\r\n--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n" + std::string(400000, 'z') + "\r\n--b--\r\n";
  for (profile prof : {profile::upstream, profile::debian}) {
    request_info req;
    req.boundary = "b";
    req.content_length = std::to_string(body.size());
    parse_options o;
    o.prof = prof;
    o.sink = file_sink::hash_only;
    form_parser p(req, {}, o);
    for (std::size_t i = 0; i < body.size(); i += 10007) p.feed(std::string_view(body).substr(i, 10007));
    EXPECT_LE(p.peak_buffered(), 500000u);
    EXPECT_LE(p.peak_field_bytes(), 500000u);
    form_data f = p.finish();
    EXPECT_EQ(f.result.status, 200) << describe(f);
    ASSERT_EQ(f.files.size(), 1u);
    EXPECT_EQ(f.files[0].size, 3u * 1024 * 1003);
  }
}

// ------------------------------------------------------------------------------------------------ differential
namespace {

// Runs each request through Debian's werkzeug exactly as gen_vectors.py does (Request(environ).form/files,
// then a non-silent re-parse to name a swallowed ValueError). Input: JSON list; output: one JSON per line.
const char* kOracle = R"PY(
import io, json, sys, hashlib
from werkzeug.wrappers import Request
from werkzeug.exceptions import HTTPException
def hx(s):
    return s.encode("utf-8", "surrogatepass").hex()
cases = json.load(sys.stdin)
out = []
for c in cases:
    body = bytes.fromhex(c["body"])
    def make():
        env = {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body), "SERVER_NAME": "x",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "PATH_INFO": "/"}
        if c["ct"] is not None:
            env["CONTENT_TYPE"] = bytes.fromhex(c["ct"]).decode("latin-1")
        if c["chunked"]:
            env["wsgi.input_terminated"] = True
            env["HTTP_TRANSFER_ENCODING"] = "chunked"
        elif c["cl"] is not None:
            env["CONTENT_LENGTH"] = c["cl"]
        r = Request(env)
        r.max_content_length = c["mcl"]
        r.max_form_memory_size = c["mfms"]
        r.max_form_parts = c["mfp"]
        return r
    r = make()
    try:
        form = [[None if k is None else hx(k), hx(v)] for k, v in r.form.items(multi=True)]
        files = []
        for k, fs in r.files.items(multi=True):
            data = fs.read()
            files.append({"name": None if k is None else hx(k), "filename": hx(fs.filename),
                          "content_type": None if fs.content_type is None else hx(fs.content_type),
                          "headers": [[hx(a), hx(b)] for a, b in fs.headers.items()],
                          "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                          "rolled": bool(getattr(fs.stream, "_rolled", False))})
        res = {"status": 200, "form": form, "files": files}
        if not form and not files:
            r2 = make()
            if r2.want_form_data_parsed:
                p = r2.make_form_data_parser()
                p.silent = False
                try:
                    p.parse(r2._get_stream_for_parsing(), r2.mimetype, r2.content_length, r2.mimetype_params)
                except ValueError as ex:
                    res["silenced"] = type(ex).__name__ + ": " + str(ex)
                except Exception:
                    pass
    except HTTPException as ex:
        res = {"status": ex.code, "error": type(ex).__name__}
    except Exception as ex:
        res = {"status": 500, "error": type(ex).__name__ + ": " + str(ex)}
    out.append(json.dumps(res))
print("\n".join(out))
)PY";

std::string hexs(std::string_view s) { return websec::test::to_hex(s); }

struct gen_case {
  std::string body;
  std::optional<std::string> ct;
  std::optional<std::string> cl;  // header text; nullopt = absent
  bool chunked = false;
  FormLimits limits;
  std::string what;
};

const char* kBoundaries[] = {"b", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "---------------------------9051914041544843365972754266",
                             "------------------------d74496d66958873e", "a+b(c)", "x-y", "--", "b b", "AaB03x"};

std::string pick_text(websec::test::rng& r, std::size_t n, const std::string& bnd) {
  static const char* tokens[] = {"\r\n", "\r", "\n", "--", "-", " ", "\t", "\xc3\xa9", "\xff", "\x00", "=", ";", "\"", "x", "hello"};
  std::string s;
  while (s.size() < n) {
    unsigned k = static_cast<unsigned>(r.below(20));
    if (k < 15) s += tokens[k];
    else if (k == 15) s += "\r\n--" + bnd + "x";
    else if (k == 16) s += "\r--" + bnd;
    else if (k == 17) s += "\n--" + bnd + " y";
    else s += std::string(1 + r.below(30), static_cast<char>('a' + r.below(26)));
  }
  s.resize(n);
  return s;
}

std::string rand_bytes(websec::test::rng& r, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(r.below(256));
  return s;
}

// A part's Content-Disposition line (or, rarely, another header in its place); is_file: whether it names a file.
std::string gen_disposition(websec::test::rng& r, std::size_t p, bool& is_file) {
  is_file = r.chance(35);
  std::string cd = "Content-Disposition: form-data";
  switch (r.below(12)) {
    case 0: break;  // no name
    case 1: cd += "; name=\"a;b\""; break;
    case 2: cd += "; NAME=k" + std::to_string(p); break;
    case 3: cd += "; name=\"\xc3\xa9\""; break;
    case 4: cd += "; name = spaced"; break;
    default: cd += "; name=\"f" + std::to_string(p) + "\""; break;
  }
  if (is_file) {
    switch (r.below(8)) {
      case 0: cd += "; filename=\"\""; break;
      case 1: cd += "; filename*=UTF-8''%E2%82%AC.txt"; break;
      case 2: cd += "; filename=\"../../etc/passwd\""; break;
      case 3: cd += "; filename*=koi8-r''%E9"; break;
      default: cd += "; filename=\"file" + std::to_string(p) + ".bin\""; break;
    }
  }
  if (r.chance(3)) cd = "X-Other: 1";  // missing Content-Disposition
  return cd;
}

// The part's other header lines: a Content-Type, a folded line, a line without a colon, a huge line (kind 8).
void gen_more_headers(websec::test::rng& r, std::string& body, const std::string& eol, unsigned kind) {
  if (r.chance(30)) {
    const char* cts[] = {"text/plain", "text/plain; charset=utf-8", "text/plain; charset=iso-8859-1",
                         "text/plain; charset=us-ascii", "text/plain; charset=utf-16-le", "text/plain; charset=koi8-r",
                         "application/octet-stream", "text/plain; charset=cp1252"};
    body += std::string("Content-Type: ") + cts[r.below(std::size(cts))] + eol;
  }
  if (r.chance(3)) body += "X-Folded: a" + eol + " b" + eol;
  if (r.chance(2)) body += "bogus-line-without-colon" + eol;
  if (kind == 8 && r.chance(20)) body += "X-Huge: " + std::string(70000 + r.below(500000), 'h') + eol;
}

// The length of a part's content, given the body so far; kinds 6 and 7 aim at the size limits.
std::size_t gen_content_length(websec::test::rng& r, std::size_t body_size, unsigned kind, std::size_t parts) {
  std::size_t len;
  switch (r.below(10)) {
    case 0: len = 0; break;
    case 1: len = 65536 - body_size % 65536 + r.below(8) - 4; break;  // straddle a 64 KiB read
    case 2: len = kind == 7 ? 499990 + r.below(20) : r.below(3000); break;
    case 3: len = kind == 6 ? 512000 + r.below(3) - 1 : r.below(100); break;
    default: len = r.below(200); break;
  }
  if (parts > 100) len = r.below(20);
  return len;
}

// Part p: its delimiter line, headers and content.
void gen_part(websec::test::rng& r, std::string& body, const std::string& bnd, const std::string& eol, unsigned kind,
              std::size_t parts, std::size_t p) {
  body += "--" + bnd;
  if (r.chance(5)) body += "  ";
  body += eol;
  bool is_file;
  body += gen_disposition(r, p, is_file) + eol;
  gen_more_headers(r, body, eol, kind);
  body += eol;
  const std::size_t len = gen_content_length(r, body.size(), kind, parts);
  if (r.chance(50) || is_file) body += pick_text(r, len, bnd);
  else body += rand_bytes(r, len);
  if (r.chance(10)) {  // place a CR/LF exactly at a read boundary
    std::size_t edge = (body.size() / 65536 + 1) * 65536;
    if (edge > body.size() && edge - body.size() < 70000) body += std::string(edge - body.size() - 1, 'x') + "\r";
  }
  body += eol;
}

// Sometimes a few bytes of the body are erased, inserted or changed.
void gen_mutate(websec::test::rng& r, std::string& body, const std::string& bnd) {
  if (!(r.chance(15) && !body.empty())) return;
  std::size_t n = 1 + r.below(4);
  for (std::size_t k = 0; k < n && !body.empty(); ++k) {
    std::size_t at = r.below(body.size());
    switch (r.below(3)) {
      case 0: body.erase(at, 1 + r.below(5)); break;
      case 1: body.insert(at, r.chance(50) ? "\r\n" : "--" + bnd); break;
      default: body[at] = static_cast<char>(r.below(256));
    }
  }
}

std::string gen_content_type(websec::test::rng& r, const std::string& bnd) {
  switch (r.below(20)) {
    case 0: return "multipart/form-data; boundary=\"" + bnd + "\"";
    case 1: return "multipart/form-data";
    case 2: return "Multipart/Form-Data; BOUNDARY=" + bnd;
    case 3: return "multipart/form-data; boundary= " + bnd;
    case 4: return "multipart/form-data; boundary=" + bnd + "; charset=utf-8";
    default: return bnd.find_first_of(" +()") == std::string::npos ? "multipart/form-data; boundary=" + bnd
                                                                    : "multipart/form-data; boundary=\"" + bnd + "\"";
  }
}

// Limits around the body's length L and its number of parts.
void gen_limits(websec::test::rng& r, FormLimits& limits, std::uint64_t L, std::size_t parts) {
  limits.max_form_memory_size = std::nullopt;  // Debian's default
  switch (r.below(8)) {
    case 0: limits.max_form_memory_size = 500000; break;
    case 1: limits.max_form_memory_size = L > 0 ? L - 1 + r.below(3) : 1; break;
    case 2: limits.max_form_memory_size = 100 + r.below(70000); break;
    default: break;
  }
  switch (r.below(6)) {
    case 0: limits.max_form_parts = std::nullopt; break;
    case 1: limits.max_form_parts = parts > 0 ? parts - 1 + r.below(3) : 0; break;
    default: limits.max_form_parts = 1000;
  }
  if (r.chance(15)) limits.max_content_length = L > 0 ? L - 1 + r.below(3) : 0;
}

// Chunked, or a Content-Length that is right, too long, too short or padded.
void gen_framing(websec::test::rng& r, gen_case& g, std::uint64_t L) {
  unsigned fr = static_cast<unsigned>(r.below(20));
  if (fr == 0) g.chunked = true;
  else if (fr == 1) g.cl = std::to_string(L + 1 + r.below(10));
  else if (fr == 2) g.cl = std::to_string(L > 10 ? L - 1 - r.below(10) : 0);
  else if (fr == 3) g.cl = " " + std::to_string(L) + " ";
  else g.cl = std::to_string(L);
}

gen_case generate(websec::test::rng& r, int i) {
  gen_case g;
  std::string bnd = kBoundaries[r.below(std::size(kBoundaries))];
  const char* eols[] = {"\r\n", "\r\n", "\r\n", "\n", "\r"};
  std::string eol = eols[r.below(5)];
  unsigned kind = static_cast<unsigned>(i % 10);
  std::size_t parts = r.below(6);
  if (kind == 9 && r.chance(30)) parts = r.chance(50) ? 1000 : 1001;
  std::string body;
  if (r.chance(10)) body += "preamble" + eol;
  for (std::size_t p = 0; p < parts; ++p) gen_part(r, body, bnd, eol, kind, parts, p);
  if (!r.chance(8)) body += "--" + bnd + "--" + (r.chance(70) ? eol : std::string());
  if (r.chance(10)) body += "epilogue";
  gen_mutate(r, body, bnd);
  g.body = body;
  g.ct = gen_content_type(r, bnd);
  const std::uint64_t L = body.size();
  gen_limits(r, g.limits, L, parts);
  gen_framing(r, g, L);
  return g;
}

std::string unhex(const json& j) { return websec::test::from_hex(j.get<std::string>()); }

bool same(const gen_case& g, const form_data& f0, const json& py, std::string& why) {
  form_data f;
  f.result = f0.result;
  f.fields = grouped(f0.fields);
  f.files = grouped(f0.files);
  int st = py["status"];
  if (f.result.status != st) { why = "status " + std::to_string(f.result.status) + " vs " + std::to_string(st); return false; }
  if (st != 200) return true;
  bool py_silent = py.contains("silenced");
  if (py_silent != f.result.silent_empty_form) { why = "silent flag differs; python: " + py.value("silenced", std::string("-")); return false; }
  if (f.fields.size() != py["form"].size()) { why = "field count " + std::to_string(f.fields.size()) + " vs " + std::to_string(py["form"].size()); return false; }
  for (std::size_t i = 0; i < f.fields.size(); ++i) {
    const json& k = py["form"][i][0];
    if (k.is_null() != !f.fields[i].name.has_value() || (!k.is_null() && unhex(k) != *f.fields[i].name)) { why = "field name " + std::to_string(i); return false; }
    if (unhex(py["form"][i][1]) != f.fields[i].value) { why = "field value " + std::to_string(i); return false; }
  }
  if (f.files.size() != py["files"].size()) { why = "file count"; return false; }
  for (std::size_t i = 0; i < f.files.size(); ++i) {
    const json& e = py["files"][i];
    const file& x = f.files[i];
    if (e["name"].is_null() != !x.name.has_value() || (!e["name"].is_null() && unhex(e["name"]) != *x.name)) { why = "file name"; return false; }
    if (unhex(e["filename"]) != x.filename) { why = "filename " + std::to_string(i); return false; }
    if (e["content_type"].is_null() != !x.content_type.has_value() || (!e["content_type"].is_null() && unhex(e["content_type"]) != *x.content_type)) { why = "file content_type"; return false; }
    if (e["size"].get<std::uint64_t>() != x.size || e["sha256"].get<std::string>() != x.sha256) { why = "file bytes " + std::to_string(i); return false; }
    if (e["rolled"].get<bool>() != x.rolled_to_disk) { why = "rolled"; return false; }
    if (e["headers"].size() != x.headers.size()) { why = "file headers"; return false; }
    for (std::size_t h = 0; h < x.headers.size(); ++h)
      if (unhex(e["headers"][h][0]) != x.headers[h].name || unhex(e["headers"][h][1]) != x.headers[h].value) { why = "file header"; return false; }
  }
  (void)g;
  return true;
}

json to_oracle(const gen_case& g) {
  auto lim = [](const std::optional<std::uint64_t>& v) { return v ? json(*v) : json(nullptr); };
  return json{{"body", hexs(g.body)}, {"ct", g.ct ? json(hexs(*g.ct)) : json(nullptr)}, {"cl", g.cl ? json(*g.cl) : json(nullptr)},
              {"chunked", g.chunked}, {"mcl", lim(g.limits.max_content_length)}, {"mfms", lim(g.limits.max_form_memory_size)},
              {"mfp", lim(g.limits.max_form_parts)}};
}

}  // namespace

TEST(MultipartDifferential, AgainstDebianWerkzeug) {
  if (!websec::test::python_has({"werkzeug"})) GTEST_SKIP() << "/usr/bin/python3 without werkzeug";
  const std::uint64_t seed = websec::test::test_seed(20261129);
  websec::test::rng r(seed);
  const int kCases = 2200, kBatch = 400;
  int compared = 0, mismatches = 0;
  std::map<int, int> by_status;
  int silent = 0, nonempty = 0;
  for (int b0 = 0; b0 < kCases; b0 += kBatch) {
    std::vector<gen_case> cs;
    json arr = json::array();
    for (int i = b0; i < std::min(kCases, b0 + kBatch); ++i) {
      cs.push_back(generate(r, i));
      arr.push_back(to_oracle(cs.back()));
    }
    auto res = websec::test::run_python(kOracle, arr.dump());
    ASSERT_EQ(res.exit_code, 0) << res.err.substr(0, 2000);
    std::istringstream lines(res.out);
    std::string line;
    for (std::size_t i = 0; i < cs.size(); ++i) {
      ASSERT_TRUE(std::getline(lines, line)) << "oracle output short";
      json py = json::parse(line);
      const gen_case& g = cs[i];
      request_info req;
      req.content_type = g.ct;
      req.content_length = g.cl;
      req.chunked = g.chunked;
      parse_options o;
      o.prof = profile::debian;
      // feed in uneven pieces: the parser regroups into werkzeug's 64 KiB reads
      form_parser p(req, g.limits, o);
      std::size_t step = 1 + (i * 7919) % 100000;
      for (std::size_t k = 0; k < g.body.size(); k += step) p.feed(std::string_view(g.body).substr(k, step));
      if (g.limits.max_form_memory_size) EXPECT_LE(p.peak_buffered(), *g.limits.max_form_memory_size);
      form_data f = p.finish();
      std::string why;
      ++compared;
      by_status[f.result.status]++;
      if (f.result.silent_empty_form) ++silent;
      else if (f.result.status == 200 && !f.fields.empty() + !f.files.empty()) ++nonempty;
      if (!same(g, f, py, why)) {
        ++mismatches;
        if (mismatches <= 8)
          ADD_FAILURE() << "seed " << seed << " case " << (b0 + static_cast<int>(i)) << ": " << why << "\n  websec: " << describe(f)
                        << "\n  websec names: " << [&] { std::string n; for (auto& x : f.fields) n += (x.name ? hexs(*x.name) : "null") + "=" + hexs(x.value.substr(0, 20)) + " "; return n; }()
                        << "\n  python: " << line.substr(0, 300) << "\n  body[0:300] hex: " << hexs(g.body.substr(0, 300))
                        << "\n  ct=" << g.ct.value_or("(none)") << " cl=" << g.cl.value_or("(none)") << " chunked=" << g.chunked
                        << " mfms=" << (g.limits.max_form_memory_size ? std::to_string(*g.limits.max_form_memory_size) : "None")
                        << " mfp=" << (g.limits.max_form_parts ? std::to_string(*g.limits.max_form_parts) : "None")
                        << " mcl=" << (g.limits.max_content_length ? std::to_string(*g.limits.max_content_length) : "None");
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << "seed " << seed << " (rerun with WEBSEC_TEST_SEED=" << seed << ")";
  EXPECT_GE(compared, 2000);
  for (auto& [s, n] : by_status) std::printf("status %d: %d cases\n", s, n);
  std::printf("silent empty form: %d, non-empty forms: %d\n", silent, nonempty);
  EXPECT_GE(nonempty, 400);  // the generator must exercise real parses, not only failures
}

// ------------------------------------------------------------------------------------------------ RapidCheck
RC_GTEST_PROP(MultipartProperty, AnySplitGivesSameResult, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  websec::test::rng r(seed);
  gen_case g = generate(r, static_cast<int>(seed % 10));
  if (g.body.size() > 300000) g.body.resize(300000);
  const auto prof = *rc::gen::element(profile::upstream, profile::debian);
  request_info req;
  req.content_type = g.ct;
  req.content_length = g.cl;
  req.chunked = g.chunked;
  parse_options o;
  o.prof = prof;
  o.sink = file_sink::memory;
  form_data one = parse_form(g.body, req, g.limits, o);
  const auto cuts = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, g.body.size() + 1));
  std::vector<std::size_t> pts = cuts;
  std::sort(pts.begin(), pts.end());
  form_parser p(req, g.limits, o);
  std::size_t prev = 0;
  for (std::size_t c : pts) { p.feed(std::string_view(g.body).substr(prev, c - prev)); prev = c; }
  p.feed(std::string_view(g.body).substr(prev));
  form_data two = p.finish();
  RC_ASSERT(one.result.status == two.result.status);
  RC_ASSERT(one.result.silent_empty_form == two.result.silent_empty_form);
  RC_ASSERT(one.result.error.has_value() == two.result.error.has_value());
  if (one.result.error) RC_ASSERT(one.result.error->kind == two.result.error->kind);
  RC_ASSERT(one.fields.size() == two.fields.size());
  for (std::size_t i = 0; i < one.fields.size(); ++i) {
    RC_ASSERT(one.fields[i].name == two.fields[i].name);
    RC_ASSERT(one.fields[i].raw() == two.fields[i].raw());
    RC_ASSERT(one.fields[i].value == two.fields[i].value);
  }
  RC_ASSERT(one.files.size() == two.files.size());
  for (std::size_t i = 0; i < one.files.size(); ++i) {
    RC_ASSERT(one.files[i].data == two.files[i].data);
    RC_ASSERT(one.files[i].filename == two.files[i].filename);
    RC_ASSERT(one.files[i].sha256 == two.files[i].sha256);
  }
}

// A large upload streamed through the parser (hash-only sink, as the CLI does) keeps a flat peak RSS.
TEST(Multipart, StreamedUploadHasFlatPeakRss) {
  auto hwm_kib = [] {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1L;
    char line[256];
    long v = -1;
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %ld kB", &v) == 1) break;
    std::fclose(f);
    return v;
  };
  if (FILE* c = std::fopen("/proc/self/clear_refs", "w")) { std::fputs("5", c); std::fclose(c); }  // reset VmHWM
  const long before = hwm_kib();
  if (before < 0) GTEST_SKIP() << "no /proc/self/status";
  const std::string b = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  request_info req;
  req.content_type = "multipart/form-data; boundary=" + b;
  req.content_length_is_body_length = true;
  for (profile prof : {profile::upstream, profile::debian}) {
    parse_options o;
    o.prof = prof;
    o.sink = file_sink::hash_only;
    form_parser p(req, {}, o);
    p.feed("--" + b + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n\r\n");
    std::string block(1 << 20, '\0');
    websec::test::rng r(7);
    for (auto& c : block) c = static_cast<char>(r.below(256));
    const int mib = 384;
    for (int i = 0; i < mib; ++i) p.feed(block);
    p.feed("\r\n--" + b + "--\r\n");
    form_data f = p.finish();
    ASSERT_EQ(f.result.status, 200) << describe(f);
    ASSERT_EQ(f.files.size(), 1u);
    EXPECT_EQ(f.files[0].size, static_cast<std::uint64_t>(mib) << 20);
    EXPECT_LE(p.peak_buffered(), 500000u);
  }
  const long after = hwm_kib();
  std::printf("VmHWM before %ld kB, after streaming 2 x 384 MiB: %ld kB\n", before, after);
  EXPECT_LT(after - before, 16 * 1024) << "peak RSS grew with the body";
}

// Regression (multipart_fuzzer): with a streamed length over max_content_length the error offset depended on
// how the body was split into feed() calls; it is now the first byte past the limit.
TEST(Multipart, StreamedLengthOverMaxContentLengthOffsetIsSplitIndependent) {
  request_info req;
  req.content_type = "multipart/form-data; boundary=b";
  req.content_length_is_body_length = true;
  FormLimits lim;
  lim.max_content_length = 100;
  std::string body(500, 'x');
  form_data one = parse_form(body, req, lim);
  form_parser p(req, lim);
  for (std::size_t i = 0; i < body.size(); i += 33) p.feed(std::string_view(body).substr(i, 33));
  form_data two = p.finish();
  ASSERT_TRUE(one.result.error && two.result.error);
  EXPECT_EQ(one.result.status, 413);
  EXPECT_EQ(one.result.error->kind, websec::errc::max_content_length);
  EXPECT_EQ(one.result.error->offset, 100u);
  EXPECT_EQ(two.result.error->offset, 100u);
}

// Regression (multipart_fuzzer): a streamed body longer than max_content_length answers 413 max_content_length
// even when a split let the decoder hit another limit first (werkzeug compares the length before parsing).
TEST(Multipart, StreamedLengthOverMaxContentLengthWinsOverParseErrors) {
  request_info req;
  req.content_type = "multipart/form-data; boundary=b";
  req.content_length_is_body_length = true;
  FormLimits lim;
  lim.max_form_memory_size = 2048;
  std::string body = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + std::string(200000, 'x') + "\r\n--b--\r\n";
  lim.max_content_length = body.size() - 1;
  for (profile prof : {profile::upstream, profile::debian}) {
    parse_options o;
    o.prof = prof;
    form_parser p(req, lim, o);
    p.feed(std::string_view(body).substr(0, 70000));  // the decoder buffer limit is hit here
    p.feed(std::string_view(body).substr(70000));
    form_data f = p.finish();
    ASSERT_TRUE(f.result.error.has_value());
    EXPECT_EQ(f.result.status, 413);
    EXPECT_EQ(f.result.error->kind, websec::errc::max_content_length);
    EXPECT_EQ(parse_form(body, req, lim, o).result.error->kind, websec::errc::max_content_length);
  }
}

// Found by scripts/differential (corpora/multipart_fuzzer/regressions/differential-multipart-089e8a97f2fe):
// werkzeug's FormDataParser.parse compares Content-Length with max_content_length before the multipart parse
// function reads the boundary, so an oversized body answers 413 even when its boundary is unusable — also when
// the Content-Length is the body's own length, learned while feeding.
TEST(Multipart, MaxContentLengthIsCheckedBeforeTheBoundary) {
  const std::string body = "--\t--\r\n";
  for (profile prof : {profile::debian, profile::upstream}) {
    for (const char* ct : {"multipart/form-data; boundary=\t", "multipart/form-data; boundary=\xc3\xa9",
                           "multipart/form-data"}) {
      for (bool auto_length : {true, false}) {
        request_info req;
        req.content_type = ct;
        if (auto_length) req.content_length_is_body_length = true;
        else req.content_length = std::to_string(body.size());
        FormLimits lim;
        lim.max_content_length = 0;
        parse_options o;
        o.prof = prof;
        form_data got = parse_form(body, req, lim, o);
        EXPECT_EQ(got.result.status, 413) << ct << " auto_length=" << auto_length;
        ASSERT_TRUE(got.result.error.has_value());
        EXPECT_EQ(got.result.error->kind, websec::errc::max_content_length);
        // within the limit, the boundary error stands
        lim.max_content_length = body.size();
        form_data ok = parse_form(body, req, lim, o);
        ASSERT_TRUE(ok.result.error.has_value());
        EXPECT_NE(ok.result.error->kind, websec::errc::max_content_length);
      }
    }
  }
}

// Found by scripts/differential (corpora/content_type_fuzzer/regressions/differential-content_type-83f9be5a766e):
// werkzeug 2.2.2 appends a `key*N` continuation with `options.get(key, "") + value`, a TypeError (500) when the
// key already holds None; a key that is absent or holds a string is extended.
TEST(ContentType, DebianContinuationOfNoneIsTypeError) {
  auto p = [](const char* s) { return content_type::parse_options_header(s, profile::debian); };
  auto r = p("multipart/form-data; name=; boundary=\"a b\"; name*0=\"a b\"");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().kind, websec::errc::continuation_of_none);
  EXPECT_EQ(r.err().http_status, 500);
  EXPECT_EQ(p("a; name; name*0=x").err().kind, websec::errc::continuation_of_none);
  EXPECT_EQ(p("a; name=x; name*1=y")->get("name"), "xy");
  EXPECT_EQ(p("a; name*0=x; name*1=y")->get("name"), "xy");
  EXPECT_EQ(content_type::parse_options_header("a; name; name*0=x", profile::upstream)->get("name"), "x");
}

// failed(): an error the body fed so far has decided, reported before finish() and equal to what finish() says.
TEST(Multipart, FailedReportsADecidedOutcomeBeforeTheEnd) {
  std::string body;
  for (int i = 0; i < 1001; ++i) body += "--b\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nx\r\n";
  const std::size_t decided_by = body.size() + 65536;  // the 64 KiB read that completes part 1001's headers
  body += "--b\r\nContent-Disposition: form-data; name=\"up\"; filename=\"u\"\r\n\r\n" + std::string(300000, 'u') +
          "\r\n--b--\r\n";
  auto request = [&](bool streamed) {
    request_info req;
    req.content_type = "multipart/form-data; boundary=b";
    if (streamed) req.content_length_is_body_length = true;
    else req.content_length = std::to_string(body.size());
    return req;
  };
  auto feed_until = [&](form_parser& p, std::size_t upto) {
    for (std::size_t i = 0; i < upto; i += 1000) p.feed(std::string_view(body).substr(i, std::min<std::size_t>(1000, upto - i)));
  };
  auto same_as_finish = [](const outcome& early, const form_data& f) {
    ASSERT_TRUE(early.error && f.result.error);
    EXPECT_EQ(early.status, f.result.status);
    EXPECT_EQ(early.silent_empty_form, f.result.silent_empty_form);
    EXPECT_EQ(early.error->kind, f.result.error->kind);
    EXPECT_EQ(early.error->offset, f.result.error->offset);
    EXPECT_EQ(early.error->message, f.result.error->message);
  };
  parse_options up, deb;
  deb.prof = profile::debian;
  {  // upstream, declared length: final as soon as decided; the rest of the body changes nothing
    form_parser p(request(false), {}, up);
    std::size_t fed = 0;
    while (!p.failed() && fed < body.size()) {
      p.feed(std::string_view(body).substr(fed, 1000));
      fed = std::min(body.size(), fed + 1000);
    }
    ASSERT_TRUE(p.failed());
    EXPECT_LE(fed, decided_by);
    const outcome early = *p.failed();
    EXPECT_EQ(early.status, 413);
    EXPECT_EQ(early.error->kind, websec::errc::max_form_parts);
    feed_until(p, body.size());
    form_data f = p.finish();
    same_as_finish(early, f);
    EXPECT_TRUE(f.fields.empty() && f.files.empty());
  }
  {  // debian: werkzeug 2.2 drains first, and a short body is a 400 — nothing is final until the declared length
    form_parser p(request(false), {}, deb);
    feed_until(p, body.size() - 1);
    EXPECT_FALSE(p.failed());
    form_parser whole(request(false), {}, deb);
    feed_until(whole, body.size());
    ASSERT_TRUE(whole.failed());
    const outcome early = *whole.failed();
    same_as_finish(early, whole.finish());
    EXPECT_EQ(p.finish().result.status, 400);
  }
  {  // streamed length with max_content_length: the final length may still exceed it, until it does
    FormLimits lim;
    lim.max_content_length = body.size() - 10;
    form_parser p(request(true), lim, up);
    feed_until(p, decided_by);
    EXPECT_FALSE(p.failed());
    feed_until(p, body.size());  // feeds the body again from the start: the length goes past the limit
    ASSERT_TRUE(p.failed());
    EXPECT_EQ(p.failed()->error->kind, websec::errc::max_content_length);
    const outcome early = *p.failed();
    same_as_finish(early, p.finish());
  }
  {  // a body that parses never reports failed()
    std::string ok = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--\r\n";
    request_info req;
    req.content_type = "multipart/form-data; boundary=b";
    req.content_length = std::to_string(ok.size());
    form_parser p(req);
    p.feed(ok);
    EXPECT_FALSE(p.failed());
    EXPECT_FALSE(p.finish().result.error);
  }
}

// spool_backing::memfd: the same roll-over, sizes and bytes as the temporary file in $TMPDIR, with no path.
TEST(MultipartSpool, MemfdBackingRollsOverLikeTheTempDir) {
  const std::string data(3000, 'z');
  const std::string body = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n" + data +
                           "\r\n--b\r\nContent-Disposition: form-data; name=\"g\"; filename=\"b.bin\"\r\n\r\nsmall\r\n--b--\r\n";
  for (spool_backing backing : {spool_backing::temp_dir, spool_backing::memfd}) {
    parse_options o;
    o.sink = file_sink::spooled;
    o.spool_max_size = 1000;
    o.spool_to = backing;
    form_data f = parse_multipart(body, "b", {}, o);
    ASSERT_FALSE(f.result.error.has_value());
    ASSERT_EQ(f.files.size(), 2u);
    EXPECT_TRUE(f.files[0].rolled_to_disk);
    EXPECT_EQ(f.files[0].where, file::storage::temp_file);
    EXPECT_EQ(f.files[0].size, data.size());
    EXPECT_EQ(f.files[0].read_all(), data);
    EXPECT_EQ(f.files[0].disk->path().empty(), backing == spool_backing::memfd);
    EXPECT_EQ(f.files[0].disk->fd() >= 0, backing == spool_backing::memfd);
    EXPECT_FALSE(f.files[1].rolled_to_disk);
    EXPECT_EQ(f.files[1].read_all(), "small");
  }
}
