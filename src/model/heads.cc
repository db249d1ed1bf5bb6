#include "model/heads.h"

#include <cmath>
#include <vector>

namespace ufb::model {
namespace {

int64_t pooled_rows(io::Pooler pooler, int64_t length) {
  return pooler == io::Pooler::kAverage ? length : 1;
}

}  // namespace

template <class T>
void mean_of_rows(std::span<const T> hidden, int64_t length, int64_t width, int64_t sequence,
                  int64_t count, std::span<T> out) {
  std::vector<double> sum(width, 0.0);
  for (int64_t p = 0; p < count; ++p) {
    const T* row = hidden.data() + (sequence * length + p) * width;
    for (int64_t h = 0; h < width; ++h) sum[h] += row[h];
  }
  for (int64_t h = 0; h < width; ++h) out[h] = static_cast<T>(sum[h] / static_cast<double>(count));
}

template <class T>
void pool_sequences(io::Pooler pooler, std::span<const T> hidden, int64_t sequences,
                    int64_t length, int64_t width, std::span<T> pooled) {
  for (int64_t b = 0; b < sequences; ++b) {
    mean_of_rows(hidden, length, width, b, pooled_rows(pooler, length), pooled.subspan(b * width, width));
  }
}

template <class T>
void pool_sequences_backward(io::Pooler pooler, std::span<const T> dpooled, int64_t sequences,
                             int64_t length, int64_t width, std::span<T> dhidden) {
  const int64_t rows = pooled_rows(pooler, length);
  for (int64_t b = 0; b < sequences; ++b) {
    for (int64_t p = 0; p < rows; ++p) {
      for (int64_t h = 0; h < width; ++h) {
        dhidden[(b * length + p) * width + h] += dpooled[b * width + h] / static_cast<T>(rows);
      }
    }
  }
}

template <class T>
void pooler_forward(const ops::LinearWeights<T>& dense, std::span<const T> pooled,
                    int64_t sequences, std::span<T> features) {
  ops::linear(dense, pooled, sequences, features);
  for (T& value : features) value = std::tanh(value);
}

template void mean_of_rows<float>(std::span<const float>, int64_t, int64_t, int64_t, int64_t,
                                  std::span<float>);
template void mean_of_rows<double>(std::span<const double>, int64_t, int64_t, int64_t, int64_t,
                                   std::span<double>);
template void pool_sequences<float>(io::Pooler, std::span<const float>, int64_t, int64_t, int64_t,
                                    std::span<float>);
template void pool_sequences<double>(io::Pooler, std::span<const double>, int64_t, int64_t,
                                     int64_t, std::span<double>);
template void pool_sequences_backward<float>(io::Pooler, std::span<const float>, int64_t, int64_t,
                                             int64_t, std::span<float>);
template void pool_sequences_backward<double>(io::Pooler, std::span<const double>, int64_t,
                                              int64_t, int64_t, std::span<double>);
template void pooler_forward<float>(const ops::LinearWeights<float>&, std::span<const float>,
                                    int64_t, std::span<float>);
template void pooler_forward<double>(const ops::LinearWeights<double>&, std::span<const double>,
                                     int64_t, std::span<double>);

}  // namespace ufb::model
