#include "cuda/baselines/cublaslt_gemm.h"

#include <string>

#include "cuda/cuda_check.h"
#include "ufb/error.h"

namespace ufb::bench {
namespace {

cublasLtMatrixLayout_t make_layout(cudaDataType_t type, int64_t rows, int64_t cols, int64_t leading) {
  cublasLtMatrixLayout_t layout = nullptr;
  UFB_CUDA_CHECK(cublasLtMatrixLayoutCreate(&layout, type, static_cast<uint64_t>(rows), static_cast<uint64_t>(cols),
                                            leading));
  return layout;
}

template <typename T>
void set_desc(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute, T value) {
  UFB_CUDA_CHECK(cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof(value)));
}

template <typename T>
void set_preference(cublasLtMatmulPreference_t preference, cublasLtMatmulPreferenceAttributes_t attribute, T value) {
  UFB_CUDA_CHECK(cublasLtMatmulPreferenceSetAttribute(preference, attribute, &value, sizeof(value)));
}

cublasLtMatmulDesc_t make_desc(cublasComputeType_t compute) {
  cublasLtMatmulDesc_t desc = nullptr;
  UFB_CUDA_CHECK(cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F));
  return desc;
}

}  // namespace

LtGemm::LtGemm(cublasLtHandle_t handle, const LtGemmShape& shape, size_t workspace_bytes)
    : desc_(make_desc(shape.compute), cublasLtMatmulDescDestroy),
      a_layout_(make_layout(shape.ab_type, shape.k, shape.m, shape.k), cublasLtMatrixLayoutDestroy),
      b_layout_(make_layout(shape.ab_type, shape.k, shape.n, shape.k), cublasLtMatrixLayoutDestroy),
      d_layout_(make_layout(shape.d_type, shape.m, shape.n, shape.m), cublasLtMatrixLayoutDestroy) {
  set_desc(desc_.get(), CUBLASLT_MATMUL_DESC_TRANSA, CUBLAS_OP_T);
  set_desc(desc_.get(), CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);

  cublasLtMatmulPreference_t raw_preference = nullptr;
  UFB_CUDA_CHECK(cublasLtMatmulPreferenceCreate(&raw_preference));
  const std::unique_ptr<cublasLtMatmulPreferenceOpaque_t, cublasStatus_t (*)(cublasLtMatmulPreference_t)> preference(
      raw_preference, cublasLtMatmulPreferenceDestroy);
  set_preference(preference.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, uint64_t{workspace_bytes});
  for (const auto attribute : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                               CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
    set_preference(preference.get(), attribute, uint32_t{16});
  }
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  UFB_CUDA_CHECK(cublasLtMatmulAlgoGetHeuristic(handle, desc_.get(), a_layout_.get(), b_layout_.get(),
                                                d_layout_.get(), d_layout_.get(), preference.get(), 1, &result,
                                                &found));
  if (found == 0) {
    throw Error("cuBLASLt offers no algorithm for a " + std::to_string(shape.m) + "x" + std::to_string(shape.n) +
                "x" + std::to_string(shape.k) + " matmul of this type on this GPU");
  }
  algo_ = result.algo;
}

void LtGemm::run(cublasLtHandle_t handle, const void* a, const void* b, float beta, void* d, void* workspace,
                 size_t workspace_bytes, cudaStream_t stream) const {
  const float one = 1.0f;
  UFB_CUDA_CHECK(cublasLtMatmul(handle, desc_.get(), &one, a, a_layout_.get(), b, b_layout_.get(), &beta, d,
                                d_layout_.get(), d, d_layout_.get(), &algo_, workspace, workspace_bytes, stream));
}

}  // namespace ufb::bench
