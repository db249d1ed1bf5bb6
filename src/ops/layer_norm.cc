// LayerNorm rows vectorised with Highway. Statistics are two-pass: partial sums of at most 32
// vectors go into double totals, which keeps them as accurate as double sums at any width while
// the arithmetic stays in vectors. The same code runs in float and in double.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/layer_norm.cc"
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ufb/error.h"
#include "ops/layer_norm.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Σ term(x[i]) over the row, for a term given on vectors and on scalars (the tail).
template <class T, class VectorTerm, class ScalarTerm>
HWY_INLINE double RowSum(const T* x, int64_t width, VectorTerm vector_term,
                         ScalarTerm scalar_term) {
  constexpr int64_t kVectorsPerPartialSum = 32;
  const hn::ScalableTag<T> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = width - width % lanes;
  double total = 0.0;
  for (int64_t block = 0; block < full; block += kVectorsPerPartialSum * lanes) {
    const int64_t block_end = std::min(full, block + kVectorsPerPartialSum * lanes);
    auto partial = hn::Zero(d);
    for (int64_t i = block; i < block_end; i += lanes) {
      partial = hn::Add(partial, vector_term(hn::LoadU(d, x + i)));
    }
    total += hn::GetLane(hn::SumOfLanes(d, partial));
  }
  for (int64_t i = full; i < width; ++i) total += scalar_term(x[i]);
  return total;
}

// One row; writes the mean and 1/std it used to stats[0..1] when stats is not null.
template <class T>
HWY_INLINE void LayerNormRow(const T* in, int64_t width, const T* weight, const T* bias,
                             double eps, T* out, double* stats) {
  const hn::ScalableTag<T> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const double sum = RowSum(
      in, width, [](auto v) { return v; }, [](T v) { return double{v}; });
  const auto mean = static_cast<T>(sum / static_cast<double>(width));
  const auto mean_v = hn::Set(d, mean);
  const double squares = RowSum(
      in, width,
      [&](auto v) {
        const auto centred = hn::Sub(v, mean_v);
        return hn::Mul(centred, centred);
      },
      [&](T v) { return double{v - mean} * (v - mean); });
  const auto inverse_std =
      static_cast<T>(1.0 / std::sqrt(squares / static_cast<double>(width) + eps));
  if (stats) {
    stats[0] = mean;
    stats[1] = inverse_std;
  }
  const auto inverse_std_v = hn::Set(d, inverse_std);
  int64_t i = 0;
  for (; i + lanes <= width; i += lanes) {
    const auto normed = hn::Mul(hn::Sub(hn::LoadU(d, in + i), mean_v), inverse_std_v);
    hn::StoreU(hn::MulAdd(normed, hn::LoadU(d, weight + i), hn::LoadU(d, bias + i)), d, out + i);
  }
  for (; i < width; ++i) out[i] = (in[i] - mean) * inverse_std * weight[i] + bias[i];
}

void LayerNormRowF32(const float* in, int64_t width, const float* weight, const float* bias,
                     double eps, float* out, double* stats) {
  LayerNormRow(in, width, weight, bias, eps, out, stats);
}
void LayerNormRowF64(const double* in, int64_t width, const double* weight, const double* bias,
                     double eps, double* out, double* stats) {
  LayerNormRow(in, width, weight, bias, eps, out, stats);
}

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ufb::ops {

HWY_EXPORT(LayerNormRowF32);
HWY_EXPORT(LayerNormRowF64);

namespace {

void check_sizes(size_t x_size, int64_t rows, size_t weight_size, size_t bias_size,
                 size_t y_size) {
  const auto width = static_cast<int64_t>(weight_size);
  if (rows < 0 || width < 1 || bias_size != weight_size ||
      static_cast<int64_t>(x_size) != rows * width || y_size != x_size) {
    throw Error("LayerNorm: " + std::to_string(x_size) + " inputs, " + std::to_string(y_size) +
                " outputs, weight " + std::to_string(weight_size) + " and bias " +
                std::to_string(bias_size) + " do not fit " + std::to_string(rows) + " rows");
  }
}

template <class T>
void layer_norm_rows(std::span<const T> x, int64_t rows, std::span<const T> weight,
                     std::span<const T> bias, double eps, std::span<T> y, LayerNormStats* stats) {
  check_sizes(x.size(), rows, weight.size(), bias.size(), y.size());
  const auto width = static_cast<int64_t>(weight.size());
  if (stats) {
    stats->mean.resize(rows);
    stats->inverse_std.resize(rows);
  }
#pragma omp parallel for schedule(static) if (rows * width > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    double row_stats[2];
    const auto row = [&](auto dispatch) {
      dispatch(x.data() + r * width, width, weight.data(), bias.data(), eps, y.data() + r * width,
               stats ? row_stats : nullptr);
    };
    if constexpr (std::is_same_v<T, float>) {
      row(HWY_DYNAMIC_DISPATCH(LayerNormRowF32));
    } else {
      row(HWY_DYNAMIC_DISPATCH(LayerNormRowF64));
    }
    if (stats) {
      stats->mean[r] = row_stats[0];
      stats->inverse_std[r] = row_stats[1];
    }
  }
}

// dx = inverse_std · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · weight.
template <class T>
void layer_norm_gradient(std::span<const T> x, int64_t rows, std::span<const T> weight,
                         const LayerNormStats& stats, std::span<const T> dy, std::span<T> dx,
                         std::span<T> dweight, std::span<T> dbias) {
  check_sizes(x.size(), rows, weight.size(), dweight.size(), dy.size());
  check_sizes(x.size(), rows, weight.size(), dbias.size(), dx.size());
  if (static_cast<int64_t>(stats.mean.size()) != rows ||
      static_cast<int64_t>(stats.inverse_std.size()) != rows) {
    throw Error("LayerNorm backward: statistics of " + std::to_string(stats.mean.size()) +
                " rows for " + std::to_string(rows) + " rows");
  }
  const auto width = static_cast<int64_t>(weight.size());
  const auto normalized = [&](int64_t r, int64_t c) {
    return (x[r * width + c] - stats.mean[r]) * stats.inverse_std[r];
  };
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

}  // namespace

void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight,
                std::span<const float> bias, double eps, std::span<float> y,
                LayerNormStats* stats) {
  layer_norm_rows(x, rows, weight, bias, eps, y, stats);
}

void layer_norm(std::span<const double> x, int64_t rows, std::span<const double> weight,
                std::span<const double> bias, double eps, std::span<double> y,
                LayerNormStats* stats) {
  layer_norm_rows(x, rows, weight, bias, eps, y, stats);
}

void layer_norm_backward(std::span<const float> x, int64_t rows, std::span<const float> weight,
                         const LayerNormStats& stats, std::span<const float> dy,
                         std::span<float> dx, std::span<float> dweight, std::span<float> dbias) {
  layer_norm_gradient(x, rows, weight, stats, dy, dx, dweight, dbias);
}

void layer_norm_backward(std::span<const double> x, int64_t rows, std::span<const double> weight,
                         const LayerNormStats& stats, std::span<const double> dy,
                         std::span<double> dx, std::span<double> dweight, std::span<double> dbias) {
  layer_norm_gradient(x, rows, weight, stats, dy, dx, dweight, dbias);
}

}  // namespace ufb::ops
#endif  // HWY_ONCE
