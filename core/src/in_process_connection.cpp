#include <moat/core/in_process_connection.hpp>
#include <moat/core/runtime_handle.hpp>
#include <moat/error.hpp>

#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace moat::core {

// Shared by the waiting caller and the worker: the worker may outlive the
// connection when its call is abandoned.
struct InProcessConnection::Pending {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  PluginAnswer answer;
  std::optional<moat::Error> error;
};

namespace {

moat_op_fn slot_for(const moat_plugin_descriptor& d, std::string_view op) {
  if (op == "describe") return d.describe;
  if (op == "probe") return d.probe;
  return operation_slot(d, op);
}

// What the plugin returned, as a PluginAnswer: its string freed by the
// plugin, and one over the cap refused.
PluginAnswer answer_of(int status, char* raw, void (*free_string)(char*), std::uint64_t cap, const std::string& id,
                       const std::string& op) {
  // The plugin allocated it; only the plugin may free it.
  const std::unique_ptr<char, void (*)(char*)> owned(raw, free_string);
  PluginAnswer a{status, {}};
  if (owned) {
    const std::size_t n = ::strnlen(owned.get(), cap + 1);
    if (n > cap) throw Error(MOAT_E_INTERNAL, answer_too_big_message(id, op, cap));
    a.text.assign(owned.get(), n);
  }
  return a;
}

// Between a streaming call's worker and its caller: the worker may outlive
// the call when it is abandoned, and then its writes go nowhere.
struct StreamGate {
  StreamSink sink;
  std::atomic<bool> open{true};
  const std::atomic<bool>* cancel = nullptr;
};

extern "C" int stream_gate_write(void* ctx, int stream, const char* data, size_t size) {
  auto* gate = static_cast<StreamGate*>(ctx);
  if (!gate->open.load() || (gate->cancel != nullptr && gate->cancel->load())) return 1;
  try {
    return gate->sink(stream, std::string_view(data, size)) ? 0 : 1;
  } catch (...) {
    return 1;  // never an exception through the plugin's C frames
  }
}

// The caller's input, as the C source the plugin pulls from; closed (every
// call answers "stopped") once the call returned, so an abandoned plugin
// thread never reaches the caller's source.
struct InputGate {
  InputSource source;
  std::atomic<bool> open{true};
  const std::atomic<bool>* cancel = nullptr;
  std::string pending;  // what of the last data event did not fit the plugin's buffer
};

extern "C" int input_gate_next(void* ctx, moat_input_event* event, char* buf, size_t cap, int timeout_ms) {
  auto* gate = static_cast<InputGate*>(ctx);
  if (!gate->open.load() || (gate->cancel != nullptr && gate->cancel->load())) return -1;
  try {
    *event = moat_input_event{};
    // What does not fit stays first in line (a WebSocket message can be
    // larger than the plugin's buffer), as in the broker.
    const auto hand_over = [&](std::string& data) {
      event->kind = MOAT_INPUT_DATA;
      event->size = std::min(cap, data.size());
      std::memcpy(buf, data.data(), event->size);
      data.erase(0, event->size);
      return 1;
    };
    if (!gate->pending.empty()) return hand_over(gate->pending);
    InputEvent e = gate->source(std::chrono::milliseconds(std::max(timeout_ms, 0)));
    switch (e.kind) {
      case InputEvent::Kind::none:
        return 0;
      case InputEvent::Kind::stopped:
        return -1;
      case InputEvent::Kind::data:
        gate->pending = std::move(e.data);
        return hand_over(gate->pending);
      case InputEvent::Kind::eof:
        event->kind = MOAT_INPUT_EOF;
        return 1;
      case InputEvent::Kind::resize:
        event->kind = MOAT_INPUT_RESIZE;
        event->rows = e.rows;
        event->cols = e.cols;
        return 1;
    }
  } catch (...) {
    return -1;  // never an exception through the plugin's C frames
  }
  return 0;
}

}  // namespace

InProcessConnection::InProcessConnection(const moat_plugin_descriptor& descriptor, const std::string& config_json,
                                         CallContext context, std::chrono::milliseconds open_deadline)
    : descriptor_(descriptor), context_(std::move(context)) {
  const moat_plugin_descriptor* d = &descriptor_;
  auto made = std::make_shared<moat_plugin*>(nullptr);
  const PluginAnswer a = run("create", open_deadline, [d, made, config_json, host = context_.host]() {
    char* error = nullptr;
    moat_plugin* instance = d->create(host, config_json.c_str(), &error);
    const std::unique_ptr<char, void (*)(char*)> owned(error, d->free_string);
    if (instance == nullptr) return PluginAnswer{MOAT_E_FAILED, owned ? owned.get() : "create() returned no instance"};
    *made = instance;
    return PluginAnswer{};
  });
  if (a.status != MOAT_OK)
    throw Error(MOAT_E_FAILED, fmt::format("runtime '{}' could not start: {}", context_.plugin_id, a.text));
  instance_ = *made;
}

InProcessConnection::InProcessConnection(const moat_plugin_descriptor& descriptor, moat_plugin* instance,
                                         CallContext context)
    : descriptor_(descriptor), instance_(instance), context_(std::move(context)) {
  if (instance_ == nullptr) throw Error(MOAT_E_INTERNAL, "InProcessConnection needs an instance");
}

InProcessConnection::~InProcessConnection() {
  // An abandoned call may still be running inside the instance.
  if (instance_ == nullptr || !lost_.empty()) return;
  try {
    descriptor_.destroy(instance_);
  } catch (...) {
    spdlog::error("plugin '{}' let an exception escape from destroy()", context_.plugin_id);
  }
}

PluginAnswer InProcessConnection::call(std::string_view op, const std::string& request,
                                       std::chrono::milliseconds deadline) {
  const moat_op_fn fn = slot_for(descriptor_, op);
  if (fn == nullptr) return PluginAnswer{MOAT_E_UNSUPPORTED, {}};
  return run(op, deadline,
             [fn, instance = instance_, free_string = descriptor_.free_string, request, cap = context_.max_answer_bytes,
              id = context_.plugin_id, name = std::string(op)]() {
               char* raw = nullptr;
               const int status = call_operation(fn, instance, request.c_str(), &raw);
               return answer_of(status, raw, free_string, cap, id, name);
             });
}

PluginAnswer InProcessConnection::call_streaming(std::string_view op, const std::string& request,
                                                 const StreamSink& sink, std::chrono::milliseconds deadline) {
  const moat_stream_op_fn fn = stream_slot(descriptor_, op);
  if (fn == nullptr) return PluginAnswer{MOAT_E_UNSUPPORTED, {}};
  auto gate = std::make_shared<StreamGate>();
  gate->sink = sink;
  gate->cancel = context_.cancel;
  // However the wait ends, a worker still running writes nowhere after it.
  struct Close {
    std::shared_ptr<StreamGate> gate;
    ~Close() { gate->open.store(false); }
  } close{gate};
  return run(op, deadline,
             [fn, gate, instance = instance_, free_string = descriptor_.free_string, request,
              cap = context_.max_answer_bytes, id = context_.plugin_id, name = std::string(op)]() {
               const moat_output_sink c_sink{sizeof(moat_output_sink), gate.get(), &stream_gate_write};
               char* raw = nullptr;
               const int status = call_stream_operation(fn, instance, request.c_str(), &c_sink, &raw);
               return answer_of(status, raw, free_string, cap, id, name);
             });
}

PluginAnswer InProcessConnection::call_interactive(std::string_view op, const std::string& request,
                                                   const InputSource& input, const StreamSink& sink,
                                                   std::chrono::milliseconds deadline) {
  const moat_interactive_op_fn fn = interactive_slot(descriptor_, op);
  if (fn == nullptr) return PluginAnswer{MOAT_E_UNSUPPORTED, {}};
  auto output = std::make_shared<StreamGate>();
  output->sink = sink;
  output->cancel = context_.cancel;
  auto in = std::make_shared<InputGate>();
  in->source = input;
  in->cancel = context_.cancel;
  struct Close {
    std::shared_ptr<StreamGate> output;
    std::shared_ptr<InputGate> in;
    ~Close() {
      output->open.store(false);
      in->open.store(false);
    }
  } close{output, in};
  return run(op, deadline,
             [fn, output, in, instance = instance_, free_string = descriptor_.free_string, request,
              cap = context_.max_answer_bytes, id = context_.plugin_id, name = std::string(op)]() {
               const moat_output_sink c_sink{sizeof(moat_output_sink), output.get(), &stream_gate_write};
               const moat_input_source c_input{sizeof(moat_input_source), in.get(), &input_gate_next};
               char* raw = nullptr;
               const int status = call_interactive_operation(fn, instance, request.c_str(), &c_input, &c_sink, &raw);
               return answer_of(status, raw, free_string, cap, id, name);
             });
}

PluginAnswer InProcessConnection::run(std::string_view op, std::chrono::milliseconds deadline,
                                      std::function<PluginAnswer()> work) {
  if (!lost_.empty()) throw Error(MOAT_E_UNAVAILABLE, lost_);
  auto pending = std::make_shared<Pending>();
  std::thread([pending, work = std::move(work), id = context_.plugin_id, name = std::string(op)] {
    PluginAnswer answer;
    std::optional<moat::Error> error;
    try {
      answer = work();
    } catch (const moat::Error& e) {
      error = e;
    } catch (const std::exception& e) {
      // Only a plugin that bypasses the SDK's trampolines gets here; the
      // unwinding crossed its C frames, which g++ code survives.
      error.emplace(MOAT_E_INTERNAL,
                    fmt::format("plugin '{}' let an exception escape from {} (a plugin bug): {}", id, name, e.what()));
    } catch (...) {
      error.emplace(MOAT_E_INTERNAL,
                    fmt::format("plugin '{}' let an exception escape from {} (a plugin bug)", id, name));
    }
    const std::lock_guard lock(pending->mutex);
    pending->answer = std::move(answer);
    pending->error = std::move(error);
    pending->done = true;
    pending->done_cv.notify_all();
  }).detach();

  CallWatch watch(deadline, context_);
  std::unique_lock lock(pending->mutex);
  while (!pending->done_cv.wait_for(lock, watch.next_wait(), [&] { return pending->done; })) {
    const auto verdict = watch.check();
    if (verdict == CallWatch::Verdict::wait || verdict == CallWatch::Verdict::cancel_seen) continue;
    lost_ = watch.message(verdict, op, "the call was abandoned and this instance is not called again");
    throw Error(MOAT_E_TIMEOUT, lost_);
  }
  if (pending->error) throw *pending->error;
  return std::move(pending->answer);
}

}  // namespace moat::core
