#include "cuda/linear.h"

#include <string>

#include "cuda/cuda_check.h"
#include "cuda/elementwise.h"
#include "cuda/weight_upload.h"
#include "ufb/error.h"

namespace ufb::cuda {

Linear::Linear(const ops::LinearWeights<float>& weights, ops::WeightType precision)
    : in_features_(weights.in_features),
      out_features_(weights.out_features),
      bf16_(precision == ops::WeightType::bf16) {
  ops::validate(weights);
  if (precision != ops::WeightType::f32 && !bf16_) {
    throw Error("CUDA linear layers take f32 or bf16 weights, not " + std::string(ops::to_string(precision)));
  }
  if (bf16_) {
    weight_bf16_ = ops::upload_weights<uint16_t>(weights.weight);
  } else {
    weight_f32_ = DeviceBuffer<float>(weights.weight);
  }
  if (!weights.bias.empty()) bias_ = DeviceBuffer<float>(weights.bias);
}

void Linear::forward(cublasHandle_t handle, const float* x, int64_t rows, float* y, ops::LinearOutput output,
                     DeviceBuffer<uint16_t>& bf16_input) const {
  if (rows == 0) return;
  cudaStream_t stream = nullptr;
  UFB_CUDA_CHECK(cublasGetStream(handle, &stream));
  float beta = output == ops::LinearOutput::accumulate ? 1.0f : 0.0f;
  if (bias_.size()) {
    // The bias goes into y first, so that the matmul adds onto it (beta 1).
    if (beta == 0.0f) {
      ops::broadcast_rows(bias_.data(), rows, out_features_, y, stream);
    } else {
      ops::add_to_rows(bias_.data(), rows, out_features_, y, stream);
    }
    beta = 1.0f;
  }
  const void* weight = weight_f32_.data();
  const void* input = x;
  cudaDataType_t type = CUDA_R_32F;
  if (bf16_) {
    bf16_input.reserve(rows * in_features_);
    ops::convert_to_bf16(x, rows * in_features_, bf16_input.data(), stream);
    weight = weight_bf16_.data();
    input = bf16_input.data();
    type = CUDA_R_16BF;
  }
  // Column-major: y^T [out, rows] = W^T^T [out, in] · x^T [in, rows], where the row-major W
  // [out, in] is the column-major [in, out] matrix, transposed.
  const float alpha = 1.0f;
  UFB_CUDA_CHECK(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(out_features_),
                              static_cast<int>(rows), static_cast<int>(in_features_), &alpha, weight, type,
                              static_cast<int>(in_features_), input, type, static_cast<int>(in_features_), &beta, y,
                              CUDA_R_32F, static_cast<int>(out_features_), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

int64_t Linear::held_bytes() const {
  return static_cast<int64_t>(weight_f32_.size() * sizeof(float) + weight_bf16_.size() * sizeof(uint16_t) +
                              bias_.size() * sizeof(float));
}

}  // namespace ufb::cuda
