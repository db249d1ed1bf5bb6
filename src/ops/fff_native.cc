// Our CMM kernel. A token's work has two parts:
//  1. routing: depth+1 dependent dot products down the tree. A lone token waits on every row
//     fetch, so up to kTokensPerBlock tokens walk their trees in lock-step: their independent
//     dot products overlap each other's latencies;
//  2. combining: once a token has walked the whole tree, the visited nodes' W_out rows, scaled
//     by GELU(logit), are summed in one pass over y, so y is written once rather than per level.
// At large batch the weight traffic decides the speed: per token, 2·(depth+1) rows that are
// mostly far from the core. So the tree is cut in two bands of levels. All tokens first walk the
// top band (a few hundred KB of weights that stay in L2); then their indices, not their
// activations, are bucketed by the subtree they entered, and each bucket walks its own subtree,
// whose weights stay in L2 while every token of the bucket uses them. The top band only routes:
// its tokens' y rows (by then out of cache) are left alone until the subtree walk combines all
// levels, which saves a read and a write of y per token (batch 16384: 12-17 % of the time).
// Weights in f32 or bf16 against float32 tokens, or in int8 against int8 tokens (docs/model.md
// §6): only the node logits differ, the walk and the combining are the same code. int8 logits
// are exact int32 dot products: vpdpbusd where the CPU has AVX512-VNNI (Highway's AVX3_DL
// target), pairs of int16 products elsewhere.
// SIMD through Highway, dispatched once per forward call to the best target of this CPU.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/fff_native.cc"
#include <algorithm>
#include <bit>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "ops/fff_int8.h"
#include "ops/fff_native_packing.h"
#include "ops/gelu-inl.h"
#include "ops/int8_quantization-inl.h"
#include "ufb/error.h"

HWY_BEFORE_NAMESPACE();
#if HWY_TARGET == HWY_AVX3_DL
// Highway 1.0.3 lists AVX-VNNI, not AVX512-VNNI, among this target's compiler features, though
// its run-time check requires AVX512-VNNI: allow the compiler vpdpbusd on 512-bit vectors.
HWY_PUSH_ATTRIBUTES(HWY_TARGET_STR ",avx512vnni")
#endif
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using FloatTag = hn::ScalableTag<float>;

#if HWY_TARGET == HWY_AVX3_DL
// vpdpbusd multiplies unsigned by signed bytes: tokens' codes are shifted by 128 into uint8, and
// the weights' 128 · Σ codes (FffNodeBlocks::input_offsets) comes off the sum.
using TokenCode = uint8_t;
#else
// The codes widened once per call, so that the routing loop widens only the weights.
using TokenCode = int16_t;
#endif

// Four tokens' inputs and current rows (4 x 2 x 3 KB at hidden 768) fit a 32 KB L1 cache.
constexpr int kTokensPerBlock = 4;
// Accumulator chains per routing block: enough independent FMAs to cover their latency.
constexpr int kChainsPerBlock = 8;
constexpr int kCombineAccumulators = 8;

HWY_INLINE hn::Vec<FloatTag> LoadWeights(FloatTag d, const float* p) { return hn::Load(d, p); }

HWY_INLINE hn::Vec<FloatTag> LoadWeights(FloatTag d, const hwy::bfloat16_t* p) {
  const hn::Rebind<hwy::bfloat16_t, FloatTag> d_bf16;
  return hn::PromoteTo(d, hn::LoadU(d_bf16, p));
}

HWY_INLINE hn::Vec<FloatTag> LoadWeights(FloatTag d, const int8_t* p) {
  const hn::Rebind<int32_t, FloatTag> d32;
  const hn::Rebind<int8_t, FloatTag> d8;
  return hn::ConvertTo(d, hn::PromoteTo(d32, hn::LoadU(d8, p)));
}

// Loads x[h..h+lanes) with the lanes at or past `hidden` zeroed (and never read). A partial
// vector goes through a buffer: Highway 1.0.3's MaskedLoad reads the whole vector, aligned, on
// SSSE3/SSE4 (found by running the tests on every target).
HWY_INLINE hn::Vec<FloatTag> LoadActivations(FloatTag d, const float* x, int64_t h, int64_t hidden) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (h + lanes <= hidden) return hn::LoadU(d, x + h);
  HWY_ALIGN float partial[hwy::kMaxVectorSize / sizeof(float)] = {};
  std::copy(x + h, x + hidden, partial);
  return hn::Load(d, partial);
}

template <typename T>
HWY_INLINE void PrefetchRow(const T* row, int64_t count) {
  for (int64_t i = 0; i < count; i += 64 / sizeof(T)) hwy::Prefetch(row + i);
}

// The tokens one routing call works on, and where their paths are recorded.
struct TokenPaths {
  const float* x;          // [batch, hidden]
  const TokenCode* x_codes;  // int8 weights only: [batch, row stride], the tokens' int8 codes
  const float* x_scales;   // int8 weights only: [batch]
  int64_t* node;           // [batch]: current node within the tree
  int64_t* neurons;        // [batch, levels]: visited neuron per level (this tree)
  float* logits;           // [batch, levels]: the logit per level
  int levels;
};

// The logits of K tokens at the K rows given: float32 activations against float32 or bf16
// weights, `Chains` accumulators per token keeping the FMA units busy when K alone is too small to.
template <int K, int Chains, typename T>
HWY_INLINE void NodeLogits(const FffNodeBlocks<T>& weights, const TokenPaths& paths, const int64_t* token_ids,
                           const int64_t* neurons, float* logits) {
  const FloatTag d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t hidden = weights.shape.hidden;
  const float* tokens[K];
  const T* rows[K];
  for (int k = 0; k < K; ++k) {
    tokens[k] = paths.x + token_ids[k] * hidden;
    rows[k] = weights.input_row(neurons[k]);
  }
  hn::Vec<FloatTag> sum[K][Chains];
  for (int k = 0; k < K; ++k) {
    for (int c = 0; c < Chains; ++c) sum[k][c] = hn::Zero(d);
  }
  int64_t h = 0;
  for (; h + Chains * lanes <= hidden; h += Chains * lanes) {
    for (int c = 0; c < Chains; ++c) {
      for (int k = 0; k < K; ++k) {
        sum[k][c] = hn::MulAdd(hn::LoadU(d, tokens[k] + h + c * lanes), LoadWeights(d, rows[k] + h + c * lanes),
                               sum[k][c]);
      }
    }
  }
  for (; h < hidden; h += lanes) {  // rows are zero-padded to whole vectors
    for (int k = 0; k < K; ++k) {
      sum[k][0] = hn::MulAdd(LoadActivations(d, tokens[k], h, hidden), LoadWeights(d, rows[k] + h), sum[k][0]);
    }
  }
  for (int k = 0; k < K; ++k) {
    for (int c = 1; c < Chains; ++c) sum[k][0] = hn::Add(sum[k][0], sum[k][c]);
    logits[k] = hn::GetLane(hn::SumOfLanes(d, sum[k][0])) + weights.bias[neurons[k]];
  }
}

#if HWY_TARGET == HWY_AVX3_DL
// The same for int8 weights against the tokens' shifted codes: groups of four byte products
// summed into int32 (vpdpbusd), so the sum is exact and the logit depends on no summation order;
// the reference computes it with the same fff_int8_logit. The weights are zero past `hidden`.
template <int K, int Chains>
HWY_INLINE void NodeLogits(const FffNodeBlocks<int8_t>& weights, const TokenPaths& paths, const int64_t* token_ids,
                           const int64_t* neurons, float* logits) {
  const hn::ScalableTag<uint8_t> d_token;
  const hn::ScalableTag<int8_t> d_weight;
  const hn::ScalableTag<int32_t> d32;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d_token));
  const int64_t stride = weights.row_stride;  // a whole number of vectors
  const uint8_t* tokens[K];
  const int8_t* rows[K];
  for (int k = 0; k < K; ++k) {
    tokens[k] = paths.x_codes + token_ids[k] * stride;
    rows[k] = weights.input_row(neurons[k]);
  }
  const auto dot_bytes = [&](hn::Vec<decltype(d32)> sum, const uint8_t* token, const int8_t* row) {
    return hn::Vec<decltype(d32)>{_mm512_dpbusd_epi32(sum.raw, hn::Load(d_token, token).raw, hn::Load(d_weight, row).raw)};
  };
  hn::Vec<decltype(d32)> sum[K][Chains];
  for (int k = 0; k < K; ++k) {
    for (int c = 0; c < Chains; ++c) sum[k][c] = hn::Zero(d32);
  }
  int64_t h = 0;
  for (; h + Chains * lanes <= stride; h += Chains * lanes) {
    for (int c = 0; c < Chains; ++c) {
      for (int k = 0; k < K; ++k) sum[k][c] = dot_bytes(sum[k][c], tokens[k] + h + c * lanes, rows[k] + h + c * lanes);
    }
  }
  for (; h < stride; h += lanes) {
    for (int k = 0; k < K; ++k) sum[k][0] = dot_bytes(sum[k][0], tokens[k] + h, rows[k] + h);
  }
  for (int k = 0; k < K; ++k) {
    for (int c = 1; c < Chains; ++c) sum[k][0] = hn::Add(sum[k][0], sum[k][c]);
    const int32_t dot = hn::GetLane(hn::SumOfLanes(d32, sum[k][0])) - weights.input_offsets[neurons[k]];
    logits[k] = fff_int8_logit(dot, paths.x_scales[token_ids[k]], weights.input_scale[neurons[k]],
                               weights.bias[neurons[k]]);
  }
}
#else
// The same for int8 weights against the tokens' int8 codes: pairs of int16 products summed into
// int32 (vpmaddwd on x86), so the sum is exact and the logit depends on no summation order; the
// reference computes it with the same fff_int8_logit. The codes are zero past `hidden`.
template <int K, int Chains>
HWY_INLINE void NodeLogits(const FffNodeBlocks<int8_t>& weights, const TokenPaths& paths, const int64_t* token_ids,
                           const int64_t* neurons, float* logits) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Rebind<int8_t, decltype(d16)> d8;
  const hn::RepartitionToWide<decltype(d16)> d32;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d16));
  const int64_t stride = weights.row_stride;  // a whole number of vectors of every target
  const int16_t* tokens[K];
  const int8_t* rows[K];
  for (int k = 0; k < K; ++k) {
    tokens[k] = paths.x_codes + token_ids[k] * stride;
    rows[k] = weights.input_row(neurons[k]);
  }
  // ReorderWidenMulAccumulate may put half the products in a second sum (targets without madd).
  hn::Vec<decltype(d32)> sum[K][Chains], odd[K][Chains];
  for (int k = 0; k < K; ++k) {
    for (int c = 0; c < Chains; ++c) sum[k][c] = odd[k][c] = hn::Zero(d32);
  }
  int64_t h = 0;
  for (; h + Chains * lanes <= stride; h += Chains * lanes) {
    for (int c = 0; c < Chains; ++c) {
      for (int k = 0; k < K; ++k) {
        sum[k][c] = hn::ReorderWidenMulAccumulate(d32, hn::Load(d16, tokens[k] + h + c * lanes),
                                                  hn::PromoteTo(d16, hn::LoadU(d8, rows[k] + h + c * lanes)),
                                                  sum[k][c], odd[k][c]);
      }
    }
  }
  for (; h < stride; h += lanes) {
    for (int k = 0; k < K; ++k) {
      sum[k][0] = hn::ReorderWidenMulAccumulate(d32, hn::Load(d16, tokens[k] + h),
                                                hn::PromoteTo(d16, hn::LoadU(d8, rows[k] + h)), sum[k][0], odd[k][0]);
    }
  }
  for (int k = 0; k < K; ++k) {
    for (int c = 0; c < Chains; ++c) sum[k][c] = hn::Add(sum[k][c], odd[k][c]);
    for (int c = 1; c < Chains; ++c) sum[k][0] = hn::Add(sum[k][0], sum[k][c]);
    const int32_t dot = hn::GetLane(hn::SumOfLanes(d32, sum[k][0]));
    logits[k] = fff_int8_logit(dot, paths.x_scales[token_ids[k]], weights.input_scale[neurons[k]],
                               weights.bias[neurons[k]]);
  }
}

#endif  // HWY_TARGET == HWY_AVX3_DL

// Walks levels [first_level, end_level) of tree `tree` for K tokens at once.
template <int K, int Chains, typename T>
HWY_NOINLINE void RouteTokens(const FffNodeBlocks<T>& weights, const TokenPaths& paths,
                              const int64_t* token_ids, int64_t tree, int first_level, int end_level) {
  const int64_t first_neuron = tree * weights.shape.nodes_per_tree();
  int64_t node[K];
  for (int k = 0; k < K; ++k) node[k] = paths.node[token_ids[k]];
  for (int level = first_level; level < end_level; ++level) {
    int64_t neurons[K];
    float logits[K];
    for (int k = 0; k < K; ++k) neurons[k] = first_neuron + node[k];
    NodeLogits<K, Chains>(weights, paths, token_ids, neurons, logits);
    const bool last_level = level + 1 == paths.levels;
    for (int k = 0; k < K; ++k) {
      const int64_t at = token_ids[k] * paths.levels + level;
      paths.neurons[at] = neurons[k];
      paths.logits[at] = logits[k];
      if (!last_level) node[k] = logits[k] > 0.0f ? 2 * node[k] + 2 : 2 * node[k] + 1;
    }
  }
  for (int k = 0; k < K; ++k) paths.node[token_ids[k]] = node[k];
}

// Room for a token's logits or activations of every level, in whole vectors.
constexpr int kLevelsRoom = FffShape::kMaxDepth + 1 + static_cast<int>(hwy::kMaxVectorSize / sizeof(float));

// GELU(logit) of each level a token visited, vectorised (the scalar erf took a tenth of the int8
// kernel's time). int8 W_out rows are codes: their scales go into these weights.
template <typename T>
HWY_INLINE void LevelActivations(const FffNodeBlocks<T>& weights, const int64_t* neurons, const float* logits,
                                 int levels, float* activations) {
  const FloatTag d;
  const int lanes = static_cast<int>(hn::Lanes(d));
  HWY_ALIGN float padded[kLevelsRoom] = {};
  std::copy(logits, logits + levels, padded);
  for (int level = 0; level < levels; level += lanes) {
    hn::Store(Gelu(d, hn::Load(d, padded + level)), d, activations + level);
  }
  if constexpr (std::is_same_v<T, int8_t>) {
    for (int level = 0; level < levels; ++level) activations[level] *= weights.output_scale[neurons[level]];
  }
}

// y (+)= sum over r of activations[r] · W_out row of neurons[r], in one pass over y.
template <typename T>
HWY_NOINLINE void CombineRows(const FffNodeBlocks<T>& weights, const int64_t* neurons,
                              const float* activations, int64_t count, bool accumulate, float* y) {
  const FloatTag d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t hidden = weights.shape.hidden;
  constexpr int kChains = kCombineAccumulators;
  int64_t h = 0;
  for (; h + kChains * lanes <= hidden; h += kChains * lanes) {
    hn::Vec<FloatTag> sum[kChains];
    for (int c = 0; c < kChains; ++c) sum[c] = accumulate ? hn::LoadU(d, y + h + c * lanes) : hn::Zero(d);
    for (int64_t r = 0; r < count; ++r) {
      const T* row = weights.output_row(neurons[r]) + h;
      const auto scale = hn::Set(d, activations[r]);
      for (int c = 0; c < kChains; ++c) sum[c] = hn::MulAdd(scale, LoadWeights(d, row + c * lanes), sum[c]);
    }
    for (int c = 0; c < kChains; ++c) hn::StoreU(sum[c], d, y + h + c * lanes);
  }
  for (; h < hidden; h += lanes) {
    auto sum = accumulate ? LoadActivations(d, y, h, hidden) : hn::Zero(d);
    for (int64_t r = 0; r < count; ++r) {
      sum = hn::MulAdd(hn::Set(d, activations[r]), LoadWeights(d, weights.output_row(neurons[r]) + h), sum);
    }
    if (h + lanes <= hidden) {
      hn::StoreU(sum, d, y + h);
    } else {
      hn::BlendedStore(sum, hn::FirstN(d, static_cast<size_t>(hidden - h)), d, y + h);
    }
  }
}

// Routes the listed tokens through levels [first_level, end_level) in blocks of kTokensPerBlock,
// then halves of it for the rest; where that ends the walk, adds what all levels contribute to
// each token's y while the subtree's weights are still cached.
template <typename T>
void RouteAndCombine(const FffNativeCall<T>& call, const TokenPaths& paths, const int64_t* token_ids,
                     int64_t count, int64_t tree, int first_level, int end_level) {
  const int64_t hidden = call.weights->shape.hidden;
  const bool combine = end_level == paths.levels;
  const bool accumulate = tree > 0;
  int64_t done = 0;
  const auto route = [&](auto tokens_per_block) {
    constexpr int K = decltype(tokens_per_block)::value;
    for (; done + K <= count; done += K) {
      // Tokens of a bucket are scattered over x and y: fetch the next block's rows early.
      for (int64_t next = done + K; next < std::min(count, done + 2 * K); ++next) {
        if constexpr (std::is_same_v<T, int8_t>) {
          PrefetchRow(paths.x_codes + token_ids[next] * call.weights->row_stride, hidden);
        } else {
          PrefetchRow(call.x + token_ids[next] * hidden, hidden);
        }
        if (combine) PrefetchRow(call.y + token_ids[next] * hidden, hidden);
      }
      RouteTokens<K, kChainsPerBlock / K>(*call.weights, paths, token_ids + done, tree, first_level, end_level);
      if (!combine) continue;
      for (int k = 0; k < K; ++k) {
        const int64_t path = token_ids[done + k] * paths.levels;
        HWY_ALIGN float activations[kLevelsRoom];
        LevelActivations(*call.weights, paths.neurons + path, paths.logits + path, paths.levels, activations);
        CombineRows(*call.weights, paths.neurons + path, activations, paths.levels, accumulate,
                    call.y + token_ids[done + k] * hidden);
      }
    }
  };
  [&]<int... Shift>(std::integer_sequence<int, Shift...>) {
    (route(std::integral_constant<int, (kTokensPerBlock >> Shift)>()), ...);
  }(std::make_integer_sequence<int, std::bit_width(unsigned{kTokensPerBlock})>());
}

// Below this many tokens per subtree, bucketing costs more than the shared rows save.
constexpr int64_t kMinTokensPerSubtree = 16;

// int8 calls pass the tokens' codes ([batch, row stride]) and scales ([batch]).
template <typename T>
void Forward(const FffNativeCall<T>& call, const TokenCode* x_codes = nullptr, const float* x_scales = nullptr) {
  const FffShape& shape = call.weights->shape;
  const int64_t batch = call.batch;
  const int levels = shape.levels();
  // The top band ends where a subtree's share of the batch would get too small.
  int split = levels;
  if (levels >= 4) {
    split = (levels + 1) / 2;
    while (split > 1 && (batch >> split) < kMinTokensPerSubtree) --split;
    if ((batch >> split) < kMinTokensPerSubtree) split = levels;
  }
  std::vector<int64_t> node(batch), neurons(batch * levels), token_ids(batch);
  std::vector<float> logits(batch * levels);
  const TokenPaths paths{call.x, x_codes, x_scales, node.data(), neurons.data(), logits.data(), levels};
  for (int64_t b = 0; b < batch; ++b) token_ids[b] = b;
  const bool parallel = batch >= 2 * kTokensPerBlock;

  for (int64_t tree = 0; tree < shape.trees; ++tree) {
    std::fill(node.begin(), node.end(), 0);
    const int64_t blocks = (batch + kTokensPerBlock - 1) / kTokensPerBlock;
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t block = 0; block < blocks; ++block) {
      const int64_t first = block * kTokensPerBlock;
      RouteAndCombine(call, paths, token_ids.data() + first, std::min<int64_t>(kTokensPerBlock, batch - first),
                      tree, 0, split);
    }
    if (split < levels) {
      // Counting sort of token ids by the subtree (node at level `split`) they entered.
      const int64_t first_node = (int64_t{1} << split) - 1;
      const int64_t subtrees = int64_t{1} << split;
      std::vector<int64_t> bucket_start(subtrees + 1, 0);
      for (int64_t b = 0; b < batch; ++b) ++bucket_start[node[b] - first_node + 1];
      for (int64_t s = 0; s < subtrees; ++s) bucket_start[s + 1] += bucket_start[s];
      std::vector<int64_t> fill(bucket_start.begin(), bucket_start.end() - 1);
      for (int64_t b = 0; b < batch; ++b) token_ids[fill[node[b] - first_node]++] = b;
#pragma omp parallel for schedule(dynamic) if (parallel)
      for (int64_t s = 0; s < subtrees; ++s) {
        RouteAndCombine(call, paths, token_ids.data() + bucket_start[s], bucket_start[s + 1] - bucket_start[s],
                        tree, split, levels);
      }
    }
    const FffRecord<float>& record = call.record;
    if (record.leaves) {
      for (int64_t b = 0; b < batch; ++b) record.leaves[b * shape.trees + tree] = static_cast<int32_t>(node[b]);
    }
    for (int64_t b = 0; record.neurons && b < batch; ++b) {
      for (int level = 0; level < levels; ++level) {
        record.step(shape, b, tree, level, neurons[b * levels + level], logits[b * levels + level]);
      }
    }
  }
}

// The tokens of one int8 call: their codes, in rows as long as the weights' (zero past hidden),
// and their scales.
class TokenCodes {
 public:
  TokenCodes(const float* x, int64_t batch, int64_t hidden, int64_t row_stride)
      : codes_(hwy::AllocateAligned<TokenCode>(static_cast<size_t>(batch * row_stride))), scales_(batch) {
    if (!codes_) throw Error("out of memory quantizing FFF inputs");
#pragma omp parallel for schedule(static) if (batch * hidden > kParallelValues)
    for (int64_t b = 0; b < batch; ++b) {
      TokenCode* row = codes_.get() + b * row_stride;
      scales_[b] = QuantizeRowTo(x + b * hidden, hidden, row);
      std::fill(row + hidden, row + row_stride, TokenCode{0});
    }
  }

  const TokenCode* codes() const { return codes_.get(); }
  const float* scales() const { return scales_.data(); }

 private:
  static constexpr int64_t kParallelValues = 1 << 16;
  hwy::AlignedFreeUniquePtr<TokenCode[]> codes_;
  std::vector<float> scales_;
};

void ForwardF32(const FffNativeCall<float>& call) { Forward(call); }
void ForwardBf16(const FffNativeCall<hwy::bfloat16_t>& call) { Forward(call); }
void ForwardInt8(const FffNativeCall<int8_t>& call) {
  const TokenCodes tokens(call.x, call.batch, call.weights->shape.hidden, call.weights->row_stride);
  Forward(call, tokens.codes(), tokens.scales());
}

}  // namespace ufb::ops::HWY_NAMESPACE
#if HWY_TARGET == HWY_AVX3_DL
HWY_POP_ATTRIBUTES
#endif
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "ops/fff_variants.h"
#include "ops/int8_quantization.h"
#include "ufb/error.h"

namespace ufb::ops {

HWY_EXPORT(ForwardF32);
HWY_EXPORT(ForwardBf16);
HWY_EXPORT(ForwardInt8);

namespace {

// Stores row[0, count) as T and returns the scale its stored values are multiplied by.
float store_row(const float* row, int64_t count, float* out) {
  std::copy(row, row + count, out);
  return 1.0f;
}
float store_row(const float* row, int64_t count, hwy::bfloat16_t* out) {
  for (int64_t i = 0; i < count; ++i) out[i].bits = to_bf16_bits(row[i]);
  return 1.0f;
}
float store_row(const float* row, int64_t count, int8_t* out) { return quantize_row_int8(row, count, out); }

constexpr int64_t kParallelPackValues = 1 << 16;

template <typename T>
FffNodeBlocks<T> pack_node_blocks(const FffWeights& weights) {
  constexpr bool kInt8 = std::is_same_v<T, int8_t>;
  const FffShape& shape = weights.shape;
  constexpr int64_t kElementsPerLine = 64 / sizeof(T);
  FffNodeBlocks<T> packed;
  packed.shape = shape;
  packed.row_stride = (shape.hidden + kElementsPerLine - 1) / kElementsPerLine * kElementsPerLine;
  const int64_t neurons = shape.neurons();
  const bool neuron_major = weights.w_out_layout == FffOutputLayout::neuron_major;
  packed.blocks = hwy::AllocateAligned<T>(static_cast<size_t>(neurons * packed.block_stride()));
  packed.bias = hwy::AllocateAligned<float>(static_cast<size_t>(neurons));
  if (kInt8) {
    packed.input_scale = hwy::AllocateAligned<float>(static_cast<size_t>(neurons));
    packed.output_scale = hwy::AllocateAligned<float>(static_cast<size_t>(neurons));
    packed.input_offsets = hwy::AllocateAligned<int32_t>(static_cast<size_t>(neurons));
  }
  if (!packed.blocks || !packed.bias ||
      (kInt8 && (!packed.input_scale || !packed.output_scale || !packed.input_offsets))) {
    throw Error("out of memory packing FFF weights");
  }
  T* blocks = packed.blocks.get();
  // Training packs anew for every forward call, so this runs on all threads; each thread also
  // first-touches the pages it fills.
#pragma omp parallel for schedule(static) if (neurons * shape.hidden > kParallelPackValues)
  for (int64_t n = 0; n < neurons; ++n) {
    T* input_row = blocks + n * packed.block_stride();
    T* output_row = input_row + packed.row_stride;
    std::vector<float> column;  // W_out's column n, where W_out is [hidden, neurons]
    const float* output = weights.w_out.data() + n * shape.hidden;
    if (!neuron_major) {
      column.resize(shape.hidden);
      for (int64_t h = 0; h < shape.hidden; ++h) column[h] = weights.w_out[h * neurons + n];
      output = column.data();
    }
    const float input_scale = store_row(weights.w_in.data() + n * shape.hidden, shape.hidden, input_row);
    const float output_scale = store_row(output, shape.hidden, output_row);
    std::fill(input_row + shape.hidden, output_row, T{});  // padding to whole lines
    std::fill(output_row + shape.hidden, output_row + packed.row_stride, T{});
    packed.bias[n] = weights.b_in[n];
    if constexpr (kInt8) {
      packed.input_scale[n] = input_scale;
      packed.output_scale[n] = output_scale;
      packed.input_offsets[n] = 128 * std::accumulate(input_row, input_row + shape.hidden, int32_t{0});
    }
  }
  return packed;
}

template <typename T>
class NativeFff final : public FffKernel {
 public:
  explicit NativeFff(const FffWeights& weights)
      : FffKernel(weights), packed_(pack_node_blocks<T>(weights)) {}

  int64_t held_bytes() const override {
    // int8: bias, two scales and the W_in row's offset per neuron.
    const int64_t scale_bytes = std::is_same_v<T, int8_t> ? 3 * sizeof(float) + sizeof(int32_t) : sizeof(float);
    return packed_.shape.neurons() * (packed_.block_stride() * static_cast<int64_t>(sizeof(T)) + scale_bytes);
  }

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    FffNativeCall<T> call{&packed_, x, batch, y, record};
    if constexpr (std::is_same_v<T, float>) {
      HWY_DYNAMIC_DISPATCH(ForwardF32)(call);
    } else if constexpr (std::is_same_v<T, hwy::bfloat16_t>) {
      HWY_DYNAMIC_DISPATCH(ForwardBf16)(call);
    } else {
      HWY_DYNAMIC_DISPATCH(ForwardInt8)(call);
    }
  }

  FffNodeBlocks<T> packed_;
};

}  // namespace

std::unique_ptr<FffKernel> make_native_fff(const FffWeights& weights, WeightType weight_type) {
  switch (weight_type) {
    case WeightType::f32: return std::make_unique<NativeFff<float>>(weights);
    case WeightType::bf16: return std::make_unique<NativeFff<hwy::bfloat16_t>>(weights);
    case WeightType::int8: return std::make_unique<NativeFff<int8_t>>(weights);
  }
  throw Error("unhandled FFF weight type");
}

}  // namespace ufb::ops
#endif  // HWY_ONCE
