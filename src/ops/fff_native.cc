// Our CMM kernel. Each token's work splits into two phases:
//  1. routing: depth+1 dependent dot products down the tree. A lone token waits on every row
//     fetch, so kTokensPerBlock tokens walk their trees in lock-step (independent dot products
//     overlap their latencies) and both candidate rows of the next level are prefetched;
//  2. combining: the visited nodes' W_out rows, scaled by GELU(logit), are summed in one pass
//     over y, which therefore is written once instead of once per level.
// SIMD through Highway, dispatched once per forward call to the best target of this CPU.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/fff_native.cc"
#include <vector>

#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/cache_control.h"
#include "ops/fff_native_packing.h"
#include "ufb/ops/gelu.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using FloatTag = hn::ScalableTag<float>;

constexpr int kTokensPerBlock = 8;
constexpr int kCombineAccumulators = 8;

HWY_INLINE hn::Vec<FloatTag> LoadWeights(FloatTag d, const float* p) { return hn::Load(d, p); }

HWY_INLINE hn::Vec<FloatTag> LoadWeights(FloatTag d, const hwy::bfloat16_t* p) {
  const hn::Rebind<hwy::bfloat16_t, FloatTag> d_bf16;
  return hn::PromoteTo(d, hn::LoadU(d_bf16, p));
}

// Loads x[h..h+lanes) with the lanes at or past `hidden` zeroed (and never read).
HWY_INLINE hn::Vec<FloatTag> LoadActivations(FloatTag d, const float* x, int64_t h, int64_t hidden) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (h + lanes <= hidden) return hn::LoadU(d, x + h);
  return hn::MaskedLoad(hn::FirstN(d, static_cast<size_t>(hidden - h)), d, x + h);
}

template <typename T>
HWY_INLINE void PrefetchRow(const T* row, int64_t elements) {
  const char* bytes = reinterpret_cast<const char*>(row);
  for (int64_t offset = 0; offset < elements * static_cast<int64_t>(sizeof(T)); offset += 64) {
    hwy::Prefetch(bytes + offset);
  }
}

// Walks tree `tree` for K tokens at once. `Chains` accumulators per token keep the FMA units
// busy when K alone is too small to. Writes each token's visited neurons and GELU(logits) to
// neurons[k * stride + level] and activations[k * stride + level].
template <int K, int Chains, typename T>
HWY_NOINLINE void RouteTokens(const FffNodeBlocks<T>& weights, const float* const* tokens,
                              int64_t tree, int64_t* neurons, float* activations, int64_t stride,
                              int32_t* const* leaves) {
  const FloatTag d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const FffShape& shape = weights.shape;
  const int64_t hidden = shape.hidden;
  const int64_t first_neuron = tree * shape.nodes_per_tree();
  int64_t node[K] = {};
  for (int level = 0; level < shape.levels(); ++level) {
    const bool last_level = level + 1 == shape.levels();
    const T* rows[K];
    for (int k = 0; k < K; ++k) {
      rows[k] = weights.input_row(first_neuron + node[k]);
      if (!last_level) {
        PrefetchRow(weights.input_row(first_neuron + 2 * node[k] + 1), hidden);
        PrefetchRow(weights.input_row(first_neuron + 2 * node[k] + 2), hidden);
      }
    }
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
    for (int k = 0; k < K; ++k) {
      for (int c = 1; c < Chains; ++c) sum[k][0] = hn::Add(sum[k][0], sum[k][c]);
      const int64_t neuron = first_neuron + node[k];
      const float logit = hn::GetLane(hn::SumOfLanes(d, sum[k][0])) + weights.bias[neuron];
      neurons[k * stride + level] = neuron;
      activations[k * stride + level] = gelu(logit);
      if (!last_level) node[k] = logit > 0.0f ? 2 * node[k] + 2 : 2 * node[k] + 1;
    }
  }
  for (int k = 0; k < K; ++k) {
    if (leaves[k]) *leaves[k] = static_cast<int32_t>(node[k]);
  }
}

// y[0..hidden) = sum over r of activations[r] · W_out row of neurons[r], in one pass over y.
template <typename T>
HWY_NOINLINE void CombineRows(const FffNodeBlocks<T>& weights, const int64_t* neurons,
                              const float* activations, int64_t count, float* y) {
  const FloatTag d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t hidden = weights.shape.hidden;
  constexpr int kChains = kCombineAccumulators;
  int64_t h = 0;
  for (; h + kChains * lanes <= hidden; h += kChains * lanes) {
    hn::Vec<FloatTag> sum[kChains];
    for (int c = 0; c < kChains; ++c) sum[c] = hn::Zero(d);
    for (int64_t r = 0; r < count; ++r) {
      const T* row = weights.output_row(neurons[r]) + h;
      const auto scale = hn::Set(d, activations[r]);
      for (int c = 0; c < kChains; ++c) {
        sum[c] = hn::MulAdd(scale, LoadWeights(d, row + c * lanes), sum[c]);
      }
    }
    for (int c = 0; c < kChains; ++c) hn::StoreU(sum[c], d, y + h + c * lanes);
  }
  for (; h < hidden; h += lanes) {
    auto sum = hn::Zero(d);
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

// Runs K consecutive tokens starting at `first_token` through every tree.
template <int K, typename T>
HWY_INLINE void ForwardBlock(const FffNativeCall<T>& call, int64_t first_token, int64_t* neurons,
                             float* activations) {
  const FffShape& shape = call.weights->shape;
  const int64_t path_length = shape.trees * shape.levels();
  const float* tokens[K];
  int32_t* leaves[K];
  for (int k = 0; k < K; ++k) {
    tokens[k] = call.x + (first_token + k) * shape.hidden;
  }
  for (int64_t tree = 0; tree < shape.trees; ++tree) {
    for (int k = 0; k < K; ++k) {
      leaves[k] = call.leaves ? call.leaves + (first_token + k) * shape.trees + tree : nullptr;
    }
    const int64_t offset = tree * shape.levels();
    RouteTokens<K, kTokensPerBlock / K>(*call.weights, tokens, tree, neurons + offset,
                                        activations + offset, path_length, leaves);
  }
  for (int k = 0; k < K; ++k) {
    CombineRows(*call.weights, neurons + k * path_length, activations + k * path_length,
                path_length, call.y + (first_token + k) * shape.hidden);
  }
}

template <typename T>
void Forward(const FffNativeCall<T>& call) {
  const FffShape& shape = call.weights->shape;
  const int64_t path_length = shape.trees * shape.levels();
  const int64_t full_blocks = call.batch / kTokensPerBlock;
#pragma omp parallel
  {
    std::vector<int64_t> neurons(kTokensPerBlock * path_length);
    std::vector<float> activations(kTokensPerBlock * path_length);
#pragma omp for schedule(static)
    for (int64_t block = 0; block < full_blocks; ++block) {
      ForwardBlock<kTokensPerBlock>(call, block * kTokensPerBlock, neurons.data(), activations.data());
    }
#pragma omp single
    {
      // The last batch % kTokensPerBlock tokens, in blocks of 4, 2 and 1.
      int64_t token = full_blocks * kTokensPerBlock;
      for (; token + 4 <= call.batch; token += 4) ForwardBlock<4>(call, token, neurons.data(), activations.data());
      for (; token + 2 <= call.batch; token += 2) ForwardBlock<2>(call, token, neurons.data(), activations.data());
      for (; token < call.batch; ++token) ForwardBlock<1>(call, token, neurons.data(), activations.data());
    }
  }
}

void ForwardF32(const FffNativeCall<float>& call) { Forward(call); }
void ForwardBf16(const FffNativeCall<hwy::bfloat16_t>& call) { Forward(call); }

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <variant>

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

template <typename T>
FffNodeBlocks<T> pack_node_blocks(const FffWeights& weights) {
  const FffShape& shape = weights.shape;
  constexpr int64_t kElementsPerLine = 64 / sizeof(T);
  FffNodeBlocks<T> packed;
  packed.shape = shape;
  packed.row_stride = (shape.hidden + kElementsPerLine - 1) / kElementsPerLine * kElementsPerLine;
  const int64_t neurons = shape.neurons();
  packed.blocks = hwy::AllocateAligned<T>(static_cast<size_t>(neurons * packed.block_stride()));
  packed.bias = hwy::AllocateAligned<float>(static_cast<size_t>(neurons));
  if (!packed.blocks || !packed.bias) throw Error("out of memory packing FFF weights");
  T* blocks = packed.blocks.get();
  const T zero = to_weight(0.0f, static_cast<T*>(nullptr));
  std::fill_n(blocks, neurons * packed.block_stride(), zero);
  for (int64_t n = 0; n < neurons; ++n) {
    T* input_row = blocks + n * packed.block_stride();
    T* output_row = input_row + packed.row_stride;
    for (int64_t h = 0; h < shape.hidden; ++h) {
      input_row[h] = to_weight(weights.w_in[n * shape.hidden + h], static_cast<T*>(nullptr));
      output_row[h] = to_weight(weights.w_out[h * neurons + n], static_cast<T*>(nullptr));
    }
    packed.bias[n] = weights.b_in[n];
  }
  return packed;
}

template <typename T>
class NativeFff final : public FffKernel {
 public:
  explicit NativeFff(const FffWeights& weights)
      : FffKernel(weights), packed_(pack_node_blocks<T>(weights)) {}

 private:
  void run(const float* x, int64_t batch, float* y, int32_t* leaves) const override {
    const FffNativeCall<T> call{&packed_, x, batch, y, leaves};
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
  if (weight_type == WeightType::bf16) return std::make_unique<NativeFff<hwy::bfloat16_t>>(weights);
  return std::make_unique<NativeFff<float>>(weights);
}

}  // namespace ufb::ops
#endif  // HWY_ONCE
