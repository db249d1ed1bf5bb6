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
// prefetches its children's node blocks into L1 (see kPrefetchChildren).
#include <algorithm>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/device_math.cuh"
#include "cuda/fff_cuda_variants.h"
#include "cuda/weight_upload.h"

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

  float xr[kChunks][4];
  float yr[kChunks][4];
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int64_t h = int64_t{c * kChunkElements + lane * 4};
    if (args.vector_io && h < args.hidden) {
      const float4 v = __ldcs(reinterpret_cast<const float4*>(x + h));
      xr[c][0] = v.x, xr[c][1] = v.y, xr[c][2] = v.z, xr[c][3] = v.w;
    } else {
#pragma unroll
      for (int v = 0; v < 4; ++v) xr[c][v] = h + v < args.hidden ? __ldcs(x + h + v) : 0.0f;
    }
#pragma unroll
    for (int v = 0; v < 4; ++v) yr[c][v] = 0.0f;
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
      float partial[2] = {0.0f, 0.0f};
#pragma unroll
      for (int c = 0; c < kChunks; ++c) {
        partial[c % 2] = fmaf(xr[c][0], w[c].x, partial[c % 2]);
        partial[c % 2] = fmaf(xr[c][1], w[c].y, partial[c % 2]);
        partial[c % 2] = fmaf(xr[c][2], w[c].z, partial[c % 2]);
        partial[c % 2] = fmaf(xr[c][3], w[c].w, partial[c % 2]);
      }
      const float logit = device::warp_sum(partial[0] + partial[1]) + bias;
      const float activation = device::gelu(logit);
#pragma unroll
      for (int c = 0; c < kChunks; ++c) {
        yr[c][0] = fmaf(activation, o[c].x, yr[c][0]);
        yr[c][1] = fmaf(activation, o[c].y, yr[c][1]);
        yr[c][2] = fmaf(activation, o[c].z, yr[c][2]);
        yr[c][3] = fmaf(activation, o[c].w, yr[c][3]);
      }
      if (level < args.depth) node = device::child(node, logit);
    }
    if (args.leaves && lane == 0) args.leaves[token * args.trees + tree] = static_cast<int32_t>(node);
  }

#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int64_t h = int64_t{c * kChunkElements + lane * 4};
    if (args.vector_io && h < args.hidden) {
      __stcs(reinterpret_cast<float4*>(y + h), make_float4(yr[c][0], yr[c][1], yr[c][2], yr[c][3]));
    } else {
#pragma unroll
      for (int v = 0; v < 4; ++v) {
        if (h + v < args.hidden) __stcs(y + h + v, yr[c][v]);
      }
    }
  }
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
  for (int64_t n = 0; n < neurons; ++n) {
    W* in_row = blocks.data() + n * 2 * row_stride;
    W* out_row = in_row + row_stride;
    for (int64_t h = 0; h < shape.hidden; ++h) {
      in_row[h] = to_device_weight<W>(weights.w_in[n * shape.hidden + h]);
      out_row[h] = to_device_weight<W>(weights.w_out[h * neurons + n]);
    }
  }
  return blocks;
}

template <typename W>
class NativeFffCuda final : public FffCudaKernel {
 public:
  NativeFffCuda(const FffWeights& weights, WeightType weight_type)
      : FffCudaKernel(weights.shape, weight_type),
        row_stride_((weights.shape.hidden + kChunkElements - 1) / kChunkElements * kChunkElements),
        blocks_(std::span<const W>(pack_node_blocks<W>(weights, row_stride_))),
        b_in_(weights.b_in) {}

 private:
  void run(const float* x, int64_t batch, float* y, int32_t* leaves, CUstream_st* stream) const override {
    const FffShape& s = shape();
    const bool aligned = reinterpret_cast<uintptr_t>(x) % 16 == 0 && reinterpret_cast<uintptr_t>(y) % 16 == 0;
    const NativeFffArgs<W> args{blocks_.data(), b_in_.data(), x, y, leaves, batch, s.hidden, row_stride_,
                                s.trees, s.nodes_per_tree(), s.depth, aligned && s.hidden % 4 == 0};
    const auto grid = static_cast<unsigned>((batch + kWarpsPerBlock - 1) / kWarpsPerBlock);
    const int chunks = static_cast<int>(row_stride_ / kChunkElements);
    if (chunks > kMaxRegisterChunks) {
      native_fff_any_hidden<W><<<grid, kWarpsPerBlock * kWarpSize, 0, stream>>>(args);
    } else if (batch <= kPrefetchMaxBatch) {
      launch_registers<true>(chunks, grid, args, stream);
    } else {
      launch_registers<false>(chunks, grid, args, stream);
    }
    UFB_CUDA_CHECK_LAUNCH("native FFF kernel");
  }

  template <bool kPrefetch>
  static void launch_registers(int chunks, unsigned grid, const NativeFffArgs<W>& args, cudaStream_t stream) {
    constexpr unsigned kThreads = kWarpsPerBlock * kWarpSize;
    switch (chunks) {
      case 1: native_fff_registers<1, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
      case 2: native_fff_registers<2, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
      case 3: native_fff_registers<3, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
      case 4: native_fff_registers<4, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
      case 5: native_fff_registers<5, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
      case 6: native_fff_registers<6, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
      case 7: native_fff_registers<7, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
      default: native_fff_registers<kMaxRegisterChunks, kPrefetch, W><<<grid, kThreads, 0, stream>>>(args); break;
    }
  }

  int64_t row_stride_;
  cuda::DeviceBuffer<W> blocks_;
  cuda::DeviceBuffer<float> b_in_;
};

}  // namespace

std::unique_ptr<FffCudaKernel> make_native_fff_cuda(const FffWeights& weights, WeightType weight_type) {
  return make_for_weight_type<FffCudaKernel, NativeFffCuda>(weight_type, weights, weight_type);
}

}  // namespace ufb::ops
