# Precompiled headers for the targets with many translation units.
#
# Parsing the same third-party headers (nlohmann/json, fmt/spdlog, Boost
# Program_options, GoogleTest) is most of the compile time of a moat file:
# on a 2-core CI machine it decides whether the test command fits its time
# budget. Only third-party and standard headers go in, never moat's own, so a
# file still has to include what it uses (the build without PCH proves it:
# configure with -DMOAT_PCH=OFF, as scripts/tidy.sh does).
option(MOAT_PCH "Precompile the third-party headers of the larger targets" ON)

set(MOAT_PCH_COMMON
    <algorithm> <chrono> <cstdint> <filesystem> <functional> <map> <memory> <optional> <set> <sstream>
    <string> <string_view> <utility> <vector> <nlohmann/json.hpp> <fmt/format.h>)

# moat_precompile(TARGET [CLI] [TEST])
#   CLI  adds Boost.Program_options (the command files)
#   TEST adds GoogleTest
function(moat_precompile target)
  if(NOT MOAT_PCH)
    return()
  endif()
  cmake_parse_arguments(arg "CLI;TEST" "" "" ${ARGN})
  set(headers ${MOAT_PCH_COMMON})
  if(arg_CLI)
    list(APPEND headers <boost/program_options.hpp>)
  endif()
  if(arg_TEST)
    list(APPEND headers <gtest/gtest.h>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
