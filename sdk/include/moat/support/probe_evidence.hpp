// Small helpers for probe() implementations: run a host tool and keep what it
// said as evidence (ProbeResult.details), and read basic host facts.
#pragma once

#include <moat/support/process.hpp>
#include <moat/support/text.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::support {

// Runs argv (no shell) with a deadline. Returns {"argv", "exit_code",
// "stdout", "stderr", "error"?, "timed_out"?} with each stream capped at
// `keep` bytes; `result`, when given, receives the full outcome.
nlohmann::json run_evidence(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                            ProcessResult* result = nullptr, std::size_t keep = 4096);

// uname -r of this host.
std::string kernel_release();

// "6.18.44-fc-v657" -> {6, 18}; {0, 0} when it cannot be parsed.
std::pair<int, int> kernel_major_minor(const std::string& release);

}  // namespace moat::support
