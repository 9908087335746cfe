// RuntimeHandle against a descriptor defined right here, so each way a plugin
// can answer (or misbehave) is exercised without building a plugin.
#include <moat/core/runtime_handle.hpp>

#include "support.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <gtest/gtest.h>

namespace moat::core {
namespace {

using test::error_of;

// Counts what the fake plugin hands out and gets back (test-only state).
struct Ledger {
  int strings_out = 0;
  int strings_freed = 0;
  int destroyed = 0;
};
Ledger ledger;

char* give(const char* s) {
  ++ledger.strings_out;
  auto* p = static_cast<char*>(std::malloc(std::strlen(s) + 1));
  std::strcpy(p, s);
  return p;
}

moat_plugin* create_fn(const moat_host_api*, const char*, char**) noexcept { return nullptr; }
void destroy_fn(moat_plugin*) noexcept { ++ledger.destroyed; }
void free_fn(char* s) noexcept {
  ++ledger.strings_freed;
  std::free(s);
}
moat_status describe_fn(moat_plugin*, const char*, char** out) noexcept {
  *out = give(R"({"isolation":"vm","docker_in_docker":true})");
  return MOAT_OK;
}
moat_status probe_fn(moat_plugin*, const char*, char** out) noexcept {
  *out = give(R"({"available":true,"version":"9"})");
  return MOAT_OK;
}
moat_status start_fails(moat_plugin*, const char*, char** out) noexcept {
  *out = give(R"({"message":"boom: engine said no"})");
  return MOAT_E_FAILED;
}
moat_status stop_fails_silently(moat_plugin*, const char*, char** out) noexcept {
  *out = nullptr;
  return MOAT_E_NOT_FOUND;
}
moat_status inspect_malformed(moat_plugin*, const char*, char** out) noexcept {
  *out = give("{\"name\": ");
  return MOAT_OK;
}
moat_status list_wrong_shape(moat_plugin*, const char*, char** out) noexcept {
  *out = give(R"({"not":"a list"})");
  return MOAT_OK;
}
moat_status remove_leaks(moat_plugin*, const char*, char**) {  // no noexcept: the bug under test
  throw std::runtime_error("escaped");
}
moat_status restart_unknown_status(moat_plugin*, const char*, char** out) noexcept {
  *out = nullptr;
  return static_cast<moat_status>(42);
}
moat_status logs_echo(moat_plugin*, const char* request, char** out) noexcept {
  // Echoes the request back as stdout, to show what the host sent.
  const std::string body = nlohmann::json{{"stdout", std::string(request)}, {"stderr", ""}}.dump();
  *out = give(body.c_str());
  return MOAT_OK;
}

moat_plugin_descriptor descriptor() {
  moat_plugin_descriptor d{};
  d.struct_size = sizeof d;
  d.abi_major = MOAT_ABI_MAJOR;
  d.abi_minor = MOAT_ABI_MINOR;
  d.id = "unit";
  d.create = &create_fn;
  d.destroy = &destroy_fn;
  d.free_string = &free_fn;
  d.describe = &describe_fn;
  d.probe = &probe_fn;
  d.sandbox_start = &start_fails;
  d.sandbox_stop = &stop_fails_silently;
  d.sandbox_inspect = &inspect_malformed;
  d.sandbox_list = &list_wrong_shape;
  d.sandbox_remove = &remove_leaks;
  d.sandbox_restart = &restart_unknown_status;
  d.sandbox_logs = &logs_echo;
  return d;
}

int instance_token = 0;
moat_plugin* instance() { return reinterpret_cast<moat_plugin*>(&instance_token); }

class RuntimeHandleTest : public ::testing::Test {
 protected:
  void SetUp() override { ledger = {}; }
  void TearDown() override {
    EXPECT_EQ(ledger.strings_out, ledger.strings_freed) << "every string freed by the plugin";
  }

  moat_plugin_descriptor d = descriptor();
};

TEST_F(RuntimeHandleTest, DescribeAndProbeConvertToModelTypes) {
  RuntimeHandle h(&d, instance());
  EXPECT_EQ(h.id(), "unit");
  const auto caps = h.describe();
  EXPECT_EQ(caps.isolation, "vm");
  EXPECT_TRUE(caps.docker_in_docker);
  const auto probe = h.probe();
  EXPECT_TRUE(probe.available);
  EXPECT_EQ(probe.version, "9");
}

TEST_F(RuntimeHandleTest, DestroysTheInstance) {
  { RuntimeHandle h(&d, instance()); }
  EXPECT_EQ(ledger.destroyed, 1);
}

TEST_F(RuntimeHandleTest, ListsItsOperations) {
  RuntimeHandle h(&d, instance());
  EXPECT_EQ(h.operations(),
            (std::vector<std::string>{"sandbox_start", "sandbox_stop", "sandbox_restart", "sandbox_remove",
                                      "sandbox_inspect", "sandbox_logs", "sandbox_list"}));
}

TEST_F(RuntimeHandleTest, StatusAndMessageBecomeAnError) {
  RuntimeHandle h(&d, instance());
  const auto e = error_of([&] { h.start("a"); });
  EXPECT_EQ(e.status(), MOAT_E_FAILED);
  EXPECT_STREQ(e.what(), "boom: engine said no");
}

TEST_F(RuntimeHandleTest, StatusWithoutMessageGetsADefault) {
  RuntimeHandle h(&d, instance());
  const auto e = error_of([&] { h.stop("a"); });
  EXPECT_EQ(e.status(), MOAT_E_NOT_FOUND);
  EXPECT_STREQ(e.what(), "runtime 'unit' failed in sandbox_stop (not-found)");
}

TEST_F(RuntimeHandleTest, NullSlotIsUnsupported) {
  RuntimeHandle h(&d, instance());
  const auto e = error_of([&] { (void)h.exec(ExecRequest{}); });
  EXPECT_EQ(e.status(), MOAT_E_UNSUPPORTED);
  EXPECT_STREQ(e.what(), "runtime 'unit' does not support sandbox_exec");
}

TEST_F(RuntimeHandleTest, SlotsBeyondStructSizeAreUnsupported) {
  d.struct_size = MOAT_DESCRIPTOR_MIN_SIZE;  // an ABI 1.0 plugin with no optional ops
  RuntimeHandle h(&d, instance());
  EXPECT_TRUE(h.operations().empty());
  EXPECT_EQ(error_of([&] { h.start("a"); }).status(), MOAT_E_UNSUPPORTED);
  EXPECT_EQ(h.describe().isolation, "vm");
}

TEST_F(RuntimeHandleTest, MalformedJsonIsAnInternalError) {
  RuntimeHandle h(&d, instance());
  const auto e = error_of([&] { (void)h.inspect("a"); });
  EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  EXPECT_NE(std::string(e.what()).find("plugin 'unit' returned malformed JSON from sandbox_inspect"), std::string::npos)
      << e.what();
}

TEST_F(RuntimeHandleTest, WrongShapeIsAnInternalError) {
  RuntimeHandle h(&d, instance());
  const auto e = error_of([&] { (void)h.list(); });
  EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  EXPECT_NE(std::string(e.what()).find("unexpected document from sandbox_list"), std::string::npos) << e.what();
}

TEST_F(RuntimeHandleTest, EscapedExceptionIsAnInternalErrorAndTheHandleStillWorks) {
  RuntimeHandle h(&d, instance());
  const auto e = error_of([&] { h.remove("a"); });
  EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  EXPECT_NE(std::string(e.what()).find("let an exception escape from sandbox_remove"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("escaped"), std::string::npos) << e.what();
  EXPECT_EQ(h.describe().isolation, "vm");
}

TEST_F(RuntimeHandleTest, UnknownStatusIsAnInternalError) {
  RuntimeHandle h(&d, instance());
  const auto e = error_of([&] { h.restart("a"); });
  EXPECT_EQ(e.status(), MOAT_E_INTERNAL);
  EXPECT_NE(std::string(e.what()).find("unknown status 42"), std::string::npos) << e.what();
}

TEST_F(RuntimeHandleTest, SendsTheRequestAsJson) {
  RuntimeHandle h(&d, instance());
  const auto r = h.logs("box-1");
  EXPECT_EQ(nlohmann::json::parse(r.stdout_data), (nlohmann::json{{"name", "box-1"}}));
}

TEST_F(RuntimeHandleTest, OperationSlotHonoursNamesAndSize) {
  EXPECT_EQ(operation_slot(d, "sandbox_start"), &start_fails);
  EXPECT_EQ(operation_slot(d, "sandbox_exec"), nullptr);
  EXPECT_EQ(operation_slot(d, "no_such_op"), nullptr);
  d.struct_size = MOAT_DESCRIPTOR_MIN_SIZE;
  EXPECT_EQ(operation_slot(d, "sandbox_start"), nullptr);
}

}  // namespace
}  // namespace moat::core
