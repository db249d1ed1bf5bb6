// What the library calls of the CUDA backend, in a build without it (-DUFB_CUDA=OFF): every
// call says so. The backend's own definitions are in src/cuda/.
#include "model/device_encoder.h"
#include "ops/cuda_backend.h"
#include "ufb/error.h"

namespace ufb {
namespace {

[[noreturn]] void no_backend(const Device& device) {
  throw Error("device " + to_string(device) +
              ": this ufb was built without the CUDA backend (configure with -DUFB_CUDA=ON)");
}

}  // namespace

namespace ops {

std::unique_ptr<FffKernel> make_cuda_fff(const FffWeights&, WeightType, const Device& device,
                                         const CudaFffOptions&) {
  no_backend(device);
}

std::unique_ptr<DenseFfKernel> make_cuda_dense_ff(const DenseFfWeights&, WeightType, const Device& device) {
  no_backend(device);
}

std::unique_ptr<RowBias> make_cuda_row_bias(std::span<const float>, const Device& device) { no_backend(device); }

}  // namespace ops

namespace model {

std::unique_ptr<DeviceEncoder> make_cuda_encoder(const io::ModelConfig&, const WeightViews&,
                                                 const ModelOptions& options) {
  no_backend(options.device);
}

}  // namespace model
}  // namespace ufb
