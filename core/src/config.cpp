#include <moat/core/config.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

namespace moat::core {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using pointer = json::json_pointer;

// A document nested deeper than any real configuration is refused while it
// is parsed: merging and copying recurse over it and must not overflow the stack.
constexpr int kMaxNesting = 64;

// Messages are one line: control characters from the file (in a key or a
// value) are shown escaped.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    else
      out += c;
  }
  return out;
}

// The same rule the plugin ABI puts on ids, so a section can only be keyed
// by a name a plugin could have.
bool is_plugin_id(std::string_view s) {
  if (s.empty()) return false;
  auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok(s.front())) return false;
  for (char c : s)
    if (!ok(c) && c != '-') return false;
  return true;
}

// The deadline keys of plugin_host.deadlines and where each goes.
std::chrono::milliseconds* deadline_slot(CallDeadlines& d, std::string_view name) {
  if (name == "open_s") return &d.open;
  if (name == "describe_s") return &d.describe;
  if (name == "probe_s") return &d.probe;
  if (name == "lifecycle_s") return &d.lifecycle;
  if (name == "snapshot_s") return &d.snapshot;
  if (name == "exec_margin_s") return &d.exec_margin;
  if (name == "interrupt_grace_s") return &d.interrupt_grace;
  return nullptr;
}

bool deadline_field(std::string_view name) {
  CallDeadlines probe_only;
  return deadline_slot(probe_only, name) != nullptr;
}

// Validates one document, collecting nothing but the first error: one clear
// line is more useful than a list that scrolls away.
class Validator {
 public:
  Validator(const fs::path& origin, std::vector<std::string>& warnings) : origin_(origin), warnings_(warnings) {}

  void document(const json& doc) {
    if (!doc.is_object())
      throw ConfigError(
          ConfigError::Kind::invalid, origin_,
          fmt::format("{}: expected a JSON object at the top level, got {}", origin_.string(), doc.type_name()));
    for (const auto& [key, value] : doc.items()) {
      const pointer at = pointer() / key;
      if (key == "default_runtime") {
        plugin_id(at, value);
      } else if (key == "plugin_dirs" || key == "allowed_bind_roots") {
        path_list(at, value);
      } else if (key == "engine") {
        engine(at, value);
      } else if (key == "plugins") {
        plugins(at, value);
      } else if (key == "policy") {
        policy(at, value);
      } else if (key == "plugin_host") {
        plugin_host(at, value);
      } else if (key == "bench") {
        expect_object(at, value);  // reserved: its keys belong to `moat bench`
      } else {
        warn(at, "unknown key, ignored");
      }
    }
  }

 private:
  [[noreturn]] void fail(const pointer& at, const std::string& what) const {
    throw ConfigError(ConfigError::Kind::invalid, origin_,
                      printable(fmt::format("{}: {}: {}", origin_.string(), at.to_string(), what)));
  }
  void warn(const pointer& at, const std::string& what) const {
    warnings_.push_back(printable(fmt::format("{}: {}: {}", origin_.string(), at.to_string(), what)));
  }
  [[noreturn]] void wrong_type(const pointer& at, std::string_view expected, const json& got) const {
    fail(at, fmt::format("expected {}, got {}", expected, got.type_name()));
  }

  void expect_object(const pointer& at, const json& v) const {
    if (!v.is_object()) wrong_type(at, "an object", v);
  }
  void plugin_id(const pointer& at, const json& v) const {
    if (!v.is_string()) wrong_type(at, "a string", v);
    if (!is_plugin_id(v.get_ref<const std::string&>()))
      fail(at, fmt::format("expected a plugin id ([a-z0-9][a-z0-9-]*), got \"{}\"", v.get_ref<const std::string&>()));
  }
  void absolute_path(const pointer& at, const json& v) const {
    if (!v.is_string()) wrong_type(at, "a string", v);
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || !fs::path(s).is_absolute()) fail(at, fmt::format("expected an absolute path, got \"{}\"", s));
  }
  void path_list(const pointer& at, const json& v) const {
    if (!v.is_array()) wrong_type(at, "an array of absolute paths", v);
    for (std::size_t i = 0; i < v.size(); ++i) absolute_path(at / i, v[i]);
  }
  void engine(const pointer& at, const json& v) const {
    expect_object(at, v);
    for (const auto& [key, value] : v.items()) {
      const pointer here = at / key;
      if (key == "socket") {
        if (!value.is_string()) wrong_type(here, "a string", value);
        const auto& s = value.get_ref<const std::string&>();
        const std::string_view path = std::string_view(s).starts_with("unix://") ? std::string_view(s).substr(7) : s;
        if (path.empty() || path.front() != '/')
          fail(here, fmt::format("expected an absolute socket path or unix:///path, got \"{}\"", s));
      } else if (key == "timeout_s") {
        if (!value.is_number()) wrong_type(here, "a number", value);
        if (!(value.get<double>() > 0)) fail(here, fmt::format("expected a positive number, got {}", value.dump()));
      } else if (key == "max_output_bytes") {
        if (!value.is_number_unsigned()) wrong_type(here, "a number of bytes >= 0", value);
      } else {
        warn(here, "unknown key, ignored");
      }
    }
  }
  void policy(const pointer& at, const json& v) const {
    expect_object(at, v);
    for (const auto& [key, value] : v.items()) {
      const pointer here = at / key;
      if (key == "allow_host_binds" || key == "protected_paths") {
        path_list(here, value);
      } else if (key == "allow_host_network" || key == "allow_host_pid" || key == "allow_host_ipc" ||
                 key == "allow_container_network") {
        if (!value.is_boolean()) wrong_type(here, "true or false", value);
      } else {
        warn(here, "unknown key, ignored");
      }
    }
  }
  void plugin_host(const pointer& at, const json& v) const {
    expect_object(at, v);
    for (const auto& [key, value] : v.items()) {
      const pointer here = at / key;
      if (key == "isolation") {
        expect_object(here, value);
        for (const auto& [id, how] : value.items()) {
          if (!is_plugin_id(id)) fail(here / id, "expected a plugin id ([a-z0-9][a-z0-9-]*) as the key");
          if (!how.is_string() || !isolation_from_string(how.get_ref<const std::string&>()))
            fail(here / id, fmt::format("expected \"process\" or \"in-process\", got {}", how.dump()));
        }
      } else if (key == "deadlines") {
        expect_object(here, value);
        for (const auto& [name, seconds] : value.items()) {
          if (!deadline_field(name)) {
            warn(here / name, "unknown key, ignored");
            continue;
          }
          if (!seconds.is_number()) wrong_type(here / name, "a number of seconds", seconds);
          if (!(seconds.get<double>() > 0) || seconds.get<double>() > 86400.0)
            fail(here / name, fmt::format("expected seconds in (0, 86400], got {}", seconds.dump()));
        }
      } else if (key == "max_answer_bytes") {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() < 1024)
          fail(here, fmt::format("expected a number of bytes >= 1024, got {}", value.dump()));
      } else if (key == "probe_reuse_s") {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() > 86400)
          fail(here, fmt::format("expected whole seconds in [0, 86400], got {}", value.dump()));
      } else {
        warn(here, "unknown key, ignored");
      }
    }
  }
  void plugins(const pointer& at, const json& v) const {
    expect_object(at, v);
    for (const auto& [id, section] : v.items()) {
      const pointer here = at / id;
      if (!is_plugin_id(id)) fail(here, "expected a plugin id ([a-z0-9][a-z0-9-]*) as the key");
      // The section's own keys are the plugin's business: it checks them in create().
      expect_object(here, section);
    }
  }

  const fs::path& origin_;
  std::vector<std::string>& warnings_;
};

// nlohmann reports "parse error at line L, column C: <detail>"; keep the
// position and the detail, drop the exception id.
std::string syntax_message(const fs::path& origin, std::string_view text, const json::parse_error& e) {
  static const std::regex where(R"(line (\d+), column (\d+): (.*))");
  std::cmatch m;
  const char* what = e.what();
  if (std::regex_search(what, m, where))
    return fmt::format("{}:{}:{}: syntax error: {}", origin.string(), m[1].str(), m[2].str(), m[3].str());
  // Fall back to counting lines up to the byte nlohmann stopped at.
  std::size_t line = 1, column = 0;
  for (std::size_t i = 0; i < text.size() && i < e.byte; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
  }
  return fmt::format("{}:{}:{}: syntax error: {}", origin.string(), line, column, what);
}

// Objects merge key by key; anything else in `over` replaces what is in `base`.
void deep_merge(json& base, const json& over) {
  if (!base.is_object() || !over.is_object()) {
    base = over;
    return;
  }
  for (const auto& [key, value] : over.items()) {
    auto it = base.find(key);
    if (it == base.end())
      base[key] = value;
    else
      deep_merge(*it, value);
  }
}

std::vector<fs::path> to_paths(const json& array) {
  std::vector<fs::path> out;
  for (const auto& v : array) out.emplace_back(fs::path(v.get<std::string>()).lexically_normal());
  return out;
}

}  // namespace

json Config::plugin_config(std::string_view id) const {
  json section = json::object();
  if (auto it = plugins.find(std::string(id)); it != plugins.end()) section = *it;
  if ((engine.socket || engine.timeout_s || engine.max_output_bytes) && !section.contains("engine")) {
    json e = json::object();
    if (engine.socket) e["socket"] = *engine.socket;
    if (engine.timeout_s) e["timeout_s"] = *engine.timeout_s;
    if (engine.max_output_bytes) e["max_output_bytes"] = *engine.max_output_bytes;
    section["engine"] = std::move(e);
  }
  return section;
}

json parse_config_document(std::string_view text, const fs::path& origin, std::vector<std::string>& warnings) {
  const json::parser_callback_t limit = [&origin](int depth, json::parse_event_t, json&) {
    if (depth > kMaxNesting)
      throw ConfigError(ConfigError::Kind::invalid, origin,
                        printable(fmt::format("{}: nested deeper than {} levels", origin.string(), kMaxNesting)));
    return true;
  };
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), limit);
  } catch (const json::parse_error& e) {
    throw ConfigError(ConfigError::Kind::syntax, origin, printable(syntax_message(origin, text, e)));
  } catch (const json::out_of_range& e) {
    // A number beyond double ("1e400") is refused with out_of_range, not parse_error.
    throw ConfigError(ConfigError::Kind::syntax, origin,
                      printable(fmt::format("{}: syntax error: {}", origin.string(), e.what())));
  }
  Validator(origin, warnings).document(doc);
  return doc;
}

json read_config_file(const fs::path& file, std::vector<std::string>& warnings) {
  std::error_code ec;
  const auto st = fs::status(file, ec);
  if (st.type() == fs::file_type::not_found)
    throw ConfigError(ConfigError::Kind::not_found, file, fmt::format("{}: no such file", file.string()));
  if (st.type() == fs::file_type::directory)
    throw ConfigError(ConfigError::Kind::unreadable, file,
                      fmt::format("{}: is a directory, expected a JSON file", file.string()));
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw ConfigError(err == EACCES || err == EPERM ? ConfigError::Kind::no_permission : ConfigError::Kind::unreadable,
                      file, fmt::format("{}: cannot read: {}", file.string(), std::strerror(err)));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw ConfigError(ConfigError::Kind::unreadable, file, fmt::format("{}: read error", file.string()));
  return parse_config_document(buf.str(), file, warnings);
}

Config merge_config(const std::vector<std::pair<fs::path, json>>& documents) {
  Config config;
  json merged = json::object();
  for (const auto& [file, doc] : documents) {
    deep_merge(merged, doc);
    config.sources.push_back(file);
  }
  if (auto it = merged.find("default_runtime"); it != merged.end()) config.default_runtime = it->get<std::string>();
  if (auto it = merged.find("plugin_dirs"); it != merged.end()) config.plugin_dirs = to_paths(*it);
  if (auto it = merged.find("allowed_bind_roots"); it != merged.end()) config.allowed_bind_roots = to_paths(*it);
  if (auto it = merged.find("engine"); it != merged.end()) {
    if (auto s = it->find("socket"); s != it->end()) config.engine.socket = s->get<std::string>();
    if (auto t = it->find("timeout_s"); t != it->end()) config.engine.timeout_s = t->get<double>();
    if (auto m = it->find("max_output_bytes"); m != it->end()) config.engine.max_output_bytes = m->get<std::uint64_t>();
  }
  if (auto it = merged.find("policy"); it != merged.end()) {
    PolicyConfig& p = config.policy;
    if (auto b = it->find("allow_host_binds"); b != it->end()) p.allow_host_binds = to_paths(*b);
    if (auto b = it->find("protected_paths"); b != it->end()) p.protected_paths = to_paths(*b);
    p.allow_host_network = it->value("allow_host_network", false);
    p.allow_host_pid = it->value("allow_host_pid", false);
    p.allow_host_ipc = it->value("allow_host_ipc", false);
    p.allow_container_network = it->value("allow_container_network", false);
  }
  if (auto it = merged.find("plugin_host"); it != merged.end()) {
    PluginHostConfig& h = config.plugin_host;
    if (auto i = it->find("isolation"); i != it->end()) {
      for (const auto& [id, how] : i->items()) h.isolation[id] = *isolation_from_string(how.get<std::string>());
    }
    if (auto d = it->find("deadlines"); d != it->end()) {
      for (const auto& [name, seconds] : d->items()) {
        if (auto* slot = deadline_slot(h.deadlines, name))
          *slot = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds.get<double>() * 1000.0)));
      }
    }
    if (auto m = it->find("max_answer_bytes"); m != it->end()) h.max_answer_bytes = m->get<std::uint64_t>();
    if (auto r = it->find("probe_reuse_s"); r != it->end())
      h.probe_reuse = std::chrono::seconds(static_cast<std::int64_t>(r->get<std::uint64_t>()));
  }
  if (auto it = merged.find("plugins"); it != merged.end()) config.plugins = *it;
  if (auto it = merged.find("bench"); it != merged.end()) config.bench = *it;
  return config;
}

std::vector<fs::path> default_config_files(const char* xdg_config_home, const char* home, const fs::path& system_file) {
  std::vector<fs::path> files{system_file};
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and to be ignored.
  if (xdg_config_home != nullptr && *xdg_config_home != '\0' && fs::path(xdg_config_home).is_absolute())
    files.push_back(fs::path(xdg_config_home) / "moat" / "config.json");
  else if (home != nullptr && *home != '\0')
    files.push_back(fs::path(home) / ".config" / "moat" / "config.json");
  return files;
}

Config load_config(const std::optional<fs::path>& explicit_file, const std::vector<fs::path>& defaults) {
  std::vector<std::string> warnings;
  std::vector<std::pair<fs::path, json>> documents;
  if (explicit_file) {
    documents.emplace_back(*explicit_file, read_config_file(*explicit_file, warnings));
  } else {
    for (const auto& file : defaults) {
      std::error_code ec;
      if (fs::status(file, ec).type() == fs::file_type::not_found) continue;  // defaults are optional
      documents.emplace_back(file, read_config_file(file, warnings));
    }
  }
  Config config = merge_config(documents);
  config.warnings = std::move(warnings);
  return config;
}

}  // namespace moat::core
