// Shared pieces of the matrix tests: the shipped seed, synthetic columns and
// cells for the logic tests, and the registry over the build tree's plugins
// for the live run.
#pragma once

#include <moat/core/plugin_registry.hpp>
#include <moat/matrix/model.hpp>
#include <moat/matrix/seed_data.hpp>

#include <string>

namespace moat::matrix_test {

const moat::matrix::SeedData& shipped_seed();

moat::matrix::Column column(const std::string& id, bool available = true, const std::string& reason = {});
moat::matrix::Cell cell(moat::matrix::Verdict v, const std::string& summary = "evidence line");

// The registry over the build tree's plugin folder, discovered once per process.
moat::core::PluginRegistry& registry();

}  // namespace moat::matrix_test
