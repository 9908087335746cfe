#include "network_views.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace moat::cli::commands {
namespace {

std::string sandboxes_text(const NetworkInfo& n) {
  return n.sandboxes.empty() ? "-" : fmt::format("{}", fmt::join(n.sandboxes, ", "));
}

}  // namespace

void print_network(Output& out, const NetworkInfo& info) {
  out.object("network", info, info.name, [&](Table& t) {
    t.add_row({"name:", info.name});
    t.add_row({"id:", info.id.substr(0, 12)});
    t.add_row({"driver:", info.driver});
    t.add_row({"internal:", info.internal ? "yes (no route out)" : "no"});
    t.add_row({"sandboxes:", sandboxes_text(info)});
    for (const auto& [k, v] : info.labels) t.add_row({"label:", k + "=" + v});
  });
}

void print_networks(Output& out, const std::vector<NetworkInfo>& networks) {
  if (out.json()) {
    out.document({{"networks", networks}});
  } else if (out.quiet()) {
    for (const auto& n : networks) out.line(n.name);
  } else if (networks.empty()) {
    out.line("no networks made by moat");
  } else {
    Table t({"NAME", "ID", "DRIVER", "INTERNAL", "SANDBOXES"});
    for (const auto& n : networks)
      t.add_row({n.name, n.id.substr(0, 12), n.driver, n.internal ? "yes" : "no", sandboxes_text(n)});
    out.table(t);
  }
}

}  // namespace moat::cli::commands
