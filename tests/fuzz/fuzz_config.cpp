// The configuration file parser (parse_config_document) and the merge that
// turns documents into a Config.
//
// Input: the text of one config file.
//
// Invariants (config.hpp): the document is accepted or ConfigError(syntax or
// invalid) is thrown, nothing else; every error and warning names the file
// and is one line; an accepted document merges (alone and over another one)
// without throwing, into absolute paths and plugin sections that are objects.
#include "fuzz_check.hpp"

#include <moat/core/config.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

using moat::core::ConfigError;
using moat::fuzz::expect;
using moat::fuzz::expect_one_line;
using moat::fuzz::finding;
using nlohmann::json;

constexpr std::string_view kOrigin = "/etc/moat/fuzz.json";

void check_merged(const moat::core::Config& config) {
  for (const auto& dir : config.plugin_dirs) expect(dir.is_absolute(), "a relative plugin_dirs entry was accepted");
  for (const auto& root : config.allowed_bind_roots)
    expect(root.is_absolute(), "a relative allowed_bind_roots entry was accepted");
  expect(!config.default_runtime.empty(), "an empty default_runtime was accepted");
  if (config.engine.timeout_s) expect(*config.engine.timeout_s > 0, "a non-positive engine timeout was accepted");
  expect(config.plugins.is_object(), "plugins is not an object after the merge");
  for (const auto& [id, section] : config.plugins.items()) {
    const json given = config.plugin_config(id);
    expect(given.is_object(), "plugin_config() is not an object");
  }
  expect(config.plugin_config("no-such-plugin").is_object(), "plugin_config() of an absent id is not an object");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  json doc;
  try {
    doc = moat::core::parse_config_document(text, kOrigin, warnings);
  } catch (const ConfigError& e) {
    expect(e.kind() == ConfigError::Kind::syntax || e.kind() == ConfigError::Kind::invalid,
           "a parse error that is neither syntax nor invalid");
    expect(std::string_view(e.what()).starts_with(kOrigin), "a config error that does not name the file");
    expect_one_line(e.what(), "ConfigError");
    expect(e.file() == kOrigin, "ConfigError::file() is not the origin");
    return 0;
  } catch (const std::exception& e) {
    finding(std::string("parse_config_document threw something other than ConfigError: ") + e.what());
  }
  for (const auto& w : warnings) {
    expect(std::string_view(w).starts_with(kOrigin), "a warning that does not name the file");
    expect_one_line(w, "config warning");
  }
  try {
    check_merged(moat::core::merge_config({{kOrigin, doc}}));
    // Over a full base document: the merged result must be as valid as each part.
    std::vector<std::string> base_warnings;
    const json base = moat::core::parse_config_document(
        R"({"default_runtime": "runc", "plugin_dirs": ["/usr/lib/moat/plugins"], "allowed_bind_roots": ["/srv"],
            "engine": {"socket": "/var/run/docker.sock", "timeout_s": 30},
            "plugins": {"sysbox": {"engine": {"timeout_s": 5}}, "runc": {}}, "bench": {"repetitions": 3}})",
        "/etc/moat/base.json", base_warnings);
    check_merged(moat::core::merge_config({{"/etc/moat/base.json", base}, {kOrigin, doc}}));
  } catch (const std::exception& e) {
    finding(std::string("merging an accepted document threw: ") + e.what());
  }
  return 0;
}
