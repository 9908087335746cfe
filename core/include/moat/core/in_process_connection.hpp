// A plugin instance in moat's own process (plugin_calls.hpp says when). Each
// call runs on a worker thread the caller waits for, up to the deadline; a
// call it stops waiting for is abandoned with its thread, and the instance is
// then never called or destroyed again (the thread may still be inside it).
#pragma once

#include <moat/plugin_abi.h>
#include <moat/core/plugin_calls.hpp>

#include <memory>
#include <string>

namespace moat::core {

class InProcessConnection final : public PluginConnection {
 public:
  // Creates the instance with `config_json` within `open_deadline`. Throws
  // moat::Error: MOAT_E_FAILED when create() refuses (with its reason), and
  // as PluginConnection::call for a crash-free plugin that hangs or throws.
  InProcessConnection(const moat_plugin_descriptor& descriptor, const std::string& config_json, CallContext context,
                      std::chrono::milliseconds open_deadline);
  // Adopts an instance the caller created from `descriptor`.
  InProcessConnection(const moat_plugin_descriptor& descriptor, moat_plugin* instance, CallContext context);
  ~InProcessConnection() override;

  PluginAnswer call(std::string_view op, const std::string& request, std::chrono::milliseconds deadline) override;
  PluginAnswer call_streaming(std::string_view op, const std::string& request, const StreamSink& sink,
                              std::chrono::milliseconds deadline) override;
  PluginAnswer call_interactive(std::string_view op, const std::string& request, const InputSource& input,
                                const StreamSink& sink, std::chrono::milliseconds deadline) override;
  [[nodiscard]] Isolation isolation() const noexcept override { return Isolation::in_process; }

 private:
  struct Pending;
  // Runs `work` on a worker thread and waits for it as the deadline and the
  // cancel flag allow.
  PluginAnswer run(std::string_view op, std::chrono::milliseconds deadline, std::function<PluginAnswer()> work);

  const moat_plugin_descriptor& descriptor_;
  moat_plugin* instance_ = nullptr;
  CallContext context_;
  std::string lost_;  // set once a call was abandoned: why no call may follow
};

}  // namespace moat::core
