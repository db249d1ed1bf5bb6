#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ufb::ops {

struct AttentionShape {
  int64_t heads = 0;
  int64_t head_dim = 0;

  int64_t hidden() const { return heads * head_dim; }
};

// The column of qkv (the layout self_attention reads, below) that holds feature `feature` of
// projection `part` (0 query, 1 key, 2 value): BERT's separate projections land there.
inline int64_t qkv_column(const AttentionShape& shape, int64_t part, int64_t feature) {
  return (3 * (feature / shape.head_dim) + part) * shape.head_dim + feature % shape.head_dim;
}

// The rows of one sequence in a packed batch: rows [first_row, first_row + rows) are its
// positions 0 … rows−1, each both a query and a key. Keys at positions >= real_tokens are
// padding: their scores get −10000 added, as crammedBERT's extended attention mask does.
struct AttentionSequence {
  int64_t first_row = 0;
  int64_t rows = 0;
  int64_t real_tokens = 0;
};

// The additive score of a padding key (docs/model.md §2.3).
inline constexpr float kPaddingKeyScore = -10000.0f;

// What training adds to an attention pass. Both arrays hold, sequence after sequence, each
// head's rows × rows block of probabilities in head order.
template <class T>
struct AttentionState {
  // Scales that multiply the probabilities (dropout: 0 or 1/(1−p)); empty for none.
  std::span<const T> dropout_scales;
  // The softmax probabilities, before dropout, kept by the forward pass for the backward pass.
  std::vector<T> probabilities;
};

// Bidirectional multi-head self-attention (docs/model.md §2.3) without the output projection.
// qkv [total_rows, 3·hidden] holds each row's projections interleaved per head: columns
// h·3d … h·3d+d−1 are head h's query, the next d its key, the next d its value. For every
// sequence and head: softmax(q·k^T · score_scale + padding) · v, written to columns h·d … h·d+d−1
// of context [total_rows, hidden]. Rows not covered by a sequence are not written. With `state`
// (training) the probabilities are kept and its dropout applied. float runs the model, double
// checks gradients: one implementation. Throws ufb::Error on sizes that do not fit.
void self_attention(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                    std::span<const AttentionSequence> sequences, std::span<float> context,
                    AttentionState<float>* state = nullptr);
void self_attention(std::span<const double> qkv, const AttentionShape& shape, double score_scale,
                    std::span<const AttentionSequence> sequences, std::span<double> context,
                    AttentionState<double>* state = nullptr);

// The gradient through self_attention with the state its forward pass kept: dqkv of the
// sequences' rows is overwritten.
void self_attention_backward(std::span<const float> qkv, const AttentionShape& shape,
                             float score_scale, std::span<const AttentionSequence> sequences,
                             const AttentionState<float>& state, std::span<const float> dcontext,
                             std::span<float> dqkv);
void self_attention_backward(std::span<const double> qkv, const AttentionShape& shape,
                             double score_scale, std::span<const AttentionSequence> sequences,
                             const AttentionState<double>& state, std::span<const double> dcontext,
                             std::span<double> dqkv);

// Entries of the probability (and dropout) array of `sequences`.
int64_t attention_probability_count(const AttentionShape& shape,
                                    std::span<const AttentionSequence> sequences);

}  // namespace ufb::ops
