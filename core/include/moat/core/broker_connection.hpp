// A plugin instance in a moat-plugin-broker child (plugin_calls.hpp says
// when). The child loads the plugin, creates the instance and serves one
// call at a time over a pipe (broker_protocol.hpp). A call past its deadline,
// or still running after the interrupt grace, kills the child; a child that
// dies is reported with the call and the signal or exit status. Either way
// the instance is gone and later calls fail at once.
#pragma once

#include <moat/core/plugin_calls.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace moat::support {
class Process;
}

namespace moat::core {

class BrokerConnection final : public PluginConnection {
 public:
  // Starts `broker` on `plugin_file` and creates the instance with
  // `config_json`, all within `open_deadline`. Throws moat::Error:
  // MOAT_E_INTERNAL when the broker cannot run, MOAT_E_UNAVAILABLE when the
  // plugin does not load there, MOAT_E_FAILED when create() refuses, and as
  // call() when the child hangs or dies.
  BrokerConnection(const std::filesystem::path& broker, const std::filesystem::path& plugin_file,
                   const std::string& config_json, CallContext context, std::chrono::milliseconds open_deadline);
  // Closes the request pipe (the child destroys the instance and exits),
  // waits briefly, then kills what is left.
  ~BrokerConnection() override;

  PluginAnswer call(std::string_view op, const std::string& request, std::chrono::milliseconds deadline) override;
  PluginAnswer call_streaming(std::string_view op, const std::string& request, const StreamSink& sink,
                              std::chrono::milliseconds deadline) override;
  PluginAnswer call_interactive(std::string_view op, const std::string& request, const InputSource& input,
                                const StreamSink& sink, std::chrono::milliseconds deadline) override;
  [[nodiscard]] Isolation isolation() const noexcept override { return Isolation::process; }
  [[nodiscard]] int pid() const;

 private:
  // Sends the request and waits for its answer; `between`, when set, runs
  // after each look at the broker's pipe, at least every 20 ms, and may wait
  // as long as it is given (none while output flows): an interactive exec
  // passes the caller's input on there.
  PluginAnswer exchange(std::string_view op, const std::string& request, std::chrono::milliseconds deadline,
                        const std::function<void(std::chrono::milliseconds)>& between = {});
  // Reads what the child wrote; false at end of file.
  bool read_more();
  // A complete answer in the inbox, after delivering the log lines before it.
  std::optional<PluginAnswer> take_answer(std::string_view op);
  // Kills the child, remembers why, and throws `message` with `status`.
  [[noreturn]] void lose(moat_status status, const std::string& message);
  // Why the child ended, once its output ended.
  std::string death_of(std::string_view op);

  CallContext context_;
  std::unique_ptr<support::Process> child_;
  std::string inbox_;
  std::string lost_;
  // During call_streaming: where output frames go; stopped once it said no more.
  const StreamSink* sink_ = nullptr;
  bool sink_stopped_ = false;
};

}  // namespace moat::core
