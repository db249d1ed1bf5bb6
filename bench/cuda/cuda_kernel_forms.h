#pragma once

// What `ufb bench kernels --device cuda --fff-impls/--dense-impls` name: the library's CUDA
// kernels (ops::FffCudaImpl, ops::DenseFfCudaImpl) and the benchmark-only baselines
// (bench/cuda/baselines/), under one set of names.

#include <memory>
#include <span>
#include <string_view>

#include "ufb/ops/cuda/dense_ff_cuda.h"
#include "ufb/ops/cuda/fff_cuda.h"

namespace ufb::bench {

enum class CudaFffForm {
  naive,   // "cuda_naive": one thread block per token walking the tree, checkpoint layout
  bmm,     // "cuda_bmm": per level, gather the visited W_in rows and run cuBLAS strided-batched
           // gemv, then the same for the W_out columns (the gather + bmm form of PyTorch code)
  native,  // "cuda_native": ops::FffCudaImpl::native
};

enum class CudaDenseForm {
  naive,          // "cuda_naive": one thread block per token over every neuron
  cublas_sgemm,   // the library's (ops::DenseFfCudaImpl), by their names
  cublaslt_tf32,
  cublaslt_bf16,
};

std::string_view to_string(CudaFffForm form);
std::string_view to_string(CudaDenseForm form);
CudaFffForm parse_cuda_fff_form(std::string_view name);      // throws ufb::Error listing the names
CudaDenseForm parse_cuda_dense_form(std::string_view name);  // throws ufb::Error listing the names
std::span<const CudaFffForm> all_cuda_fff_forms();
std::span<const CudaDenseForm> all_cuda_dense_forms();
// The weight types a dense form takes: naive f32 and bf16, the cuBLAS ones one each.
bool supports(CudaDenseForm form, ops::WeightType weight_type);

// Throw ufb::Error for invalid weights, a weight type the form lacks, or no CUDA GPU.
std::unique_ptr<ops::FffCudaKernel> make_cuda_fff_form(CudaFffForm form, const ops::FffWeights& weights,
                                                       ops::WeightType weight_type = ops::WeightType::f32,
                                                       const ops::FffCudaOptions& options = {});
std::unique_ptr<ops::DenseFfCudaKernel> make_cuda_dense_form(CudaDenseForm form, const ops::DenseFfWeights& weights,
                                                             ops::WeightType weight_type);

}  // namespace ufb::bench
