#pragma once

// The training objectives: cross-entropy (masked-LM over the predicted positions only, and
// classification), mean squared error (regression, one label), and distillation's match of a
// teacher's hidden states and sentence embeddings.

#include <cstdint>
#include <span>

namespace ufb::train {

// Mean over rows of −log softmax(logits[r])[labels[r]], logits [rows, classes]. Writes
// dlogits = grad_scale · d(mean)/d(logits). Throws ufb::Error for a label outside [0, classes).
template <class T>
double cross_entropy(std::span<const T> logits, int64_t rows, int64_t classes,
                     std::span<const int32_t> labels, T grad_scale, std::span<T> dlogits);

// Mean over rows of (prediction − target)²; dpredictions = grad_scale · its gradient.
template <class T>
double mean_squared_error(std::span<const T> predictions, std::span<const T> targets,
                          T grad_scale, std::span<T> dpredictions);

// Distillation (train/distillation.h) on final hidden states `student` and `teacher`, both
// [sequences of `lengths`, `length`, hidden] (padded), over the real tokens:
//   Σ‖s − t‖² / (tokens · hidden)  +  embedding_weight · Σ_b (1 − cos(mean_b s, mean_b t)) / sequences,
// mean_b the mean over sequence b's real tokens (sentence-transformers' mean pooling). `tokens`
// and `sequences` count the whole global batch, so that the parts of it that ranks compute add
// up to its mean. Writes d(loss)/d(student) to `dstudent`.
template <class T>
double distillation_loss(std::span<const T> student, std::span<const T> teacher,
                         std::span<const int64_t> lengths, int64_t length, int64_t hidden,
                         int64_t tokens, int64_t sequences, double embedding_weight,
                         std::span<T> dstudent);

}  // namespace ufb::train
