// routes_test — websec-server's route table (app.hpp `route_table`) against the roles it serves: every role of
// conformance/profiles/websec-server.yaml has a row with its path and every row is such a role; methods and CSRF
// agree with conformance/ROLES.md §2; an unknown path is 404 and a known path asked with another method is 405 with
// the table's methods in Allow.
#include "app.hpp"
#include "core.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace websec::server;

namespace {

/// Rows of the table that are not roles of the profile.
const std::set<std::string> server_only = {
    "debug_stats",    // GET /debug/stats, the server's counters (harness/server/README.md)
    "reflect_other",  // /reflect/<anything else>: 404, and 405 for a method other than GET or HEAD
};

std::string read(const std::string& rel) {
  std::ifstream f(std::string(WEBSEC_SOURCE_ROOT) + "/" + rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// The `roles:` block of a profile: `  name: /path` lines.
std::map<std::string, std::string> profile_roles() {
  std::istringstream in(read("conformance/profiles/websec-server.yaml"));
  std::map<std::string, std::string> roles;
  bool inside = false;
  static const std::regex row(R"(^  ([a-z_]+): (\S+)\s*$)");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') inside = line == "roles:";
    std::smatch m;
    if (inside && std::regex_match(line, m, row)) roles[m[1]] = m[2];
  }
  return roles;
}

struct doc_role {
  std::string method;
  bool csrf;
};

/// The role tables of ROLES.md §2: `| `role` | `METHOD /path` … | request | response |`; CSRF when the request
/// column asks for it (not "Exempt from CSRF").
std::map<std::string, doc_role> documented_roles() {
  std::istringstream in(read("conformance/ROLES.md"));
  std::map<std::string, doc_role> roles;
  static const std::regex row(R"(^\| `([a-z_]+)` \| `([A-Z]+) /[^|]*\| ([^|]*)\|)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    std::string request = m[3];
    bool csrf = request.find("CSRF") != std::string::npos && request.find("Exempt from CSRF") == std::string::npos;
    roles[m[1]] = {m[2], csrf};
  }
  return roles;
}

const route_entry* row_of(std::string_view role) {
  for (const auto& e : route_table())
    if (e.role == role) return &e;
  return nullptr;
}

TEST(route_table, EveryProfileRoleHasItsRowAndEveryRowIsARole) {
  auto roles = profile_roles();
  ASSERT_GE(roles.size(), 20u) << "the roles: block of the profile was not read";
  for (const auto& [role, path] : roles) {
    if (role == "not_found") continue;  // the 404 fallback, checked below
    const route_entry* e = row_of(role);
    ASSERT_NE(e, nullptr) << "no row for the role " << role;
    EXPECT_EQ(e->path, path) << role;
  }
  std::set<std::string_view> seen;
  for (const auto& e : route_table()) {
    EXPECT_TRUE(seen.insert(e.role).second) << "two rows for " << e.role;
    EXPECT_TRUE(roles.count(std::string(e.role)) || server_only.count(std::string(e.role)))
        << "the row " << e.role << " is not a role of the profile";
    EXPECT_NE(e.role, "not_found");
  }
}

TEST(route_table, MethodsAndCsrfAreThoseOfRolesMd) {
  auto documented = documented_roles();
  ASSERT_GE(documented.size(), 20u) << "the role tables of ROLES.md were not read";
  for (const auto& e : route_table()) {
    if (server_only.count(std::string(e.role))) continue;
    auto it = documented.find(std::string(e.role));
    ASSERT_NE(it, documented.end()) << e.role << " is not in ROLES.md §2";
    unsigned bit = it->second.method == "GET" ? m_get : it->second.method == "POST" ? m_post : 0u;
    EXPECT_NE(bit, 0u) << e.role << ": " << it->second.method;
    EXPECT_EQ(e.methods & (m_get | m_post), bit) << e.role;
    EXPECT_EQ(e.csrf, it->second.csrf) << e.role;
    if (e.csrf) {
      EXPECT_TRUE(e.session) << e.role;
    }
  }
}

TEST(route_table, EachRoleResolvesToItsRowAndNotFoundToNothing) {
  for (const auto& [role, path] : profile_roles()) {
    if (role == "not_found") {
      for (auto m : {http::verb::get, http::verb::post, http::verb::delete_}) {
        route_match r = find_route(path, m);
        EXPECT_EQ(r.entry, nullptr);
        EXPECT_EQ(r.allow, 0u);
        EXPECT_EQ(find_route(path + "anything", m).entry, nullptr);
      }
      continue;
    }
    const route_entry* e = row_of(role);
    ASSERT_NE(e, nullptr) << role;
    auto verb = e->methods & m_get ? http::verb::get : http::verb::post;
    EXPECT_EQ(find_route(path, verb).entry, e) << role;
  }
}

TEST(route_table, AllowHeaderListsTheMethodsInOrder) {
  EXPECT_EQ(allow_header(m_get | m_head), "GET, HEAD");
  EXPECT_EQ(allow_header(m_post), "POST");
  EXPECT_EQ(allow_header(m_post | m_head | m_get), "GET, HEAD, POST");
  EXPECT_EQ(allow_header(0), "");
}

TEST(route_table, UnknownPathIs404AndKnownPathWithAnotherMethodIs405) {
  // a path shared by two rows answers both methods; exact rows are looked up before a prefix
  EXPECT_EQ(find_route("/state", http::verb::get).entry, row_of("state_probe"));
  EXPECT_EQ(find_route("/state", http::verb::head).entry, row_of("state_probe"));
  EXPECT_EQ(find_route("/state", http::verb::post).entry, row_of("state_change"));
  EXPECT_EQ(find_route("/state", http::verb::delete_).allow, m_get | m_head | m_post);
  EXPECT_EQ(find_route("/files/0123", http::verb::get).entry, row_of("download"));
  EXPECT_EQ(find_route("/files/0123", http::verb::post).allow, m_get | m_head);
  EXPECT_EQ(find_route("/files", http::verb::get).allow, m_post);
  EXPECT_EQ(find_route("/reflect/text", http::verb::post).allow, m_get | m_head);
  EXPECT_EQ(find_route("/reflect/other", http::verb::get).entry, row_of("reflect_other"));
  for (std::string_view unknown : {"", "*", "/nope", "/State", "/state/", "//state", "/files2", "/reflect"}) {
    EXPECT_EQ(find_route(unknown, http::verb::get).entry, nullptr) << unknown;
    EXPECT_EQ(find_route(unknown, http::verb::get).allow, 0u) << unknown;
  }
}

/// Status line and Allow of the first response the app writes for `request_line` (plain HTTP, Content-Length: 0).
std::pair<int, std::string> answer(app& a, const std::string& request_line) {
  std::string out = serve_bytes(a, a.connection_limits(), false,
                                request_line + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  int status = std::atoi(out.c_str() + 9);
  std::smatch m;
  std::string allow;
  if (std::regex_search(out, m, std::regex("\r\nAllow: ([^\r]*)\r\n"))) allow = m[1];
  return {status, allow};
}

TEST(route_table, On405TheAllowHeaderIsTheTablesAndOn404ThereIsNone) {
  app a;
  EXPECT_EQ(answer(a, "DELETE /state"), std::make_pair(405, std::string("GET, HEAD, POST")));
  EXPECT_EQ(answer(a, "PUT /json"), std::make_pair(405, std::string("POST")));
  EXPECT_EQ(answer(a, "GET /login"), std::make_pair(405, std::string("POST")));
  EXPECT_EQ(answer(a, "POST /"), std::make_pair(405, std::string("GET, HEAD")));
  EXPECT_EQ(answer(a, "OPTIONS /comments"), std::make_pair(405, std::string("GET, HEAD, POST")));
  EXPECT_EQ(answer(a, "POST /files/abc"), std::make_pair(405, std::string("GET, HEAD")));
  EXPECT_EQ(answer(a, "GET /no-such-page/x"), std::make_pair(404, std::string()));
  EXPECT_EQ(answer(a, "DELETE /no-such-page/x"), std::make_pair(404, std::string()));
  EXPECT_EQ(answer(a, "GET /files/abc"), std::make_pair(404, std::string()));
  EXPECT_EQ(answer(a, "GET /reflect/other"), std::make_pair(404, std::string()));
  EXPECT_EQ(answer(a, "POST /reflect/other"), std::make_pair(405, std::string("GET, HEAD")));
  // every row: a method it does not answer gives 405 with the methods of every row of its path
  for (const auto& e : route_table()) {
    std::string path(e.path);
    if (e.prefix) path += "x";
    unsigned all = 0;
    for (const auto& other : route_table())
      if (other.prefix == e.prefix && (e.prefix ? path.starts_with(other.path) : other.path == e.path))
        all |= other.methods;
    auto [status, allow] = answer(a, "PATCH " + path);
    EXPECT_EQ(status, 405) << e.role;
    EXPECT_EQ(allow, allow_header(all)) << e.role;
  }
}

}  // namespace
