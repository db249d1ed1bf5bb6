// One (sequence, head) pair per task, spread over the OpenMP pool; the BLAS calls inside run on
// the calling thread.
#include "ufb/train/attention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ufb/error.h"
#include "ufb/train/blas.h"

namespace ufb::train {
namespace {

// Below this many multiply-adds a parallel region costs more than it saves (tiny test shapes).
constexpr int64_t kParallelWork = 32768;

void check_sizes(const AttentionBatch& batch, size_t qkv_size, size_t dropout_size,
                 size_t context_size) {
  const int64_t hidden = batch.shape.hidden();
  const int64_t rows = batch.rows();
  bool lengths_fit = static_cast<int64_t>(batch.lengths.size()) == batch.sequences;
  for (const int64_t length : batch.lengths) lengths_fit &= length >= 0 && length <= batch.length;
  if (hidden < 1 || batch.length < 1 || !lengths_fit ||
      static_cast<int64_t>(qkv_size) != rows * 3 * hidden ||
      static_cast<int64_t>(context_size) != rows * hidden ||
      (dropout_size != 0 && static_cast<int64_t>(dropout_size) != batch.probability_count())) {
    throw Error("attention: " + std::to_string(qkv_size) + " qkv values, " +
                std::to_string(context_size) + " context values and " +
                std::to_string(dropout_size) + " dropout scales do not fit " +
                std::to_string(batch.sequences) + " sequences of " +
                std::to_string(batch.length) + " rows of hidden size " + std::to_string(hidden));
  }
}

// Row softmax as the inference engine computes it: exp(v − max), a double sum.
template <class T>
void softmax_row(T* values, int64_t count) {
  const T max = *std::max_element(values, values + count);
  double sum = 0.0;
  for (int64_t j = 0; j < count; ++j) {
    values[j] = std::exp(values[j] - max);
    sum += values[j];
  }
  const auto inverse_sum = static_cast<T>(1.0 / sum);
  for (int64_t j = 0; j < count; ++j) values[j] *= inverse_sum;
}

}  // namespace

template <class T>
void attention_forward(const AttentionBatch& batch, std::span<const T> qkv,
                       std::span<const T> dropout_scales, std::span<T> context,
                       AttentionCache<T>& cache) {
  check_sizes(batch, qkv.size(), dropout_scales.size(), context.size());
  const int64_t hidden = batch.shape.hidden();
  const int64_t d = batch.shape.head_dim;
  const int64_t s = batch.length;
  const auto scale = static_cast<T>(batch.score_scale);
  cache.probabilities.resize(batch.probability_count());
  const int64_t tasks = batch.sequences * batch.shape.heads;
#pragma omp parallel if (tasks * s * s * d > kParallelWork)
  {
    std::vector<T> dropped;
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t sequence = task / batch.shape.heads;
      const int64_t head = task % batch.shape.heads;
      const T* query = qkv.data() + sequence * s * 3 * hidden + head * 3 * d;
      const T* key = query + d;
      const T* value = key + d;
      T* probabilities = cache.probabilities.data() + task * s * s;
      gemm<T>(Transpose::no, Transpose::yes, s, s, d, scale, query, 3 * hidden, key, 3 * hidden,
              T{0}, probabilities, s);
      for (int64_t i = 0; i < s; ++i) {
        T* row = probabilities + i * s;
        for (int64_t j = batch.lengths[sequence]; j < s; ++j) row[j] += ops::kPaddingKeyScore;
        softmax_row(row, s);
      }
      const T* weights = probabilities;
      if (!dropout_scales.empty()) {
        dropped.resize(s * s);
        const T* scales = dropout_scales.data() + task * s * s;
        for (int64_t i = 0; i < s * s; ++i) dropped[i] = probabilities[i] * scales[i];
        weights = dropped.data();
      }
      gemm<T>(Transpose::no, Transpose::no, s, d, s, T{1}, weights, s, value, 3 * hidden, T{0},
              context.data() + sequence * s * hidden + head * d, hidden);
    }
  }
}

template <class T>
void attention_backward(const AttentionBatch& batch, std::span<const T> qkv,
                        std::span<const T> dropout_scales, const AttentionCache<T>& cache,
                        std::span<const T> dcontext, std::span<T> dqkv) {
  check_sizes(batch, qkv.size(), dropout_scales.size(), dcontext.size());
  check_sizes(batch, dqkv.size(), dropout_scales.size(), dcontext.size());
  const int64_t hidden = batch.shape.hidden();
  const int64_t d = batch.shape.head_dim;
  const int64_t s = batch.length;
  const auto scale = static_cast<T>(batch.score_scale);
  const int64_t tasks = batch.sequences * batch.shape.heads;
#pragma omp parallel if (tasks * s * s * d > kParallelWork)
  {
    std::vector<T> weights(s * s);
    std::vector<T> dweights(s * s);
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t sequence = task / batch.shape.heads;
      const int64_t head = task % batch.shape.heads;
      const int64_t offset = sequence * s * 3 * hidden + head * 3 * d;
      const T* query = qkv.data() + offset;
      const T* key = query + d;
      const T* value = key + d;
      T* dquery = dqkv.data() + offset;
      T* dkey = dquery + d;
      T* dvalue = dkey + d;
      const T* probabilities = cache.probabilities.data() + task * s * s;
      const T* scales = dropout_scales.empty() ? nullptr : dropout_scales.data() + task * s * s;
      for (int64_t i = 0; i < s * s; ++i) weights[i] = probabilities[i] * (scales ? scales[i] : T{1});
      const T* dout = dcontext.data() + sequence * s * hidden + head * d;
      // context = weights · V
      gemm<T>(Transpose::no, Transpose::yes, s, s, d, T{1}, dout, hidden, value, 3 * hidden, T{0},
              dweights.data(), s);
      gemm<T>(Transpose::yes, Transpose::no, s, d, s, T{1}, weights.data(), s, dout, hidden, T{0},
              dvalue, 3 * hidden);
      // Through dropout and the softmax: dscore = P · (dP − Σ_j dP·P), in place in dweights.
      for (int64_t i = 0; i < s; ++i) {
        T* row = dweights.data() + i * s;
        const T* p = probabilities + i * s;
        if (scales) {
          for (int64_t j = 0; j < s; ++j) row[j] *= scales[i * s + j];
        }
        double inner = 0.0;
        for (int64_t j = 0; j < s; ++j) inner += double{row[j]} * p[j];
        for (int64_t j = 0; j < s; ++j) row[j] = p[j] * (row[j] - static_cast<T>(inner));
      }
      // scores = scale · Q · K^T
      gemm<T>(Transpose::no, Transpose::no, s, d, s, scale, dweights.data(), s, key, 3 * hidden,
              T{0}, dquery, 3 * hidden);
      gemm<T>(Transpose::yes, Transpose::no, s, d, s, scale, dweights.data(), s, query, 3 * hidden,
              T{0}, dkey, 3 * hidden);
    }
  }
}

template void attention_forward<float>(const AttentionBatch&, std::span<const float>,
                                       std::span<const float>, std::span<float>,
                                       AttentionCache<float>&);
template void attention_forward<double>(const AttentionBatch&, std::span<const double>,
                                        std::span<const double>, std::span<double>,
                                        AttentionCache<double>&);
template void attention_backward<float>(const AttentionBatch&, std::span<const float>,
                                        std::span<const float>, const AttentionCache<float>&,
                                        std::span<const float>, std::span<float>);
template void attention_backward<double>(const AttentionBatch&, std::span<const double>,
                                         std::span<const double>, const AttentionCache<double>&,
                                         std::span<const double>, std::span<double>);

}  // namespace ufb::train
