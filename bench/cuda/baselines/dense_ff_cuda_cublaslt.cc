// cublaslt_tf32 and cublaslt_bf16: the dense FF as two cuBLASLt matmuls on tensor cores.
// cuBLASLt's fused GELU epilogues compute the tanh approximation of GELU, not the exact erf
// form the model uses, so the bias + exact GELU runs as a separate kernel between the matmuls.
// bf16: the input is rounded to bf16 first and the hidden activations are stored in bf16, as
// a bf16 inference engine would; the output stays float32.
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>

#include "cuda/baselines/cublaslt_gemm.h"
#include "cuda/baselines/cuda_baselines.h"
#include "cuda/baselines/dense_padding.h"
#include "cuda/elementwise.h"
#include "cuda/weight_upload.h"
#include "ufb/cuda/device.h"
#include "ufb/error.h"

namespace ufb::bench {

using ops::DenseFfKernel;
using ops::DenseFfWeights;
using ops::WeightType;
using ops::make_for_weight_type;
using ops::upload_weights;

namespace {

constexpr size_t kWorkspaceBytes = size_t{32} << 20;

// W: weight and activation storage (float or bf16 bits).
template <typename W>
class CublasLtDenseFfCuda final : public DenseFfKernel {
 public:
  static constexpr bool kBf16 = std::is_same_v<W, uint16_t>;

  CublasLtDenseFfCuda(const DenseFfWeights& weights, const Device& device)
      : CublasLtDenseFfCuda(weights, device, pad_width(weights, kWidthMultiple)) {}

 private:
  static constexpr int64_t kWidthMultiple = 8;  // 16 bytes of bf16

  CublasLtDenseFfCuda(const DenseFfWeights& weights, const Device& device, const PaddedDenseWeights& padded)
      : DenseFfKernel(weights.shape, device),
        width_(padded.width),
        w_in_(upload_weights<W>(padded.w_in)),
        b_in_(std::span<const float>(padded.b_in)),
        w_out_(upload_weights<W>(padded.w_out)),
        b_out_(weights.b_out),
        workspace_(kWorkspaceBytes) {}

  struct Plans {
    LtGemm in;
    LtGemm out;
  };

  const Plans& plans_for(int64_t batch) const {
    auto found = plans_.find(batch);
    if (found != plans_.end()) return *found->second;
    const cudaDataType_t storage = kBf16 ? CUDA_R_16BF : CUDA_R_32F;
    const cublasComputeType_t compute = kBf16 ? CUBLAS_COMPUTE_32F : CUBLAS_COMPUTE_32F_FAST_TF32;
    const int64_t hidden = shape().hidden;
    const int64_t width = width_;
    auto plans = std::make_unique<Plans>(Plans{
        LtGemm(lt_.get(), {width, batch, hidden, storage, storage, compute}, kWorkspaceBytes),
        LtGemm(lt_.get(), {hidden, batch, width, storage, CUDA_R_32F, compute}, kWorkspaceBytes)});
    return *plans_.emplace(batch, std::move(plans)).first->second;
  }

  void run(const float* x, int64_t batch, float* y) const override {
    cuda::make_current(device().index);
    const cudaStream_t stream = cuda::current_stream();
    if (reinterpret_cast<uintptr_t>(x) % 16 != 0 || reinterpret_cast<uintptr_t>(y) % 16 != 0) {
      throw Error(std::string("CUDA dense FF ") + (kBf16 ? "cublaslt_bf16" : "cublaslt_tf32") +
                  " needs 16-byte aligned input and output device arrays");
    }
    const Plans& plans = plans_for(batch);
    activations_.reserve(batch * width_);
    const void* input = x;
    if constexpr (kBf16) {
      input_bf16_.reserve(batch * shape().hidden);
      ops::convert_to_bf16(x, batch * shape().hidden, input_bf16_.data(), stream);
      input = input_bf16_.data();
    }
    plans.in.run(lt_.get(), w_in_.data(), input, 0.0f, activations_.data(), workspace_.get(), kWorkspaceBytes, stream);
    ops::bias_gelu_inplace(activations_.data(), batch, width_, b_in_.size() ? b_in_.data() : nullptr, stream);
    float beta = 0.0f;
    if (b_out_.size()) {
      ops::broadcast_rows(b_out_.data(), batch, shape().hidden, y, stream);
      beta = 1.0f;
    }
    plans.out.run(lt_.get(), w_out_.data(), activations_.data(), beta, y, workspace_.get(), kWorkspaceBytes, stream);
  }

  int64_t width_;  // padded
  cuda::DeviceBuffer<W> w_in_;
  cuda::DeviceBuffer<float> b_in_;
  cuda::DeviceBuffer<W> w_out_;
  cuda::DeviceBuffer<float> b_out_;
  cuda::DeviceMemory workspace_;
  CublasLtHandle lt_;
  // Per batch size: the matmul algorithms, chosen once (the heuristic query costs more than a
  // small matmul). Scratch grown to the largest batch seen.
  mutable std::map<int64_t, std::unique_ptr<Plans>> plans_;
  mutable cuda::DeviceBuffer<W> activations_;  // [batch, padded width]
  mutable cuda::DeviceBuffer<uint16_t> input_bf16_;
};

}  // namespace

std::unique_ptr<DenseFfKernel> make_cublaslt_dense_ff_cuda(const DenseFfWeights& weights, WeightType weight_type,
                                                          const Device& device) {
  return make_for_weight_type<DenseFfKernel, CublasLtDenseFfCuda>(weight_type, weights, device);
}

}  // namespace ufb::bench
