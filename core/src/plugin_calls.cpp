#include <moat/core/plugin_calls.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

namespace moat::core {

namespace {

constexpr std::chrono::milliseconds kPollSlice{50};

std::string seconds_text(std::chrono::milliseconds ms) {
  return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000.0);
}

}  // namespace

// The enum check is off in these alone: the plugin's return value is taken in
// as moat_status (the C signature) and copied out as bytes, never used as the enum.
#if defined(__clang__) || defined(__GNUC__)
#define MOAT_NO_ENUM_CHECK __attribute__((no_sanitize("enum")))
#else
#define MOAT_NO_ENUM_CHECK
#endif

MOAT_NO_ENUM_CHECK int call_operation(moat_op_fn fn, moat_plugin* self, const char* request_json,
                                      char** response_json) {
  const moat_status returned = fn(self, request_json, response_json);
  std::underlying_type_t<moat_status> code = MOAT_OK;
  std::memcpy(&code, &returned, sizeof code);
  return static_cast<int>(code);
}

MOAT_NO_ENUM_CHECK int call_stream_operation(moat_stream_op_fn fn, moat_plugin* self, const char* request_json,
                                             const moat_output_sink* sink, char** response_json) {
  const moat_status returned = fn(self, request_json, sink, response_json);
  std::underlying_type_t<moat_status> code = MOAT_OK;
  std::memcpy(&code, &returned, sizeof code);
  return static_cast<int>(code);
}

MOAT_NO_ENUM_CHECK int call_interactive_operation(moat_interactive_op_fn fn, moat_plugin* self,
                                                  const char* request_json, const moat_input_source* input,
                                                  const moat_output_sink* sink, char** response_json) {
  const moat_status returned = fn(self, request_json, input, sink, response_json);
  std::underlying_type_t<moat_status> code = MOAT_OK;
  std::memcpy(&code, &returned, sizeof code);
  return static_cast<int>(code);
}

std::string_view to_string(Isolation i) noexcept { return i == Isolation::process ? "process" : "in-process"; }

std::optional<Isolation> isolation_from_string(std::string_view s) noexcept {
  if (s == "process") return Isolation::process;
  if (s == "in-process") return Isolation::in_process;
  return std::nullopt;
}

std::chrono::milliseconds CallDeadlines::for_op(std::string_view op, double exec_timeout_s) const {
  if (op == "describe") return describe;
  if (op == "probe") return probe;
  if (op == "create") return open;
  const bool streamed = op == "sandbox_exec_stream" || op == "sandbox_exec_interactive";
  const bool exec = op == "sandbox_exec" || streamed;
  if (exec && exec_timeout_s > 0) {
    const auto own = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(exec_timeout_s * 1000.0)));
    return own + exec_margin;
  }
  // A streaming exec without a limit may run as long as its caller reads
  // (a build, a log tail); Ctrl-C still ends it.
  if (streamed) return kUnlimitedStream;
  if (op == "sandbox_snapshot" || op == "sandbox_restore") return snapshot;
  return lifecycle;
}

std::string answer_too_big_message(std::string_view plugin_id, std::string_view op, std::uint64_t cap) {
  return fmt::format(
      "plugin '{}' answered {} with more than {} bytes, the limit (plugin_host.max_answer_bytes); "
      "the answer was refused",
      plugin_id, op, cap);
}

CallWatch::CallWatch(std::chrono::milliseconds deadline, const CallContext& context)
    : started_(Clock::now()), deadline_(started_ + deadline), budget_(deadline), context_(context) {}

std::chrono::milliseconds CallWatch::next_wait() const {
  auto until = deadline_;
  if (cancel_seen_) until = std::min(until, *cancel_seen_ + context_.interrupt_grace);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), kPollSlice);
}

CallWatch::Verdict CallWatch::check() {
  const auto now = Clock::now();
  if (!cancel_seen_ && context_.cancel != nullptr && context_.cancel->load()) {
    cancel_seen_ = now;
    return Verdict::cancel_seen;
  }
  if (cancel_seen_ && now >= *cancel_seen_ + context_.interrupt_grace) return Verdict::interrupted;
  if (now >= deadline_) return Verdict::timed_out;
  return Verdict::wait;
}

std::string CallWatch::message(Verdict verdict, std::string_view op, std::string_view fate) const {
  if (verdict == Verdict::interrupted) {
    return fmt::format("interrupted: plugin '{}' was still in {} {} after the interrupt; {}", context_.plugin_id, op,
                       seconds_text(context_.interrupt_grace), fate);
  }
  return fmt::format(
      "plugin '{}' did not answer {} within {} (plugin_host.deadlines in the configuration sets this); {}",
      context_.plugin_id, op, seconds_text(budget_), fate);
}

}  // namespace moat::core
