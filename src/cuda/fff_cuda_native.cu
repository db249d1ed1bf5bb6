// cuda_native: one warp per token, one launch per layer.
//
// Per visited node a token needs the node's W_in row (for its logit) and its W_out column (for
// its contribution). Both are packed side by side in one node block, so a level costs the warp
// two back-to-back coalesced loads of one contiguous stretch, issued together so their L2
// latencies overlap. The token's input and its output accumulators stay in registers across
// all levels and trees (hidden <= 1024; larger sizes read x from L1 and accumulate y in memory).
// x and y are read and written with streaming cache hints so they do not evict the weights,
// which at UltraFastBERT's size (25 MB f32, 12.6 MB bf16) stay resident in the GPU's L2.
// At small batches, where each token's chain of dependent levels sets the time, a token also
// prefetches its children's node blocks into L1 (see kPrefetchChildren), and up to
// CudaFffOptions::block_per_token_max_batch tokens a whole thread block serves one token,
// resolving several levels per round (see native_fff_block_per_token).
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/device_math.cuh"
#include "cuda/weight_upload.h"
#include "ops/cuda_backend.h"
#include "ufb/cuda/device.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

using device::kWarpSize;
constexpr int kWarpsPerBlock = 4;                        // tokens per thread block
constexpr int kChunkElements = kWarpSize * 4;            // a warp reads 4 weights per lane
constexpr int kMaxRegisterChunks = 8;                    // hidden <= 1024 stays in registers
constexpr int64_t kPrefetchMaxBatch = 512;               // see kPrefetchChildren

// Node blocks: block n is [W_in row n | W_out column n], each padded with zeros to
// row_stride = a whole number of chunks, so every lane's 4-wide loads are aligned and in range.
template <typename W>
struct NativeFffArgs {
  const W* blocks;
  const float* b_in;
  const float* x;
  float* y;
  int32_t* leaves;  // may be null
  int64_t batch;
  int64_t hidden;
  int64_t row_stride;
  int64_t trees;
  int64_t nodes_per_tree;
  int depth;
  bool vector_io;  // hidden % 4 == 0 and x, y 16-byte aligned

  __device__ const W* node_block(int64_t neuron) const { return blocks + neuron * 2 * row_stride; }
};

// x[h..h+3] (zeros beyond hidden), read with a streaming hint.
template <typename W>
__device__ __forceinline__ float4 load_x4(const float* x, int64_t h, const NativeFffArgs<W>& args) {
  if (args.vector_io && h < args.hidden) return __ldcs(reinterpret_cast<const float4*>(x + h));
  float v[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) v[k] = h + k < args.hidden ? __ldcs(x + h + k) : 0.0f;
  return make_float4(v[0], v[1], v[2], v[3]);
}

// y[h..h+3] = v, the elements below hidden, with a streaming hint.
template <typename W>
__device__ __forceinline__ void store_y4(float* y, int64_t h, float4 v, const NativeFffArgs<W>& args) {
  if (args.vector_io && h < args.hidden) {
    __stcs(reinterpret_cast<float4*>(y + h), v);
    return;
  }
  const float values[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    if (h + k < args.hidden) __stcs(y + h + k, values[k]);
  }
}

__device__ __forceinline__ void fma4(float4& accumulator, float scale, float4 value) {
  accumulator.x = fmaf(scale, value.x, accumulator.x);
  accumulator.y = fmaf(scale, value.y, accumulator.y);
  accumulator.z = fmaf(scale, value.z, accumulator.z);
  accumulator.w = fmaf(scale, value.w, accumulator.w);
}

// One lane's share of a row·x dot product over kChunks chunks (two partial sums for more
// instruction-level parallelism).
template <int kChunks>
__device__ __forceinline__ float partial_dot(const float4 (&x)[kChunks], const float4 (&w)[kChunks]) {
  float partial[2] = {0.0f, 0.0f};
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    partial[c % 2] = fmaf(x[c].x, w[c].x, partial[c % 2]);
    partial[c % 2] = fmaf(x[c].y, w[c].y, partial[c % 2]);
    partial[c % 2] = fmaf(x[c].z, w[c].z, partial[c % 2]);
    partial[c % 2] = fmaf(x[c].w, w[c].w, partial[c % 2]);
  }
  return partial[0] + partial[1];
}

// Asks L1 for the `elements` weights from `begin`, the lanes taking turns by 128-byte line.
template <typename W>
__device__ __forceinline__ void prefetch_to_l1(const W* begin, int64_t elements, int lane) {
  const char* bytes = reinterpret_cast<const char*>(begin);
  const int64_t size = elements * static_cast<int64_t>(sizeof(W));
  for (int64_t offset = int64_t{lane} * 128; offset < size; offset += kWarpSize * 128) {
    asm volatile("prefetch.global.L1 [%0];" ::"l"(bytes + offset));
  }
}

// kPrefetchChildren: while a level's rows are in flight, also pull both children's node blocks
// (2n+1 and 2n+2, adjacent in memory) into L1, so the next level waits less on L2. It doubles
// the L2 traffic, which pays only while the GPU is latency bound: on an H100 (depth 11, hidden
// 768, f32) it halved the time per call at batch 1..128, gained at 512 and lost from 1024 on.
// Prefetching two levels ahead (four blocks) was slower than one at every batch.
template <int kChunks, bool kPrefetchChildren, typename W>
__global__ void __launch_bounds__(kWarpsPerBlock * kWarpSize) native_fff_registers(NativeFffArgs<W> args) {
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int64_t token = int64_t{blockIdx.x} * kWarpsPerBlock + threadIdx.x / kWarpSize;
  if (token >= args.batch) return;  // the whole warp leaves together
  const float* x = args.x + token * args.hidden;
  float* y = args.y + token * args.hidden;

  float4 xr[kChunks];
  float4 yr[kChunks];
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    xr[c] = load_x4(x, int64_t{c * kChunkElements + lane * 4}, args);
    yr[c] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  }

  for (int64_t tree = 0; tree < args.trees; ++tree) {
    int64_t node = 0;
    for (int level = 0; level <= args.depth; ++level) {
      const int64_t neuron = tree * args.nodes_per_tree + node;
      const W* in_row = args.node_block(neuron);
      const W* out_row = in_row + args.row_stride;
      float4 w[kChunks];
      float4 o[kChunks];
#pragma unroll
      for (int c = 0; c < kChunks; ++c) w[c] = device::load4(in_row + c * kChunkElements + lane * 4);
#pragma unroll
      for (int c = 0; c < kChunks; ++c) o[c] = device::load4(out_row + c * kChunkElements + lane * 4);
      if (kPrefetchChildren && level < args.depth) {
        prefetch_to_l1(args.node_block(neuron + node + 1), 4 * args.row_stride, lane);  // 2n+1, 2n+2
      }
      const float bias = __ldg(args.b_in + neuron);
      const float logit = device::warp_sum(partial_dot<kChunks>(xr, w)) + bias;
      const float activation = device::gelu(logit);
#pragma unroll
      for (int c = 0; c < kChunks; ++c) fma4(yr[c], activation, o[c]);
      if (level < args.depth) node = device::child(node, logit);
    }
    if (args.leaves && lane == 0) args.leaves[token * args.trees + tree] = static_cast<int32_t>(node);
  }

#pragma unroll
  for (int c = 0; c < kChunks; ++c) store_y4(y, int64_t{c * kChunkElements + lane * 4}, yr[c], args);
}

// The small-batch path: one thread block of kRoundNodes + 1 warps per token. The warp-per-token
// kernel waits for one round trip to L2 per level, one level after the other, because each
// level's node depends on the logit before. Here the levels are taken kRoundLevels at a time:
// warp i computes the logit of node i of the 15-node subtree under the current node (heap
// order), all 15 dot products in flight at once; then every thread walks the subtree's logits in
// shared memory to the path's 4 nodes and the next subtree's root. At depth 11 a token thus
// waits for 3 rounds of loads instead of 12, for 45 W_in rows read instead of 12. The W_out
// columns of a round's path are loaded right after the walk and added to y (one float4 per
// thread, the same element layout as a warp's chunks) while the next round's dot products wait
// on their loads. The logits are double-buffered so a round needs one barrier.
constexpr int kRoundLevels = 4;
constexpr int kRoundNodes = (1 << kRoundLevels) - 1;
constexpr int kTokenBlockThreads = (kRoundNodes + 1) * kWarpSize;
static_assert(kTokenBlockThreads * 4 >= kMaxRegisterChunks * kChunkElements, "a float4 of y per thread");

// Node `index` (heap order: 0 the root, 2i+1 and 2i+2 the children) of the subtree under `root`.
__device__ __forceinline__ int64_t subtree_node(int64_t root, int index) {
  const int relative_level = 31 - __clz(index + 1);
  const int64_t first = ((root + 1) << relative_level) - 1;
  return first + (index + 1 - (1 << relative_level));
}

template <int kChunks, typename W>
__global__ void __launch_bounds__(kTokenBlockThreads) native_fff_block_per_token(NativeFffArgs<W> args) {
  __shared__ float logits[2][kRoundNodes];
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int64_t token = blockIdx.x;
  const float* x = args.x + token * args.hidden;
  const int64_t y_at = int64_t{threadIdx.x} * 4;  // this thread's float4 of y
  const bool owns_y = y_at < args.row_stride;

  float4 xr[kChunks];
#pragma unroll
  for (int c = 0; c < kChunks; ++c) xr[c] = load_x4(x, int64_t{c * kChunkElements + lane * 4}, args);
  float4 y = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  // The previous round's path: W_out loads in flight and their activations.
  float4 pending_out[kRoundLevels];
  float pending_activation[kRoundLevels];
  int pending = 0;
  int buffer = 0;

  for (int64_t tree = 0; tree < args.trees; ++tree) {
    const int64_t tree_offset = tree * args.nodes_per_tree;
    int64_t root = 0;
    for (int level = 0; level <= args.depth; level += kRoundLevels, buffer ^= 1) {
      const int round_levels = min(kRoundLevels, args.depth + 1 - level);
      const bool computes = warp < (1 << round_levels) - 1;
      float4 w[kChunks];
      if (computes) {
        const W* in_row = args.node_block(tree_offset + subtree_node(root, warp));
#pragma unroll
        for (int c = 0; c < kChunks; ++c) w[c] = device::load4(in_row + c * kChunkElements + lane * 4);
      }
#pragma unroll
      for (int r = 0; r < kRoundLevels; ++r) {
        if (r < pending) fma4(y, pending_activation[r], pending_out[r]);
      }
      if (computes) {
        const float bias = __ldg(args.b_in + tree_offset + subtree_node(root, warp));
        const float logit = device::warp_sum(partial_dot<kChunks>(xr, w)) + bias;
        if (lane == 0) logits[buffer][warp] = logit;
      }
      __syncthreads();
      int index = 0;
      int64_t node = root;
#pragma unroll
      for (int r = 0; r < kRoundLevels; ++r) {
        if (r >= round_levels) break;
        node = subtree_node(root, index);
        const float logit = logits[buffer][index];
        pending_activation[r] = device::gelu(logit);
        if (owns_y) pending_out[r] = device::load4(args.node_block(tree_offset + node) + args.row_stride + y_at);
        index = logit > 0.0f ? 2 * index + 2 : 2 * index + 1;
      }
      pending = owns_y ? round_levels : 0;
      root = level + round_levels <= args.depth ? subtree_node(root, index) : node;
    }
    if (args.leaves && threadIdx.x == 0) args.leaves[token * args.trees + tree] = static_cast<int32_t>(root);
  }
#pragma unroll
  for (int r = 0; r < kRoundLevels; ++r) {
    if (r < pending) fma4(y, pending_activation[r], pending_out[r]);
  }
  if (owns_y) store_y4(args.y + token * args.hidden, y_at, y, args);
}

// Any hidden size: the same walk with x read through L1 and y accumulated in memory; each lane
// owns its own y elements, so the read-modify-writes need no atomics.
template <typename W>
__global__ void __launch_bounds__(kWarpsPerBlock * kWarpSize) native_fff_any_hidden(NativeFffArgs<W> args) {
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int64_t token = int64_t{blockIdx.x} * kWarpsPerBlock + threadIdx.x / kWarpSize;
  if (token >= args.batch) return;
  const float* x = args.x + token * args.hidden;
  float* y = args.y + token * args.hidden;
  for (int64_t h = lane; h < args.hidden; h += kWarpSize) y[h] = 0.0f;
  for (int64_t tree = 0; tree < args.trees; ++tree) {
    int64_t node = 0;
    for (int level = 0; level <= args.depth; ++level) {
      const int64_t neuron = tree * args.nodes_per_tree + node;
      const W* in_row = args.node_block(neuron);
      const W* out_row = in_row + args.row_stride;
      float partial = 0.0f;
      for (int64_t h = lane; h < args.hidden; h += kWarpSize) partial = fmaf(x[h], device::widen(in_row[h]), partial);
      const float logit = device::warp_sum(partial) + __ldg(args.b_in + neuron);
      const float activation = device::gelu(logit);
      for (int64_t h = lane; h < args.hidden; h += kWarpSize) y[h] = fmaf(activation, device::widen(out_row[h]), y[h]);
      if (level < args.depth) node = device::child(node, logit);
    }
    if (args.leaves && lane == 0) args.leaves[token * args.trees + tree] = static_cast<int32_t>(node);
  }
}

template <typename W>
std::vector<W> pack_node_blocks(const FffWeights& weights, int64_t row_stride) {
  const FffShape& shape = weights.shape;
  const int64_t neurons = shape.neurons();
  std::vector<W> blocks(static_cast<size_t>(neurons * 2 * row_stride), to_device_weight<W>(0.0f));
  const bool neuron_major = weights.w_out_layout == FffOutputLayout::neuron_major;
  for (int64_t n = 0; n < neurons; ++n) {
    W* in_row = blocks.data() + n * 2 * row_stride;
    W* out_row = in_row + row_stride;
    for (int64_t h = 0; h < shape.hidden; ++h) {
      in_row[h] = to_device_weight<W>(weights.w_in[n * shape.hidden + h]);
      out_row[h] = to_device_weight<W>(weights.w_out[neuron_major ? n * shape.hidden + h : h * neurons + n]);
    }
  }
  return blocks;
}

// Calls launch(std::integral_constant<int, chunks>) for chunks 1..kMaxRegisterChunks.
template <typename Launch>
void with_register_chunks(int chunks, const Launch& launch) {
  switch (chunks) {
    case 1: return launch(std::integral_constant<int, 1>{});
    case 2: return launch(std::integral_constant<int, 2>{});
    case 3: return launch(std::integral_constant<int, 3>{});
    case 4: return launch(std::integral_constant<int, 4>{});
    case 5: return launch(std::integral_constant<int, 5>{});
    case 6: return launch(std::integral_constant<int, 6>{});
    case 7: return launch(std::integral_constant<int, 7>{});
    default: return launch(std::integral_constant<int, kMaxRegisterChunks>{});
  }
}

template <typename W>
class NativeFffCuda final : public FffKernel {
 public:
  NativeFffCuda(const FffWeights& weights, const Device& device, const CudaFffOptions& options)
      : FffKernel(weights.shape, device),
        row_stride_((weights.shape.hidden + kChunkElements - 1) / kChunkElements * kChunkElements),
        blocks_(std::span<const W>(pack_node_blocks<W>(weights, row_stride_))),
        b_in_(weights.b_in),
        block_per_token_max_batch_(options.block_per_token_max_batch) {}

  int64_t held_bytes() const override {
    return static_cast<int64_t>(blocks_.size() * sizeof(W) + b_in_.size() * sizeof(float));
  }

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    cuda::make_current(device().index);
    const cudaStream_t stream = cuda::current_stream();
    const FffShape& s = shape();
    const bool aligned = reinterpret_cast<uintptr_t>(x) % 16 == 0 && reinterpret_cast<uintptr_t>(y) % 16 == 0;
    const NativeFffArgs<W> args{blocks_.data(), b_in_.data(), x, y, record.leaves, batch, s.hidden, row_stride_,
                                s.trees, s.nodes_per_tree(), s.depth, aligned && s.hidden % 4 == 0};
    const auto grid = static_cast<unsigned>((batch + kWarpsPerBlock - 1) / kWarpsPerBlock);
    constexpr unsigned kThreads = kWarpsPerBlock * kWarpSize;
    const int chunks = static_cast<int>(row_stride_ / kChunkElements);
    if (chunks > kMaxRegisterChunks) {
      native_fff_any_hidden<W><<<grid, kThreads, 0, stream>>>(args);
    } else if (batch <= block_per_token_max_batch_) {
      with_register_chunks(chunks, [&](auto c) {
        native_fff_block_per_token<decltype(c)::value, W>
            <<<static_cast<unsigned>(batch), kTokenBlockThreads, 0, stream>>>(args);
      });
    } else if (batch <= kPrefetchMaxBatch) {
      with_register_chunks(chunks, [&](auto c) {
        native_fff_registers<decltype(c)::value, true, W><<<grid, kThreads, 0, stream>>>(args);
      });
    } else {
      with_register_chunks(chunks, [&](auto c) {
        native_fff_registers<decltype(c)::value, false, W><<<grid, kThreads, 0, stream>>>(args);
      });
    }
    UFB_CUDA_CHECK_LAUNCH("native FFF kernel");
  }

  int64_t row_stride_;
  cuda::DeviceBuffer<W> blocks_;
  cuda::DeviceBuffer<float> b_in_;
  int64_t block_per_token_max_batch_;
};

}  // namespace

std::unique_ptr<FffKernel> make_cuda_fff(const FffWeights& weights, WeightType weight_type, const Device& device,
                                         const CudaFffOptions& options) {
  if (weight_type == WeightType::int8) {
    throw Error("FFF implementation 'native' takes f32 or bf16 weights on " + to_string(device) + ", not int8");
  }
  cuda::use_device(device.index, "device " + to_string(device));
  return make_for_weight_type<FffKernel, NativeFffCuda>(weight_type, weights, device, options);
}

}  // namespace ufb::ops
