#include "train/losses.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ufb/error.h"
#include "ops/softmax.h"

namespace ufb::train {

template <class T>
double cross_entropy(std::span<const T> logits, int64_t rows, int64_t classes,
                     std::span<const int32_t> labels, T grad_scale, std::span<T> dlogits) {
  if (rows < 1 || classes < 1 || static_cast<int64_t>(logits.size()) != rows * classes ||
      static_cast<int64_t>(labels.size()) != rows || dlogits.size() != logits.size()) {
    throw Error("cross-entropy: " + std::to_string(logits.size()) + " logits and " +
                std::to_string(labels.size()) + " labels do not fit " + std::to_string(rows) +
                " rows of " + std::to_string(classes) + " classes");
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (labels[r] < 0 || labels[r] >= classes) {
      throw Error("cross-entropy: label " + std::to_string(labels[r]) + " of row " +
                  std::to_string(r) + " is outside [0, " + std::to_string(classes) + ")");
    }
  }
  const double row_scale = double{grad_scale} / static_cast<double>(rows);
  std::vector<double> row_losses(rows);  // summed in order afterwards: repeatable
#pragma omp parallel for schedule(static) if (rows * classes > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = logits.data() + r * classes;
    T* grad = dlogits.data() + r * classes;
    std::copy(row, row + classes, grad);
    // −log softmax(row)[label] = log Σ exp(row) − row[label]; the softmax itself is the gradient.
    row_losses[r] = ops::softmax_inplace(std::span<T>(grad, classes)) - row[labels[r]];
    for (int64_t c = 0; c < classes; ++c) grad[c] = static_cast<T>(grad[c] * row_scale);
    grad[labels[r]] -= static_cast<T>(row_scale);
  }
  double total = 0.0;
  for (const double loss : row_losses) total += loss;
  return total / static_cast<double>(rows);
}

template <class T>
double mean_squared_error(std::span<const T> predictions, std::span<const T> targets,
                          T grad_scale, std::span<T> dpredictions) {
  if (predictions.empty() || targets.size() != predictions.size() ||
      dpredictions.size() != predictions.size()) {
    throw Error("mean squared error: " + std::to_string(predictions.size()) + " predictions and " +
                std::to_string(targets.size()) + " targets do not match");
  }
  const auto count = static_cast<double>(predictions.size());
  double total = 0.0;
  for (size_t i = 0; i < predictions.size(); ++i) {
    const double difference = double{predictions[i]} - targets[i];
    total += difference * difference;
    dpredictions[i] = static_cast<T>(2.0 * difference / count * grad_scale);
  }
  return total / count;
}

template <class T>
double distillation_loss(std::span<const T> student, std::span<const T> teacher,
                         std::span<const int64_t> lengths, int64_t length, int64_t hidden,
                         int64_t tokens, int64_t sequences, double embedding_weight,
                         std::span<T> dstudent) {
  const auto size = static_cast<size_t>(static_cast<int64_t>(lengths.size()) * length * hidden);
  if (student.size() != size || teacher.size() != size || dstudent.size() != size || tokens < 1 || sequences < 1) {
    throw Error("distillation loss: hidden states of " + std::to_string(student.size()) + " and " +
                std::to_string(teacher.size()) + " values for " + std::to_string(lengths.size()) +
                " sequences of length " + std::to_string(length) + " and width " + std::to_string(hidden));
  }
  std::fill(dstudent.begin(), dstudent.end(), T{0});
  const double mse_scale = 1.0 / static_cast<double>(tokens * hidden);
  double loss = 0.0;
  std::vector<double> mean_student(hidden), mean_teacher(hidden);
  for (size_t b = 0; b < lengths.size(); ++b) {
    const int64_t count = lengths[b];
    const int64_t first = static_cast<int64_t>(b) * length * hidden;
    std::fill(mean_student.begin(), mean_student.end(), 0.0);
    std::fill(mean_teacher.begin(), mean_teacher.end(), 0.0);
    for (int64_t i = first; i < first + count * hidden; ++i) {
      const double difference = double(student[i]) - double(teacher[i]);
      loss += difference * difference * mse_scale;
      dstudent[i] = static_cast<T>(2.0 * difference * mse_scale);
      mean_student[(i - first) % hidden] += double(student[i]) / static_cast<double>(count);
      mean_teacher[(i - first) % hidden] += double(teacher[i]) / static_cast<double>(count);
    }
    if (embedding_weight == 0.0) continue;
    double dot = 0.0, student_squares = 0.0, teacher_squares = 0.0;
    for (int64_t h = 0; h < hidden; ++h) {
      dot += mean_student[h] * mean_teacher[h];
      student_squares += mean_student[h] * mean_student[h];
      teacher_squares += mean_teacher[h] * mean_teacher[h];
    }
    const double norms = std::sqrt(student_squares * teacher_squares);
    if (!(norms > 0.0)) continue;  // a zero embedding has no direction to match
    const double cosine = dot / norms;
    const double weight = embedding_weight / static_cast<double>(sequences);
    loss += weight * (1.0 - cosine);
    for (int64_t h = 0; h < hidden; ++h) {
      // d(1 − cos)/d(mean_student), spread evenly over the tokens the mean pools.
      const double dmean = -weight * (mean_teacher[h] / norms - cosine * mean_student[h] / student_squares);
      for (int64_t t = 0; t < count; ++t) dstudent[first + t * hidden + h] += static_cast<T>(dmean / static_cast<double>(count));
    }
  }
  return loss;
}

template double cross_entropy<float>(std::span<const float>, int64_t, int64_t,
                                     std::span<const int32_t>, float, std::span<float>);
template double cross_entropy<double>(std::span<const double>, int64_t, int64_t,
                                      std::span<const int32_t>, double, std::span<double>);
template double mean_squared_error<float>(std::span<const float>, std::span<const float>, float,
                                          std::span<float>);
template double mean_squared_error<double>(std::span<const double>, std::span<const double>,
                                           double, std::span<double>);
template double distillation_loss<float>(std::span<const float>, std::span<const float>,
                                         std::span<const int64_t>, int64_t, int64_t, int64_t,
                                         int64_t, double, std::span<float>);
template double distillation_loss<double>(std::span<const double>, std::span<const double>,
                                          std::span<const int64_t>, int64_t, int64_t, int64_t,
                                          int64_t, double, std::span<double>);

}  // namespace ufb::train
