#pragma once

// oneDNN matmul for layers that run many times on the same weights: dst[rows, cols] =
// src[rows, inner] · W^T (+ bias) (then an activation, or added to dst), W stored [cols, inner]
// as PyTorch does. Weights are converted once into the precision and layout oneDNN picks; a
// primitive (JIT code) is made once per row count and kept, a bounded number of them.
//
// Precisions: f32; bf16 (weights and each call's src rounded to bf16, sums and dst float32:
// AVX512-BF16 or AMX where the CPU has them); int8 (weights quantized symmetrically per output
// column, src per row at each call, sums in int32, then dst = sum · s_row · s_col + bias in
// float32 — ONNX Runtime's dynamic quantization, with per-row instead of per-tensor src scales;
// src codes go to oneDNN shifted to uint8, VNNI's native form, and the shift comes off exactly).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "ufb/ops/activation.h"
#include "ufb/ops/weight_type.h"

namespace ufb::ops {

// The process's oneDNN CPU engine, made at the first call. Throws ufb::Error if oneDNN cannot.
const dnnl::engine& cpu_engine();

struct MatmulOptions {
  std::optional<Activation> activation;  // dst = act(src · W^T + bias)
  bool accumulate = false;  // dst += src · W^T + bias
  WeightType precision = WeightType::f32;
};

class OnednnMatmul {
 public:
  // Views: `weights` [cols, inner] and `bias` [cols] (or nullptr) must outlive this object.
  // The weights are converted here; they are read again only if a row count asks oneDNN for
  // another weight layout (rare), so their memory may be released (io::Checkpoint::release).
  OnednnMatmul(const float* weights, int64_t inner, int64_t cols, const float* bias,
               MatmulOptions options);

  // src [rows, inner] → dst [rows, cols]. Safe to call from several threads at once.
  void run(const float* src, int64_t rows, float* dst) const;
  // Bytes of the converted weights (every layout made so far) and their scales.
  int64_t held_bytes() const;

 private:
  struct Plan;

  std::shared_ptr<const Plan> plan_for(int64_t rows, dnnl::stream& stream) const;
  dnnl::memory weights_in_layout(const dnnl::memory::desc& layout, dnnl::stream& stream) const;
  // int8: the weights' codes [cols, inner] into `codes`; returns their per-column scales.
  std::vector<float> quantize_weights(int8_t* codes) const;
  void run_int8(const Plan& plan, const float* src, int64_t rows, float* dst, dnnl::stream& stream) const;

  // Each plan holds JIT-compiled code: bound their number for callers with many batch sizes.
  static constexpr size_t kMaxPlans = 32;
  // The row count the constructor prepares the weights for.
  static constexpr int64_t kPreparedRows = 128;

  dnnl::engine engine_;
  const float* weights_;
  int64_t inner_;
  int64_t cols_;
  const float* bias_;
  MatmulOptions options_;
  std::vector<float> weight_scales_;  // int8: [cols]
  std::vector<int32_t> column_offsets_;  // int8: [cols], 128 · the column's code sum
  mutable std::mutex mutex_;
  // Plans for different row counts nearly always ask for the same layout: they share one copy.
  mutable std::vector<dnnl::memory> reordered_weights_;
  // Shared so that a plan evicted while another thread still runs it stays alive until then.
  mutable std::map<int64_t, std::shared_ptr<const Plan>> plans_;
};

}  // namespace ufb::ops
