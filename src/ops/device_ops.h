#pragma once

// The encoder's steps that hold no prepared weights, on one device: its memory (activation
// buffers, copies to and from the host, weights that the steps read there) and the LayerNorm,
// residual add and self-attention on activations in that memory. The host's run the CPU ops
// (src/ops/), a GPU's the backend's kernels (src/cuda/device_ops.cc). With the prepared
// layers (PreparedLinear, FffKernel, DenseFfKernel), which are made for a device too, this is
// everything the shared forward pass (model/encoder_forward.h) runs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ufb/device.h"
#include "ufb/ops/attention.h"
#include "ufb/ops/weight_type.h"

namespace ufb::ops {

enum class CopyKind { host_to_device, device_to_host, device_to_device };

class DeviceOps {
 public:
  virtual ~DeviceOps() = default;
  const Device& device() const { return device_; }

  // `bytes` of the device's memory, uninitialised, released (or kept for reuse) when the last
  // owner lets go. Not thread-safe on a GPU: one forward pass at a time.
  virtual std::shared_ptr<void> allocate(size_t bytes) const = 0;
  // Waits for the copy (and so for the device work before it).
  virtual void copy(void* to, const void* from, size_t bytes, CopyKind kind) const = 0;
  // A weight the steps read, in the device's memory: the host view itself on the CPU (no
  // copy; it must outlive its uses), an uploaded copy on a GPU.
  virtual std::shared_ptr<const float> upload(std::span<const float> host) const = 0;

  // y = LayerNorm(x) over rows of the weight's width (ops::layer_norm's function); bias may
  // be empty; x and y may be the same array.
  virtual void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight,
                          std::span<const float> bias, double eps, std::span<float> y) const = 0;
  // x += update.
  virtual void add(std::span<float> x, std::span<const float> update) const = 0;
  // ops::self_attention's function on the device's arrays; `sequences` are host memory.
  virtual void self_attention(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                              std::span<const AttentionSequence> sequences, std::span<float> context) const = 0;
  // Waits for the device's queued work (a GPU's; the CPU's is done when a call returns).
  virtual void synchronize() const {}

  std::vector<float> to_host(std::span<const float> x) const {
    std::vector<float> host(x.size());
    copy(host.data(), x.data(), x.size_bytes(), CopyKind::device_to_host);
    return host;
  }

 protected:
  explicit DeviceOps(const Device& device) : device_(device) {}

 private:
  Device device_;
};

// The ops of `device` for a model run in `precision` (on the CPU, int8 models run the int8
// attention) with heads of `attention`'s shape. Throws ufb::Error for what the device does not
// run (a GPU: f32 and bf16, heads of up to 128 dimensions) or a GPU this build or machine does
// not have.
std::unique_ptr<DeviceOps> make_device_ops(const Device& device, WeightType precision, const AttentionShape& attention);

// Float activations in one device's memory: the shared forward pass's Buffer. Viewed as a span
// of that memory; a copy is a copy on the device.
class ActivationBuffer {
 public:
  ActivationBuffer() = default;
  ActivationBuffer(const DeviceOps& ops, size_t size);
  ActivationBuffer(const ActivationBuffer& other);
  ActivationBuffer& operator=(const ActivationBuffer& other);
  ActivationBuffer(ActivationBuffer&&) noexcept = default;
  ActivationBuffer& operator=(ActivationBuffer&&) noexcept = default;

  size_t size() const { return size_; }
  float* data() const { return static_cast<float*>(memory_.get()); }
  // Contents are lost when the size changes.
  void resize(size_t size);

  operator std::span<float>() const { return {data(), size_}; }
  operator std::span<const float>() const { return {data(), size_}; }

 private:
  const DeviceOps* ops_ = nullptr;
  std::shared_ptr<void> memory_;
  size_t size_ = 0;
};

}  // namespace ufb::ops
