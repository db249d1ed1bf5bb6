# The optional CUDA backend (-DUFB_CUDA=ON): CUDA kernels and cuBLAS baselines compiled into
# ufb_lib. Machine code for Ampere (sm_80) and Hopper (sm_90) plus sm_90 PTX for later GPUs.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
endif()
enable_language(CUDA)
# CUDA sources follow CMAKE_CXX_STANDARD (20); CMake 3.25 does not yet know nvcc's flag for it.
if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
endif()
# Debian 12's CMake 3.25.1 (FindCUDAToolkit) sets a property on CUDA::nvToolsExt without checking
# that the target exists, and CUDA 13 ships no libnvToolsExt (NVTX is header-only now), so the
# find fails. ufb uses no NVTX: an empty placeholder target lets the module finish.
if(NOT TARGET CUDA::nvToolsExt)
  add_library(CUDA::nvToolsExt INTERFACE IMPORTED)
endif()
find_package(CUDAToolkit REQUIRED)

# The CUDA tests need a GPU, so ctest runs them only where one was seen when configuring
# (`nvidia-smi -L` lists one); override with -DUFB_CUDA_TESTS=ON/OFF. They carry the label
# `cuda` (ctest -L cuda). The test program is built either way, so CI compiles and links it.
execute_process(COMMAND nvidia-smi -L
                RESULT_VARIABLE ufb_nvidia_smi_status
                OUTPUT_VARIABLE ufb_nvidia_smi_output
                ERROR_QUIET)
set(ufb_gpu_found OFF)
if(ufb_nvidia_smi_status EQUAL 0 AND ufb_nvidia_smi_output MATCHES "GPU [0-9]")
  set(ufb_gpu_found ON)
endif()
option(UFB_CUDA_TESTS "Register the CUDA tests with ctest (default: a GPU was found at configure time)"
       ${ufb_gpu_found})
message(STATUS "CUDA backend: ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}, "
               "tests registered with ctest: ${UFB_CUDA_TESTS}")
