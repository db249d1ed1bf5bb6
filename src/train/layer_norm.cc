#include "ufb/train/layer_norm.h"

#include <cmath>
#include <string>

#include "ufb/error.h"

namespace ufb::train {
namespace {

struct RowStatistics {
  double mean = 0;
  double inverse_std = 0;  // 1 / sqrt(biased variance + eps)
};

// Two passes over double sums: exact to float rounding at any width.
template <class T>
RowStatistics row_statistics(const T* row, int64_t width, double eps) {
  double sum = 0.0;
  for (int64_t c = 0; c < width; ++c) sum += row[c];
  const double mean = sum / static_cast<double>(width);
  double squares = 0.0;
  for (int64_t c = 0; c < width; ++c) squares += (row[c] - mean) * (row[c] - mean);
  return {mean, 1.0 / std::sqrt(squares / static_cast<double>(width) + eps)};
}

void check_sizes(size_t x_size, int64_t rows, size_t width, size_t other_size, size_t y_size) {
  const auto w = static_cast<int64_t>(width);
  if (rows < 0 || w < 1 || other_size != width || static_cast<int64_t>(x_size) != rows * w ||
      y_size != x_size) {
    throw Error("LayerNorm: " + std::to_string(x_size) + " inputs, " + std::to_string(y_size) +
                " outputs and " + std::to_string(width) + "/" + std::to_string(other_size) +
                " parameters do not fit " + std::to_string(rows) + " rows");
  }
}

}  // namespace

template <class T>
void layer_norm_forward(std::span<const T> x, int64_t rows, std::span<const T> weight,
                        std::span<const T> bias, double eps, std::span<T> y, LayerNormStats& stats) {
  check_sizes(x.size(), rows, weight.size(), bias.size(), y.size());
  const auto width = static_cast<int64_t>(weight.size());
  stats.mean.resize(rows);
  stats.inverse_std.resize(rows);
#pragma omp parallel for schedule(static) if (rows * width > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const T* in = x.data() + r * width;
    T* out = y.data() + r * width;
    const auto [mean, inverse_std] = row_statistics(in, width, eps);
    stats.mean[r] = mean;
    stats.inverse_std[r] = inverse_std;
    for (int64_t c = 0; c < width; ++c) {
      out[c] = static_cast<T>((in[c] - mean) * inverse_std) * weight[c] + bias[c];
    }
  }
}

template <class T>
void layer_norm_backward(std::span<const T> x, int64_t rows, std::span<const T> weight,
                         const LayerNormStats& stats, std::span<const T> dy, std::span<T> dx,
                         std::span<T> dweight, std::span<T> dbias) {
  check_sizes(x.size(), rows, weight.size(), dweight.size(), dy.size());
  check_sizes(x.size(), rows, weight.size(), dbias.size(), dx.size());
  const auto width = static_cast<int64_t>(weight.size());
  const auto normalized = [&](int64_t r, int64_t c) {
    return (x[r * width + c] - stats.mean[r]) * stats.inverse_std[r];
  };
  // dx = inverse_std · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · weight.
#pragma omp parallel for schedule(static) if (rows * width > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    double sum_g = 0.0;
    double sum_g_xhat = 0.0;
    for (int64_t c = 0; c < width; ++c) {
      const double g = double{dy[r * width + c]} * weight[c];
      sum_g += g;
      sum_g_xhat += g * normalized(r, c);
    }
    const double mean_g = sum_g / static_cast<double>(width);
    const double mean_g_xhat = sum_g_xhat / static_cast<double>(width);
    for (int64_t c = 0; c < width; ++c) {
      const double g = double{dy[r * width + c]} * weight[c];
      dx[r * width + c] +=
          static_cast<T>(stats.inverse_std[r] * (g - mean_g - normalized(r, c) * mean_g_xhat));
    }
  }
  // Column sums over rows, one thread per column range: no races, a fixed order.
#pragma omp parallel for schedule(static) if (rows * width > 32768)
  for (int64_t c = 0; c < width; ++c) {
    double sum_weight = 0.0;
    double sum_bias = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      sum_weight += dy[r * width + c] * normalized(r, c);
      sum_bias += dy[r * width + c];
    }
    dweight[c] += static_cast<T>(sum_weight);
    dbias[c] += static_cast<T>(sum_bias);
  }
}

template void layer_norm_forward<float>(std::span<const float>, int64_t, std::span<const float>,
                                        std::span<const float>, double, std::span<float>,
                                        LayerNormStats&);
template void layer_norm_forward<double>(std::span<const double>, int64_t,
                                         std::span<const double>, std::span<const double>, double,
                                         std::span<double>, LayerNormStats&);
template void layer_norm_backward<float>(std::span<const float>, int64_t, std::span<const float>,
                                         const LayerNormStats&, std::span<const float>,
                                         std::span<float>, std::span<float>, std::span<float>);
template void layer_norm_backward<double>(std::span<const double>, int64_t,
                                          std::span<const double>, const LayerNormStats&,
                                          std::span<const double>, std::span<double>,
                                          std::span<double>, std::span<double>);

}  // namespace ufb::train
