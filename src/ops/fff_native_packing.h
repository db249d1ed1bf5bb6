#pragma once

// The native FFF kernel's weight layout: one block per neuron holding its W_in row and its
// W_out column side by side, each padded to a whole number of 64-byte lines, so the two rows a
// visited node needs sit in one contiguous, prefetchable stretch of memory.
// int8 blocks hold the codes of both rows, quantized per neuron (docs/model.md §6), and their two
// scales beside the bias; each call quantizes its tokens with one scale per token.

#include <cstdint>

#include "hwy/aligned_allocator.h"
#include "hwy/base.h"
#include "ufb/ops/fff.h"

namespace ufb::ops {

template <typename T>
struct FffNodeBlocks {
  FffShape shape;
  int64_t row_stride = 0;  // elements between the W_in row and the W_out row of a block
  hwy::AlignedFreeUniquePtr<T[]> blocks;
  hwy::AlignedFreeUniquePtr<float[]> bias;
  hwy::AlignedFreeUniquePtr<float[]> input_scale;   // int8 only: [neurons], the W_in row's scale
  hwy::AlignedFreeUniquePtr<float[]> output_scale;  // int8 only: [neurons], the W_out row's scale
  // int8 only: [neurons], 128 · Σ of the W_in row's codes, the part of a dot product with tokens'
  // codes shifted into uint8 that is not the tokens' (AVX512-VNNI multiplies uint8 by int8).
  hwy::AlignedFreeUniquePtr<int32_t[]> input_offsets;

  int64_t block_stride() const { return 2 * row_stride; }
  const T* input_row(int64_t neuron) const { return blocks.get() + neuron * block_stride(); }
  const T* output_row(int64_t neuron) const { return input_row(neuron) + row_stride; }
};

// What one forward call hands to the per-target code.
template <typename T>
struct FffNativeCall {
  const FffNodeBlocks<T>* weights;
  const float* x;
  int64_t batch;
  float* y;
  FffRecord<float> record;
};

}  // namespace ufb::ops
