#include "ops/row_bias.h"

#include "ops/cuda_backend.h"

namespace ufb::ops {
namespace {

class HostRowBias final : public RowBias {
 public:
  explicit HostRowBias(std::span<const float> row) : row_(row) {}

  void add_to(std::span<float> y, int64_t rows) const override {
    const auto width = static_cast<int64_t>(row_.size());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < width; ++c) y[r * width + c] += row_[c];
    }
  }

 private:
  std::span<const float> row_;
};

}  // namespace

std::unique_ptr<RowBias> make_row_bias(std::span<const float> row, const Device& device) {
  if (device.is_cuda()) return make_cuda_row_bias(row, device);
  return std::make_unique<HostRowBias>(row);
}

}  // namespace ufb::ops
