# The layers, bottom to top, and who may depend on whom:
#
#   sdk/         the boundary plugins build against        may use: sdk
#   plugins/     one folder per backend                     may use: sdk
#   core/        the host: loading, registry, service       may use: sdk
#   benchmarks/  the harness, the matrix, reports           may use: sdk, core, benchmarks
#   serve/       moat serve: the HTTP/JSON API              may use: sdk, core, serve
#   cli/         the moat command                           may use: sdk, core, benchmarks, serve, cli
#
# tests/ and examples/ sit outside the layers and may use anything. Nothing
# but the host's loader reaches a plugin, and that is through dlopen, never a
# link or an include.
#
# moat_check_layer_links() runs at configure time over every target defined
# under the source tree and fails the configuration when a target links one
# of a layer it may not use. tests/layers/check_includes.cmake does the same
# for #include lines (a ctest).

# The layer of a path inside the source tree ("" when outside the layers).
function(moat_layer_of path out)
  file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${path}")
  string(REGEX MATCH "^[^/]+" top "${rel}")
  if(top MATCHES "^(sdk|plugins|core|benchmarks|serve|cli)$")
    set(${out} "${top}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

set(MOAT_LAYER_MAY_USE_sdk sdk)
set(MOAT_LAYER_MAY_USE_plugins sdk plugins)
set(MOAT_LAYER_MAY_USE_core sdk core)
set(MOAT_LAYER_MAY_USE_benchmarks sdk core benchmarks)
set(MOAT_LAYER_MAY_USE_serve sdk core serve)
set(MOAT_LAYER_MAY_USE_cli sdk core benchmarks serve cli)

# Sets `out` to TRUE when `layer` may use `dep_layer` (or either is outside the layers).
function(moat_layer_allows layer dep_layer out)
  if(layer STREQUAL "" OR dep_layer STREQUAL "" OR dep_layer IN_LIST MOAT_LAYER_MAY_USE_${layer})
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(moat_collect_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    moat_collect_targets("${sub}" more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(moat_check_layer_links)
  moat_collect_targets("${PROJECT_SOURCE_DIR}" targets)
  set(violations "")
  foreach(t IN LISTS targets)
    get_target_property(dir ${t} SOURCE_DIR)
    moat_layer_of("${dir}" layer)
    if(layer STREQUAL "")
      continue()
    endif()
    get_target_property(type ${t} TYPE)
    set(deps "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(direct ${t} LINK_LIBRARIES)
      if(direct)
        list(APPEND deps ${direct})
      endif()
    endif()
    get_target_property(iface ${t} INTERFACE_LINK_LIBRARIES)
    if(iface)
      list(APPEND deps ${iface})
    endif()
    foreach(dep IN LISTS deps)
      if(NOT TARGET "${dep}")
        continue()  # a system library or a generator expression
      endif()
      get_target_property(aliased "${dep}" ALIASED_TARGET)
      if(aliased)
        set(dep "${aliased}")
      endif()
      get_target_property(imported "${dep}" IMPORTED)
      if(imported)
        continue()  # a third-party package
      endif()
      get_target_property(dep_dir "${dep}" SOURCE_DIR)
      moat_layer_of("${dep_dir}" dep_layer)
      moat_layer_allows("${layer}" "${dep_layer}" allowed)
      if(NOT allowed)
        string(APPEND violations "\n  ${t} (${layer}/) links ${dep} (${dep_layer}/)")
      endif()
    endforeach()
  endforeach()
  if(violations)
    message(FATAL_ERROR "A lower layer depends on a higher one (see cmake/MoatLayers.cmake):${violations}")
  endif()
endfunction()
