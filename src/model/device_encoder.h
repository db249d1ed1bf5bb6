#pragma once

// An encoder's forward pass on a GPU (docs/cuda.md): the shared forward pass
// (model/encoder_forward.h) with kernels that keep the activations in device memory. The
// Encoder embeds on the host (a table lookup per row) and hands the rows over; the heads run on
// the host from the final hidden states.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ufb/io/config.h"
#include "ufb/model/encoder.h"
#include "ufb/model/weights.h"
#include "ufb/ops/attention.h"

namespace ufb::model {

class DeviceEncoder {
 public:
  virtual ~DeviceEncoder() = default;

  // embedded [rows, hidden]: the packed rows of `sequences` before the embedding LayerNorm.
  // Returns the final hidden states [rows, hidden]. Safe to call from several threads: calls
  // take turns on the GPU.
  virtual std::vector<float> forward(std::span<const float> embedded,
                                     std::span<const ops::AttentionSequence> sequences,
                                     EncoderTrace* trace, EncoderProfile* profile) const = 0;

  // Bytes of weights held in device memory.
  virtual int64_t weight_bytes() const = 0;
};

// Uploads what the layers need to options.device. Throws ufb::Error when this build has no CUDA
// backend, there is no such GPU, or the model or precision is one the GPU does not run.
std::unique_ptr<DeviceEncoder> make_cuda_encoder(const io::ModelConfig& config, const WeightViews& weights,
                                                 const ModelOptions& options);

}  // namespace ufb::model
