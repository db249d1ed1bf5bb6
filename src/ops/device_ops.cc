// The host's DeviceOps, the factory, and ActivationBuffer.
#include "ops/device_ops.h"

#include <cstring>
#include <new>

#include "ops/cuda_backend.h"
#include "ops/layer_norm.h"
#include "ops/quantized_attention.h"
#include "ops/residual_add.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

class HostOps final : public DeviceOps {
 public:
  explicit HostOps(WeightType precision) : DeviceOps(Device{}), int8_(precision == WeightType::int8) {}

  std::shared_ptr<void> allocate(size_t bytes) const override {
    // Aligned as the SIMD kernels like it; no zeroing, unlike a vector's.
    constexpr std::align_val_t kAlignment{64};
    return {::operator new(bytes, kAlignment), [](void* memory) { ::operator delete(memory, kAlignment); }};
  }

  void copy(void* to, const void* from, size_t bytes, CopyKind) const override {
    if (bytes > 0) std::memcpy(to, from, bytes);
  }

  std::shared_ptr<const float> upload(std::span<const float> host) const override {
    return {std::shared_ptr<const float>(), host.data()};  // the view itself, owning nothing
  }

  void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight, std::span<const float> bias,
                  double eps, std::span<float> y) const override {
    ops::layer_norm(x, rows, weight, bias, eps, y);
  }

  void add(std::span<float> x, std::span<const float> update) const override { residual_add(x, update); }

  void self_attention(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                      std::span<const AttentionSequence> sequences, std::span<float> context) const override {
    if (int8_) {
      self_attention_int8(qkv, shape, score_scale, sequences, context);
    } else {
      ops::self_attention(qkv, shape, score_scale, sequences, context);
    }
  }

 private:
  bool int8_;
};

}  // namespace

std::unique_ptr<DeviceOps> make_device_ops(const Device& device, WeightType precision,
                                           const AttentionShape& attention) {
  if (device.is_cuda()) return make_cuda_device_ops(device, precision, attention);
  return std::make_unique<HostOps>(precision);
}

ActivationBuffer::ActivationBuffer(const DeviceOps& ops, size_t size)
    : ops_(&ops), memory_(ops.allocate(size * sizeof(float))), size_(size) {}

ActivationBuffer::ActivationBuffer(const ActivationBuffer& other) { *this = other; }

ActivationBuffer& ActivationBuffer::operator=(const ActivationBuffer& other) {
  if (this == &other) return *this;
  if (!other.ops_) throw Error("copying an activation buffer of no device");
  ops_ = other.ops_;
  resize(other.size_);
  ops_->copy(data(), other.data(), size_ * sizeof(float), CopyKind::device_to_device);
  return *this;
}

void ActivationBuffer::resize(size_t size) {
  if (size == size_ && memory_) return;
  if (!ops_) throw Error("resizing an activation buffer of no device");
  memory_.reset();  // back to the pool before the next block is taken
  memory_ = ops_->allocate(size * sizeof(float));
  size_ = size;
}

}  // namespace ufb::ops
