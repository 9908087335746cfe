// Small helpers for probe() implementations: run a host tool and keep what it
// said as evidence (ProbeResult.details), and read basic host facts.
#pragma once

#include <moat/engine/subprocess.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::engine {

// Runs argv (no shell) with a deadline. Returns {"argv", "exit_code",
// "stdout", "stderr", "error"?, "timed_out"?} with each stream capped at
// `keep` bytes; `result`, when given, receives the full outcome.
nlohmann::json run_evidence(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                            ProcessResult* result = nullptr, std::size_t keep = 4096);

// The first line of `text`, without trailing spaces.
std::string first_line(const std::string& text);

// uname -r of this host.
std::string kernel_release();

// "6.18.44-fc-v657" -> {6, 18}; {0, 0} when it cannot be parsed.
std::pair<int, int> kernel_major_minor(const std::string& release);

}  // namespace moat::engine
