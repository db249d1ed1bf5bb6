// The encoder on a CUDA GPU: the shared forward pass (model/encoder_forward.h) with kernels that
// keep every activation in device memory. Per layer: the [3H, H] projection and the output
// projection as cuBLAS matmuls (cuda/linear.h), the attention kernel (cuda/attention.h), the
// LayerNorms (cuda/layer_norm.h), the layer's Feedforward on the GPU (the native FFF kernel or
// the cublas dense one, as on the CPU through ops::FffKernel and ops::DenseFfKernel) and the
// residual adds, all queued on the legacy default stream; the host waits only for the final
// states (or a trace's copies).
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cuda/activation_buffer.h"
#include "cuda/attention.h"
#include "cuda/cublas_handles.h"
#include "cuda/cuda_check.h"
#include "cuda/elementwise.h"
#include "cuda/layer_norm.h"
#include "cuda/linear.h"
#include "model/device_encoder.h"
#include "model/encoder_forward.h"
#include "model/feedforward.h"
#include "model/packed_qkv.h"
#include "ufb/cuda/device.h"
#include "ufb/error.h"

namespace ufb::cuda {

// A weight of the forward pass: its host view (the score scale is read there) and, for the
// LayerNorms' weights and biases, a device copy.
struct DeviceTensor {
  std::span<const float> host;
  DeviceBuffer<float> device;
};

inline std::span<const float> values(const DeviceTensor& tensor) { return tensor.host; }

}  // namespace ufb::cuda

namespace ufb::model {
namespace {

using cuda::ActivationBuffer;
using cuda::DeviceTensor;

bool on_device(io::TensorRole role) {
  using Role = io::TensorRole;
  switch (role) {
    case Role::kEmbeddingNormWeight:
    case Role::kEmbeddingNormBias:
    case Role::kNorm1Weight:
    case Role::kNorm1Bias:
    case Role::kNorm2Weight:
    case Role::kNorm2Bias:
    case Role::kFinalNormWeight:
    case Role::kFinalNormBias: return true;
    default: return false;
  }
}

struct CudaLayer {
  cuda::Linear query_key_value;
  cuda::Linear output_projection;
  Feedforward feedforward;
};

class CudaEncoder final : public DeviceEncoder {
 public:
  CudaEncoder(const io::ModelConfig& config, WeightViews views, const ModelOptions& options);

  std::vector<float> forward(std::span<const float> embedded, std::span<const ops::AttentionSequence> sequences,
                             EncoderTrace* trace, EncoderProfile* profile) const override;

  int64_t weight_bytes() const override { return weight_bytes_; }

 private:
  struct Kernels;

  const io::ModelConfig& config_;
  Device device_;
  ModelWeights<DeviceTensor> weights_;
  std::vector<CudaLayer> layers_;
  int64_t weight_bytes_ = 0;
  cuda::CublasHandle cublas_;

  // One forward pass at a time: the activations' pool, the scratch arrays and the kernels'
  // own scratch are shared between passes.
  mutable std::mutex mutex_;
  mutable cuda::ActivationPool pool_;
  mutable cuda::DeviceBuffer<uint16_t> bf16_input_;
  mutable cuda::DeviceBuffer<int32_t> leaves_;
  mutable cuda::DeviceBuffer<ops::AttentionSequence> sequences_;
};

// What the shared forward pass runs on the GPU. Spans are of device memory, except `leaves`.
struct CudaEncoder::Kernels {
  using Scalar = float;
  struct FeedforwardState {};
  using Buffer = ActivationBuffer;

  const CudaEncoder& encoder;
  std::span<const float> embedded;  // host
  int64_t max_rows = 0;
  // With a profile: wait for the GPU after each step, so the host's stage timers see its time.
  bool wait_each_step = false;

  int64_t rows_of(std::span<const float> x) const {
    return static_cast<int64_t>(x.size()) / encoder.config_.hidden_size;
  }
  void finish_step() const {
    if (wait_each_step) cuda::synchronize();
  }

  Buffer buffer(size_t size) const { return Buffer(encoder.pool_, size); }

  void embed(std::span<float> x) const {
    cuda::copy_to_device(x.data(), embedded.data(), embedded.size_bytes());
  }

  void project(Projection projection, int64_t layer, std::span<const float> x, std::span<float> y,
               ops::LinearOutput output) const {
    const CudaLayer& prepared = encoder.layers_[layer];
    (projection == Projection::query_key_value ? prepared.query_key_value : prepared.output_projection)
        .forward(encoder.cublas_.get(), x.data(), rows_of(x), y.data(), output, encoder.bf16_input_);
    finish_step();
  }

  void feedforward(int64_t layer, std::span<const float> x, std::span<float> y, std::span<int32_t> leaves,
                   FeedforwardState*) const {
    std::span<int32_t> device_leaves;
    if (!leaves.empty()) {
      encoder.leaves_.reserve(leaves.size());
      device_leaves = {encoder.leaves_.data(), leaves.size()};
    }
    encoder.layers_[layer].feedforward.forward(x, rows_of(x), y, device_leaves);
    if (!leaves.empty()) encoder.leaves_.download_prefix(leaves);
    finish_step();
  }

  void attend(std::span<const float> qkv, const ops::AttentionShape& shape, float score_scale,
              std::span<const ops::AttentionSequence> sequences, std::span<float> context,
              ops::AttentionState<float>*) const {
    cuda::self_attention(qkv.data(), shape, score_scale, encoder.sequences_.data(),
                         static_cast<int64_t>(sequences.size()), max_rows, context.data(), nullptr);
    finish_step();
  }

  void layer_norm(const DeviceTensor& weight, const DeviceTensor& bias, double eps, std::span<const float> x,
                  int64_t rows, std::span<float> y, ops::LayerNormStats*) const {
    cuda::layer_norm(x.data(), rows, static_cast<int64_t>(weight.device.size()), weight.device.data(),
                     bias.device.size() ? bias.device.data() : nullptr, eps, y.data(), nullptr);
    finish_step();
  }

  void add(std::span<float> x, std::span<const float> update) const {
    ops::add_inplace(x.data(), update.data(), static_cast<int64_t>(x.size()), nullptr);
    finish_step();
  }

  std::vector<float> to_host(std::span<const float> x) const {
    std::vector<float> host(x.size());
    cuda::copy_to_host(host.data(), x.data(), x.size_bytes());
    return host;
  }
};

// The device must be current on the calling thread before any CUDA call (the runtime keeps it
// per thread, and the server calls from many).
void use_device(const Device& device) { cuda::use_device(device.index, "device " + to_string(device)); }

const Device& made_current(const Device& device) {
  use_device(device);
  return device;
}

ModelWeights<DeviceTensor> upload_norms(const io::ModelConfig& config, WeightViews& views) {
  ModelWeights<DeviceTensor> weights(config, io::ModelHead::kNone, 0, false);
  weights.for_each_tensor([&](const io::ExpectedTensor& tensor, DeviceTensor& field) {
    field.host = views.field(tensor.role, tensor.layer);
    if (on_device(tensor.role)) field.device = cuda::DeviceBuffer<float>(field.host);
  });
  return weights;
}

CudaEncoder::CudaEncoder(const io::ModelConfig& config, WeightViews views, const ModelOptions& options)
    : config_(config),
      device_(made_current(options.device)),
      weights_(upload_norms(config, views)) {
  if (options.dtype != ops::WeightType::f32 && options.dtype != ops::WeightType::bf16) {
    throw Error("device " + to_string(device_) + " runs models in f32 or bf16, not " +
                std::string(ops::to_string(options.dtype)));
  }
  if (config.attention.num_attention_heads < 1 || config.head_dim() > cuda::kMaxAttentionHeadDim) {
    throw Error("device " + to_string(device_) + ": the CUDA attention takes heads of up to " +
                std::to_string(cuda::kMaxAttentionHeadDim) + " dimensions, this model's have " +
                std::to_string(config.head_dim()));
  }
  const int64_t hidden = config.hidden_size;
  weights_.for_each_tensor([&](const io::ExpectedTensor&, const DeviceTensor& tensor) {
    weight_bytes_ += static_cast<int64_t>(tensor.device.size() * sizeof(float));
  });
  layers_.reserve(views.layers.size());
  for (const LayerWeights<std::span<const float>>& layer : views.layers) {
    const std::unique_ptr<const PackedQkv> packed =
        config.architecture == io::Architecture::kBert ? std::make_unique<const PackedQkv>(config, layer) : nullptr;
    layers_.push_back(CudaLayer{
        cuda::Linear(query_key_value_weights(config, layer, packed.get()), options.dtype),
        cuda::Linear({hidden, hidden, layer.attention_output_weight, layer.attention_output_bias}, options.dtype),
        Feedforward(config, layer, options.dtype, device_)});
    const CudaLayer& made = layers_.back();
    weight_bytes_ += made.query_key_value.held_bytes() + made.output_projection.held_bytes() +
                     made.feedforward.held_bytes();
  }
}

std::vector<float> CudaEncoder::forward(std::span<const float> embedded,
                                        std::span<const ops::AttentionSequence> sequences, EncoderTrace* trace,
                                        EncoderProfile* profile) const {
  const std::lock_guard lock(mutex_);
  use_device(device_);
  const int64_t rows = static_cast<int64_t>(embedded.size()) / config_.hidden_size;
  int64_t max_rows = 0;
  for (const ops::AttentionSequence& sequence : sequences) max_rows = std::max(max_rows, sequence.rows);
  sequences_.reserve(sequences.size());
  cuda::copy_to_device(sequences_.data(), sequences.data(), sequences.size_bytes());
  const Kernels kernels{*this, embedded, max_rows, profile != nullptr};
  const ActivationBuffer states =
      encoder_forward(config_, weights_, kernels, sequences, rows, nullptr, nullptr, profile, trace);
  return kernels.to_host(states);
}

}  // namespace

std::unique_ptr<DeviceEncoder> make_cuda_encoder(const io::ModelConfig& config, const WeightViews& weights,
                                                 const ModelOptions& options) {
  return std::make_unique<CudaEncoder>(config, weights, options);
}

}  // namespace ufb::model
