#include <moat/core/host_api.hpp>

#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace moat::core {
namespace {

struct Captured {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> logger;
  Captured() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
    sink->set_pattern("%n|%l|%v");
    logger = std::make_shared<spdlog::logger>("host", sink);
    logger->set_level(spdlog::level::trace);
  }
};

TEST(HostApi, FillsTheTable) {
  HostApi host;
  const auto* api = host.get();
  EXPECT_EQ(api->struct_size, sizeof(moat_host_api));
  EXPECT_EQ(api->abi_major, MOAT_ABI_MAJOR);
  EXPECT_EQ(api->abi_minor, MOAT_ABI_MINOR);
  EXPECT_NE(api->log, nullptr);
  EXPECT_NE(api->cancelled, nullptr);
}

TEST(HostApi, LogsUnderThePluginsName) {
  Captured c;
  HostApi host(c.logger);
  const auto* api = host.get();
  api->log(api->ctx, MOAT_LOG_WARN, "gvisor", "runsc is old");
  api->log(api->ctx, MOAT_LOG_DEBUG, "kata", "checking");
  EXPECT_EQ(c.text.str(), "gvisor|warning|runsc is old\nkata|debug|checking\n");
}

TEST(HostApi, HonoursTheHostsLevelAndOddInput) {
  Captured c;
  c.logger->set_level(spdlog::level::warn);
  HostApi host(c.logger);
  const auto* api = host.get();
  api->log(api->ctx, MOAT_LOG_INFO, "gvisor", "quiet");
  api->log(api->ctx, 99, nullptr, nullptr);  // out of range: treated as error
  EXPECT_EQ(c.text.str(), "plugin|error|\n");
}

TEST(HostApi, CancelledReadsTheCallersFlag) {
  std::atomic<bool> flag{false};
  HostApi host(nullptr, &flag);
  const auto* api = host.get();
  EXPECT_EQ(api->cancelled(api->ctx), 0);
  flag = true;
  EXPECT_EQ(api->cancelled(api->ctx), 1);

  HostApi never;
  EXPECT_EQ(never.get()->cancelled(never.get()->ctx), 0);
}

}  // namespace
}  // namespace moat::core
