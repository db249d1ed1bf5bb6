#pragma once

// What `ufb bench kernels --device cuda --fff-impls/--dense-impls` name: the library's kernels
// on a GPU (ops::FffImpl::native, ops::DenseFfImpl::cublas) and the benchmark-only baselines
// (bench/cuda/baselines/), under one set of names.

#include <memory>
#include <span>
#include <string_view>

#include "ops/cuda_backend.h"
#include "ufb/device.h"
#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"

namespace ufb::bench {

enum class CudaFffForm {
  naive,   // "cuda_naive": one thread block per token walking the tree, checkpoint layout
  bmm,     // "cuda_bmm": per level, gather the visited W_in rows and run cuBLAS strided-batched
           // gemv, then the same for the W_out columns (the gather + bmm form of PyTorch code)
  native,  // "cuda_native": ops::FffImpl::native on the GPU
};

enum class CudaDenseForm {
  naive,          // "cuda_naive": one thread block per token over every neuron
  cublas,         // ops::DenseFfImpl::cublas: what the models run (f32 without TF32, or bf16)
  cublaslt_tf32,  // cuBLASLt matmuls on TF32 tensor cores, f32 weights
  cublaslt_bf16,  // cuBLASLt matmuls on bf16 tensor cores, bf16 weights
};

std::string_view to_string(CudaFffForm form);
std::string_view to_string(CudaDenseForm form);
CudaFffForm parse_cuda_fff_form(std::string_view name);      // throws ufb::Error listing the names
CudaDenseForm parse_cuda_dense_form(std::string_view name);  // throws ufb::Error listing the names
std::span<const CudaFffForm> all_cuda_fff_forms();
std::span<const CudaDenseForm> all_cuda_dense_forms();
// The weight types a dense form takes: naive and cublas f32 and bf16, the cuBLASLt ones one each.
bool supports(CudaDenseForm form, ops::WeightType weight_type);

// Throw ufb::Error for invalid weights, a weight type or W_out layout the form lacks, or no such
// GPU.
std::unique_ptr<ops::FffKernel> make_cuda_fff_form(CudaFffForm form, const ops::FffWeights& weights,
                                                   ops::WeightType weight_type, const Device& device,
                                                   const ops::CudaFffOptions& options = {});
std::unique_ptr<ops::DenseFfKernel> make_cuda_dense_form(CudaDenseForm form, const ops::DenseFfWeights& weights,
                                                         ops::WeightType weight_type, const Device& device);

}  // namespace ufb::bench
