// The progress stream the Docker engine sends for image import, pull, load and
// build: HTTP 200, then one JSON message per line ({"status"|"stream"|...}).
// The engine commits to 200 before the work runs, so a failure arrives in-band
// as {"errorDetail": {"message": ...}, "error": ...} and must be looked for.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::engine {

// The first error message in a complete stream body, or nullopt when it
// reports none. Lines that are not JSON objects are skipped.
std::optional<std::string> find_stream_error(std::string_view body);

}  // namespace moat::engine
