# The Debian package (scripts/package builds it; tests/package checks it): install rules that put
# lapord's files at their FHS places, and CPack's DEB generator with dpkg-shlibdeps computing the
# run-time dependencies from the binaries. The maintainer scripts, conffiles, copyright and
# changelog are in packaging/debian/.
set(pkg ${PROJECT_SOURCE_DIR}/packaging/debian)
set(staged ${PROJECT_BINARY_DIR}/package-files)

# Debian wants man pages, the changelog and long documents gzipped, without a time stamp (-n).
set(gzipped)
foreach(pair "man/lapord.8:lapord.8.gz" "man/laporctl.1:laporctl.1.gz"
        "packaging/debian/changelog:changelog.gz" "docs/configuration.md:configuration.md.gz"
        "docs/operations.md:operations.md.gz" "docs/daemon.md:daemon.md.gz"
        "README.md:README.md.gz")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 source)
  list(GET pair 1 target)
  add_custom_command(OUTPUT ${staged}/${target}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${staged}
    COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/${source} > ${staged}/${target}
    DEPENDS ${PROJECT_SOURCE_DIR}/${source} VERBATIM)
  list(APPEND gzipped ${staged}/${target})
endforeach()
add_custom_target(package_files ALL DEPENDS ${gzipped})

install(TARGETS lapord laporctl RUNTIME DESTINATION bin)
install(FILES ${staged}/lapord.8.gz DESTINATION share/man/man8)
install(FILES ${staged}/laporctl.1.gz DESTINATION share/man/man1)
install(FILES ${PROJECT_SOURCE_DIR}/config/bash-completion/laporctl
  DESTINATION share/bash-completion/completions)
# lapord.env is 0600 on purpose (the secrets): lintian is told so.
install(FILES ${pkg}/lintian-overrides DESTINATION share/lintian/overrides RENAME lapord)
install(FILES ${pkg}/copyright ${staged}/changelog.gz ${staged}/configuration.md.gz
  ${staged}/operations.md.gz ${staged}/daemon.md.gz ${staged}/README.md.gz
  DESTINATION share/doc/lapord)

# The data files the package keeps up to date; the area data keeps its ODbL licence and source.
install(FILES ${PROJECT_SOURCE_DIR}/config/templates-id.txt ${PROJECT_SOURCE_DIR}/config/ussd-id.txt
  ${PROJECT_SOURCE_DIR}/config/greetings-id.txt DESTINATION share/lapord)
install(FILES ${PROJECT_SOURCE_DIR}/config/directory/institutions.tsv
  DESTINATION share/lapord/directory)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/directory/idn-area DESTINATION share/lapord/directory)
# Alert rules and dashboards, when the tree has them.
foreach(folder prometheus grafana)
  if(EXISTS ${PROJECT_SOURCE_DIR}/config/${folder})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/${folder} DESTINATION share/lapord)
  endif()
endforeach()

# The conffiles (packaging/debian/conffiles): the operator's, kept by dpkg -r.
install(FILES ${PROJECT_SOURCE_DIR}/config/lapord.production.toml DESTINATION /etc/lapord
  RENAME lapord.toml)
install(FILES ${PROJECT_SOURCE_DIR}/config/directory/aliases.tsv DESTINATION /etc/lapord)
install(FILES ${PROJECT_SOURCE_DIR}/config/lapord.env DESTINATION /etc/lapord
  PERMISSIONS OWNER_READ OWNER_WRITE)
# Debian 12 keeps packaged units in /lib/systemd/system.
install(FILES ${PROJECT_SOURCE_DIR}/config/lapord.service DESTINATION /lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lapord)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SMS/USSD gateway of SP4N-LAPOR!")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "lapord maintainers <lapord@lapor.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The synopsis line is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the long description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "lapord keeps SMPP 3.4 binds open to the carriers' SMSCs, reads the
complaints citizens text to the short code 1708 (or enter on the USSD menu
*1708#), stores each in SQLite before acknowledging it, forwards it to the
national complaint store over HTTP and answers the citizen with a ticket
number. laporctl is the operator's command line.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser for the system user; hunspell-id for the dictionary the shipped configuration names.
# libpq5 and libssl3 by name: lapord loads them with dlopen (backend = "postgresql"; a carrier
# or store URL with TLS: src/net/tls), so dpkg-shlibdeps cannot see them in the binary.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, hunspell-id, libpq5, libssl3")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${pkg}/conffiles ${pkg}/postinst ${pkg}/prerm ${pkg}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/package)
include(CPack)
