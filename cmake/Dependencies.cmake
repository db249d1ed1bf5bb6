# Every dependency comes from Debian 12 packages (scripts/install-deps.sh installs them).

find_package(OpenMP REQUIRED)
find_package(hwy REQUIRED)
find_package(dnnl REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
# utf8proc (Unicode properties and normalization for the tokenizer) ships only a pkg-config file.
find_package(PkgConfig REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
# PCRE2 for the tokenizer's Regex normalizers: backtracking on the heap, within limits.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

# OpenBLAS must share our OpenMP runtime: its pthreads build spins against our OpenMP pool
# (a 2-core batch-128 FF went from ~8 ms to ~19 ms). Debian installs both builds side by side
# and the alternatives system may point libopenblas.so.0 at the pthreads one, so we link the
# OpenMP build by its directory; CMake then records that directory in the RPATH.
find_library(UFB_OPENBLAS_LIBRARY
  NAMES openblas
  PATHS /usr/lib/x86_64-linux-gnu/openblas-openmp /usr/lib/aarch64-linux-gnu/openblas-openmp
  NO_DEFAULT_PATH)
if(NOT UFB_OPENBLAS_LIBRARY)
  message(FATAL_ERROR "OpenBLAS (OpenMP build) not found: install libopenblas-openmp-dev")
endif()
find_path(UFB_CBLAS_INCLUDE_DIR cblas.h
  PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp
  NO_DEFAULT_PATH REQUIRED)
add_library(ufb_openblas INTERFACE)
target_link_libraries(ufb_openblas INTERFACE ${UFB_OPENBLAS_LIBRARY})
target_include_directories(ufb_openblas INTERFACE ${UFB_CBLAS_INCLUDE_DIR})
message(STATUS "OpenBLAS: ${UFB_OPENBLAS_LIBRARY} (headers ${UFB_CBLAS_INCLUDE_DIR})")

# libzip: Debian's libzip-dev ships a CMake package that also imports the zipcmp/zipmerge/ziptool
# programs and fails when those (separate) packages are absent, so we find the library directly.
find_path(UFB_LIBZIP_INCLUDE_DIR zip.h REQUIRED)
find_library(UFB_LIBZIP_LIBRARY NAMES zip REQUIRED)
add_library(ufb_libzip INTERFACE)
target_link_libraries(ufb_libzip INTERFACE ${UFB_LIBZIP_LIBRARY})
target_include_directories(ufb_libzip INTERFACE ${UFB_LIBZIP_INCLUDE_DIR})

# cpp-httplib for `ufb serve`: Debian ships it compiled, with a pkg-config file whose flags
# (OpenSSL, zlib, Brotli support) must match the library's build.
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# Open MPI for data-parallel training and sharded inference (docs in README). Optional: without
# it every job is a single process.
set(UFB_HAVE_MPI 0)
if(UFB_MPI)
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(UFB_HAVE_MPI 1)
  else()
    message(STATUS "MPI not found: building without multi-process support")
  endif()
endif()
