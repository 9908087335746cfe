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

include("${CMAKE_CURRENT_LIST_DIR}/MoatManCompletion.cmake")

# ---- Debian package (cpack -G DEB in the build dir; scripts/package-check.sh) ----
# The .deb always installs under /usr, whatever prefix the build was
# configured with: Debian policy leaves /usr/local to the administrator.
# What the binary finds at run time is relative to it (bin/../<libdir>/moat),
# so a build configured for /usr/local packs into /usr as it is. Configure
# with -DCMAKE_INSTALL_PREFIX=/usr for the multiarch libdir
# (lib/x86_64-linux-gnu) Debian's own packages use, as scripts/test-suite.sh does.
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "moat: the .deb installs under /usr; with CMAKE_INSTALL_PREFIX=${CMAKE_INSTALL_PREFIX} its "
                 "libraries go to /usr/${CMAKE_INSTALL_LIBDIR}, not the multiarch dir")
endif()
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "moat")
set(CPACK_PACKAGE_VENDOR "moat developers")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "moat developers <moat@localhost>")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "${PROJECT_DESCRIPTION}
 moat loads each container isolation backend (Docker + Sysbox, gVisor, Kata,
 runc, host) as a plugin behind one CLI for sandboxes, and benchmarks them
 side by side. Includes the plugin SDK (headers, CMake package).")
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends: from the ELF files, via dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "docker.io")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "runsc, fio")
# `moat serve` as a service, the Debian way: the unit, and maintainer
# scripts that create the moat group (the socket's access control) and
# enable the unit as debhelper's dh_installsystemd would.
install(FILES "${PROJECT_SOURCE_DIR}/packaging/debian/moat.service" DESTINATION lib/systemd/system COMPONENT runtime)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/packaging/debian/postinst"
    "${PROJECT_SOURCE_DIR}/packaging/debian/prerm" "${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
# One .deb with every component (runtime + sdk).
set(CPACK_DEB_COMPONENT_INSTALL OFF)
include(CPack)
