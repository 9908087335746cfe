// A plugin built against the ABI 1.0 header (plain C, tests/fixtures/abi-1.0)
// must keep loading and working on this host, in moat's process and in a
// broker: its descriptor ends at ABI 1.0's reserved slots, so the host must
// not read the 1.1 operations from it, and it has none of them.
#include <moat/core/declared_fields.hpp>
#include <moat/core/plugin_registry.hpp>
#include <moat/core/runtime_handle.hpp>

#include <moat/spec_fields.hpp>

#include "expect_error.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

namespace moat::core {
namespace {

class Abi10Plugin : public ::testing::TestWithParam<Isolation> {};

TEST_P(Abi10Plugin, LoadsDescribesProbesListsAndRemoves) {
  auto o = moat::test::options_for({MOAT_FIXTURE_ABI_ONE_OH_DIR});
  o.plugin_host.isolation["abi-one-oh"] = GetParam();
  PluginRegistry registry(o);
  registry.discover();
  const PluginRecord* r = registry.find("abi-one-oh");
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->ok()) << r->reason;
  EXPECT_EQ(r->abi_minor, 0u);
  EXPECT_EQ(r->build_info, "the ABI 1.0 header");
  EXPECT_EQ(r->operations, (std::vector<std::string>{"sandbox_remove", "sandbox_list"}));

  auto h = registry.open("abi-one-oh", {});
  EXPECT_EQ(h->isolation(), GetParam());
  EXPECT_EQ(h->describe().isolation, "none");
  EXPECT_EQ(h->describe().notes, std::vector<std::string>{"built against the ABI 1.0 header"});
  // It declares no spec_fields: it is taken to honour ABI 1.0's, and a
  // request using a 1.1 field is refused before it could be dropped.
  const Capabilities caps = h->describe();
  EXPECT_FALSE(caps.spec_fields.has_value());
  EXPECT_EQ(honoured_spec_fields(caps), abi_1_0_spec_fields());
  SandboxSpec spec;
  spec.name = "abi10-box";
  spec.workspace = "/tmp";
  EXPECT_NO_THROW(check_declared_fields(spec, caps, "abi-one-oh"));
  spec.limits.cpus = 1;
  const auto e = moat::test::expect_error([&] { check_declared_fields(spec, caps, "abi-one-oh"); });
  EXPECT_EQ(e.status(), MOAT_E_INVALID);
  EXPECT_EQ(std::string(e.what()),
            "limits.cpus: runtime 'abi-one-oh' does not honour this field (its plugin predates ABI 1.1 and declares "
            "no spec_fields); leave it out, or choose a runtime that lists it ('moat plugins info abi-one-oh' shows "
            "what it honours)");
  const auto p = h->probe();
  EXPECT_TRUE(p.available);
  EXPECT_EQ(p.version, "1.0-fixture");
  EXPECT_FALSE(h->supports("managed_list"));
  const auto listed = h->list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "abi10-left");
  h->remove("abi10-left");
  EXPECT_TRUE(h->list().empty());
}

INSTANTIATE_TEST_SUITE_P(Isolation, Abi10Plugin, ::testing::Values(Isolation::process, Isolation::in_process),
                         [](const auto& info) { return info.param == Isolation::process ? "Broker" : "InProcess"; });

}  // namespace
}  // namespace moat::core
