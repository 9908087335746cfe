#include <moat/core/descriptor_check.hpp>

#include <cstddef>
#include <cstring>

#include <gtest/gtest.h>

namespace moat::core {
namespace {

moat_plugin* create_fn(const moat_host_api*, const char*, char**) noexcept { return nullptr; }
void destroy_fn(moat_plugin*) noexcept {}
void free_fn(char*) noexcept {}
moat_status op_fn(moat_plugin*, const char*, char**) noexcept { return MOAT_OK; }

moat_plugin_descriptor valid() {
  moat_plugin_descriptor d{};
  d.struct_size = sizeof d;
  d.abi_major = MOAT_ABI_MAJOR;
  d.abi_minor = MOAT_ABI_MINOR;
  d.id = "unit";
  d.version = "1.0.0";
  d.description = "a unit test";
  d.build_info = "g++";
  d.create = &create_fn;
  d.destroy = &destroy_fn;
  d.free_string = &free_fn;
  d.describe = &op_fn;
  d.probe = &op_fn;
  return d;
}

TEST(DescriptorCheck, AcceptsAValidDescriptor) {
  const auto d = valid();
  const auto v = check_descriptor(&d);
  EXPECT_TRUE(v.ok()) << v.reason;
  EXPECT_TRUE(v.reason.empty());
}

TEST(DescriptorCheck, RefusesNull) {
  const auto v = check_descriptor(nullptr);
  EXPECT_EQ(v.status, PluginStatus::invalid_descriptor);
  EXPECT_NE(v.reason.find("returned NULL"), std::string::npos) << v.reason;
}

TEST(DescriptorCheck, RefusesAnotherMajor) {
  auto d = valid();
  d.abi_major = 2;
  const auto v = check_descriptor(&d, 1, 0);
  EXPECT_EQ(v.status, PluginStatus::abi_mismatch);
  EXPECT_EQ(v.reason, "ABI major 2, host supports 1: rebuild the plugin against this moat SDK");
}

TEST(DescriptorCheck, RefusesANewerMinorAndAcceptsAnOlderOne) {
  auto d = valid();
  d.abi_major = 1;
  d.abi_minor = 3;
  const auto newer = check_descriptor(&d, 1, 2);
  EXPECT_EQ(newer.status, PluginStatus::abi_mismatch);
  EXPECT_NE(newer.reason.find("needs a host of ABI 1.3, newer than this host's 1.2"), std::string::npos)
      << newer.reason;
  EXPECT_TRUE(check_descriptor(&d, 1, 3).ok());
  EXPECT_TRUE(check_descriptor(&d, 1, 7).ok());
}

TEST(DescriptorCheck, RefusesAShortStruct) {
  auto d = valid();
  d.struct_size = offsetof(moat_plugin_descriptor, describe);
  const auto v = check_descriptor(&d);
  EXPECT_EQ(v.status, PluginStatus::invalid_descriptor);
  EXPECT_NE(v.reason.find("descriptor is " + std::to_string(d.struct_size) + " bytes"), std::string::npos) << v.reason;
}

TEST(DescriptorCheck, AcceptsTheMinimumSize) {
  auto d = valid();
  d.struct_size = MOAT_DESCRIPTOR_MIN_SIZE;
  EXPECT_TRUE(check_descriptor(&d).ok());
}

TEST(DescriptorCheck, RefusesEachMissingRequiredFunction) {
  const std::pair<const char*, void (*)(moat_plugin_descriptor&)> cases[] = {
      {"create", [](moat_plugin_descriptor& d) { d.create = nullptr; }},
      {"destroy", [](moat_plugin_descriptor& d) { d.destroy = nullptr; }},
      {"free_string", [](moat_plugin_descriptor& d) { d.free_string = nullptr; }},
      {"describe", [](moat_plugin_descriptor& d) { d.describe = nullptr; }},
      {"probe", [](moat_plugin_descriptor& d) { d.probe = nullptr; }},
  };
  for (const auto& [name, clear] : cases) {
    auto d = valid();
    clear(d);
    const auto v = check_descriptor(&d);
    EXPECT_EQ(v.status, PluginStatus::invalid_descriptor) << name;
    EXPECT_NE(v.reason.find(std::string(name) + "()"), std::string::npos) << v.reason;
  }
}

TEST(DescriptorCheck, RefusesBadIds) {
  for (const char* id : {"", "Bad", "-lead", "a_b", "a b", "gvisor!", "ü"}) {
    auto d = valid();
    d.id = id;
    const auto v = check_descriptor(&d);
    EXPECT_EQ(v.status, PluginStatus::invalid_descriptor) << id;
    EXPECT_NE(v.reason.find("[a-z0-9][a-z0-9-]*"), std::string::npos) << v.reason;
  }
  auto d = valid();
  d.id = nullptr;
  EXPECT_EQ(check_descriptor(&d).status, PluginStatus::invalid_descriptor);
}

TEST(DescriptorCheck, PluginIdRule) {
  for (const char* id : {"a", "0", "gvisor", "my-rt-2", "sysbox", "9lives"}) EXPECT_TRUE(is_valid_plugin_id(id)) << id;
  for (const char* id : {"", "A", "-a", "a.b", "a/b", "a_b"}) EXPECT_FALSE(is_valid_plugin_id(id)) << id;
  EXPECT_TRUE(is_valid_plugin_id(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_plugin_id(std::string(65, 'a')));
}

TEST(DescriptorCheck, CopiesIdentity) {
  const auto d = valid();
  PluginRecord r;
  copy_identity(d, r);
  EXPECT_EQ(r.id, "unit");
  EXPECT_EQ(r.version, "1.0.0");
  EXPECT_EQ(r.description, "a unit test");
  EXPECT_EQ(r.build_info, "g++");
  EXPECT_EQ(r.abi_major, static_cast<uint32_t>(MOAT_ABI_MAJOR));
  EXPECT_EQ(r.abi_minor, static_cast<uint32_t>(MOAT_ABI_MINOR));
}

TEST(PluginRecordJson, RoundTripsAndRejectsUnknownStatus) {
  PluginRecord r;
  r.path = "/x/moat-a.so";
  r.status = PluginStatus::describe_failed;
  r.reason = "why";
  r.id = "a";
  r.operations = {"sandbox_start"};
  const nlohmann::json j = r;
  EXPECT_EQ(j.at("status"), "describe_failed");
  EXPECT_EQ(j.at("ok"), false);
  const auto back = j.get<PluginRecord>();
  EXPECT_EQ(back.path, r.path);
  EXPECT_EQ(back.status, r.status);
  EXPECT_EQ(back.reason, r.reason);
  EXPECT_EQ(back.operations, r.operations);

  auto bad = j;
  bad["status"] = "exploded";
  EXPECT_THROW((void)bad.get<PluginRecord>(), nlohmann::json::exception);
  for (auto s : {PluginStatus::ok, PluginStatus::timeout, PluginStatus::duplicate_id}) {
    EXPECT_EQ(status_from_string(to_string(s)), s);
  }
}

}  // namespace
}  // namespace moat::core
