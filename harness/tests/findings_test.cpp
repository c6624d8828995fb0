// Tests of websec/findings.hpp: the catalogue of audit findings is complete and well formed, the audits give each
// finding only a severity and a verdict its row allows (on every case of the labelled corpus,
// harness/tests/vectors/verdicts/corpus.yaml), and docs/verdicts.md carries the catalogue as generated from it.
#include "websec/findings.hpp"

#include "websec/cookie.hpp"
#include "websec/headers.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace websec;
using websec::test::json;

namespace {

constexpr std::string_view kBegin =
    "<!-- findings:begin (generated from harness/include/websec/findings.hpp; findings_test checks it, and "
    "WEBSEC_WRITE_DOCS=1 findings_test rewrites it) -->\n";
constexpr std::string_view kEnd = "<!-- findings:end -->\n";

std::string levels_text(level_set levels) {
  std::string s;
  for (severity v : {severity::high, severity::medium, severity::low, severity::info})
    if (levels >> static_cast<unsigned>(v) & 1u) s += (s.empty() ? "" : ", ") + std::string(to_string(v));
  return s;
}

// A table cell: '|' would end the cell.
std::string cell(std::string_view text) {
  std::string s;
  for (char c : text) s += c == '|' ? std::string("\\|") : std::string(1, c);
  return s;
}

// The generated block of docs/verdicts.md: one row per finding, in catalogue order.
std::string catalogue_markdown() {
  std::string s(kBegin);
  s += "| id | severity | meaning | severity and verdict | follows |\n|---|---|---|---|---|\n";
  for (const auto& f : finding_catalogue)
    s += "| `" + std::string(f.name) + "` | " + levels_text(f.levels) + " | " + cell(f.meaning) + " | " +
         cell(f.rule) + " | " + cell(f.follows) + " |\n";
  return s + std::string(kEnd);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The labelled corpus as JSON (PyYAML reads it, as scripts/score-verdicts does).
json corpus_cases() {
  auto py = test::run_python(
      "import json, sys, yaml\n"
      "path = sys.stdin.read()\n"
      "print(json.dumps(yaml.safe_load(open(path, encoding='utf-8'))['cases']))\n",
      std::string(WEBSEC_SOURCE_ROOT) + "/harness/tests/vectors/verdicts/corpus.yaml");
  EXPECT_EQ(py.exit_code, 0) << py.err;
  return py.exit_code == 0 ? json::parse(py.out) : json::array();
}

// Every finding websec gives a corpus case (score-verdicts' judge, without the subject filter).
std::vector<verdict> judge(const json& c) {
  const bool https = c.value("https", true);
  if (c.at("type") == "cookie") {
    cookie::audit_options o;
    o.https = https;
    o.now = 1700000000;
    if (c.contains("url")) o.url = c["url"].get<std::string>();
    if (c.contains("role")) EXPECT_TRUE(cookie::parse_role(c["role"].get<std::string>(), o.role)) << c.dump();
    return cookie::audit_cookie(c.at("set_cookie").get<std::string>(), o).findings;
  }
  std::string text;
  if (c.contains("headers")) {
    text = "HTTP/1.1 200 OK\r\n";
    for (const auto& h : c["headers"]) text += h.get<std::string>() + "\r\n";
    text += "\r\n";
  }
  if (c.contains("html")) text += c["html"].get<std::string>();
  headers::response_options o;
  o.https = https;
  o.now = 1700000000;
  if (c.contains("url")) o.url = c["url"].get<std::string>();
  auto in = headers::read_audit_input(text);
  EXPECT_TRUE(in.ok()) << c.dump();
  return in.ok() ? headers::audit(*in, o).findings() : std::vector<verdict>{};
}

}  // namespace

TEST(Findings, CatalogueIsCompleteAndWellFormed) {
  std::set<std::string_view> names;
  for (const auto& f : finding_catalogue) {
    SCOPED_TRACE(f.name);
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate name";
    EXPECT_EQ(finding_from_string(f.name), f.id);
    EXPECT_EQ(to_string(f.id), f.name);
    EXPECT_EQ(&describe(f.id), &f);
    const auto dot = f.name.find('.');
    ASSERT_NE(dot, std::string_view::npos);
    EXPECT_TRUE(dot > 0 && dot + 1 < f.name.size());
    for (char c : f.name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_' || c == '.') << c;
    EXPECT_NE(f.levels, 0u);
    EXPECT_NE(f.effects, 0u);
    EXPECT_FALSE(f.meaning.empty());
    EXPECT_FALSE(f.rule.empty());
    EXPECT_FALSE(f.follows.empty());
    // advice (info) never lowers a verdict: an info-only finding imposes pass
    if (f.levels == set_of(severity::info)) EXPECT_EQ(f.effects, set_of(rating::pass));
  }
  EXPECT_EQ(names.size(), 100u);
  EXPECT_FALSE(finding_from_string("csp.unsafe-inline").has_value());
  EXPECT_FALSE(finding_from_string("").has_value());
}

TEST(Findings, AuditsFollowTheCatalogueOnTheLabelledCorpus) {
  const json cases = corpus_cases();
  ASSERT_GE(cases.size(), 200u);
  std::set<finding_id> seen;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("id").get<std::string>());
    for (const auto& p : c.value("problems", json::array()))
      EXPECT_TRUE(finding_from_string(p.get<std::string>()).has_value()) << "not in the catalogue: " << p;
    for (const auto& f : judge(c)) {
      seen.insert(f.id);
      EXPECT_TRUE(allowed(f.id, f.level, f.effect))
          << f.id << " with severity " << to_string(f.level) << " and verdict " << to_string(f.effect)
          << " (catalogue: " << describe(f.id).rule << ")";
    }
  }
  EXPECT_GE(seen.size(), 60u);  // the corpus reaches most of the catalogue
}

TEST(Findings, VerdictsDocCarriesTheCatalogue) {
  const std::string path = std::string(WEBSEC_SOURCE_ROOT) + "/docs/verdicts.md";
  std::string doc = read_file(path);
  const std::string want = catalogue_markdown();
  const auto b = doc.find(kBegin), e = doc.find(kEnd);
  ASSERT_NE(b, std::string::npos) << path << " has no generated findings table";
  ASSERT_NE(e, std::string::npos);
  const std::string got = doc.substr(b, e + kEnd.size() - b);
  if (got != want && std::getenv("WEBSEC_WRITE_DOCS")) {
    doc.replace(b, got.size(), want);
    std::ofstream(path, std::ios::binary) << doc;
    return;
  }
  EXPECT_EQ(got, want) << "docs/verdicts.md is out of date: run WEBSEC_WRITE_DOCS=1 " << WEBSEC_BINARY_ROOT
                       << "/harness/tests/findings_test --gtest_filter='*Doc*'";
}
