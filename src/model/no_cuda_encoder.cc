// make_cuda_encoder of a build without the CUDA backend (-DUFB_CUDA=OFF); the backend's own is
// in src/cuda/cuda_encoder.cc.
#include "model/device_encoder.h"

#include "ufb/error.h"

namespace ufb::model {

std::unique_ptr<DeviceEncoder> make_cuda_encoder(const io::ModelConfig&, const WeightViews&,
                                                 const ModelOptions& options) {
  throw Error("device " + to_string(options.device) +
              ": this ufb was built without the CUDA backend (configure with -DUFB_CUDA=ON)");
}

}  // namespace ufb::model
