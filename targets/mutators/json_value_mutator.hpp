// targets/mutators/json_value_mutator.hpp — mutations of a websec::json::value tree (a Flask session, a signed
// payload): a node replaced by a generated value of any of Flask's tagged types, a member added to a dict, an
// item dropped, a node duplicated.
#pragma once

#include "mutators/mutator.hpp"
#include "websec/json.hpp"

#include <iterator>
#include <string>
#include <vector>

namespace websec::fuzz::mutate {

inline json::value generated_value(rng& r, int depth = 0) {
  using json::value;
  switch (r.below(depth > 2 ? 11 : 14)) {
    case 0: return value::none();
    case 1: return value::boolean(r.chance(1, 2));
    case 2: return value::integer(static_cast<std::int64_t>(r.next()) >> r.below(64));
    case 3: return value::integer_text(r.pick({"18446744073709551616", "-9223372036854775809", "0", "123456789012345678901234567890"}));
    case 4: {
      static constexpr double floats[] = {0.5, -0.0, 1e308, 1e-320, 3.0, 1.0 / 3.0, 1e16, 2.5e-5};
      return value::floating(floats[r.below(std::size(floats))]);
    }
    case 5:
      return value::string(std::string(r.pick({"", "alice", "<script>alert(1)</script>", "caf\xc3\xa9", "\xf0\x9f\x92\xa9",
                                               "\xed\xb2\x80", "a\"b\\c", "\n\t", " t", " di", "_permanent", "_fresh"})));
    case 6: return value::bytes(std::string(r.pick({"", "\x01\xff", "bytes", "\xc3\xa9"})));
    case 7: return value::markup(std::string(r.pick({"<b>x</b>", "&amp;", "", "<script>"})));
    case 8: return value::uuid(std::string("0123456789abcdef").substr(0, 16));
    case 9: {
      json::datetime_value dt;
      dt.local_seconds = static_cast<std::int64_t>(r.next() % 253402300800ull) - static_cast<std::int64_t>(r.below(2) * 62135596800ll);
      dt.tz = r.chance(1, 2) ? json::datetime_value::zone::utc : json::datetime_value::zone::naive;
      return value::datetime(dt);
    }
    case 10: return value::floating(static_cast<double>(static_cast<std::int64_t>(r.next())) / 1024.0);
    case 11: {
      std::vector<value> items;
      for (std::size_t i = 0, n = r.small(4); i < n; ++i) items.push_back(generated_value(r, depth + 1));
      return r.chance(1, 2) ? value::list(std::move(items)) : value::tuple(std::move(items));
    }
    default: {
      std::vector<value::member> members;
      for (std::size_t i = 0, n = r.small(4); i < n; ++i)
        members.emplace_back(std::string(r.pick({"a", "_user_id", "csrf_token", "_permanent", " t", " di", " m", "", "\xc3\xa9"})),
                             generated_value(r, depth + 1));
      return value::dict(std::move(members));
    }
  }
}

inline void collect(json::value& v, std::vector<json::value*>& out) {
  out.push_back(&v);
  for (auto& i : v.items()) collect(i, out);
  for (auto& m : v.members()) collect(m.second, out);
}

/// Removes a member or an item somewhere under `root` (nothing when the tree has none).
inline void remove_value(json::value& root, rng& r) {
  std::vector<json::value*> nodes, with_children;
  collect(root, nodes);
  for (json::value* n : nodes)
    if (!n->members().empty() || !n->items().empty()) with_children.push_back(n);
  if (with_children.empty()) return;
  json::value* n = with_children[r.below(with_children.size())];
  if (!n->members().empty()) n->members().erase(n->members().begin() + static_cast<std::ptrdiff_t>(r.below(n->members().size())));
  else n->items().erase(n->items().begin() + static_cast<std::ptrdiff_t>(r.below(n->items().size())));
}

/// One mutation of the tree under `root` (which stays a dict when it is one: a session is a dict).
inline void mutate_value(json::value& root, rng& r) {
  std::vector<json::value*> nodes;
  collect(root, nodes);
  json::value* n = nodes[r.below(nodes.size())];
  switch (r.below(5)) {
    case 0:
    case 1:
      if (n != &root || root.kind() != json::kind::dict) {
        *n = generated_value(r);
        return;
      }
      [[fallthrough]];
    case 2:
      if (n->kind() == json::kind::dict) {
        n->members().emplace_back(std::string(r.pick({"a", "_user_id", "csrf_token", "_permanent", "_fresh", " t", "k"})),
                                  generated_value(r));
      } else if (n->kind() == json::kind::list || n->kind() == json::kind::tuple) {
        n->items().push_back(generated_value(r));
      }
      return;
    case 3:
      if (!n->members().empty()) n->members().erase(n->members().begin() + static_cast<std::ptrdiff_t>(r.below(n->members().size())));
      else if (!n->items().empty()) n->items().erase(n->items().begin() + static_cast<std::ptrdiff_t>(r.below(n->items().size())));
      return;
    default:
      if (n->kind() == json::kind::string || n->kind() == json::kind::markup || n->kind() == json::kind::bytes) {
        std::string& s = n->str();
        s.insert(r.below(s.size() + 1), r.pick({"<", "\"", "\\", "\xc3\xa9", "\xed\xa0\x80", "\x01", " ", "</script>"}));
      } else if (n != &root || root.kind() != json::kind::dict) {
        *n = generated_value(r);
      }
  }
}

}  // namespace websec::fuzz::mutate
