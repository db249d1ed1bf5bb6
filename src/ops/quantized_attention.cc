// int8 self-attention: one sequence at a time, all its heads in one batched oneDNN matmul per
// product (a sequence's int32 scores, heads × rows × rows, stay in the core's L2 up to a few
// hundred tokens), and the quantization, softmax and dequantization passes spread over the
// OpenMP pool around them.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/quantized_attention.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ops/quantized_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>

#include "ops/attention_sizes.h"
#include "ops/int8_quantization.h"
#include "ufb/error.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 2^t for t <= 0, within 1.5e-4 relative: the codes round 255 · 2^t to 8 bits, so this cheap
// cubic suffices where Highway's Exp (accurate to ulps) took most of the softmax's time.
// Below t = -24 the code is 0 anyway.
template <class D, class V>
HWY_INLINE V Pow2(D d, V t) {
  const hn::Rebind<int32_t, D> d32;
  t = hn::Max(t, hn::Set(d, -24.0f));
  const auto whole = hn::Floor(t);
  const auto fraction = hn::Sub(t, whole);
  const auto mantissa =
      hn::MulAdd(hn::MulAdd(hn::MulAdd(hn::Set(d, 0.07944023841053369f), fraction, hn::Set(d, 0.224494337302845f)),
                            fraction, hn::Set(d, 0.6960656421638072f)),
                 fraction, hn::Set(d, 1.0f));
  const auto power = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(hn::ConvertTo(d32, whole), hn::Set(d32, 127))));
  return hn::Mul(mantissa, power);
}

// Probability codes of one query row: code_j = round(255 · 2^(f_j − max f)) over the first
// `keys` columns, f_j = (scores_j − key_offsets_j) · key_scales_j · row_factor (the logit in
// base 2), and 0 for the columns up to `columns` (padding keys). Returns the row's scale,
// 1 / Σ codes.
float SoftmaxCodes(const int32_t* scores, int64_t keys, int64_t columns, float row_factor, const int32_t* key_offsets,
                   const float* key_scales, uint8_t* codes) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> d32;
  const hn::Rebind<uint8_t, decltype(d)> d8;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = keys - keys % lanes;
  const auto factor = hn::Set(d, row_factor);
  const auto logit = [&](int64_t j) {
    const auto score = hn::Sub(hn::LoadU(d32, scores + j), hn::LoadU(d32, key_offsets + j));
    return hn::Mul(hn::Mul(hn::ConvertTo(d, score), hn::LoadU(d, key_scales + j)), factor);
  };
  const auto scalar_logit = [&](int64_t j) {
    return static_cast<float>(scores[j] - key_offsets[j]) * key_scales[j] * row_factor;
  };
  auto max_vector = hn::Set(d, -std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < full; j += lanes) max_vector = hn::Max(max_vector, logit(j));
  float max = hn::GetLane(hn::MaxOfLanes(d, max_vector));
  for (int64_t j = full; j < keys; ++j) max = std::max(max, scalar_logit(j));

  const auto shift = hn::Set(d, max);
  const auto full_scale = hn::Set(d, 255.0f);
  auto sum_vector = hn::Zero(d32);
  for (int64_t j = 0; j < full; j += lanes) {
    const auto code = hn::NearestInt(hn::Mul(Pow2(d, hn::Sub(logit(j), shift)), full_scale));
    sum_vector = hn::Add(sum_vector, code);
    hn::StoreU(hn::DemoteTo(d8, code), d8, codes + j);
  }
  int64_t sum = hn::GetLane(hn::SumOfLanes(d32, sum_vector));
  for (int64_t j = full; j < keys; ++j) {
    codes[j] = static_cast<uint8_t>(std::nearbyint(std::exp2(scalar_logit(j) - max) * 255.0f));
    sum += codes[j];
  }
  std::fill(codes + keys, codes + columns, uint8_t{0});
  // The largest logit's code is 255, so the sum is never 0.
  return 1.0f / static_cast<float>(sum);
}

// Per-column symmetric int8 codes of values [rows, cols] (row stride `stride`) into codes
// [rows, cols]; scales[c] = max_r |v[r, c]| / 127 (1 for an all-zero column).
void QuantizeColumns(const float* values, int64_t rows, int64_t cols, int64_t stride, int8_t* codes,
                     float* scales) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> d32;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = cols - cols % lanes;
  for (int64_t c = 0; c < full; c += lanes) {
    auto largest = hn::Zero(d);
    for (int64_t r = 0; r < rows; ++r) largest = hn::Max(largest, hn::Abs(hn::LoadU(d, values + r * stride + c)));
    hn::StoreU(largest, d, scales + c);
  }
  for (int64_t c = full; c < cols; ++c) {
    float largest = 0.0f;
    for (int64_t r = 0; r < rows; ++r) largest = std::max(largest, std::abs(values[r * stride + c]));
    scales[c] = largest;
  }
  auto inverse = std::make_unique_for_overwrite<float[]>(cols);
  for (int64_t c = 0; c < cols; ++c) {
    scales[c] = scales[c] > 0.0f ? scales[c] / 127.0f : 1.0f;
    inverse[c] = 1.0f / scales[c];
  }
  const auto low = hn::Set(d32, -127);
  const auto high = hn::Set(d32, 127);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = values + r * stride;
    int8_t* out = codes + r * cols;
    for (int64_t c = 0; c < full; c += lanes) {
      // NearestInt rounds half to even, as std::nearbyint does in the default rounding mode.
      const auto code = hn::NearestInt(hn::Mul(hn::LoadU(d, row + c), hn::LoadU(d, inverse.get() + c)));
      hn::StoreU(hn::DemoteTo(d8, hn::Min(hn::Max(code, low), high)), d8, out + c);
    }
    for (int64_t c = full; c < cols; ++c) {
      out[c] = static_cast<int8_t>(std::clamp(std::nearbyint(row[c] * inverse[c]), -127.0f, 127.0f));
    }
  }
}

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ufb::ops {

HWY_EXPORT(SoftmaxCodes);
HWY_EXPORT(QuantizeColumns);

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Type = memory::data_type;

// Query scales carry log2(e), so that the softmax works in powers of 2.
constexpr float kLog2E = 1.4426950408889634f;

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine = [] {
    try {
      return dnnl::engine(dnnl::engine::kind::cpu, 0);
    } catch (const dnnl::error& error) {
      throw Error(std::string("oneDNN could not create a CPU engine: ") + error.what());
    }
  }();
  return engine;
}

// dst[b] = src[b] · weights[b] for each of `batch` matrices. oneDNN keeps the JIT code of every
// shape in its primitive cache, so after the first call a matmul costs a cache look-up (~5 µs).
void batched_matmul(const memory::desc& src_desc, const void* src, const memory::desc& weights_desc,
                    const void* weights, const memory::desc& dst_desc, void* dst) {
  const dnnl::engine& engine = cpu_engine();
  dnnl::primitive_attr attributes;
  // Our own scratchpad per call: callers may run the model from several threads at once.
  attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_desc, weights_desc, dst_desc), attributes, engine);
  dnnl::stream stream(engine);
  dnnl::matmul(pd).execute(stream, {{DNNL_ARG_SRC, memory(src_desc, engine, const_cast<void*>(src))},
                                    {DNNL_ARG_WEIGHTS, memory(weights_desc, engine, const_cast<void*>(weights))},
                                    {DNNL_ARG_DST, memory(dst_desc, engine, dst)},
                                    {DNNL_ARG_SCRATCHPAD, memory(pd.scratchpad_desc(), engine)}});
  stream.wait();
}

// One sequence, all heads. Every buffer is [heads, ...], head after head.
void attend_sequence(const float* qkv, const AttentionShape& shape, float score_scale,
                     const AttentionSequence& sequence, float* context) {
  const int64_t heads = shape.heads;
  const int64_t d = shape.head_dim;
  const int64_t rows = sequence.rows;
  const int64_t stride = 3 * shape.hidden();
  // Padding keys add -10000 to the scores in float, which makes their probabilities exactly 0
  // unless every key is padding: then all are shifted alike and none is masked.
  const int64_t keys = sequence.real_tokens > 0 ? sequence.real_tokens : rows;
  const auto queries = std::make_unique_for_overwrite<uint8_t[]>(heads * rows * d);  // shifted by 128
  const auto query_scales = std::make_unique_for_overwrite<float[]>(heads * rows);
  const auto key_codes = std::make_unique_for_overwrite<int8_t[]>(heads * rows * d);
  const auto key_scales = std::make_unique_for_overwrite<float[]>(heads * rows);
  const auto key_offsets = std::make_unique_for_overwrite<int32_t[]>(heads * rows);  // the shift's share
  const auto values = std::make_unique_for_overwrite<int8_t[]>(heads * rows * d);
  const auto value_scales = std::make_unique_for_overwrite<float[]>(heads * d);
  const auto scores = std::make_unique_for_overwrite<int32_t[]>(heads * rows * rows);
  const auto probabilities = std::make_unique_for_overwrite<uint8_t[]>(heads * rows * rows);
  const auto probability_scales = std::make_unique_for_overwrite<float[]>(heads * rows);
  const auto sums = std::make_unique_for_overwrite<int32_t[]>(heads * rows * d);
  const bool parallel = heads * rows * rows * d > 32768;

#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t head = 0; head < heads; ++head) {
    const float* first = qkv + sequence.first_row * stride + head * 3 * d;
    // Queries go to oneDNN as uint8 (VNNI's native u8 × s8): each score then carries
    // 128 · Σ_c key[c], which the softmax takes off.
    quantize_rows_int8_shifted(first, rows, d, stride, queries.get() + head * rows * d,
                               query_scales.get() + head * rows, score_scale * kLog2E);
    quantize_rows_int8(first + d, rows, d, stride, key_codes.get() + head * rows * d, key_scales.get() + head * rows,
                       1.0f);
    for (int64_t r = 0; r < rows; ++r) {
      const int8_t* key = key_codes.get() + (head * rows + r) * d;
      key_offsets[head * rows + r] = 128 * std::accumulate(key, key + d, int32_t{0});
    }
    // The values of padding keys get weight 0: they are left out of the scales, and their codes
    // are 0 so that the sums stay exact.
    int8_t* head_values = values.get() + head * rows * d;
    HWY_DYNAMIC_DISPATCH(QuantizeColumns)(first + 2 * d, keys, d, stride, head_values, value_scales.get() + head * d);
    std::fill(head_values + keys * d, head_values + rows * d, int8_t{0});
  }
  // scores[h] = queries[h] · key_codes[h]^T: the keys, [rows, d] row-major, read as [d, rows].
  batched_matmul(memory::desc({heads, rows, d}, Type::u8, Tag::abc), queries.get(),
                 memory::desc({heads, d, rows}, Type::s8, Tag::acb), key_codes.get(),
                 memory::desc({heads, rows, rows}, Type::s32, Tag::abc), scores.get());
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t at = 0; at < heads * rows; ++at) {
    const int64_t head = at / rows;
    probability_scales[at] = HWY_DYNAMIC_DISPATCH(SoftmaxCodes)(
        scores.get() + at * rows, keys, rows, query_scales[at], key_offsets.get() + head * rows,
        key_scales.get() + head * rows, probabilities.get() + at * rows);
  }
  batched_matmul(memory::desc({heads, rows, rows}, Type::u8, Tag::abc), probabilities.get(),
                 memory::desc({heads, rows, d}, Type::s8, Tag::abc), values.get(),
                 memory::desc({heads, rows, d}, Type::s32, Tag::abc), sums.get());
  const int64_t hidden = shape.hidden();
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t at = 0; at < heads * rows; ++at) {
    const int64_t head = at / rows;
    const int64_t row = at % rows;
    dequantize_row(sums.get() + at * d, d, probability_scales[at], value_scales.get() + head * d,
                   context + (sequence.first_row + row) * hidden + head * d);
  }
}

}  // namespace

void self_attention_int8(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                         std::span<const AttentionSequence> sequences, std::span<float> context) {
  check_attention_sizes(qkv.size(), shape, sequences, context.size());
  try {
    for (const AttentionSequence& sequence : sequences) {
      attend_sequence(qkv.data(), shape, score_scale, sequence, context.data());
    }
  } catch (const dnnl::error& error) {
    throw Error(std::string("int8 attention: oneDNN failed: ") + error.what());
  }
}

}  // namespace ufb::ops
#endif  // HWY_ONCE
