// Tests of `websec headers audit` and `websec cookie audit` (harness/cli/headers_cmd.cpp, cookie_cmd.cpp), run as
// a process the way a CI job runs them: every input form (a response head, bare header lines, an HTML page, a
// HAR file), --only, --json, --url, the exit status following the verdict with --fail-on, cookie lines from
// arguments, stdin and a file, and --help for every command and sub-command.
#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using njson = nlohmann::json;

namespace {

using websec::test::cli;

const char* kGood =
    "HTTP/1.1 200 OK\r\n"
    "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
    "Content-Security-Policy: default-src 'self'; object-src 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: SAMEORIGIN\r\n"
    "Set-Cookie: session=x; Secure; HttpOnly; Path=/; SameSite=Lax\r\n\r\n";

std::string verdict_of(const njson& j, const std::string& name) {
  for (const char* list : {"headers", "cookies"})
    for (const auto& s : j[list])
      if (s["name"] == name) return s["verdict"];
  return "";
}

std::string temp_file(const std::string& name, const std::string& content) {
  auto p = std::filesystem::temp_directory_path() / ("websec_cli_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

}  // namespace

TEST(HeadersCli, GoodResponsePassesAndExitsZero) {
  REQUIRE_CLI();
  auto r = cli({"headers", "audit"}, kGood);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("overall: pass"), std::string::npos) << r.out;
  auto j = cli({"headers", "audit", "--json"}, kGood);
  ASSERT_EQ(j.status, 0) << j.err;
  auto doc = njson::parse(j.out);
  EXPECT_EQ(doc["overall"], "pass");
  EXPECT_EQ(doc["form"], "response");
  EXPECT_EQ(doc["status"], 200);
  EXPECT_EQ(verdict_of(doc, "Content-Security-Policy"), "pass");
  EXPECT_EQ(verdict_of(doc, "session"), "pass");
  for (const auto& s : doc["headers"]) {
    EXPECT_TRUE(s.contains("resolution") && s.contains("value") && s.contains("present"));
    for (const auto& f : s["findings"]) EXPECT_TRUE(f.contains("verdict") && f.contains("severity"));
  }
}

TEST(HeadersCli, ExitStatusFollowsTheVerdictWithFailOn) {
  REQUIRE_CLI();
  // only a weak header: fails with the default --fail-on weak, passes with fail or invalid
  const std::string weak = "Content-Security-Policy: script-src 'self' https://cdn.example.com; object-src 'none'\n";
  EXPECT_EQ(cli({"headers", "audit", "--only", "csp"}, weak).status, 1);
  EXPECT_EQ(cli({"headers", "audit", "--only", "csp", "--fail-on", "fail"}, weak).status, 0);
  const std::string invalid = "X-Frame-Options: ALLOW-FROM https://a.example\n";
  EXPECT_EQ(cli({"headers", "audit", "--only", "xfo", "--fail-on", "invalid"}, invalid).status, 1);
  EXPECT_EQ(cli({"headers", "audit", "--only", "xfo", "--fail-on", "fail"}, invalid).status, 1);
  const std::string failing = "Referrer-Policy: unsafe-url\n";
  EXPECT_EQ(cli({"headers", "audit", "--only", "referrer", "--fail-on", "invalid"}, failing).status, 0);
  EXPECT_EQ(cli({"headers", "audit", "--only", "referrer", "--fail-on", "fail"}, failing).status, 1);
  EXPECT_EQ(cli({"headers", "audit", "--fail-on", "pass"}, failing).status, 2);
  EXPECT_EQ(cli({"headers", "audit", "--fail-on", "nope"}, failing).status, 2);
}

TEST(HeadersCli, EveryInputForm) {
  REQUIRE_CLI();
  // bare header lines
  auto bare = cli({"headers", "audit", "--json", "--only", "xfo"}, "X-Frame-Options: DENY\n");
  ASSERT_EQ(bare.status, 0) << bare.err;
  auto jb = njson::parse(bare.out);
  EXPECT_EQ(jb["form"], "headers");
  ASSERT_EQ(jb["headers"].size(), 1u);
  EXPECT_EQ(jb["headers"][0]["name"], "X-Frame-Options");
  // an HTML page: its <meta> CSP counts, what <meta> ignores is flagged
  auto html = cli({"headers", "audit", "--json", "--only", "csp"},
                  "<!doctype html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; "
                  "frame-ancestors 'none'\"></head></html>");
  ASSERT_EQ(html.status, 0) << html.out << html.err;
  auto jh = njson::parse(html.out);
  EXPECT_EQ(jh["form"], "html");
  bool flagged = false;
  for (const auto& f : jh["findings"]) flagged |= f["id"] == "csp.meta_ignored_directive";
  EXPECT_TRUE(flagged);
  // a HAR file, given as a FILE argument
  const std::string har = temp_file("a.har", R"({"log": {"entries": [{"request": {"url": "https://a.example/"},
      "response": {"status": 200, "headers": [{"name": "Referrer-Policy", "value": "no-referrer"}],
                   "content": {"mimeType": "text/html"}}}]}})");
  auto h = cli({"headers", "audit", "--json", "--only", "referrer", har});
  std::filesystem::remove(har);
  ASSERT_EQ(h.status, 0) << h.err;
  auto jr = njson::parse(h.out);
  EXPECT_EQ(jr["form"], "har");
  EXPECT_EQ(jr["https"], true);
  EXPECT_EQ(verdict_of(jr, "Referrer-Policy"), "pass");
  // unreadable input: exit 2
  auto bad = cli({"headers", "audit"}, "this is not a header\n");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("bad_header_line"), std::string::npos);
}

TEST(HeadersCli, OnlyAndUrlAndCookieRoles) {
  REQUIRE_CLI();
  const std::string in = "Set-Cookie: XSRF-TOKEN=a; Secure; SameSite=Lax\nSet-Cookie: id=1; Secure; HttpOnly; SameSite=Lax; "
                         "Domain=other.example\nReferrer-Policy: unsafe-url\n";
  auto j = njson::parse(cli({"headers", "audit", "--json", "--only", "cookies", "--url", "https://www.example.com/"}, in).out);
  EXPECT_TRUE(j["headers"].empty());
  EXPECT_EQ(verdict_of(j, "XSRF-TOKEN"), "pass");
  EXPECT_EQ(verdict_of(j, "id"), "invalid");  // Domain does not domain-match the request host
  auto roles = njson::parse(
      cli({"headers", "audit", "--json", "--only", "cookie:XSRF-TOKEN", "--cookie-role", "XSRF-TOKEN=session"}, in).out);
  ASSERT_EQ(roles["cookies"].size(), 1u);
  EXPECT_EQ(roles["cookies"][0]["role"], "session");
  EXPECT_EQ(roles["cookies"][0]["verdict"], "fail");
  EXPECT_EQ(cli({"headers", "audit", "--url", "ftp://x/"}, in).status, 2);
  EXPECT_EQ(cli({"headers", "audit", "--cookie-role", "a=admin"}, in).status, 2);
  // --http: HSTS is not judged, a Secure cookie from an http origin is dropped
  auto http = njson::parse(cli({"headers", "audit", "--json", "--http"}, in).out);
  EXPECT_EQ(http["https"], false);
  EXPECT_EQ(verdict_of(http, "XSRF-TOKEN"), "invalid");
}

TEST(CookieCli, LinesFromArgumentsStdinAndFile) {
  REQUIRE_CLI();
  auto a = cli({"cookie", "audit", "Set-Cookie: session=x; Secure; HttpOnly; SameSite=Lax"});
  EXPECT_EQ(a.status, 0) << a.out;
  auto s = cli({"cookie", "audit", "--json"}, "Set-Cookie: session=x; HttpOnly\r\n\ntheme=dark; Secure\n");
  EXPECT_EQ(s.status, 1);
  auto j = njson::parse(s.out);
  ASSERT_EQ(j["cookies"].size(), 2u);
  EXPECT_EQ(j["overall"], "fail");
  EXPECT_EQ(j["cookies"][0]["role"], "session");
  EXPECT_EQ(j["cookies"][1]["role"], "preference");
  EXPECT_EQ(j["cookies"][1]["verdict"], "pass");
  const std::string file = temp_file("cookies.txt", "a=1; Secure; SameSite=None; HttpOnly\n");
  auto f = cli({"cookie", "audit", "--file", file, "--json"});
  std::filesystem::remove(file);
  EXPECT_EQ(f.status, 0) << f.out << f.err;
  EXPECT_EQ(cli({"cookie", "audit", "--file", "/nonexistent/x"}).status, 2);
  EXPECT_EQ(cli({"cookie", "audit"}, "\n\n").status, 2);
  // --fail-on and --role
  EXPECT_EQ(cli({"cookie", "audit", "--fail-on", "invalid", "session=x; HttpOnly"}).status, 0);
  EXPECT_EQ(cli({"cookie", "audit", "--fail-on", "invalid", "session=x; SameSite=None"}).status, 1);
  EXPECT_EQ(cli({"cookie", "audit", "--role", "csrf", "token=x; Secure"}).status, 0);
  EXPECT_EQ(cli({"cookie", "audit", "--role", "t=session", "t=x; Secure"}).status, 1);
  EXPECT_EQ(cli({"cookie", "audit", "--url", "https://www.example.com/", "--json",
                 "session=x; Secure; HttpOnly; SameSite=Lax; Domain=example.org"}).status,
            1);
}

TEST(Cli, EveryCommandAnswersHelp) {
  REQUIRE_CLI();
  const std::vector<std::vector<std::string>> calls = {
      {"headers", "--help"}, {"headers", "audit", "--help"}, {"headers", "audit", "-h"}, {"cookie", "--help"},
      {"cookie", "audit", "--help"}, {"cookie", "dump", "--help"}, {"cookie", "parse", "-h"}, {"session", "--help"},
      {"session", "verify", "--help"}, {"escape", "--help"}, {"multipart", "--help"}, {"multipart", "parse", "--help"},
      {"terminal", "--help"}, {"url", "--help"}, {"--help"}};
  for (const auto& c : calls) {
    auto r = cli(c);
    std::string joined;
    for (const auto& x : c) joined += x + " ";
    EXPECT_EQ(r.status, 0) << joined << r.err;
    EXPECT_FALSE(r.out.empty()) << joined;
  }
  // the usage of headers audit names every option
  auto h = cli({"headers", "audit", "--help"}).out;
  for (const char* opt : {"--json", "--only", "--fail-on", "--url", "--https", "--http", "--cookie-role", "--observatory",
                          "--hsts-min", "--max-lifetime", "--no-info"})
    EXPECT_NE(h.find(opt), std::string::npos) << opt;
  auto top = cli({"--help"}).out;
  EXPECT_NE(top.find("--fail-on"), std::string::npos);
}
