# moat(1) and the bash completion. The man page is generated from the built
# binary's own help (share/man/gen-moat-man.sh) so it always lists the commands
# the binary has; the completion asks the binary at completion time.
set(MOAT_MAN_PAGE "${PROJECT_BINARY_DIR}/share/man/man1/moat.1")
set(MOAT_BASH_COMPLETION "${PROJECT_SOURCE_DIR}/share/completion/moat.bash")

add_custom_command(
  OUTPUT "${MOAT_MAN_PAGE}" "${MOAT_MAN_PAGE}.gz"
  COMMAND bash "${PROJECT_SOURCE_DIR}/share/man/gen-moat-man.sh" $<TARGET_FILE:moat> "${MOAT_MAN_PAGE}"
          "${PROJECT_VERSION}"
  # -n: no name or timestamp in the header, so the .deb is reproducible.
  COMMAND gzip -9nc "${MOAT_MAN_PAGE}" > "${MOAT_MAN_PAGE}.gz"
  DEPENDS moat "${PROJECT_SOURCE_DIR}/share/man/gen-moat-man.sh"
  COMMENT "Generating moat(1) from moat --help"
  VERBATIM)
add_custom_target(moat-man ALL DEPENDS "${MOAT_MAN_PAGE}.gz")

install(FILES "${MOAT_MAN_PAGE}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT runtime)
install(FILES "${MOAT_BASH_COMPLETION}" DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
        RENAME moat COMPONENT runtime)
