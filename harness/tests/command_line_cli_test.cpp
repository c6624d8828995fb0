// Tests of the conventions every `websec` command follows (harness/cli/command.hpp, websec.1): every command and
// sub-command answers --help naming each of its options, with an example; bad usage exits 2 with a message;
// --version; the bash completion script; FILE or `-` input; --json output checked against the schema each
// command's --help documents; the exit-code table; `websec escape` streaming large input.
#include "websec/escape.hpp"
#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using njson = nlohmann::json;

namespace {

using websec::test::cli;

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// Every command path and its words (sub-commands and options), read from the completion script, which the tool
/// writes from its own command tree.
std::map<std::string, std::vector<std::string>> command_tree() {
  std::map<std::string, std::vector<std::string>> tree;
  std::istringstream in(cli({"completion", "bash"}).out);
  bool in_words = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("_websec_", 0) == 0) in_words = line.rfind("_websec_words()", 0) == 0;
    if (!in_words) continue;
    auto a = line.find("    \""), b = line.find("\") words=\"");
    if (a != 0 || b == std::string::npos) continue;
    std::string path = line.substr(5, b - 5);
    std::string w = line.substr(b + 10);
    tree[path] = words(w.substr(0, w.find('"')));
  }
  return tree;
}

std::string temp_file(const std::string& name, const std::string& content) {
  auto p = std::filesystem::temp_directory_path() / ("websec_cl_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

const char* kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
    "Content-Security-Policy: default-src 'self'; object-src 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: SAMEORIGIN\r\n"
    "Set-Cookie: session=x; Secure; HttpOnly; Path=/; SameSite=Lax\r\n\r\n";

}  // namespace

TEST(CommandLineCli, EveryCommandAnswersHelpNamingEachOptionWithAnExample) {
  REQUIRE_CLI();
  auto tree = command_tree();
  ASSERT_GE(tree.size(), 20u) << "the completion script lists every command";
  for (const char* path : {"session verify", "session crack", "headers audit", "cookie audit", "cookie dump",
                           "cookie parse", "escape", "multipart parse", "terminal clean", "url check",
                           "completion bash"})
    EXPECT_TRUE(tree.count(path)) << path;
  for (const auto& [path, ws] : tree) {
    std::vector<std::string> args = words(path);
    args.push_back("--help");
    auto r = cli(args);
    EXPECT_EQ(r.status, 0) << joined(args) << r.err;
    EXPECT_EQ(r.err, "") << joined(args);
    for (const auto& w : ws) EXPECT_NE(r.out.find(w), std::string::npos) << joined(args) << " does not name " << w;
    if (!path.empty()) {
      EXPECT_NE(r.out.find("websec " + path), std::string::npos) << joined(args) << " has no example";
    }
  }
  // defaults are shown
  EXPECT_NE(cli({"session", "verify", "--help"}).out.find("2678400"), std::string::npos);
  EXPECT_NE(cli({"headers", "audit", "--help"}).out.find("31536000"), std::string::npos);
  EXPECT_NE(cli({"multipart", "parse", "--help"}).out.find("500000"), std::string::npos);
  EXPECT_NE(cli({"cookie", "audit", "--help"}).out.find("=weak"), std::string::npos);
  // the top level gives the exit-code table
  auto top = cli({"--help"}).out;
  for (const char* s : {"Exit status", "0  ok", "1  a finding", "2  bad usage", "--fail-on"})
    EXPECT_NE(top.find(s), std::string::npos) << s;
}

TEST(CommandLineCli, VersionAndCompletion) {
  REQUIRE_CLI();
  auto v = cli({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("websec ", 0), 0u) << v.out;
  auto c = cli({"completion", "bash"});
  ASSERT_EQ(c.status, 0);
  EXPECT_NE(c.out.find("complete -o default -F _websec websec"), std::string::npos);
  auto syntax = websec::test::run_process({"/bin/bash", "-n"}, c.out, 10000);
  EXPECT_EQ(syntax.exit_code, 0) << syntax.err;
  // completing `websec session v` offers verify
  auto done = websec::test::run_process(
      {"/bin/bash", "-c", c.out + "\nCOMP_WORDS=(websec session v); COMP_CWORD=2; _websec; echo \"${COMPREPLY[@]}\""},
      {}, 10000);
  EXPECT_EQ(done.out, "verify\n") << done.err;
  // and the choices of an option after it
  auto values = websec::test::run_process(
      {"/bin/bash", "-c",
       c.out + "\nCOMP_WORDS=(websec headers audit --fail-on ''); COMP_CWORD=4; _websec; echo \"${COMPREPLY[@]}\""},
      {}, 10000);
  EXPECT_EQ(values.out, "weak fail invalid\n") << values.err;
  // websec help COMMAND... is COMMAND... --help
  EXPECT_EQ(cli({"help", "session", "verify"}).out, cli({"session", "verify", "--help"}).out);
  EXPECT_EQ(cli({"help"}).status, 0);
  EXPECT_EQ(cli({"completion"}).status, 2);
}

TEST(CommandLineCli, BadUsageExitsTwoWithAMessage) {
  REQUIRE_CLI();
  const std::vector<std::vector<std::string>> calls = {
      {"frobnicate"},
      {"--bogus"},
      {"session"},
      {"session", "verify", "--secret", "k", "--max-age", "soon", "x"},
      {"session", "verify", "--secret", "k", "--profile", "fedora", "x"},
      {"session", "crack", "--wordlist", "/nonexistent/words", "x"},
      {"session", "crack", "--wordlist", "/etc/hostname", "--threads", "0", "x"},
      {"headers", "audit", "--fail-on", "pass"},
      {"headers", "audit", "--hsts-min", "-5"},
      {"headers", "audit", "/nonexistent/response"},
      {"headers", "audit", "a", "b"},
      {"headers", "audit", "--https", "--http"},
      {"cookie"},
      {"cookie", "audit", "--max-lifetime", "1.5", "a=b"},
      {"cookie", "dump"},
      {"cookie", "dump", "--path", "/", "--no-path", "k"},
      {"escape", "--attr", "--unescape"},
      {"escape", "--indent", "3"},
      {"escape", "--tojson", "--indent", "99"},
      {"escape", "/"},
      {"multipart", "parse"},
      {"multipart", "parse", "--boundary", "x", "--max-form-parts", "many"},
      {"terminal", "clean", "--visible"},
      {"terminal", "clean", "a", "b"},
      {"url", "check"},
      {"url", "check", "--bogus", "x"},
  };
  for (const auto& c : calls) {
    auto r = cli(c, "");
    EXPECT_EQ(r.status, 2) << joined(c) << "\n" << r.out << r.err;
    EXPECT_EQ(r.err.rfind("websec: ", 0), 0u) << joined(c) << ": " << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
  }
  // the message names what is wrong
  EXPECT_NE(cli({"escape", "--tojson", "--indent", "99"}).err.find("--indent"), std::string::npos);
  EXPECT_NE(cli({"headers", "audit", "--fail-on", "pass"}).err.find("takes weak, fail or invalid"), std::string::npos);
  EXPECT_NE(cli({"session", "crack", "--wordlist", "/nonexistent/words", "x"}).err.find("cannot read"), std::string::npos);
  EXPECT_NE(cli({"frobnicate"}).err.find("unknown command 'frobnicate'"), std::string::npos);
  // hostile values are quoted short and escaped, in CLI11's messages as in the tool's own
  const std::string hostile = "x\x1b[2J\x07" + std::string(5000, 'A');
  for (const auto& c : std::vector<std::vector<std::string>>{{"headers", "audit", "--fail-on", hostile},
                                                             {"cookie", "audit", "--max-lifetime", hostile, "a=b"},
                                                             {"session", "verify", "--secret", "k", hostile, "x"},
                                                             {hostile},
                                                             {"escape", hostile}}) {
    auto r = cli(c, "");
    EXPECT_EQ(r.status, 2) << r.err.substr(0, 300);
    EXPECT_LE(r.err.size(), 1400u) << r.err.substr(0, 300);
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err.substr(0, 300);
    EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err.substr(0, 300);
  }
  // no arguments at all: the help on stderr, exit 2
  auto none = cli({});
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("Subcommands"), std::string::npos);
}

TEST(CommandLineCli, FileOrDashEverywhere) {
  REQUIRE_CLI();
  const std::string resp = temp_file("resp.txt", kResponse);
  EXPECT_EQ(cli({"headers", "audit", resp}).out, cli({"headers", "audit", "-"}, kResponse).out);
  EXPECT_EQ(cli({"headers", "audit"}, kResponse).status, 0);
  const std::string lines = "session=x; Secure; HttpOnly; SameSite=Lax\n";
  const std::string cookies = temp_file("cookies.txt", lines);
  auto from_file = cli({"cookie", "audit", "--file", cookies, "--json"});
  EXPECT_EQ(from_file.status, 0);
  EXPECT_EQ(cli({"cookie", "audit", "--json", "-"}, lines).out, from_file.out);
  EXPECT_EQ(cli({"cookie", "audit", "--json", "session=x; Secure; HttpOnly; SameSite=Lax"}).out, from_file.out);
  EXPECT_EQ(cli({"cookie", "parse", "-"}, "Cookie: a=1; b=2\n").out, "a\t1\nb\t2\n");
  EXPECT_EQ(cli({"cookie", "parse", "a=1; b=2"}).out, "a\t1\nb\t2\n");
  EXPECT_EQ(cli({"url", "check", "-"}, "javascript:alert(1)\n").status, 1);
  const std::string text = temp_file("text.txt", "<b>&</b>");
  EXPECT_EQ(cli({"escape", text}).out, "&lt;b&gt;&amp;&lt;/b&gt;");
  EXPECT_EQ(cli({"escape", "-"}, "<b>&</b>").out, "&lt;b&gt;&amp;&lt;/b&gt;");
  EXPECT_EQ(cli({"terminal", "clean", "--quiet", text}).out, "<b>&</b>");
  for (const auto& f : {resp, cookies, text}) std::filesystem::remove(f);
}

TEST(CommandLineCli, JsonOutputFollowsTheDocumentedSchemas) {
  REQUIRE_CLI();
  auto parse = [](const websec::test::cli_result& r, const std::string& what) {
    EXPECT_FALSE(r.out.empty()) << what << r.err;
    auto j = njson::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << what << ": " << r.out;
    return j;
  };
  auto has = [](const njson& j, std::initializer_list<const char*> keys, const std::string& what) {
    for (const char* k : keys) EXPECT_TRUE(j.contains(k)) << what << " lacks " << k << ": " << j.dump();
  };
  // headers audit
  auto h = parse(cli({"headers", "audit", "--json"}, kResponse), "headers audit");
  has(h, {"overall", "status", "https", "form", "headers", "cookies", "findings"}, "headers audit");
  ASSERT_FALSE(h["headers"].empty());
  has(h["headers"][0], {"kind", "name", "verdict", "present", "value", "resolution", "findings"}, "subject");
  has(h["cookies"][0], {"kind", "name", "verdict", "present", "value", "resolution", "role", "findings"}, "cookie");
  for (const auto& f : h["findings"]) has(f, {"id", "severity", "verdict", "subject", "reason"}, "finding");
  // cookie audit, dump, parse
  auto ca = parse(cli({"cookie", "audit", "--json", "a=1"}), "cookie audit");
  has(ca, {"overall", "headers", "cookies", "findings"}, "cookie audit");
  auto cd = parse(cli({"cookie", "dump", "--json", "--secure", "k", "v"}), "cookie dump");
  has(cd, {"set_cookie", "too_large", "warning"}, "cookie dump");
  EXPECT_EQ(cd["set_cookie"], "k=v; Secure; Path=/");
  auto cp = parse(cli({"cookie", "parse", "--json", "a=1; b=2"}), "cookie parse");
  EXPECT_EQ(cp["cookies"], njson::parse(R"([["a", "1"], ["b", "2"]])"));
  // session sign, verify (valid and not), decode, crack
  auto sg = parse(cli({"session", "sign", "--json", "--secret", "k", "--timestamp", "1700000000", R"({"u": 1})"}), "sign");
  has(sg, {"cookie", "timestamp"}, "session sign");
  const std::string cookie = sg["cookie"];
  auto ok = parse(cli({"session", "verify", "--json", "--secret", "k", "--now", "1700000001", cookie}), "verify");
  EXPECT_EQ(ok["valid"], true);
  EXPECT_EQ(ok["payload"], njson::parse(R"({"u": 1})"));
  has(ok, {"timestamp"}, "verify");
  auto bad = cli({"session", "verify", "--json", "--secret", "other", "--now", "1700000001", cookie});
  EXPECT_EQ(bad.status, 1);
  auto bj = parse(bad, "verify bad");
  EXPECT_EQ(bj["valid"], false);
  has(bj, {"error", "reason"}, "verify bad");
  auto dc = parse(cli({"session", "decode", "--json", cookie}), "decode");
  has(dc, {"verified", "timestamp", "compressed", "payload"}, "decode");
  const std::string wl = temp_file("words.txt", "a\nb\nk\n");
  auto ck = parse(cli({"session", "crack", "--json", "--quiet", "--wordlist", wl, cookie}), "crack");
  std::filesystem::remove(wl);
  EXPECT_EQ(ck["found"], true);
  EXPECT_EQ(ck["key"], "k");
  has(ck, {"tried", "seconds"}, "crack");
  // escape, terminal clean, multipart parse, url check
  auto es = parse(cli({"escape", "--json"}, "<&>"), "escape");
  EXPECT_EQ(es["mode"], "escape");
  EXPECT_EQ(es["output"], "&lt;&amp;&gt;");
  auto st = parse(cli({"escape", "--json", "--striptags"}, "<b>x</b>"), "striptags");
  EXPECT_EQ(st["output"], "x");
  auto tc = parse(cli({"terminal", "clean", "--strict", "--json"}, "a\x1b[31mb"), "terminal");
  EXPECT_EQ(tc["text"], "ab");
  ASSERT_EQ(tc["changes"].size(), 1u);
  has(tc["changes"][0], {"kind", "offset", "length", "count"}, "terminal change");
  EXPECT_EQ(tc["count"], 1);
  auto mp = parse(cli({"multipart", "parse", "--json", "--boundary", "b"},
                      "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n"),
                  "multipart");
  has(mp, {"fields", "files", "outcome"}, "multipart");
  EXPECT_EQ(mp["fields"], njson::parse(R"([["x", "1"]])"));
  auto u = parse(cli({"url", "check", "--json", "javascript:alert(1)"}), "url");
  has(u, {"verdict", "danger", "scheme", "reason"}, "url");
  EXPECT_EQ(u["verdict"], "dangerous");
}

TEST(CommandLineCli, ExitCodeTable) {
  REQUIRE_CLI();
  EXPECT_EQ(cli({"url", "check", "https://example.com/"}).status, 0);
  EXPECT_EQ(cli({"url", "check", "javascript:x"}).status, 1);
  EXPECT_EQ(cli({"headers", "audit"}, kResponse).status, 0);
  EXPECT_EQ(cli({"headers", "audit"}, "HTTP/1.1 200 OK\r\n\r\n").status, 1);
  EXPECT_EQ(cli({"headers", "audit", "--fail-on", "invalid"}, "HTTP/1.1 200 OK\r\n\r\n").status, 0);
  EXPECT_EQ(cli({"multipart", "parse", "--boundary", "b"}, "garbage").status, 1);
  EXPECT_EQ(cli({"escape"}, "x").status, 0);
}

// `websec escape` streams: 24 MiB with a block boundary inside every kind of escape gives markupsafe's output,
// from a file and from stdin, and --attr quotes it.
TEST(CommandLineCli, EscapeStreamsLargeInput) {
  REQUIRE_CLI();
  std::string input;
  const std::string piece = "plain text <a href=\"x\">it's & that</a> ";
  while (input.size() < (24u << 20)) input += piece;
  const std::string want = websec::escape::escape(input);
  const std::string file = temp_file("big.txt", input);
  auto f = cli({"escape", file});
  std::filesystem::remove(file);
  EXPECT_EQ(f.status, 0);
  EXPECT_TRUE(f.out == want) << "file output differs";
  auto s = cli({"escape", "-"}, input);
  EXPECT_TRUE(s.out == want) << "stdin output differs";
  auto a = cli({"escape", "--attr"}, input);
  EXPECT_TRUE(a.out == "\"" + want + "\"") << "--attr output differs";
}
