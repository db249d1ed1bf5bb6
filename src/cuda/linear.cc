#include "cuda/linear.h"

#include <memory>
#include <string>

#include "cuda/cuda_check.h"
#include "cuda/elementwise.h"
#include "cuda/thread_resources.h"
#include "cuda/weight_upload.h"
#include "ops/cuda_backend.h"
#include "ufb/cuda/device.h"
#include "ufb/error.h"

namespace ufb::cuda {

Linear::Linear(const ops::LinearWeights<float>& weights, ops::LinearOutput output, ops::WeightType precision,
               const Device& device)
    : PreparedLinear(weights, device),
      accumulate_(output == ops::LinearOutput::accumulate),
      bf16_(precision == ops::WeightType::bf16) {
  if (precision != ops::WeightType::f32 && !bf16_) {
    throw Error("linear layers on " + to_string(device) + " take f32 or bf16 weights, not " +
                std::string(ops::to_string(precision)));
  }
  if (bf16_) {
    weight_bf16_ = ops::upload_weights<uint16_t>(weights.weight);
  } else {
    weight_f32_ = DeviceBuffer<float>(weights.weight);
  }
  if (!weights.bias.empty()) bias_ = DeviceBuffer<float>(weights.bias);
}

void Linear::run(const float* x, int64_t rows, float* y) const {
  make_current(device().index);
  ThreadResources& resources = thread_resources(device().index);
  const cudaStream_t stream = current_stream();
  const cublasHandle_t handle = resources.cublas.get();
  UFB_CUDA_CHECK(cublasSetStream(handle, stream));
  float beta = accumulate_ ? 1.0f : 0.0f;
  if (bias_.size()) {
    // The bias goes into y first, so that the matmul adds onto it (beta 1).
    if (beta == 0.0f) {
      ops::broadcast_rows(bias_.data(), rows, out_features(), y, stream);
    } else {
      ops::add_to_rows(bias_.data(), rows, out_features(), y, stream);
    }
    beta = 1.0f;
  }
  const void* weight = weight_f32_.data();
  const void* input = x;
  cudaDataType_t type = CUDA_R_32F;
  if (bf16_) {
    resources.bf16_input.reserve(rows * in_features());
    ops::convert_to_bf16(x, rows * in_features(), resources.bf16_input.data(), stream);
    weight = weight_bf16_.data();
    input = resources.bf16_input.data();
    type = CUDA_R_16BF;
  }
  // Column-major: y^T [out, rows] = W^T^T [out, in] · x^T [in, rows], where the row-major W
  // [out, in] is the column-major [in, out] matrix, transposed.
  const float alpha = 1.0f;
  UFB_CUDA_CHECK(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(out_features()),
                              static_cast<int>(rows), static_cast<int>(in_features()), &alpha, weight, type,
                              static_cast<int>(in_features()), input, type, static_cast<int>(in_features()), &beta, y,
                              CUDA_R_32F, static_cast<int>(out_features()), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

int64_t Linear::held_bytes() const {
  return static_cast<int64_t>(weight_f32_.size() * sizeof(float) + weight_bf16_.size() * sizeof(uint16_t) +
                              bias_.size() * sizeof(float));
}

}  // namespace ufb::cuda

namespace ufb::ops {

std::unique_ptr<PreparedLinear> make_cuda_linear(const LinearWeights<float>& weights, LinearOutput output,
                                                 WeightType precision, const Device& device) {
  cuda::use_device(device.index, "device " + to_string(device));
  return std::make_unique<cuda::Linear>(weights, output, precision, device);
}

}  // namespace ufb::ops
