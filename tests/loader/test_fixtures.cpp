// Every fixture plugin, one at a time: discover() on its own folder and
// check_files() on its file. The host (this process) must survive each, and
// the record must carry the right status and a reason that says why.
#include <moat/core/plugin_registry.hpp>
#include <moat/error.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

namespace moat::core {
namespace {

struct FixtureCase {
  const char* name;
  const char* dir;
  const char* file;
  PluginStatus status;
  std::vector<std::string> keywords;  // each must appear in the reason
};

void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.name; }

std::string describe(const PluginRecord& r) { return nlohmann::json(r).dump(); }

const FixtureCase kCases[] = {
    {"good", MOAT_FIXTURE_GOOD_DIR, MOAT_FIXTURE_GOOD, PluginStatus::ok, {}},
    {"leaky", MOAT_FIXTURE_LEAKY_DIR, MOAT_FIXTURE_LEAKY, PluginStatus::ok, {}},
    {"no_entry",
     MOAT_FIXTURE_NO_ENTRY_DIR,
     MOAT_FIXTURE_NO_ENTRY,
     PluginStatus::missing_entry,
     {"moat_plugin_entry_v1", "not a moat plugin"}},
    {"abi_major",
     MOAT_FIXTURE_ABI_MAJOR_DIR,
     MOAT_FIXTURE_ABI_MAJOR,
     PluginStatus::abi_mismatch,
     {"ABI major 2, host supports 1", "rebuild"}},
    {"abi_minor", MOAT_FIXTURE_ABI_MINOR_DIR, MOAT_FIXTURE_ABI_MINOR, PluginStatus::abi_mismatch, {"1.2", "newer"}},
    {"short_struct",
     MOAT_FIXTURE_SHORT_STRUCT_DIR,
     MOAT_FIXTURE_SHORT_STRUCT,
     PluginStatus::invalid_descriptor,
     {"bytes", "at least"}},
    {"missing_function",
     MOAT_FIXTURE_MISSING_FUNCTION_DIR,
     MOAT_FIXTURE_MISSING_FUNCTION,
     PluginStatus::invalid_descriptor,
     {"probe()", "required"}},
    {"bad_id", MOAT_FIXTURE_BAD_ID_DIR, MOAT_FIXTURE_BAD_ID, PluginStatus::invalid_descriptor, {"Bad_Id"}},
    {"undefined_symbol",
     MOAT_FIXTURE_UNDEFINED_SYMBOL_DIR,
     MOAT_FIXTURE_UNDEFINED_SYMBOL,
     PluginStatus::dlopen_failed,
     {"undefined symbol", "moat_fixture_symbol_that_does_not_exist"}},
    {"throws_in_create",
     MOAT_FIXTURE_THROWS_IN_CREATE_DIR,
     MOAT_FIXTURE_THROWS_IN_CREATE,
     PluginStatus::create_failed,
     {"create()", "cannot reach the frobnicator service"}},
    {"segfault",
     MOAT_FIXTURE_SEGFAULT_DIR,
     MOAT_FIXTURE_SEGFAULT,
     PluginStatus::crashed,
     {"killed by signal 11 (Segmentation fault) while loading"}},
    {"abort",
     MOAT_FIXTURE_ABORT_DIR,
     MOAT_FIXTURE_ABORT,
     PluginStatus::crashed,
     {"killed by signal 6 (Aborted) in moat_plugin_entry_v1()"}},
    {"hang", MOAT_FIXTURE_HANG_DIR, MOAT_FIXTURE_HANG, PluginStatus::timeout, {"hung while loading", "killed"}},
    {"exits",
     MOAT_FIXTURE_EXITS_DIR,
     MOAT_FIXTURE_EXITS,
     PluginStatus::dlopen_failed,
     {"exited with status 3 while loading"}},
    {"malformed_json",
     MOAT_FIXTURE_MALFORMED_JSON_DIR,
     MOAT_FIXTURE_MALFORMED_JSON,
     PluginStatus::describe_failed,
     {"describe()", "malformed JSON"}},
    {"leaky_describe",
     MOAT_FIXTURE_LEAKY_DESCRIBE_DIR,
     MOAT_FIXTURE_LEAKY_DESCRIBE,
     PluginStatus::describe_failed,
     {"escape through the C ABI", "describe leaked through the C ABI"}},
};

class Fixture : public ::testing::TestWithParam<FixtureCase> {};

void expect_matches(const PluginRecord& r, const FixtureCase& c) {
  EXPECT_EQ(r.status, c.status) << describe(r);
  for (const auto& k : c.keywords) EXPECT_NE(r.reason.find(k), std::string::npos) << "'" << k << "' in " << r.reason;
  if (c.status == PluginStatus::ok) {
    EXPECT_TRUE(r.reason.empty()) << r.reason;
  } else {
    EXPECT_EQ(r.reason.find('\n'), std::string::npos) << "one line: " << r.reason;
  }
}

TEST_P(Fixture, DiscoverQuarantinesItAndTheHostSurvives) {
  const auto& c = GetParam();
  PluginRegistry registry(test::options_for({c.dir}));
  registry.discover();
  ASSERT_EQ(registry.records().size(), 1u);
  const auto& r = registry.records().front();
  EXPECT_EQ(r.path, std::filesystem::path(c.file));
  EXPECT_FALSE(r.cached);
  expect_matches(r, c);
  if (!r.ok() && !r.id.empty()) {
    // Known by id, but not usable: open() says why.
    try {
      (void)registry.open(r.id, nlohmann::json::object());
      ADD_FAILURE() << "open() of a quarantined plugin succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), MOAT_E_UNAVAILABLE);
      EXPECT_NE(std::string(e.what()).find(r.reason), std::string::npos) << e.what();
    }
  }
}

TEST_P(Fixture, CheckFilesGivesTheSameVerdict) {
  const auto& c = GetParam();
  PluginRegistry registry(test::options_for({}));
  const auto records = registry.check_files({c.file});
  ASSERT_EQ(records.size(), 1u);
  expect_matches(records.front(), c);
  EXPECT_TRUE(registry.records().empty()) << "check_files does not load anything";
}

INSTANTIATE_TEST_SUITE_P(Loader, Fixture, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace moat::core
