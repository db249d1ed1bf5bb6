// A GPU's DeviceOps: activations from a memory pool, copies on the calling thread's stream, and
// the encoder's LayerNorm (cuda/layer_norm.h), residual add (cuda/elementwise.h) and attention
// (cuda/attention.h) kernels.
#include <algorithm>
#include <memory>
#include <string>

#include "cuda/attention.h"
#include "cuda/cuda_check.h"
#include "cuda/elementwise.h"
#include "cuda/layer_norm.h"
#include "cuda/memory_pool.h"
#include "ops/cuda_backend.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

cudaMemcpyKind memcpy_kind(CopyKind kind) {
  switch (kind) {
    case CopyKind::host_to_device: return cudaMemcpyHostToDevice;
    case CopyKind::device_to_host: return cudaMemcpyDeviceToHost;
    case CopyKind::device_to_device: return cudaMemcpyDeviceToDevice;
  }
  return cudaMemcpyDefault;
}

class CudaOps final : public DeviceOps {
 public:
  explicit CudaOps(const Device& device) : DeviceOps(device) {}

  std::shared_ptr<void> allocate(size_t bytes) const override {
    cuda::make_current(device().index);
    return pool_.take(bytes);
  }

  void copy(void* to, const void* from, size_t bytes, CopyKind kind) const override {
    if (bytes == 0) return;
    cuda::make_current(device().index);
    const cudaStream_t stream = cuda::current_stream();
    UFB_CUDA_CHECK(cudaMemcpyAsync(to, from, bytes, memcpy_kind(kind), stream));
    UFB_CUDA_CHECK(cudaStreamSynchronize(stream));
  }

  std::shared_ptr<const float> upload(std::span<const float> host) const override {
    cuda::make_current(device().index);
    auto copy = std::make_shared<cuda::DeviceBuffer<float>>(host);
    return {copy, copy->data()};
  }

  void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight, std::span<const float> bias,
                  double eps, std::span<float> y) const override {
    cuda::make_current(device().index);
    cuda::layer_norm(x.data(), rows, static_cast<int64_t>(weight.size()), weight.data(),
                     bias.empty() ? nullptr : bias.data(), eps, y.data(), cuda::current_stream());
  }

  void add(std::span<float> x, std::span<const float> update) const override {
    cuda::make_current(device().index);
    add_inplace(x.data(), update.data(), static_cast<int64_t>(x.size()), cuda::current_stream());
  }

  void self_attention(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                      std::span<const AttentionSequence> sequences, std::span<float> context) const override {
    cuda::make_current(device().index);
    int64_t max_rows = 0;
    for (const AttentionSequence& sequence : sequences) max_rows = std::max(max_rows, sequence.rows);
    sequences_.reserve(sequences.size());
    copy(sequences_.data(), sequences.data(), sequences.size_bytes(), CopyKind::host_to_device);
    cuda::self_attention(qkv.data(), shape, score_scale, sequences_.data(), static_cast<int64_t>(sequences.size()),
                         max_rows, context.data(), cuda::current_stream());
  }

  void synchronize() const override {
    cuda::make_current(device().index);
    UFB_CUDA_CHECK(cudaStreamSynchronize(cuda::current_stream()));
  }

 private:
  // Scratch shared by the calls of one forward pass (the encoder runs one at a time).
  mutable cuda::MemoryPool pool_;
  mutable cuda::DeviceBuffer<AttentionSequence> sequences_;
};

}  // namespace

std::unique_ptr<DeviceOps> make_cuda_device_ops(const Device& device, WeightType precision,
                                                const AttentionShape& attention) {
  if (precision != WeightType::f32 && precision != WeightType::bf16) {
    throw Error("device " + to_string(device) + " runs models in f32 or bf16, not " +
                std::string(to_string(precision)));
  }
  if (attention.heads < 1 || attention.head_dim > cuda::kMaxAttentionHeadDim) {
    throw Error("device " + to_string(device) + ": the CUDA attention takes heads of up to " +
                std::to_string(cuda::kMaxAttentionHeadDim) + " dimensions, this model's have " +
                std::to_string(attention.head_dim));
  }
  cuda::use_device(device.index, "device " + to_string(device));
  return std::make_unique<CudaOps>(device);
}

}  // namespace ufb::ops
