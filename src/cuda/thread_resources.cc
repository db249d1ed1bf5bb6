#include "cuda/thread_resources.h"

#include <map>
#include <memory>

namespace ufb::cuda {

ThreadResources& thread_resources(int index) {
  // Destroyed when the thread ends (the main thread's before the CUDA runtime shuts down).
  thread_local std::map<int, std::unique_ptr<ThreadResources>> per_device;
  std::unique_ptr<ThreadResources>& resources = per_device[index];
  if (!resources) resources = std::make_unique<ThreadResources>();
  return *resources;
}

}  // namespace ufb::cuda
