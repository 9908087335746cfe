// How the host calls into a plugin instance, and what bounds each call.
//
// Two ways, one interface (PluginConnection):
//   in-process  moat's own plugins, by default. The call runs on a worker
//               thread, so the caller can stop waiting at the deadline or on
//               Ctrl-C. A call moat stops waiting for is abandoned: its
//               thread runs on until moat exits, and the instance is never
//               called or destroyed again.
//   process     every other plugin, by default. moat-plugin-broker loads the
//               plugin in a child of its own and serves its calls over a
//               pipe (core/broker/). A crash, exit(), abort or hang costs
//               that child only; a call past its deadline kills it.
// Configuration: "plugin_host" (docs/configuration.md), per plugin id.
#pragma once

#include <moat/plugin_abi.h>
#include <moat/model.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace moat::core {

enum class Isolation { in_process, process };

[[nodiscard]] std::string_view to_string(Isolation i) noexcept;
[[nodiscard]] std::optional<Isolation> isolation_from_string(std::string_view s) noexcept;

// How long the host waits for each kind of call before giving up on it.
struct CallDeadlines {
  std::chrono::milliseconds open{15'000};  // create(); for a broker, its start too
  std::chrono::milliseconds describe{5'000};
  std::chrono::milliseconds probe{15'000};
  std::chrono::milliseconds lifecycle{120'000};  // every sandbox_* and network_* call but exec
  // sandbox_snapshot and sandbox_restore copy whole volumes (an inner
  // /var/lib/docker can hold gigabytes).
  std::chrono::milliseconds snapshot{600'000};
  std::chrono::milliseconds exec_margin{30'000};  // added to an exec's own timeout_s
  // After Ctrl-C or SIGTERM the plugin sees cancelled() and gets this long
  // to return (and roll back) before the call is abandoned.
  std::chrono::milliseconds interrupt_grace{1'000};

  // The deadline of operation `op`; `exec_timeout_s` is the request's own
  // limit for sandbox_exec (0 = none, then the lifecycle deadline applies).
  [[nodiscard]] std::chrono::milliseconds for_op(std::string_view op, double exec_timeout_s = 0) const;
};

// A plugin answer bigger than this is refused (and, out of process, never read).
inline constexpr std::uint64_t kDefaultMaxAnswerBytes = std::uint64_t{64} << 20;

struct PluginHostConfig {
  CallDeadlines deadlines;
  std::uint64_t max_answer_bytes = kDefaultMaxAnswerBytes;
  // How long a create may reuse an available probe verdict an earlier moat
  // process kept (ProbeVerdictFile); 0: probe before every create.
  std::chrono::seconds probe_reuse{300};
  std::map<std::string, Isolation, std::less<>> isolation;  // by plugin id; absent = by where the file is
};

// The one line for an answer over the cap.
[[nodiscard]] std::string answer_too_big_message(std::string_view plugin_id, std::string_view op, std::uint64_t cap);

// What a plugin answered: its status and its document (or {"message"}).
// The status stays an integer until it is known to be a moat_status: a
// plugin may return any value, and reading one outside the enum as the enum
// is undefined behaviour.
struct PluginAnswer {
  int status = MOAT_OK;
  std::string text;
};

// Calls operation `fn` of a plugin and returns the status it gave as the
// integer it is, never read as a moat_status (see PluginAnswer).
int call_operation(moat_op_fn fn, moat_plugin* self, const char* request_json, char** response_json);
// The same for the streaming exec (ABI 1.1).
int call_stream_operation(moat_stream_op_fn fn, moat_plugin* self, const char* request_json,
                          const moat_output_sink* sink, char** response_json);
int call_interactive_operation(moat_interactive_op_fn fn, moat_plugin* self, const char* request_json,
                               const moat_input_source* input, const moat_output_sink* sink, char** response_json);

// The deadline of a streaming exec without a timeout of its own: in effect
// none (30 days); Ctrl-C and the reader going away still end it.
inline constexpr std::chrono::milliseconds kUnlimitedStream = std::chrono::hours(24 * 30);

// Where a streaming call's output goes, chunk by chunk (moat::OutputSink).
using StreamSink = std::function<bool(int stream, std::string_view data)>;

// What every connection needs from the host, besides the plugin.
struct CallContext {
  std::string plugin_id;
  const moat_host_api* host = nullptr;        // logs are delivered here; may be null
  const std::atomic<bool>* cancel = nullptr;  // Ctrl-C / SIGTERM; null = never
  std::chrono::milliseconds interrupt_grace{1'000};
  std::uint64_t max_answer_bytes = kDefaultMaxAnswerBytes;
};

class PluginConnection {
 public:
  virtual ~PluginConnection() = default;
  PluginConnection() = default;
  PluginConnection(const PluginConnection&) = delete;
  PluginConnection& operator=(const PluginConnection&) = delete;

  // Runs `op` ("describe", "probe" or an optional operation's name) with
  // the JSON `request`. A plugin that answers, even with an error status,
  // returns its answer. Throws moat::Error when there is no answer:
  //   MOAT_E_TIMEOUT   past `deadline`, or still running `interrupt_grace`
  //                    after the cancel flag was set;
  //   MOAT_E_INTERNAL  the plugin crashed or exited, or its answer is over
  //                    the cap;
  //   MOAT_E_UNAVAILABLE  an earlier call already lost this instance.
  virtual PluginAnswer call(std::string_view op, const std::string& request, std::chrono::milliseconds deadline) = 0;
  // sandbox_exec_stream (ABI 1.1): as call(), and each chunk of output is
  // passed to `sink` as it comes (on another thread, for an in-process
  // plugin). `sink` is copied, and a copy is never called once this has
  // returned or thrown; it returns false to stop the command.
  virtual PluginAnswer call_streaming(std::string_view op, const std::string& request, const StreamSink& sink,
                                      std::chrono::milliseconds deadline) = 0;
  // sandbox_exec_interactive (ABI 1.1): as call_streaming, and the plugin
  // pulls the caller's input from `input` (copied; never called once this
  // has returned or thrown).
  virtual PluginAnswer call_interactive(std::string_view op, const std::string& request, const InputSource& input,
                                        const StreamSink& sink, std::chrono::milliseconds deadline) = 0;
  [[nodiscard]] virtual Isolation isolation() const noexcept = 0;
};

// The wait loop both connections share: when to look again, when the
// cancel flag was first seen, and when to give up.
class CallWatch {
 public:
  enum class Verdict { wait, cancel_seen, interrupted, timed_out };

  CallWatch(std::chrono::milliseconds deadline, const CallContext& context);
  // How long to block before calling check() again (at most 50 ms).
  [[nodiscard]] std::chrono::milliseconds next_wait() const;
  // cancel_seen is returned once, when the flag is first seen set.
  Verdict check();
  // The one-line error for a call that ended `verdict` (interrupted or
  // timed_out); `fate` says what became of the plugin ("its process was killed").
  [[nodiscard]] std::string message(Verdict verdict, std::string_view op, std::string_view fate) const;

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point started_;
  Clock::time_point deadline_;
  std::chrono::milliseconds budget_;
  const CallContext& context_;
  std::optional<Clock::time_point> cancel_seen_;
};

}  // namespace moat::core
