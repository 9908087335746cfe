// The docker-run-style values of `moat sandbox create`: --memory sizes,
// --cpus, --pids-limit and --publish. Each throws UsageError (exit 64),
// naming the option and the form it takes; ranges (at least 6 MiB, ...) are
// the spec's checks, after parsing (exit 65).
#pragma once

#include <moat/model.hpp>

#include <cstdint>
#include <string>

namespace moat::cli::commands {

// "512m", "1.5g", "268435456", "64MiB": a number with an optional binary
// unit b, k, m, g or t (any case, an optional "i" and "b" after it), as
// docker run --memory.
std::int64_t parse_memory_size(const std::string& text, const std::string& option, const std::string& help_for);

// "1.5": CPUs, a positive decimal number.
double parse_cpus(const std::string& text, const std::string& help_for);

// "100": a whole number.
std::int64_t parse_count(const std::string& text, const std::string& option, const std::string& help_for);

// [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], as docker run --publish: "8080",
// "80:8080", "127.0.0.1:80:8080", "127.0.0.1::8080", "[::1]:80:8080/udp".
// No HOST_PORT: the engine picks one. Port ranges are not supported.
PortMapping parse_publish(const std::string& text, const std::string& help_for);

}  // namespace moat::cli::commands
