#include <moat/matrix/columns.hpp>

#include <moat/error.hpp>

#include <algorithm>
#include <set>

namespace moat::matrix {

const std::vector<std::string>& dind_variant_runtimes() {
  static const std::vector<std::string> ids = {"runc"};
  return ids;
}

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// After the seed's columns: the baseline, its DinD variant, no isolation, then the rest.
int rank_of(const std::string& id) {
  static const std::vector<std::string> order = {"runc", "host"};
  auto it = std::find(order.begin(), order.end(), id);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

}  // namespace

std::vector<Column> plan_columns(const std::vector<std::string>& loaded, const SeedData& seed,
                                 const std::vector<std::string>& requested) {
  std::vector<Column> all;
  auto add_plugin = [&](const std::string& id, const SeedColumn* sc) {
    Column c;
    c.id = id;
    c.runtime = id;
    c.has_plugin = contains(loaded, id);
    if (sc != nullptr) {
      c.seed_name = sc->seed_name;
      c.technology = sc->technology;
    }
    const bool variant = contains(dind_variant_runtimes(), id);
    c.dind = variant ? DindPolicy::never : DindPolicy::docker_checks;
    c.description = variant ? id + " as shipped, without its DinD mode (Docker inside is tried by hand)"
                            : id + (c.has_plugin ? "" : " (no moat plugin: the seed's column only)");
    if (!c.has_plugin) {
      c.reason = sc != nullptr && !sc->plugin ? "no moat plugin for " + c.technology + " (the seed's column only)"
                                              : "no moat plugin with id '" + id + "' was loaded ('moat plugins list')";
    }
    if (const DocumentedColumn* dc = seed.documented_column(id); dc != nullptr && !c.has_plugin) {
      c.documented = dc->summary;
      c.description = dc->summary.text;
      c.reason += "; its cells are what upstream documents, not measurements";
    }
    all.push_back(c);
    if (variant && c.has_plugin) {
      Column v = c;
      v.id = id + "+dind";
      v.dind = DindPolicy::always;
      v.description = id + " in its DinD mode, for every sandbox (not isolating: see 'moat plugins info " + id + "')";
      all.push_back(v);
    }
  };
  for (const auto& sc : seed.columns) add_plugin(sc.runtime, &sc);
  std::vector<std::string> rest;
  for (const auto& id : loaded)
    if (seed.column(id) == nullptr) rest.push_back(id);
  std::stable_sort(rest.begin(), rest.end(), [](const std::string& a, const std::string& b) {
    return std::make_pair(rank_of(a), a) < std::make_pair(rank_of(b), b);
  });
  for (const auto& id : rest) add_plugin(id, nullptr);

  if (requested.empty()) return all;
  std::set<std::string> want;
  for (const auto& r : requested) {
    const bool known = std::any_of(all.begin(), all.end(), [&](const Column& c) { return c.id == r; });
    if (!known) {
      std::string ids;
      for (const auto& c : all) ids += (ids.empty() ? "" : ", ") + c.id;
      throw moat::Error(MOAT_E_UNAVAILABLE, "--runtimes: unknown runtime '" + r + "' (known: " + ids + ")");
    }
    want.insert(r);
  }
  std::vector<Column> out;
  for (auto& c : all)
    if (want.contains(c.id)) out.push_back(std::move(c));
  return out;
}

}  // namespace moat::matrix
