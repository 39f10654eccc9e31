# Installs the library as a CMake package (find_package(atleus CONFIG) -> atleus::vp,
# atleus::workloads, and atleus::plugin for block-kind plugins) and a pkg-config file
# (atleus.pc), headers under include/atleus/, the platform presets under
# share/atleus-vp/configs, and the command line when it is built.
include(CMakePackageConfigHelpers)

set(ATLEUS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/atleus)

install(TARGETS atleus_vp atleus_workloads atleus_plugin EXPORT atleusTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(room models noc platform workloads)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${room}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/atleus/${room}
    FILES_MATCHING PATTERN "*.hpp" PATTERN "configs" EXCLUDE PATTERN "sanitizer" EXCLUDE)
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/platform/configs/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/atleus-vp/configs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/workloads/models/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/atleus-vp/models)
if(ATLEUS_BUILD_CLI)
  install(TARGETS atleus-vp RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT atleusTargets NAMESPACE atleus:: DESTINATION ${ATLEUS_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/atleusConfig.cmake.in
  ${PROJECT_BINARY_DIR}/atleusConfig.cmake INSTALL_DESTINATION ${ATLEUS_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/atleusConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/atleusConfig.cmake ${PROJECT_BINARY_DIR}/atleusConfigVersion.cmake
  DESTINATION ${ATLEUS_CMAKE_DIR})

# Relocatable: the prefix is found from the .pc file's own folder.
file(RELATIVE_PATH ATLEUS_PC_PREFIX_FROM_PCDIR ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig
  ${CMAKE_INSTALL_PREFIX})
configure_file(${PROJECT_SOURCE_DIR}/cmake/atleus.pc.in ${PROJECT_BINARY_DIR}/atleus.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/atleus.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
