// Our CMM kernel. A token's work has two parts:
//  1. routing: depth+1 dependent dot products down the tree. A lone token waits on every row
//     fetch, so up to kTokensPerBlock tokens walk their trees in lock-step: their independent
//     dot products overlap each other's latencies;
//  2. combining: the visited nodes' W_out rows, scaled by GELU(logit), are summed in one pass
//     over y, so y is written once rather than once per level.
// At large batch the weight traffic decides the speed: per token, 2·(depth+1) rows that are
// mostly far from the core. So the tree is cut in two bands of levels. All tokens first walk the
// top band (a few hundred KB of weights that stay in L2); then their indices, not their
// activations, are bucketed by the subtree they entered, and each bucket walks its own subtree,
// whose weights stay in L2 while every token of the bucket uses them.
// SIMD through Highway, dispatched once per forward call to the best target of this CPU.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/fff_native.cc"
#include <algorithm>
#include <bit>
#include <utility>
#include <vector>

#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "ops/fff_native_packing.h"
#include "ufb/ops/gelu.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using FloatTag = hn::ScalableTag<float>;

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
  int64_t* node;           // [batch]: current node within the tree
  int64_t* neurons;        // [batch, levels]: visited neuron per level (this tree)
  float* logits;           // [batch, levels]: the logit per level
  float* activations;      // [batch, levels]: GELU(logit) per level
  int levels;
};

// Walks levels [first_level, end_level) of tree `tree` for K tokens at once. `Chains`
// accumulators per token keep the FMA units busy when K alone is too small to.
template <int K, int Chains, typename T>
HWY_NOINLINE void RouteTokens(const FffNodeBlocks<T>& weights, const TokenPaths& paths,
                              const int64_t* token_ids, int64_t tree, int first_level, int end_level) {
  const FloatTag d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t hidden = weights.shape.hidden;
  const int64_t first_neuron = tree * weights.shape.nodes_per_tree();
  const float* tokens[K];
  int64_t node[K];
  for (int k = 0; k < K; ++k) {
    tokens[k] = paths.x + token_ids[k] * hidden;
    node[k] = paths.node[token_ids[k]];
  }
  for (int level = first_level; level < end_level; ++level) {
    const T* rows[K];
    for (int k = 0; k < K; ++k) rows[k] = weights.input_row(first_neuron + node[k]);
    hn::Vec<FloatTag> sum[K][Chains];
    for (int k = 0; k < K; ++k) {
      for (int c = 0; c < Chains; ++c) sum[k][c] = hn::Zero(d);
    }
    int64_t h = 0;
    for (; h + Chains * lanes <= hidden; h += Chains * lanes) {
      for (int c = 0; c < Chains; ++c) {
        for (int k = 0; k < K; ++k) {
          sum[k][c] = hn::MulAdd(hn::LoadU(d, tokens[k] + h + c * lanes),
                                 LoadWeights(d, rows[k] + h + c * lanes), sum[k][c]);
        }
      }
    }
    for (; h < hidden; h += lanes) {  // rows are zero-padded to whole vectors
      for (int k = 0; k < K; ++k) {
        sum[k][0] = hn::MulAdd(LoadActivations(d, tokens[k], h, hidden), LoadWeights(d, rows[k] + h),
                               sum[k][0]);
      }
    }
    const bool last_level = level + 1 == paths.levels;
    for (int k = 0; k < K; ++k) {
      for (int c = 1; c < Chains; ++c) sum[k][0] = hn::Add(sum[k][0], sum[k][c]);
      const int64_t neuron = first_neuron + node[k];
      const float logit = hn::GetLane(hn::SumOfLanes(d, sum[k][0])) + weights.bias[neuron];
      paths.neurons[token_ids[k] * paths.levels + level] = neuron;
      paths.logits[token_ids[k] * paths.levels + level] = logit;
      paths.activations[token_ids[k] * paths.levels + level] = gelu(logit);
      if (!last_level) node[k] = logit > 0.0f ? 2 * node[k] + 2 : 2 * node[k] + 1;
    }
  }
  for (int k = 0; k < K; ++k) paths.node[token_ids[k]] = node[k];
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
// then halves of it for the rest,
// and adds what those levels contribute to each token's y while their weights are still cached.
template <typename T>
void RouteAndCombine(const FffNativeCall<T>& call, const TokenPaths& paths, const int64_t* token_ids,
                     int64_t count, int64_t tree, int first_level, int end_level) {
  const int64_t hidden = call.weights->shape.hidden;
  const bool accumulate = tree > 0 || first_level > 0;
  int64_t done = 0;
  const auto route = [&](auto tokens_per_block) {
    constexpr int K = decltype(tokens_per_block)::value;
    for (; done + K <= count; done += K) {
      // Tokens of a bucket are scattered over x and y: fetch the next block's rows early.
      for (int64_t next = done + K; next < std::min(count, done + 2 * K); ++next) {
        PrefetchRow(call.x + token_ids[next] * hidden, hidden);
        PrefetchRow(call.y + token_ids[next] * hidden, hidden);
      }
      RouteTokens<K, kChainsPerBlock / K>(*call.weights, paths, token_ids + done, tree, first_level, end_level);
      for (int k = 0; k < K; ++k) {
        const int64_t path = token_ids[done + k] * paths.levels + first_level;
        CombineRows(*call.weights, paths.neurons + path, paths.activations + path, end_level - first_level,
                    accumulate, call.y + token_ids[done + k] * hidden);
      }
    }
  };
  [&]<int... Shift>(std::integer_sequence<int, Shift...>) {
    (route(std::integral_constant<int, (kTokensPerBlock >> Shift)>()), ...);
  }(std::make_integer_sequence<int, std::bit_width(unsigned{kTokensPerBlock})>());
}

// Below this many tokens per subtree, bucketing costs more than the shared rows save.
constexpr int64_t kMinTokensPerSubtree = 16;

template <typename T>
void Forward(const FffNativeCall<T>& call) {
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
  std::vector<float> logits(batch * levels), activations(batch * levels);
  const TokenPaths paths{call.x, node.data(), neurons.data(), logits.data(), activations.data(), levels};
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

void ForwardF32(const FffNativeCall<float>& call) { Forward(call); }
void ForwardBf16(const FffNativeCall<hwy::bfloat16_t>& call) { Forward(call); }

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "ops/fff_variants.h"
#include "ufb/error.h"

namespace ufb::ops {

HWY_EXPORT(ForwardF32);
HWY_EXPORT(ForwardBf16);

namespace {

hwy::bfloat16_t to_weight(float value, hwy::bfloat16_t*) {
  hwy::bfloat16_t result;
  result.bits = to_bf16_bits(value);
  return result;
}
float to_weight(float value, float*) { return value; }

constexpr int64_t kParallelPackValues = 1 << 16;

template <typename T>
FffNodeBlocks<T> pack_node_blocks(const FffWeights& weights) {
  const FffShape& shape = weights.shape;
  constexpr int64_t kElementsPerLine = 64 / sizeof(T);
  FffNodeBlocks<T> packed;
  packed.shape = shape;
  packed.row_stride = (shape.hidden + kElementsPerLine - 1) / kElementsPerLine * kElementsPerLine;
  const int64_t neurons = shape.neurons();
  const bool neuron_major = weights.w_out_layout == FffOutputLayout::neuron_major;
  packed.blocks = hwy::AllocateAligned<T>(static_cast<size_t>(neurons * packed.block_stride()));
  packed.bias = hwy::AllocateAligned<float>(static_cast<size_t>(neurons));
  if (!packed.blocks || !packed.bias) throw Error("out of memory packing FFF weights");
  T* blocks = packed.blocks.get();
  const T zero = to_weight(0.0f, static_cast<T*>(nullptr));
  // Training packs anew for every forward call, so this runs on all threads; each thread also
  // first-touches the pages it fills.
#pragma omp parallel for schedule(static) if (neurons * shape.hidden > kParallelPackValues)
  for (int64_t n = 0; n < neurons; ++n) {
    T* input_row = blocks + n * packed.block_stride();
    T* output_row = input_row + packed.row_stride;
    for (int64_t h = 0; h < shape.hidden; ++h) {
      input_row[h] = to_weight(weights.w_in[n * shape.hidden + h], static_cast<T*>(nullptr));
      const float output =
          neuron_major ? weights.w_out[n * shape.hidden + h] : weights.w_out[h * neurons + n];
      output_row[h] = to_weight(output, static_cast<T*>(nullptr));
    }
    std::fill(input_row + shape.hidden, output_row, zero);  // padding to whole lines
    std::fill(output_row + shape.hidden, output_row + packed.row_stride, zero);
    packed.bias[n] = weights.b_in[n];
  }
  return packed;
}

template <typename T>
class NativeFff final : public FffKernel {
 public:
  explicit NativeFff(const FffWeights& weights)
      : FffKernel(weights), packed_(pack_node_blocks<T>(weights)) {}

  int64_t held_bytes() const override {
    const FffShape& shape = packed_.shape;
    const int64_t neurons = shape.trees * ((int64_t{2} << shape.depth) - 1);
    return neurons * (packed_.block_stride() * static_cast<int64_t>(sizeof(T)) + static_cast<int64_t>(sizeof(float)));
  }

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    const FffNativeCall<T> call{&packed_, x, batch, y, record};
    if constexpr (std::is_same_v<T, float>) {
      HWY_DYNAMIC_DISPATCH(ForwardF32)(call);
    } else {
      HWY_DYNAMIC_DISPATCH(ForwardBf16)(call);
    }
  }

  FffNodeBlocks<T> packed_;
};

}  // namespace

std::unique_ptr<FffKernel> make_native_fff(const FffWeights& weights, WeightType weight_type) {
  switch (weight_type) {
    case WeightType::f32: return std::make_unique<NativeFff<float>>(weights);
    case WeightType::bf16: return std::make_unique<NativeFff<hwy::bfloat16_t>>(weights);
    case WeightType::int8: break;
  }
  throw Error("the native FFF kernel has no int8 weights yet (f32 or bf16)");
}

}  // namespace ufb::ops
#endif  // HWY_ONCE
