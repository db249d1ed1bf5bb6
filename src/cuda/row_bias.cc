// RowBias on a GPU: the bias uploaded once, added by the element-wise kernel.
#include <memory>

#include "cuda/elementwise.h"
#include "ops/cuda_backend.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"

namespace ufb::ops {
namespace {

class CudaRowBias final : public RowBias {
 public:
  CudaRowBias(std::span<const float> row, const Device& device) : device_(device), row_(row) {}

  void add_to(std::span<float> y, int64_t rows) const override {
    cuda::make_current(device_.index);
    add_to_rows(row_.data(), rows, static_cast<int64_t>(row_.size()), y.data(), cuda::current_stream());
  }

 private:
  Device device_;
  cuda::DeviceBuffer<float> row_;
};

}  // namespace

std::unique_ptr<RowBias> make_cuda_row_bias(std::span<const float> row, const Device& device) {
  cuda::use_device(device.index, "device " + to_string(device));
  return std::make_unique<CudaRowBias>(row, device);
}

}  // namespace ufb::ops
