// What the library calls of the CUDA backend, in a build without it (-DUFB_CUDA=OFF): every
// call says so. The backend's own definitions are in src/cuda/.
#include "ops/cuda_backend.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

[[noreturn]] void no_backend(const Device& device) {
  throw Error("device " + to_string(device) +
              ": this ufb was built without the CUDA backend (configure with -DUFB_CUDA=ON)");
}

}  // namespace

std::unique_ptr<FffKernel> make_cuda_fff(const FffWeights&, WeightType, const Device& device,
                                         const CudaFffOptions&) {
  no_backend(device);
}

std::unique_ptr<DenseFfKernel> make_cuda_dense_ff(const DenseFfWeights&, WeightType, const Device& device) {
  no_backend(device);
}

std::unique_ptr<PreparedLinear> make_cuda_linear(const LinearWeights<float>&, LinearOutput, WeightType,
                                                 const Device& device) {
  no_backend(device);
}

std::unique_ptr<DeviceOps> make_cuda_device_ops(const Device& device, WeightType, const AttentionShape&) {
  no_backend(device);
}

std::unique_ptr<RowBias> make_cuda_row_bias(std::span<const float>, const Device& device) { no_backend(device); }

}  // namespace ufb::ops
