// What the `moat sandbox ...`, `moat gc` and `moat image` commands share: the
// sandbox service and engine client built from the context, how a sandbox is
// shown (table and JSON), the parsers for K=V and SRC:DST[:ro] arguments, and
// what `stop` and `restart` share.
#pragma once

#include "../command.hpp"
#include "../context.hpp"
#include "../output.hpp"

#include <moat/core/json_views.hpp>
#include <moat/core/sandbox_service.hpp>
#include <moat/engine/docker_client.hpp>
#include <moat/model.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <nlohmann/json.hpp>

namespace moat::cli::commands {

// The service over the context's registry and configuration; create() stops
// (and removes what it made) once Ctrl-C or SIGTERM arrived.
std::unique_ptr<core::SandboxService> make_sandbox_service(Context& ctx);

using core::engine_client_options;

using core::sandbox_json;
// Key/value view of one sandbox (or its name alone with -q; JSON {"sandbox": ...}).
void print_sandbox(Output& out, const SandboxInfo& info);

// "K=V" -> {K, V}; a missing '=' is a usage error naming `option`.
std::pair<std::string, std::string> split_key_value(const std::string& text, const std::string& option,
                                                    const std::string& help_for);
std::map<std::string, std::string> key_values(const std::vector<std::string>& items, const std::string& option,
                                              const std::string& help_for);
// -v SRC:DST[:ro|:rw] -> a bind mount; --volume NAME:DST[:ro|:rw] -> a volume mount.
Mount parse_bind(const std::string& text, const std::string& help_for);
Mount parse_volume(const std::string& text, const std::string& help_for);

// A repeatable string option's values (empty when not given).
std::vector<std::string> option_values(const Context& ctx, const std::string& name);
std::string option_value(const Context& ctx, const std::string& name);
bool flag(const Context& ctx, const std::string& name);

// `--run-id ID` of `moat bench` and `moat matrix`: the value when given (it
// becomes a label value, so it is checked like a sandbox name), else empty.
std::string run_id_option(const Context& ctx, const std::string& help_for);

// One line on stderr when a runtime cut output at its cap ("moat: warning:
// <what> was truncated ...").
void warn_if_truncated(Context& ctx, bool truncated, const char* what);

// `moat network rm` and `moat snapshot rm`: `remove` on each value of the
// repeatable `positional` in turn, "removed <noun> NAME" for each, stopping
// at the first that throws; -o json: {"removed": [...]}.
int remove_each(Context& ctx, const std::string& positional, const std::string& noun,
                const std::function<void(const std::string&)>& remove);

// The NAME positional every `moat sandbox <verb> NAME` command takes.
Positional sandbox_name_positional();

// `moat sandbox stop` and `restart`: --timeout S (seconds to wait before the
// main process is killed, default 10), and running the service's stop or
// restart on NAME with it, then showing the sandbox.
void add_stop_timeout_option(boost::program_options::options_description& d);
using StopAction = void (core::SandboxService::*)(const std::string& name, double timeout_s);
int stop_and_show(Context& ctx, StopAction action);

}  // namespace moat::cli::commands
