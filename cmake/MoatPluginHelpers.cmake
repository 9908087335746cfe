# moat_add_plugin(<id> SOURCES src... [LINK_LIBRARIES lib...] [NO_INSTALL])
#
# Builds a moat runtime plugin the one way the host expects: a MODULE named
# moat-<id>.so that exports only its entry point (hidden visibility, no
# STB_GNU_UNIQUE symbols, so nothing pins it), with every symbol resolved at
# link time (-z defs) so a missing one fails the build, not the load.
# Used by moat's own plugins and, installed, by third-party ones.
function(moat_add_plugin id)
  cmake_parse_arguments(ARG "NO_INSTALL" "" "SOURCES;LINK_LIBRARIES" ${ARGN})
  if(NOT id MATCHES "^[a-z0-9][a-z0-9-]*$")
    message(FATAL_ERROR "moat_add_plugin: id '${id}' must match [a-z0-9][a-z0-9-]*")
  endif()
  set(tgt "moat-plugin-${id}")
  add_library(${tgt} MODULE ${ARG_SOURCES})
  target_link_libraries(${tgt} PRIVATE moat::sdk ${ARG_LINK_LIBRARIES})
  target_compile_features(${tgt} PRIVATE cxx_std_20)
  set_target_properties(${tgt} PROPERTIES
    PREFIX "" OUTPUT_NAME "moat-${id}"
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_compile_options(${tgt} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  # clang links its sanitizer runtimes into executables only: an instrumented
  # plugin's __asan_*/__sanitizer_* references resolve from the host at load
  # time, so -z defs cannot hold there (g++ links libasan into the plugin).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND (MOAT_SANITIZE OR MOAT_FUZZ))
    target_link_options(${tgt} PRIVATE "LINKER:--exclude-libs,ALL")
  else()
    target_link_options(${tgt} PRIVATE "LINKER:-z,defs" "LINKER:--exclude-libs,ALL")
  endif()
  if(MOAT_PLUGIN_OUTPUT_DIR)
    set_target_properties(${tgt} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${MOAT_PLUGIN_OUTPUT_DIR}")
  endif()
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${tgt} LIBRARY DESTINATION "${MOAT_PLUGIN_INSTALL_DIR}" COMPONENT runtime)
  endif()
endfunction()
