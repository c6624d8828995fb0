// `websec session` — inspect, verify, sign and audit Flask session cookies (websec/session.hpp).
//
//   websec session decode [COOKIE]
//       Prints the payload as JSON WITHOUT verifying the signature ({"verified": false, ...}), the timestamp as
//       ISO-8601 and whether the payload was compressed.
//   websec session verify --secret KEY [--fallback KEY]... [--max-age S | --no-max-age] [--salt S]
//                         [--profile debian|upstream] [COOKIE]
//       Exit 0 and the payload (tagged JSON) when the cookie is valid as Flask's open_session sees it; exit 1 and
//       the precise reason otherwise: bad signature, expired by N s, future-dated by N s, malformed timestamp,
//       undecodable payload (Flask's 500). Default max-age = PERMANENT_SESSION_LIFETIME = 2678400 s.
//   websec session sign --secret KEY [--timestamp T] [--salt S] JSON
//       Prints the cookie value Flask would produce for the session given as (tagged) JSON.
//   websec session crack --wordlist FILE [--threads N] [--salt S] [COOKIE]
//       Tries every line of FILE as SECRET_KEY (flask-unsign's weak-secret audit). Exit 0 and prints the key
//       when found, 1 when none matched. Progress and guesses/s on stderr.
// COOKIE may be a bare value, "session=VALUE", a "Cookie: ..." or "Set-Cookie: ..." header line; when it is
// missing or "-", it is read from stdin, at most 1 MiB (browsers keep cookies of at most 4096 bytes; more is refused
// with exit 2 before anything is parsed). Messages quote at most websec::max_quoted_input bytes of the input,
// escaped (websec::quote_input).
#include "command.hpp"

#include "websec/result.hpp"
#include "websec/session.hpp"
#include "websec/signing.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

using namespace websec;

/// Most bytes of cookie text read from stdin.
constexpr std::size_t kMaxCookieText = 1u << 20;

/// Stdin, or nullopt (with a message) when it holds more than kMaxCookieText bytes: reads no more than that.
std::optional<std::string> read_cookie_stdin() {
  std::string text;
  char buf[65536];
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(std::cin.gcount()));
    if (text.size() > kMaxCookieText) {
      std::cerr << "websec: the cookie on stdin is larger than " << kMaxCookieText << " bytes\n";
      return std::nullopt;
    }
  }
  return text;
}

std::optional<std::string> cookie_arg(const cli::option_parser& op) {
  std::string text;
  if (op.positionals().empty() || op.positionals()[0] == "-") {
    auto in = read_cookie_stdin();
    if (!in) return std::nullopt;
    text = std::move(*in);
  } else {
    text = op.positionals()[0];
  }
  auto v = session::extract_cookie_value(text);
  if (!v) {
    std::cerr << "websec: malformed cookie: " << v.err().message << "\n";
    return std::nullopt;
  }
  return *v;
}

bool parse_int(const std::string& s, std::int64_t& out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end || errno) return false;
  out = v;
  return true;
}

int decode(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({}, {})) return 2;
  auto c = cookie_arg(op);
  if (!c) return 2;
  auto u = session::decode_unverified(*c);
  if (!u) {
    std::cerr << "websec: cannot decode the cookie: " << u.err().message << "\n";
    return 1;
  }
  std::cout << "{\"verified\": false, \"timestamp\": "
            << (u->timestamp ? cli::json_string(u->timestamp <= signing::max_datetime_timestamp
                                                    ? signing::iso8601(*u->timestamp)
                                                    : std::to_string(*u->timestamp))
                             : "null")
            << ", \"compressed\": " << (u->compressed ? "true" : "false") << ", \"payload\": " << u->tagged_json
            << "}\n";
  std::cerr << "websec: note: the signature was NOT verified\n";
  return 0;
}

int verify(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({"secret", "fallback", "max-age", "salt", "profile", "now"}, {"no-max-age"})) return 2;
  auto secret = op.get("secret");
  if (!secret || secret->empty()) return cli::usage_error("session verify needs --secret KEY");
  session::config cfg;
  cfg.secret_key = *secret;
  cfg.fallbacks = op.all("fallback");
  if (auto s = op.get("salt")) cfg.salt = *s;
  if (auto p = op.get("profile"); p && !parse_profile(*p, cfg.prof)) return cli::usage_error("--profile debian|upstream");
  std::int64_t now = signing::now_seconds();
  if (auto n = op.get("now"); n && !parse_int(*n, now)) return cli::usage_error("--now needs an integer");
  bool no_max_age = op.has("no-max-age");
  if (auto m = op.get("max-age")) {
    if (no_max_age) return cli::usage_error("--max-age and --no-max-age exclude each other");
    if (!parse_int(*m, cfg.lifetime_seconds) || cfg.lifetime_seconds < 0) return cli::usage_error("--max-age needs seconds");
  }
  auto c = cookie_arg(op);
  if (!c) return 2;
  auto codec = session::codec::make(cfg);
  if (!codec) return cli::usage_error(codec.err().message);
  session::opened o;
  if (no_max_age) {
    // loads without max_age: verify, then decode
    auto t = codec->signing_serializer().loads_text(*c, std::nullopt, now);
    if (t) {
      auto v = session::tagged_loads(t->text, cfg.json_limits);
      if (v) {
        o.result = session::opened::outcome::session;
        o.data = std::move(v.value());
        o.timestamp = t->timestamp;
      } else {
        o.result = session::opened::outcome::exception_500;
        o.error_kind = "BadPayload";
        o.error_message = v.err().message;
      }
    } else {
      o.error_kind = t.err().kind;
      o.error_message = t.err().message;
      o.result = signing::is_a(o.error_kind, "BadSignature") ? session::opened::outcome::empty_session
                                                              : session::opened::outcome::exception_500;
    }
  } else {
    o = codec->open(*c, now);
  }
  if (o.result == session::opened::outcome::session) {
    std::cout << *session::tagged_dumps(o.data) << "\n";
    if (o.timestamp) std::cerr << "websec: valid, signed " << signing::iso8601(*o.timestamp) << "\n";
    return 0;
  }
  std::string reason;
  if (o.error_kind == "SignatureExpired") {
    if (o.age < 0)
      reason = "future-dated by " + std::to_string(-o.age) + " s (" + o.error_message + ")";
    else
      reason = "expired by " + std::to_string(o.age - cfg.lifetime_seconds) + " s (" + o.error_message + ")";
  } else if (o.error_message == "Malformed timestamp") {
    reason = "malformed timestamp";
  } else if (o.error_kind == "BadSignature" || o.error_kind == "BadTimeSignature") {
    reason = "bad signature (" + o.error_message + ")";
  } else if (o.result == session::opened::outcome::exception_500) {
    reason = "valid signature but undecodable payload: Flask answers 500 (" + o.error_kind + ": " + o.error_message +
             (o.detail.empty() ? "" : "; " + o.detail) + ")";
  } else {
    reason = o.error_kind + ": " + o.error_message;
  }
  std::cout << "invalid: " << reason << "\n";
  return 1;
}

int sign(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({"secret", "timestamp", "salt"}, {})) return 2;
  auto secret = op.get("secret");
  if (!secret || secret->empty()) return cli::usage_error("session sign needs --secret KEY");
  if (op.positionals().empty()) return cli::usage_error("session sign needs the session as JSON");
  std::int64_t ts = signing::now_seconds();
  if (auto t = op.get("timestamp"); t && (!parse_int(*t, ts) || ts < 0)) return cli::usage_error("--timestamp needs a Unix time");
  session::config cfg;
  cfg.secret_key = *secret;
  if (auto s = op.get("salt")) cfg.salt = *s;
  auto v = session::tagged_loads(op.positionals()[0]);
  if (!v) {
    std::cerr << "websec: the session is not valid JSON: " << v.err().message << "\n";
    return 2;
  }
  if (v->kind() != json::kind::dict) return cli::usage_error("the session must be a JSON object");
  auto codec = session::codec::make(cfg);
  auto cookie = codec->encode(*v, static_cast<std::uint64_t>(ts));
  if (!cookie) {
    std::cerr << "websec: " << cookie.err().message << "\n";
    return 1;
  }
  std::cout << *cookie << "\n";
  return 0;
}

int crack(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({"wordlist", "threads", "salt"}, {"quiet"})) return 2;
  auto wl = op.get("wordlist");
  if (!wl) return cli::usage_error("session crack needs --wordlist FILE");
  std::int64_t threads = std::thread::hardware_concurrency();
  if (auto t = op.get("threads"); t && (!parse_int(*t, threads) || threads < 1 || threads > 1024))
    return cli::usage_error("--threads needs a number from 1 to 1024");
  if (threads < 1) threads = 1;
  auto c = cookie_arg(op);
  if (!c) return 2;
  auto target = session::crack_target::make(*c, op.get("salt").value_or("cookie-session"));
  if (!target) {
    std::cerr << "websec: malformed cookie: " << target.err().message << "\n";
    return 2;
  }
  auto words_text = cli::read_input(*wl);
  if (!words_text) return 2;
  std::vector<std::string_view> words;
  {
    std::string_view all = *words_text;
    size_t i = 0;
    while (i < all.size()) {
      size_t e = all.find('\n', i);
      if (e == std::string_view::npos) e = all.size();
      std::string_view w = all.substr(i, e - i);
      if (!w.empty() && w.back() == '\r') w.remove_suffix(1);
      words.push_back(w);
      i = e + 1;
    }
  }
  const bool quiet = op.has("quiet");
  session::crack_progress progress;
  std::atomic<bool> finished{false};
  const auto start = std::chrono::steady_clock::now();
  std::thread reporter([&] {
    while (!quiet && !finished) {
      for (int i = 0; i < 50 && !finished; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (finished) break;
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const size_t done = progress.tried.load(std::memory_order_relaxed);
      std::cerr << "\rwebsec: " << done << "/" << words.size() << " candidates, "
                << static_cast<long long>(done / (s > 0 ? s : 1)) << " guesses/s" << std::flush;
    }
  });
  auto res = session::crack(*target, words, static_cast<unsigned>(threads), &progress);
  finished = true;
  reporter.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t tried = res.tried;
  std::cerr << (quiet ? "" : "\r") << "websec: tried " << tried << " candidates in " << secs << " s ("
            << static_cast<long long>(tried / (secs > 0 ? secs : 1e-9)) << " guesses/s, " << threads << " threads)\n";
  if (res.key) {
    std::cout << "secret key found: " << cli::json_string(*res.key) << "\n";
    return 0;
  }
  std::cout << "no secret key in the word list matched\n";
  return 1;
}

int run(const cli::args& a) {
  if (a.empty()) return cli::usage_error("session decode|verify|sign|crack ...");
  cli::args rest(a.begin() + 1, a.end());
  if (a[0] == "decode") return decode(rest);
  if (a[0] == "verify") return verify(rest);
  if (a[0] == "sign") return sign(rest);
  if (a[0] == "crack") return crack(rest);
  return cli::usage_error("unknown session sub-command " + quote_input(a[0]) + " (decode, verify, sign, crack)");
}

constexpr const char* kHelp =
    "usage: websec session decode|verify|sign|crack ...\n"
    "\n"
    "  websec session decode [COOKIE]\n"
    "      Prints the payload as JSON WITHOUT verifying the signature ({\"verified\": false, ...}), the timestamp as\n"
    "      ISO-8601 and whether the payload was compressed.\n"
    "  websec session verify --secret KEY [--fallback KEY]... [--max-age S | --no-max-age] [--salt S]\n"
    "                        [--profile debian|upstream] [COOKIE]\n"
    "      Exit 0 and the payload (tagged JSON) when the cookie is valid as Flask's open_session sees it; exit 1 and\n"
    "      the precise reason otherwise: bad signature, expired by N s, future-dated by N s, malformed timestamp,\n"
    "      undecodable payload (Flask's 500). Default max-age = PERMANENT_SESSION_LIFETIME = 2678400 s.\n"
    "  websec session sign --secret KEY [--timestamp T] [--salt S] JSON\n"
    "      Prints the cookie value Flask would produce for the session given as (tagged) JSON.\n"
    "  websec session crack --wordlist FILE [--threads N] [--salt S] [COOKIE]\n"
    "      Tries every line of FILE as SECRET_KEY (flask-unsign's weak-secret audit). Exit 0 and prints the key\n"
    "      when found, 1 when none matched. Progress and guesses/s on stderr.\n"
    "COOKIE may be a bare value, \"session=VALUE\", a \"Cookie: ...\" or \"Set-Cookie: ...\" header line; when it is\n"
    "missing or \"-\", it is read from stdin, at most 1 MiB (browsers keep cookies of at most 4096 bytes; more is refused\n"
    "with exit 2 before anything is parsed). Messages quote at most websec::max_quoted_input bytes of the input,\n"
    "escaped (websec::quote_input).\n";

const cli::command reg("session",
                       "session decode [COOKIE]  (payload, unverified); "
                       "session verify --secret KEY [--fallback KEY]... [--max-age S|--no-max-age] [--salt S] [COOKIE]; "
                       "session sign --secret KEY [--timestamp T] [--salt S] JSON; "
                       "session crack --wordlist FILE [--threads N] [COOKIE]  (COOKIE: value, Cookie:/Set-Cookie: line, or stdin)",
                       run, kHelp);

}  // namespace
