// Self-attention per (sequence, head): two single-threaded sgemms around a row softmax. The
// (sequence, head) pairs are spread over the OpenMP pool; OpenBLAS, called inside our parallel
// region, runs on the calling thread.
#include "ufb/ops/attention.h"

#include <cblas.h>

#include <string>
#include <vector>

#include "ufb/error.h"
#include "ufb/ops/softmax.h"

namespace ufb::ops {
namespace {

void check_sizes(std::span<const float> qkv, const AttentionShape& shape,
                 std::span<const AttentionSequence> sequences, std::span<float> context) {
  if (shape.heads < 1 || shape.head_dim < 1) {
    throw Error("attention needs >= 1 head of >= 1 dimension, got " +
                std::to_string(shape.heads) + " of " + std::to_string(shape.head_dim));
  }
  const int64_t hidden = shape.hidden();
  const auto total_rows = static_cast<int64_t>(context.size()) / hidden;
  if (static_cast<int64_t>(context.size()) != total_rows * hidden ||
      static_cast<int64_t>(qkv.size()) != total_rows * 3 * hidden) {
    throw Error("attention: " + std::to_string(qkv.size()) + " qkv values and " +
                std::to_string(context.size()) + " context values do not fit hidden size " +
                std::to_string(hidden));
  }
  for (size_t i = 0; i < sequences.size(); ++i) {
    const AttentionSequence& s = sequences[i];
    if (s.first_row < 0 || s.rows < 1 || s.first_row + s.rows > total_rows ||
        s.real_tokens < 0 || s.real_tokens > s.rows) {
      throw Error("attention: sequence " + std::to_string(i) + " (rows " +
                  std::to_string(s.first_row) + "+" + std::to_string(s.rows) + ", " +
                  std::to_string(s.real_tokens) + " real) does not fit " +
                  std::to_string(total_rows) + " rows");
    }
  }
}

}  // namespace

void self_attention(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                    std::span<const AttentionSequence> sequences, std::span<float> context) {
  check_sizes(qkv, shape, sequences, context);
  const int64_t hidden = shape.hidden();
  const int64_t d = shape.head_dim;
  const auto qkv_stride = static_cast<blasint>(3 * hidden);
  const int64_t tasks = static_cast<int64_t>(sequences.size()) * shape.heads;
#pragma omp parallel
  {
    std::vector<float> scores;
#pragma omp for schedule(dynamic)
    for (int64_t task = 0; task < tasks; ++task) {
      const AttentionSequence& sequence = sequences[task / shape.heads];
      const int64_t head = task % shape.heads;
      const auto rows = static_cast<blasint>(sequence.rows);
      const float* query = qkv.data() + sequence.first_row * 3 * hidden + head * 3 * d;
      const float* key = query + d;
      const float* value = key + d;
      scores.resize(sequence.rows * sequence.rows);
      // scores[i, j] = q_i · k_j · scale
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, rows, static_cast<blasint>(d),
                  score_scale, query, qkv_stride, key, qkv_stride, 0.0f, scores.data(), rows);
      for (int64_t i = 0; i < sequence.rows; ++i) {
        const std::span<float> row(scores.data() + i * sequence.rows, sequence.rows);
        for (int64_t j = sequence.real_tokens; j < sequence.rows; ++j) row[j] += kPaddingKeyScore;
        softmax_inplace(row);
      }
      float* out = context.data() + sequence.first_row * hidden + head * d;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, static_cast<blasint>(d), rows,
                  1.0f, scores.data(), rows, value, qkv_stride, 0.0f, out,
                  static_cast<blasint>(hidden));
    }
  }
}

}  // namespace ufb::ops
