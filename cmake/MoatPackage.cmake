# The installed CMake package (find_package(moat)), modelled on spdlog's:
# exported targets + a config that pulls in moat_add_plugin().
include(CMakePackageConfigHelpers)
set(MOAT_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/moat")

install(EXPORT moatTargets NAMESPACE moat:: DESTINATION "${MOAT_CMAKE_INSTALL_DIR}" COMPONENT sdk)
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/moatConfig.cmake.in" "${PROJECT_BINARY_DIR}/moatConfig.cmake"
  INSTALL_DESTINATION "${MOAT_CMAKE_INSTALL_DIR}"
  PATH_VARS MOAT_PLUGIN_INSTALL_DIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/moatConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/moatConfig.cmake"
  "${PROJECT_BINARY_DIR}/moatConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/MoatPluginHelpers.cmake"
  DESTINATION "${MOAT_CMAKE_INSTALL_DIR}" COMPONENT sdk)
