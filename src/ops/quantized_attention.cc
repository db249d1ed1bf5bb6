// int8 self-attention: one sequence at a time, all its heads in one batched oneDNN matmul per
// product (a sequence's int32 scores, heads × rows × rows, stay in the core's L2 up to a few
// hundred tokens), and the quantization, softmax and dequantization passes spread over the
// OpenMP pool around them.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/quantized_attention.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ops/int8_quantization-inl.h"
#include "ops/quantized_attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "ops/attention_sizes.h"
#include "ops/onednn_matmul.h"
#include "ufb/error.h"

#ifndef UFB_OPS_QUANTIZED_ATTENTION_CODES_
#define UFB_OPS_QUANTIZED_ATTENTION_CODES_
namespace ufb::ops {

// One sequence's int8 operands. Per-token arrays are [heads, rows, ...], head after head.
struct SequenceCodes {
  int64_t heads = 0;
  int64_t rows = 0;
  int64_t head_dim = 0;
  uint8_t* queries = nullptr;  // shifted by 128 (VNNI's u8 × s8)
  float* query_scales = nullptr;  // times score_scale · log2(e)
  int8_t* keys = nullptr;
  float* key_scales = nullptr;
  int32_t* key_offsets = nullptr;  // 128 · Σ codes: what the queries' shift adds to each score
  int8_t* values = nullptr;  // 0 for padding keys
  float* value_scales = nullptr;  // [heads, head_dim]: per feature, over the real keys
};

}  // namespace ufb::ops
#endif  // UFB_OPS_QUANTIZED_ATTENTION_CODES_

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {

// 255 · 2^t for t <= 0, within 1.5e-4 relative: the codes round it to 8 bits, so this cheap
// cubic suffices where Highway's Exp (accurate to ulps) took most of the softmax's time.
// Below t = -24 the code is 0 anyway.
template <class D, class V>
HWY_INLINE V Scaled255Pow2(D d, V t) {
  const hn::Rebind<int32_t, D> d32;
  t = hn::Max(t, hn::Set(d, -24.0f));
  const auto whole = hn::Floor(t);
  const auto fraction = hn::Sub(t, whole);
  // 255 · 2^fraction on [0, 1), the coefficients of a cubic fit times 255.
  const auto mantissa = hn::MulAdd(
      hn::MulAdd(hn::MulAdd(hn::Set(d, 255.0f * 0.07944023841053369f), fraction, hn::Set(d, 255.0f * 0.224494337302845f)),
                 fraction, hn::Set(d, 255.0f * 0.6960656421638072f)),
      fraction, hn::Set(d, 255.0f));
  // 2^whole: adding 1.5 · 2^23 puts the integer `whole` in the low mantissa bits (exact for
  // |whole| < 2^22), one add where a float-to-int conversion costs several.
  const auto biased = hn::Sub(hn::BitCast(d32, hn::Add(whole, hn::Set(d, 12582912.0f))), hn::Set(d32, 0x4B400000 - 127));
  return hn::Mul(mantissa, hn::BitCast(d, hn::ShiftLeft<23>(biased)));
}

// Probability codes of one query row: code_j = round(255 · 2^(f_j − max f)) over the first
// `keys` columns, f_j = (scores_j − key_offsets_j) · key_scales_j · row_factor (the logit in
// base 2), and 0 for the columns up to `columns` (padding keys). Returns the row's scale,
// 1 / Σ codes. The scores are overwritten with the logits (float32) on the way.
float SoftmaxCodes(int32_t* scores, int64_t keys, int64_t columns, float row_factor, const int32_t* key_offsets,
                   const float* key_scales, uint8_t* codes) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> d32;
  const hn::Rebind<uint8_t, decltype(d)> d8;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = keys - keys % lanes;
  float* logits = reinterpret_cast<float*>(scores);
  const auto factor = hn::Set(d, row_factor);
  auto max_vector = hn::Set(d, -std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < full; j += lanes) {
    const auto score = hn::Sub(hn::LoadU(d32, scores + j), hn::LoadU(d32, key_offsets + j));
    const auto logit = hn::Mul(hn::Mul(hn::ConvertTo(d, score), hn::LoadU(d, key_scales + j)), factor);
    max_vector = hn::Max(max_vector, logit);
    hn::StoreU(logit, d, logits + j);
  }
  float max = hn::GetLane(hn::MaxOfLanes(d, max_vector));
  for (int64_t j = full; j < keys; ++j) {
    logits[j] = static_cast<float>(scores[j] - key_offsets[j]) * key_scales[j] * row_factor;
    max = std::max(max, logits[j]);
  }

  const auto shift = hn::Set(d, max);
  // Rounding by the same trick: x + 1.5 · 2^23 rounds x (0 ≤ x ≤ 255) half to even into the low bits.
  const auto round_magic = hn::Set(d, 12582912.0f);
  const auto magic_bits = hn::Set(d32, 0x4B400000);
  auto sum_vector = hn::Zero(d32);
  for (int64_t j = 0; j < full; j += lanes) {
    const auto scaled = Scaled255Pow2(d, hn::Sub(hn::LoadU(d, logits + j), shift));
    const auto code = hn::Sub(hn::BitCast(d32, hn::Add(scaled, round_magic)), magic_bits);
    sum_vector = hn::Add(sum_vector, code);
    hn::StoreU(hn::DemoteTo(d8, code), d8, codes + j);
  }
  int64_t sum = hn::GetLane(hn::SumOfLanes(d32, sum_vector));
  for (int64_t j = full; j < keys; ++j) {
    codes[j] = static_cast<uint8_t>(std::nearbyint(std::exp2(logits[j] - max) * 255.0f));
    sum += codes[j];
  }
  std::fill(codes + keys, codes + columns, uint8_t{0});
  // The largest logit's code is 255, so the sum is never 0.
  return 1.0f / static_cast<float>(sum);
}

// Token r's queries and keys, every head, into `codes`; with `value_largest` [hidden], also
// the running maxima of its values' magnitudes (a padding key passes nullptr).
void QuantizeQueriesAndKeys(const float* row, int64_t r, float query_factor, const SequenceCodes& codes,
                            float* value_largest) {
  const hn::ScalableTag<float> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t dim = codes.head_dim;
  for (int64_t head = 0; head < codes.heads; ++head) {
    const float* part = row + head * 3 * dim;
    const int64_t at = head * codes.rows + r;
    codes.query_scales[at] = query_factor * QuantizeRowTo(part, dim, codes.queries + at * dim);
    int8_t* key = codes.keys + at * dim;
    codes.key_scales[at] = QuantizeRowTo(part + dim, dim, key);
    int32_t key_sum = 0;
    for (int64_t c = 0; c < dim; ++c) key_sum += key[c];
    codes.key_offsets[at] = 128 * key_sum;
    if (!value_largest) continue;
    const float* value = part + 2 * dim;
    float* largest = value_largest + head * dim;
    int64_t c = 0;
    for (; c + lanes <= dim; c += lanes) {
      hn::StoreU(hn::Max(hn::LoadU(d, largest + c), hn::Abs(hn::LoadU(d, value + c))), d, largest + c);
    }
    for (; c < dim; ++c) largest[c] = std::max(largest[c], std::abs(value[c]));
  }
}

// Token r's values, every head, with the sequence's per-feature scales (their inverses given).
void QuantizeValues(const float* row, int64_t r, const float* inverse_scales, const SequenceCodes& codes) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t dim = codes.head_dim;
  for (int64_t head = 0; head < codes.heads; ++head) {
    const float* value = row + head * 3 * dim + 2 * dim;
    const float* inverse = inverse_scales + head * dim;
    int8_t* out = codes.values + (head * codes.rows + r) * dim;
    int64_t c = 0;
    for (; c + lanes <= dim; c += lanes) {
      hn::StoreU(hn::DemoteTo(d8, Int8Codes(d, hn::LoadU(d, value + c), hn::LoadU(d, inverse + c))), d8, out + c);
    }
    for (; c < dim; ++c) out[c] = static_cast<int8_t>(Int8Code(value[c], inverse[c]));
  }
}

// Token r's context [hidden], every head: its int32 sums scaled back to float32.
void DequantizeContext(const int32_t* sums, int64_t r, const float* probability_scales, const SequenceCodes& codes,
                       float* context_row) {
  const int64_t dim = codes.head_dim;
  for (int64_t head = 0; head < codes.heads; ++head) {
    const int64_t at = head * codes.rows + r;
    DequantizeRow(sums + at * dim, dim, probability_scales[at], codes.value_scales + head * dim, nullptr, nullptr,
                  context_row + head * dim, false);
  }
}

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ufb::ops {

HWY_EXPORT(SoftmaxCodes);
HWY_EXPORT(QuantizeQueriesAndKeys);
HWY_EXPORT(QuantizeValues);
HWY_EXPORT(DequantizeContext);

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Type = memory::data_type;

// Query scales carry log2(e), so that the softmax works in powers of 2.
constexpr float kLog2E = 1.4426950408889634f;

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

// One sequence, all heads. The passes over tokens split them statically over the threads, as
// the projections before and after do: each thread reads the rows it wrote, from its own L2
// (split by heads, every thread would read all rows at a stride that no prefetcher follows).
void attend_sequence(const float* qkv, const AttentionShape& shape, float score_scale,
                     const AttentionSequence& sequence, float* context) {
  const int64_t heads = shape.heads;
  const int64_t d = shape.head_dim;
  const int64_t rows = sequence.rows;
  const int64_t hidden = shape.hidden();
  const int64_t stride = 3 * hidden;
  // Padding keys add -10000 to the scores in float, which makes their probabilities exactly 0
  // unless every key is padding: then all are shifted alike and none is masked.
  const int64_t keys = sequence.real_tokens > 0 ? sequence.real_tokens : rows;
  const auto queries = std::make_unique_for_overwrite<uint8_t[]>(heads * rows * d);
  const auto query_scales = std::make_unique_for_overwrite<float[]>(heads * rows);
  const auto key_codes = std::make_unique_for_overwrite<int8_t[]>(heads * rows * d);
  const auto key_scales = std::make_unique_for_overwrite<float[]>(heads * rows);
  const auto key_offsets = std::make_unique_for_overwrite<int32_t[]>(heads * rows);
  const auto values = std::make_unique_for_overwrite<int8_t[]>(heads * rows * d);
  std::vector<float> value_scales(hidden, 0.0f);  // the largest magnitudes first
  std::vector<float> value_inverses(hidden);
  const auto scores = std::make_unique_for_overwrite<int32_t[]>(heads * rows * rows);
  const auto probabilities = std::make_unique_for_overwrite<uint8_t[]>(heads * rows * rows);
  const auto probability_scales = std::make_unique_for_overwrite<float[]>(heads * rows);
  const auto sums = std::make_unique_for_overwrite<int32_t[]>(heads * rows * d);
  const SequenceCodes codes{heads, rows, d, queries.get(), query_scales.get(), key_codes.get(), key_scales.get(),
                            key_offsets.get(), values.get(), value_scales.data()};
  const float* first = qkv + sequence.first_row * stride;
  const bool parallel = heads * rows * rows * d > 32768;

#pragma omp parallel if (parallel)
  {
    std::vector<float> largest(hidden, 0.0f);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      HWY_DYNAMIC_DISPATCH(QuantizeQueriesAndKeys)(first + r * stride, r, score_scale * kLog2E, codes,
                                                   r < keys ? largest.data() : nullptr);
    }
#pragma omp critical
    for (int64_t c = 0; c < hidden; ++c) value_scales[c] = std::max(value_scales[c], largest[c]);
#pragma omp barrier
#pragma omp single
    for (int64_t c = 0; c < hidden; ++c) {
      value_scales[c] = value_scales[c] > 0.0f ? value_scales[c] / 127.0f : 1.0f;
      value_inverses[c] = 1.0f / value_scales[c];
    }
    // The values of padding keys get weight 0: they are left out of the scales, and their codes
    // are 0 so that the sums stay exact.
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      if (r < keys) {
        HWY_DYNAMIC_DISPATCH(QuantizeValues)(first + r * stride, r, value_inverses.data(), codes);
      } else {
        for (int64_t head = 0; head < heads; ++head) std::fill_n(values.get() + (head * rows + r) * d, d, int8_t{0});
      }
    }
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
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; ++r) {
    HWY_DYNAMIC_DISPATCH(DequantizeContext)(sums.get(), r, probability_scales.get(), codes,
                                            context + (sequence.first_row + r) * hidden);
  }
}

}  // namespace

void self_attention_int8(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                         std::span<const AttentionSequence> sequences, std::span<float> context) {
  check_attention_sizes(qkv.size(), shape, sequences, context.size());
  try {
    // With two sequences or more per thread, each thread attends whole sequences on its own
    // (the parallel regions inside run on one thread): no barrier between a sequence's passes,
    // no thread waiting for the other's share of one (batch 8: 3 % of the model's time). Fewer,
    // and the threads share each sequence.
    if (std::ssize(sequences) >= 2 * omp_get_max_threads()) {
      std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic)
      for (const AttentionSequence& sequence : sequences) {
        try {
          attend_sequence(qkv.data(), shape, score_scale, sequence, context.data());
        } catch (...) {
#pragma omp critical
          failure = std::current_exception();
        }
      }
      if (failure) std::rethrow_exception(failure);
    } else {
      for (const AttentionSequence& sequence : sequences) {
        attend_sequence(qkv.data(), shape, score_scale, sequence, context.data());
      }
    }
  } catch (const dnnl::error& error) {
    throw Error(std::string("int8 attention: oneDNN failed: ") + error.what());
  }
}

}  // namespace ufb::ops
#endif  // HWY_ONCE
