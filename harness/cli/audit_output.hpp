// Printing an audit report (websec/verdict.hpp) as text or JSON, shared by `websec headers audit` and
// `websec cookie audit`, and the --fail-on exit status.
#pragma once

#include "command.hpp"

#include "websec/findings.hpp"
#include "websec/verdict.hpp"

#include <iostream>
#include <string>

namespace websec::cli {

/// Text: the overall verdict, then per subject "VERDICT  NAME  value", its findings indented
/// ("[severity] id: reason"); info findings only with `show_info`.
inline void print_report_text(const audit_report& r, bool show_info, std::ostream& out = std::cout) {
  auto line = [&](const subject_report& s) {
    std::string head = s.kind == "cookie" ? "cookie " + s.name + " (" + s.role + ")" : s.name;
    out << to_string(s.result);
    for (std::size_t i = to_string(s.result).size(); i < 9; ++i) out << ' ';
    out << head;
    if (!s.present && s.kind == "header") out << "  (absent)";
    else if (!s.value.empty() && s.kind == "header") out << ": " << s.value;
    out << "\n";
    for (const auto& f : s.findings) {
      if (f.level == severity::info && !show_info) continue;
      out << "    [" << to_string(f.level) << "] " << to_string(f.id) << ": " << f.reason << "\n";
    }
  };
  for (const auto& s : r.headers) line(s);
  for (const auto& s : r.cookies) line(s);
  out << "overall: " << to_string(r.overall) << "\n";
}

inline std::string finding_json(const verdict& f) {
  return "{\"id\": " + json_string(to_string(f.id)) + ", \"severity\": \"" + std::string(to_string(f.level)) +
         "\", \"verdict\": \"" + std::string(to_string(f.effect)) + "\", \"subject\": " + json_string(f.subject) +
         ", \"reason\": " + json_string(f.reason) + "}";
}

inline std::string subject_json(const subject_report& s) {
  std::string o = "{\"kind\": " + json_string(s.kind) + ", \"name\": " + json_string(s.name) + ", \"verdict\": \"" +
                  std::string(to_string(s.result)) + "\", \"present\": " + (s.present ? "true" : "false") +
                  ", \"value\": " + json_string(s.value) + ", \"resolution\": " + json_string(s.resolution);
  if (s.kind == "cookie") o += ", \"role\": " + json_string(s.role);
  o += ", \"findings\": [";
  for (std::size_t i = 0; i < s.findings.size(); ++i) o += (i ? ", " : "") + finding_json(s.findings[i]);
  return o + "]}";
}

/// {"overall", <extra members>, "headers": [...], "cookies": [...], "findings": [every finding]}.
inline void print_report_json(const audit_report& r, const std::string& extra_members, std::ostream& out = std::cout) {
  out << "{\"overall\": \"" << to_string(r.overall) << "\"" << extra_members << ", \"headers\": [";
  for (std::size_t i = 0; i < r.headers.size(); ++i) out << (i ? ", " : "") << subject_json(r.headers[i]);
  out << "], \"cookies\": [";
  for (std::size_t i = 0; i < r.cookies.size(); ++i) out << (i ? ", " : "") << subject_json(r.cookies[i]);
  out << "], \"findings\": [";
  auto all = r.findings();
  for (std::size_t i = 0; i < all.size(); ++i) out << (i ? ", " : "") << finding_json(all[i]);
  out << "]}\n";
}

/// --fail-on {weak,fail,invalid} (default weak), already validated by one_of().
inline rating fail_on_rating(const std::string& s) {
  rating out = rating::weak;
  parse_rating(s, out);
  return out;
}

/// The options both audits share: --json, --fail-on, --no-info.
struct audit_common {
  bool json = false, no_info = false;
  std::string fail_on = "weak";
};

inline void add_audit_common(CLI::App* c, audit_common& a) {
  c->add_flag("--json", a.json, "JSON output (schema below)");
  c->add_option("--fail-on", a.fail_on, "exit 1 when the overall verdict is V or worse")
      ->type_name("V")
      ->capture_default_str()
      ->check(one_of({"weak", "fail", "invalid"}));
  c->add_flag("--no-info", a.no_info, "leave out findings of severity info");
}

}  // namespace websec::cli
