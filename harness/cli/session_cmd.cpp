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
  cli::input_file in;
  if (!in.open("-")) return std::nullopt;
  auto text = in.all(kMaxCookieText);
  if (!text) {
    if (in.over_limit()) std::cerr << "websec: the cookie on stdin is larger than " << kMaxCookieText << " bytes\n";
    return std::nullopt;
  }
  return std::string(*text);
}

/// COOKIE: the argument, or stdin when it is left out or "-".
std::optional<std::string> cookie_arg(const std::string& arg) {
  std::string text;
  if (arg.empty() || arg == "-") {
    auto in = read_cookie_stdin();
    if (!in) return std::nullopt;
    text = std::move(*in);
  } else {
    text = arg;
  }
  auto v = session::extract_cookie_value(text);
  if (!v) {
    std::cerr << "websec: malformed cookie: " << v.err().message << "\n";
    return std::nullopt;
  }
  return *v;
}

struct decode_opts {
  std::string cookie;
  bool json = false;
};

int decode(const decode_opts& a) {
  auto c = cookie_arg(a.cookie);
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

struct verify_opts {
  std::string secret, salt = "cookie-session", profile = "upstream", cookie;
  std::vector<std::string> fallbacks;
  std::int64_t max_age = 2678400, now = -1;
  bool no_max_age = false, json = false;
};

int verify(const verify_opts& a) {
  if (a.secret.empty()) return cli::usage_error("session verify needs --secret KEY");
  session::config cfg;
  cfg.secret_key = a.secret;
  cfg.fallbacks = a.fallbacks;
  cfg.salt = a.salt;
  parse_profile(a.profile, cfg.prof);
  cfg.lifetime_seconds = a.max_age;
  const std::int64_t now = a.now >= 0 ? a.now : signing::now_seconds();
  auto c = cookie_arg(a.cookie);
  if (!c) return 2;
  auto codec = session::codec::make(cfg);
  if (!codec) return cli::usage_error(codec.err().message);
  session::opened o;
  if (a.no_max_age) {
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
        o.error_kind = errc::bad_payload;
        o.error_message = v.err().message;
      }
    } else {
      o.error_kind = t.err().kind;
      o.error_message = t.err().message;
      o.result = signing::is_a(o.error_kind, errc::bad_signature) ? session::opened::outcome::empty_session
                                                                   : session::opened::outcome::exception_500;
    }
  } else {
    o = codec->open(*c, now);
  }
  if (o.result == session::opened::outcome::session) {
    std::string payload = *session::tagged_dumps(o.data);
    if (a.json)
      std::cout << "{\"valid\": true, \"timestamp\": "
                << (o.timestamp ? cli::json_string(signing::iso8601(*o.timestamp)) : std::string("null"))
                << ", \"payload\": " << payload << "}\n";
    else
      std::cout << payload << "\n";
    if (o.timestamp) std::cerr << "websec: valid, signed " << signing::iso8601(*o.timestamp) << "\n";
    return 0;
  }
  std::string reason;
  if (o.error_kind == errc::signature_expired) {
    if (o.age < 0)
      reason = "future-dated by " + std::to_string(-o.age) + " s (" + o.error_message + ")";
    else
      reason = "expired by " + std::to_string(o.age - cfg.lifetime_seconds) + " s (" + o.error_message + ")";
  } else if (o.error_message == "Malformed timestamp") {
    reason = "malformed timestamp";
  } else if (o.error_kind == errc::bad_signature || o.error_kind == errc::bad_time_signature) {
    reason = "bad signature (" + o.error_message + ")";
  } else if (o.result == session::opened::outcome::exception_500) {
    reason = "valid signature but undecodable payload: Flask answers 500 (" + std::string(to_string(o.error_kind)) +
             ": " + o.error_message +
             (o.detail.empty() ? "" : "; " + o.detail) + ")";
  } else {
    reason = std::string(to_string(o.error_kind)) + ": " + o.error_message;
  }
  if (a.json)
    std::cout << "{\"valid\": false, \"error\": " << cli::json_string(to_string(o.error_kind))
              << ", \"reason\": " << cli::json_string(reason) << "}\n";
  else
    std::cout << "invalid: " << reason << "\n";
  return 1;
}

struct sign_opts {
  std::string secret, salt = "cookie-session", session_json;
  std::int64_t timestamp = -1;
  bool json = false;
};

int sign(const sign_opts& a) {
  if (a.secret.empty()) return cli::usage_error("session sign needs --secret KEY");
  if (a.session_json.empty()) return cli::usage_error("session sign needs the session as JSON");
  const std::int64_t ts = a.timestamp >= 0 ? a.timestamp : signing::now_seconds();
  session::config cfg;
  cfg.secret_key = a.secret;
  cfg.salt = a.salt;
  auto v = session::tagged_loads(a.session_json);
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
  if (a.json) std::cout << "{\"cookie\": " << cli::json_string(*cookie) << ", \"timestamp\": " << ts << "}\n";
  else std::cout << *cookie << "\n";
  return 0;
}

struct crack_opts {
  std::string wordlist, salt = "cookie-session", cookie;
  std::int64_t threads = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false, json = false;
};

int crack(const crack_opts& a) {
  if (a.wordlist.empty()) return cli::usage_error("session crack needs --wordlist FILE");
  auto c = cookie_arg(a.cookie);
  if (!c) return 2;
  auto target = session::crack_target::make(*c, a.salt);
  if (!target) {
    std::cerr << "websec: malformed cookie: " << target.err().message << "\n";
    return 2;
  }
  cli::input_file wl;
  if (!wl.open(a.wordlist)) return 2;
  auto all = wl.all();
  if (!all) return 2;
  std::vector<std::string_view> words = cli::split_lines(*all, false);
  const bool quiet = a.quiet;
  const std::int64_t threads = a.threads;
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
  if (a.json) {
    std::cout << "{\"found\": " << (res.key ? "true" : "false")
              << ", \"key\": " << (res.key ? cli::json_string(*res.key) : std::string("null")) << ", \"tried\": " << tried
              << ", \"seconds\": " << secs << "}\n";
    return res.key ? 0 : 1;
  }
  if (res.key) {
    std::cout << "secret key found: " << cli::json_string(*res.key) << "\n";
    return 0;
  }
  std::cout << "no secret key in the word list matched\n";
  return 1;
}

constexpr const char* kCookieHelp =
    "COOKIE: a bare value, \"session=VALUE\", a \"Cookie: ...\" or \"Set-Cookie: ...\" header line, or - (stdin, also "
    "when left out)";

void setup(CLI::App& root) {
  auto* g = cli::group(root, "session", "Decode, verify, sign and audit Flask session cookies",
                       "COOKIE may be a bare value, \"session=VALUE\", a \"Cookie: ...\" or \"Set-Cookie: ...\" header "
                       "line;\nwhen it is missing or \"-\", it is read from stdin, at most 1 MiB (more is refused with "
                       "exit 2).\nMessages quote at most 256 bytes of the input, escaped.\n"
                       "Examples:\n"
                       "  websec session decode 'session=eyJ1Ijo0Mn0.ZVP7wA.x...'\n"
                       "  websec session verify --secret \"$SECRET_KEY\" < cookie.txt\n"
                       "  websec session sign --secret dev '{\"user\": 42}'\n"
                       "  websec session crack --wordlist rockyou.txt COOKIE");

  auto d = std::make_shared<decode_opts>();
  auto* dc = cli::leaf(*g, "decode", "Print the payload WITHOUT verifying the signature",
                       "Output (always JSON): {\"verified\": false, \"timestamp\": ISO-8601|null, \"compressed\": bool, "
                       "\"payload\": tagged JSON}\n"
                       "Exit: 0 decoded, 1 not decodable, 2 bad usage or input.\n"
                       "Example:\n  websec session decode 'Cookie: session=eyJ1Ijo0Mn0.ZVP7wA.x...'",
                       [d] { return decode(*d); });
  dc->add_option("COOKIE", d->cookie, kCookieHelp);
  dc->add_flag("--json", d->json, "JSON output (the default and only form)");

  auto v = std::make_shared<verify_opts>();
  auto* vc = cli::leaf(*g, "verify", "Verify a session cookie as Flask's open_session does",
                       "Text: the payload (tagged JSON) when valid; \"invalid: REASON\" otherwise (bad signature, "
                       "expired by N s,\nfuture-dated by N s, malformed timestamp, undecodable payload: Flask's 500).\n"
                       "JSON: {\"valid\": true, \"timestamp\": ISO-8601|null, \"payload\": tagged JSON} or\n"
                       "      {\"valid\": false, \"error\": KIND, \"reason\": TEXT}\n"
                       "Exit: 0 valid, 1 invalid, 2 bad usage or input.\n"
                       "Example:\n  websec session verify --secret \"$SECRET_KEY\" --max-age 3600 'session=eyJ1Ijo0Mn0...'",
                       [v] { return verify(*v); });
  vc->add_option("--secret", v->secret, "SECRET_KEY (required)")->type_name("KEY");
  vc->add_option("--fallback", v->fallbacks, "SECRET_KEY_FALLBACKS entry (repeatable)")->type_name("KEY")->allow_extra_args(false);
  auto* ma = vc->add_option("--max-age", v->max_age, "PERMANENT_SESSION_LIFETIME in seconds")
                 ->capture_default_str()
                 ->check(cli::integer(0, INT64_MAX, "seconds"));
  vc->add_flag("--no-max-age", v->no_max_age, "do not check the age")->excludes(ma);
  vc->add_option("--salt", v->salt, "itsdangerous salt")->capture_default_str();
  vc->add_option("--profile", v->profile, "Python stack: upstream (newest) or debian (Debian 12's)")
      ->capture_default_str()
      ->check(cli::one_of({"upstream", "debian"}));
  vc->add_option("--now", v->now, "the current Unix time (default: the clock)")
      ->check(cli::integer(0, INT64_MAX, "a Unix time"));
  vc->add_flag("--json", v->json, "JSON output");
  vc->add_option("COOKIE", v->cookie, kCookieHelp);

  auto s = std::make_shared<sign_opts>();
  auto* sc = cli::leaf(*g, "sign", "Print the cookie Flask would set for a session given as (tagged) JSON",
                       "Text: the cookie value.  JSON: {\"cookie\": VALUE, \"timestamp\": UNIX}\n"
                       "Exit: 0 signed, 1 the library refused, 2 bad usage or input.\n"
                       "Example:\n  websec session sign --secret dev --timestamp 1700000000 '{\"user\": 42}'",
                       [s] { return sign(*s); });
  sc->add_option("--secret", s->secret, "SECRET_KEY (required)")->type_name("KEY");
  sc->add_option("--timestamp", s->timestamp, "Unix time of the signature (default: now)")
      ->check(cli::integer(0, INT64_MAX, "a Unix time"));
  sc->add_option("--salt", s->salt, "itsdangerous salt")->capture_default_str();
  sc->add_flag("--json", s->json, "JSON output");
  sc->add_option("JSON", s->session_json, "the session, a JSON object (tagged JSON: {\" t\": [...]} etc.)");

  auto k = std::make_shared<crack_opts>();
  auto* kc = cli::leaf(*g, "crack", "Try every line of a word list as SECRET_KEY (flask-unsign's audit)",
                       "Progress and guesses/s on stderr.\n"
                       "Text: \"secret key found: KEY\" or \"no secret key in the word list matched\".\n"
                       "JSON: {\"found\": bool, \"key\": KEY|null, \"tried\": N, \"seconds\": S}\n"
                       "Exit: 0 found, 1 none matched, 2 bad usage or input.\n"
                       "Example:\n  websec session crack --wordlist words.txt --threads 4 'session=eyJ1Ijo0Mn0...'",
                       [k] { return crack(*k); });
  kc->add_option("--wordlist", k->wordlist, "one candidate per line, FILE or - (required)")
      ->check(cli::file_or_stdin())
      ->type_name("FILE");
  kc->add_option("--threads", k->threads, "threads")->capture_default_str()->check(cli::integer(1, 1024, "threads"));
  kc->add_option("--salt", k->salt, "itsdangerous salt")->capture_default_str();
  kc->add_flag("--quiet", k->quiet, "no progress line");
  kc->add_flag("--json", k->json, "JSON output");
  kc->add_option("COOKIE", k->cookie, kCookieHelp);
}

const cli::command reg("session", setup);

}  // namespace
