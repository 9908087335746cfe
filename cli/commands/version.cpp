// moat version: moat's version, the plugin ABI it hosts, how it was built.
#include "../command.hpp"
#include "../context.hpp"
#include "../exit_code.hpp"

#include <moat/plugin_abi.h>

#include <fmt/core.h>
#include <spdlog/version.h>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>

#ifndef MOAT_VERSION
#error "MOAT_VERSION must be defined by the build"
#endif
#ifndef MOAT_BUILD_TYPE
#define MOAT_BUILD_TYPE "unknown"
#endif

namespace moat::cli::commands {
namespace {

std::string compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "GCC " __VERSION__;
#else
  return "unknown compiler";
#endif
}

nlohmann::json build_info() {
  return {{"compiler", compiler()},
          {"build_type", MOAT_BUILD_TYPE},
          {"cxx_standard", static_cast<long>(__cplusplus)},
          {"libraries",
           {{"boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
            {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                          NLOHMANN_JSON_VERSION_PATCH)},
            {"spdlog", fmt::format("{}.{}.{}", SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH)},
            {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)}}}};
}

int run(Context& ctx) {
  Output& out = ctx.out();
  if (out.json()) {
    out.document({{"version", MOAT_VERSION},
                  {"plugin_abi", {{"major", MOAT_ABI_MAJOR}, {"minor", MOAT_ABI_MINOR}}},
                  {"build", build_info()}});
  } else if (out.quiet()) {
    out.line(MOAT_VERSION);
  } else {
    const auto b = build_info();
    const auto& l = b["libraries"];
    out.line(fmt::format("moat {}", MOAT_VERSION));
    out.line(fmt::format("plugin ABI {}.{}", MOAT_ABI_MAJOR, MOAT_ABI_MINOR));
    out.line(fmt::format("built with {} ({}, C++ {}), Boost {}, nlohmann_json {}, spdlog {}, fmt {}",
                         b["compiler"].get<std::string>(), MOAT_BUILD_TYPE, __cplusplus / 100 % 100,
                         l["boost"].get<std::string>(), l["nlohmann_json"].get<std::string>(),
                         l["spdlog"].get<std::string>(), l["fmt"].get<std::string>()));
  }
  return to_int(ExitCode::ok);
}

}  // namespace

Command version() {
  return {
      .path = {"version"},
      .summary = "Show moat's version, its plugin ABI and build info",
      .description =
          "With -q, only the version number. The plugin ABI version is the\n"
          "major.minor a plugin must be built for: the same major, a minor no newer.",
      .options = {},
      .positionals = {},
      .run = run,
  };
}

}  // namespace moat::cli::commands
