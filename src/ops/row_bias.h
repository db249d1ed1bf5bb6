#pragma once

// y[r, :] += bias for every row, on the device the bias was prepared for: BERT's output bias of
// an FFF layer, which the FFF kernels do not add.

#include <cstdint>
#include <memory>
#include <span>

#include "ufb/device.h"

namespace ufb::ops {

class RowBias {
 public:
  virtual ~RowBias() = default;
  // y [rows, width] in the memory of the bias's device (queued on the default stream on a GPU).
  virtual void add_to(std::span<float> y, int64_t rows) const = 0;
};

// On the CPU the bias is read from `row` (a view that must outlive it); a GPU gets a copy.
std::unique_ptr<RowBias> make_row_bias(std::span<const float> row, const Device& device);

}  // namespace ufb::ops
