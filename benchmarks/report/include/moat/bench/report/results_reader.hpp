// Loads results: the final JSON document, or the JSONL stream of a run that
// crashed (everything recorded up to the crash; a torn last line is dropped
// with a warning).
#pragma once

#include <moat/bench/report/results.hpp>

#include <filesystem>
#include <string_view>

namespace moat::bench {

// Detects the format from the content, not the file name. Throws moat::Error:
// not-found when the file is missing, invalid when it is neither format or a
// record is malformed (with the line number).
Results load_results(const std::filesystem::path& path);

// The two parsers behind load_results.
Results parse_results_document(std::string_view text);
Results parse_results_jsonl(std::string_view text);

}  // namespace moat::bench
