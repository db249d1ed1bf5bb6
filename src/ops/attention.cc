// Self-attention per (sequence, head): two gemms around a row softmax, and the same in reverse
// for the gradient. The (sequence, head) pairs are spread over the OpenMP pool; OpenBLAS, called
// inside our parallel region, runs on the calling thread.
#include "ufb/ops/attention.h"

#include <string>
#include <vector>

#include "ops/attention_sizes.h"
#include "ops/blas.h"
#include "ufb/error.h"
#include "ops/softmax.h"

namespace ufb::ops {

void check_attention_sizes(size_t qkv_size, const AttentionShape& shape,
                           std::span<const AttentionSequence> sequences, size_t context_size) {
  if (shape.heads < 1 || shape.head_dim < 1) {
    throw Error("attention needs >= 1 head of >= 1 dimension, got " +
                std::to_string(shape.heads) + " of " + std::to_string(shape.head_dim));
  }
  const int64_t hidden = shape.hidden();
  const auto total_rows = static_cast<int64_t>(context_size) / hidden;
  if (static_cast<int64_t>(context_size) != total_rows * hidden ||
      static_cast<int64_t>(qkv_size) != total_rows * 3 * hidden) {
    throw Error("attention: " + std::to_string(qkv_size) + " qkv values and " +
                std::to_string(context_size) + " context values do not fit hidden size " +
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

namespace {

// Below this many multiply-adds a parallel region costs more than it saves (tiny test shapes).
constexpr int64_t kParallelWork = 32768;

// One (sequence, head) pair of a pass: where its rows, its probabilities and its scales are.
struct Task {
  const AttentionSequence* sequence;
  int64_t head;
  int64_t probabilities;  // offset of its rows × rows block
};

std::vector<Task> tasks_of(const AttentionShape& shape, std::span<const AttentionSequence> sequences,
                           int64_t& work) {
  std::vector<Task> tasks;
  int64_t offset = 0;
  work = 0;
  for (const AttentionSequence& sequence : sequences) {
    for (int64_t head = 0; head < shape.heads; ++head) {
      tasks.push_back({&sequence, head, offset});
      offset += sequence.rows * sequence.rows;
      work += sequence.rows * sequence.rows * shape.head_dim;
    }
  }
  return tasks;
}

template <class T>
void attention_forward(std::span<const T> qkv, const AttentionShape& shape, T score_scale,
                       std::span<const AttentionSequence> sequences, std::span<T> context,
                       AttentionState<T>* state) {
  check_attention_sizes(qkv.size(), shape, sequences, context.size());
  const int64_t hidden = shape.hidden();
  const int64_t d = shape.head_dim;
  int64_t work = 0;
  const std::vector<Task> tasks = tasks_of(shape, sequences, work);
  const int64_t probability_count = attention_probability_count(shape, sequences);
  if (state) {
    if (!state->dropout_scales.empty() &&
        static_cast<int64_t>(state->dropout_scales.size()) != probability_count) {
      throw Error("attention: " + std::to_string(state->dropout_scales.size()) +
                  " dropout scales for " + std::to_string(probability_count) + " probabilities");
    }
    state->probabilities.resize(probability_count);
  }
  const auto task_count = static_cast<int64_t>(tasks.size());
#pragma omp parallel if (work > kParallelWork)
  {
    std::vector<T> scratch;  // the probabilities when they are not kept, then the dropped ones
#pragma omp for schedule(dynamic)
    for (int64_t t = 0; t < task_count; ++t) {
      const Task& task = tasks[t];
      const int64_t rows = task.sequence->rows;
      const T* query = qkv.data() + task.sequence->first_row * 3 * hidden + task.head * 3 * d;
      const T* key = query + d;
      const T* value = key + d;
      if (!state) scratch.resize(rows * rows);
      T* probabilities = state ? state->probabilities.data() + task.probabilities : scratch.data();
      // scores[i, j] = q_i · k_j · scale
      gemm<T>(Transpose::no, Transpose::yes, rows, rows, d, score_scale, query, 3 * hidden, key,
              3 * hidden, T{0}, probabilities, rows);
      for (int64_t i = 0; i < rows; ++i) {
        T* row = probabilities + i * rows;
        for (int64_t j = task.sequence->real_tokens; j < rows; ++j) row[j] += kPaddingKeyScore;
        softmax_inplace(std::span<T>(row, rows));
      }
      const T* weights = probabilities;
      if (state && !state->dropout_scales.empty()) {
        scratch.resize(rows * rows);
        const T* scales = state->dropout_scales.data() + task.probabilities;
        for (int64_t i = 0; i < rows * rows; ++i) scratch[i] = probabilities[i] * scales[i];
        weights = scratch.data();
      }
      gemm<T>(Transpose::no, Transpose::no, rows, d, rows, T{1}, weights, rows, value, 3 * hidden,
              T{0}, context.data() + task.sequence->first_row * hidden + task.head * d, hidden);
    }
  }
}

template <class T>
void attention_backward(std::span<const T> qkv, const AttentionShape& shape, T score_scale,
                        std::span<const AttentionSequence> sequences, const AttentionState<T>& state,
                        std::span<const T> dcontext, std::span<T> dqkv) {
  check_attention_sizes(qkv.size(), shape, sequences, dcontext.size());
  check_attention_sizes(dqkv.size(), shape, sequences, dcontext.size());
  const int64_t hidden = shape.hidden();
  const int64_t d = shape.head_dim;
  int64_t work = 0;
  const std::vector<Task> tasks = tasks_of(shape, sequences, work);
  if (static_cast<int64_t>(state.probabilities.size()) != attention_probability_count(shape, sequences)) {
    throw Error("attention backward: " + std::to_string(state.probabilities.size()) +
                " kept probabilities do not fit the sequences");
  }
  const auto task_count = static_cast<int64_t>(tasks.size());
#pragma omp parallel if (work > kParallelWork)
  {
    std::vector<T> weights;
    std::vector<T> dweights;
#pragma omp for schedule(dynamic)
    for (int64_t t = 0; t < task_count; ++t) {
      const Task& task = tasks[t];
      const int64_t s = task.sequence->rows;
      const int64_t offset = task.sequence->first_row * 3 * hidden + task.head * 3 * d;
      const T* query = qkv.data() + offset;
      const T* key = query + d;
      const T* value = key + d;
      T* dquery = dqkv.data() + offset;
      T* dkey = dquery + d;
      T* dvalue = dkey + d;
      const T* probabilities = state.probabilities.data() + task.probabilities;
      const T* scales = state.dropout_scales.empty() ? nullptr : state.dropout_scales.data() + task.probabilities;
      weights.resize(s * s);
      dweights.resize(s * s);
      for (int64_t i = 0; i < s * s; ++i) weights[i] = probabilities[i] * (scales ? scales[i] : T{1});
      const T* dout = dcontext.data() + task.sequence->first_row * hidden + task.head * d;
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
      gemm<T>(Transpose::no, Transpose::no, s, d, s, score_scale, dweights.data(), s, key,
              3 * hidden, T{0}, dquery, 3 * hidden);
      gemm<T>(Transpose::yes, Transpose::no, s, d, s, score_scale, dweights.data(), s, query,
              3 * hidden, T{0}, dkey, 3 * hidden);
    }
  }
}

}  // namespace

int64_t attention_probability_count(const AttentionShape& shape,
                                    std::span<const AttentionSequence> sequences) {
  int64_t count = 0;
  for (const AttentionSequence& sequence : sequences) count += shape.heads * sequence.rows * sequence.rows;
  return count;
}

void self_attention(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                    std::span<const AttentionSequence> sequences, std::span<float> context,
                    AttentionState<float>* state) {
  attention_forward(qkv, shape, score_scale, sequences, context, state);
}

void self_attention(std::span<const double> qkv, const AttentionShape& shape, double score_scale,
                    std::span<const AttentionSequence> sequences, std::span<double> context,
                    AttentionState<double>* state) {
  attention_forward(qkv, shape, score_scale, sequences, context, state);
}

void self_attention_backward(std::span<const float> qkv, const AttentionShape& shape,
                             float score_scale, std::span<const AttentionSequence> sequences,
                             const AttentionState<float>& state, std::span<const float> dcontext,
                             std::span<float> dqkv) {
  attention_backward(qkv, shape, score_scale, sequences, state, dcontext, dqkv);
}

void self_attention_backward(std::span<const double> qkv, const AttentionShape& shape,
                             double score_scale, std::span<const AttentionSequence> sequences,
                             const AttentionState<double>& state, std::span<const double> dcontext,
                             std::span<double> dqkv) {
  attention_backward(qkv, shape, score_scale, sequences, state, dcontext, dqkv);
}

}  // namespace ufb::ops
