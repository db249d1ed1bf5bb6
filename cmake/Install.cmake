# `cmake --install build --component library`: the inference library ufb_core as ufb::ufb, its
# headers, and a CMake package so that a program finds it with find_package(ufb) (see
# examples/text_model). The libraries ufb_core links (Debian packages, scripts/install-deps.sh)
# are found again by ufbConfig.cmake.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set_target_properties(ufb_core PROPERTIES EXPORT_NAME ufb)
set(ufb_installed_targets ufb_core ufb_openblas ufb_libzip)
if(UFB_CUDA)
  list(APPEND ufb_installed_targets ufb_cuda)  # the encoder on a GPU (--device cuda)
endif()
install(TARGETS ${ufb_installed_targets} EXPORT ufbTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library)
# The headers of ufb_core only: training, GLUE data and MPI live in libraries not installed, and
# the CUDA backend's kernel headers are not the library's interface (ModelOptions::device is).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ufb DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT library
        PATTERN train EXCLUDE PATTERN data EXCLUDE PATTERN distributed EXCLUDE PATTERN cuda EXCLUDE)
set(ufb_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/ufb)
install(EXPORT ufbTargets NAMESPACE ufb:: DESTINATION ${ufb_cmake_dir} COMPONENT library)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ufbConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ufbConfig.cmake INSTALL_DESTINATION ${ufb_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ufbConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ufbConfig.cmake ${PROJECT_BINARY_DIR}/ufbConfigVersion.cmake
        DESTINATION ${ufb_cmake_dir} COMPONENT library)
