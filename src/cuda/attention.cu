// One warp per query row, flash-attention style: a block's 8 warps are 8 consecutive queries of
// one (sequence, head); the block stages 32 keys and values at a time in shared memory, each
// lane scores one key, and the warp keeps a running maximum and sum (online softmax), so the
// scores never go to memory and a sequence of any length takes one pass over its keys.
#include "cuda/attention.h"

#include <cmath>
#include <string>

#include "cuda/cuda_check.h"
#include "cuda/device_math.cuh"
#include "ufb/error.h"

namespace ufb::cuda {
namespace {

using ops::device::kWarpSize;

constexpr int kQueriesPerBlock = 8;  // one warp each
constexpr int kKeyTile = kWarpSize;  // keys staged at a time: one per lane
constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warp_max(float value) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    value = fmaxf(value, __shfl_xor_sync(kFullMask, value, offset));
  }
  return value;
}

// kDimsPerLane: ceil(head_dim / 32), the output columns each lane accumulates.
template <int kDimsPerLane>
__global__ void attention_kernel(const float* qkv, int64_t heads, int64_t head_dim, float score_scale,
                                 const ops::AttentionSequence* sequences, float* context) {
  const ops::AttentionSequence sequence = sequences[blockIdx.z];
  const int64_t first_query = int64_t{blockIdx.x} * kQueriesPerBlock;
  if (first_query >= sequence.rows) return;  // the whole block: the grid fits the longest sequence
  const int64_t d = head_dim;
  const int64_t head = blockIdx.y;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int64_t query = first_query + warp;
  const bool active = query < sequence.rows;
  const int64_t stride = 3 * heads * d;
  const float* base = qkv + sequence.first_row * stride + head * 3 * d;  // query of row 0

  extern __shared__ float shared[];
  float* keys = shared;                     // [kKeyTile][d + 1]: lane k reads row k, no conflicts
  float* values = keys + kKeyTile * (d + 1);  // [kKeyTile][d]
  float* queries = values + kKeyTile * d;   // [kQueriesPerBlock][d]
  float* own_query = queries + warp * d;
  if (active) {
    for (int64_t c = lane; c < d; c += kWarpSize) own_query[c] = base[query * stride + c];
  }

  float running_max = -INFINITY;
  float running_sum = 0.0f;
  float accumulated[kDimsPerLane] = {};
  for (int64_t tile = 0; tile < sequence.rows; tile += kKeyTile) {
    const int tile_keys = sequence.rows - tile < kKeyTile ? static_cast<int>(sequence.rows - tile) : kKeyTile;
    __syncthreads();  // the previous tile is read (and the queries are written)
    for (int64_t i = threadIdx.x; i < tile_keys * d; i += blockDim.x) {
      const int64_t k = i / d;
      const int64_t c = i % d;
      const float* row = base + (tile + k) * stride;
      keys[k * (d + 1) + c] = row[d + c];
      values[k * d + c] = row[2 * d + c];
    }
    __syncthreads();
    if (!active) continue;
    float score = -INFINITY;
    if (lane < tile_keys) {
      float dot = 0.0f;
      for (int64_t c = 0; c < d; ++c) dot += own_query[c] * keys[lane * (d + 1) + c];
      score = dot * score_scale + (tile + lane >= sequence.real_tokens ? ops::kPaddingKeyScore : 0.0f);
    }
    const float new_max = fmaxf(running_max, warp_max(score));
    const float weight = lane < tile_keys ? expf(score - new_max) : 0.0f;
    const float rescale = expf(running_max - new_max);  // 0 on the first tile
    running_sum = running_sum * rescale + ops::device::warp_sum(weight);
    running_max = new_max;
#pragma unroll
    for (int j = 0; j < kDimsPerLane; ++j) accumulated[j] *= rescale;
    for (int k = 0; k < tile_keys; ++k) {
      const float key_weight = __shfl_sync(kFullMask, weight, k);
#pragma unroll
      for (int j = 0; j < kDimsPerLane; ++j) {
        const int64_t c = lane + j * kWarpSize;
        if (c < d) accumulated[j] += key_weight * values[k * d + c];
      }
    }
  }
  if (!active) return;
  float* out = context + (sequence.first_row + query) * heads * d + head * d;
#pragma unroll
  for (int j = 0; j < kDimsPerLane; ++j) {
    const int64_t c = lane + j * kWarpSize;
    if (c < d) out[c] = accumulated[j] / running_sum;
  }
}

template <int kDimsPerLane>
void launch(const float* qkv, const ops::AttentionShape& shape, float score_scale,
            const ops::AttentionSequence* sequences, dim3 grid, float* context, cudaStream_t stream) {
  const int64_t d = shape.head_dim;
  const size_t shared_bytes = sizeof(float) * (kKeyTile * (d + 1) + kKeyTile * d + kQueriesPerBlock * d);
  attention_kernel<kDimsPerLane><<<grid, kQueriesPerBlock * kWarpSize, shared_bytes, stream>>>(
      qkv, shape.heads, d, score_scale, sequences, context);
  UFB_CUDA_CHECK_LAUNCH("attention_kernel");
}

}  // namespace

void self_attention(const float* qkv, const ops::AttentionShape& shape, float score_scale,
                    const ops::AttentionSequence* sequences, int64_t sequence_count, int64_t max_rows,
                    float* context, cudaStream_t stream) {
  if (shape.head_dim < 1 || shape.head_dim > kMaxAttentionHeadDim) {
    throw Error("CUDA attention takes heads of 1 to " + std::to_string(kMaxAttentionHeadDim) +
                " dimensions, not " + std::to_string(shape.head_dim));
  }
  if (sequence_count > 65535 || shape.heads > 65535) {
    throw Error("CUDA attention: " + std::to_string(sequence_count) + " sequences of " +
                std::to_string(shape.heads) + " heads exceed a grid (at most 65535 of each)");
  }
  if (sequence_count == 0 || max_rows == 0) return;
  const dim3 grid(static_cast<unsigned>((max_rows + kQueriesPerBlock - 1) / kQueriesPerBlock),
                  static_cast<unsigned>(shape.heads), static_cast<unsigned>(sequence_count));
  switch ((shape.head_dim + kWarpSize - 1) / kWarpSize) {
    case 1: return launch<1>(qkv, shape, score_scale, sequences, grid, context, stream);
    case 2: return launch<2>(qkv, shape, score_scale, sequences, grid, context, stream);
    case 3: return launch<3>(qkv, shape, score_scale, sequences, grid, context, stream);
    default: return launch<4>(qkv, shape, score_scale, sequences, grid, context, stream);
  }
}

}  // namespace ufb::cuda
