// moat image prepare [base|bench|dind]...: builds moat's offline images
// (debootstrap or the host's busybox, then import), cached on disk and in
// the engine, so preparing them again costs nothing.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"
#include "../usage_error.hpp"
#include "sandbox_support.hpp"

#include <moat/core/image_builder.hpp>
#include <moat/engine/docker_client.hpp>

#include <fmt/format.h>

namespace moat::cli::commands {
namespace {

int run(Context& ctx) {
  std::vector<std::string> names = ctx.args("image");
  std::string known;
  for (const auto& r : core::builtin_recipes()) known += (known.empty() ? "" : ", ") + r.name;
  if (names.empty())
    for (const auto& r : core::builtin_recipes()) names.push_back(r.name);
  for (const auto& n : names)
    if (!core::find_recipe(n)) throw UsageError("unknown image '" + n + "' (known: " + known + ")", "image prepare");

  engine::DockerClient client(engine_client_options(ctx.config()));
  core::ImageBuilderOptions options;
  std::ostream& err = ctx.err();
  options.progress = [&err](const std::string& line) { err << line << '\n' << std::flush; };
  core::ImageBuilder builder(client, options);

  std::vector<core::PreparedImage> prepared;
  for (const auto& n : names) {
    if (ctx.cancelled()) {
      err << "moat: interrupted before image " << n << '\n';
      return to_int(ExitCode::interrupted);
    }
    prepared.push_back(builder.prepare(n));
  }

  Output& out = ctx.out();
  if (out.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : prepared)
      list.push_back({{"name", p.name},
                      {"reference", p.reference},
                      {"fingerprint", p.fingerprint},
                      {"image_id", p.image_id},
                      {"source", core::source_name(p.source)},
                      {"tarball", p.tarball.string()},
                      {"elapsed_ms", p.elapsed.count()}});
    out.document({{"images", list}});
  } else if (out.quiet()) {
    for (const auto& p : prepared) out.line(p.reference);
  } else {
    Table t({"NAME", "REFERENCE", "SOURCE", "IMAGE ID", "TIME"});
    for (const auto& p : prepared)
      t.add_row({p.name, p.reference, std::string(core::source_name(p.source)),
                 p.image_id.substr(p.image_id.starts_with("sha256:") ? 7 : 0, 12),
                 fmt::format("{:.1f} s", static_cast<double>(p.elapsed.count()) / 1000.0)});
    out.table(t);
  }
  return to_int(ExitCode::ok);
}

}  // namespace

Command image_prepare() {
  return {
      .path = {"image", "prepare"},
      .summary = "Build moat's offline images (cached)",
      .description =
          "base  = moat/base:busybox   the host's static busybox (seconds)\n"
          "bench = moat/bench:bookworm debootstrap minbase + fio, make, gcc (minutes)\n"
          "dind  = moat/dind:bookworm  bench + docker.io, iptables\n"
          "Without IMAGE, all three. An image already current in the engine costs\n"
          "nothing; a cached tarball in /var/cache/moat/images is imported again\n"
          "without rebuilding. Progress goes to stderr.",
      .options = {},
      .positionals = {{.name = "image", .description = "base, bench or dind", .required = false, .repeatable = true}},
      .run = run,
  };
}

}  // namespace moat::cli::commands
