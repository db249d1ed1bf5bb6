#include "train/embedding.h"

#include <string>

#include "ufb/error.h"

namespace ufb::train {
namespace {

template <class T>
void check_sizes(const EmbeddingParams<T>& params, std::span<const int32_t> ids, int64_t length,
                 size_t out_size, std::span<const int32_t> type_ids) {
  const int64_t hidden = params.hidden;
  const auto rows = static_cast<int64_t>(ids.size());
  if (hidden < 1 || length < 1 || rows % length != 0 || params.words.size() % hidden != 0 ||
      static_cast<int64_t>(params.positions.size()) < length * hidden ||
      static_cast<int64_t>(out_size) != rows * hidden) {
    throw Error("embedding: " + std::to_string(ids.size()) + " ids of sequences of " +
                std::to_string(length) + " do not fit a table of " +
                std::to_string(params.words.size()) + " values, " +
                std::to_string(params.positions.size()) + " position values and " +
                std::to_string(out_size) + " outputs of width " + std::to_string(hidden));
  }
  const auto vocab = static_cast<int64_t>(params.words.size()) / hidden;
  for (int64_t r = 0; r < rows; ++r) {
    if (ids[r] < 0 || ids[r] >= vocab) {
      throw Error("embedding: token id " + std::to_string(ids[r]) + " at row " +
                  std::to_string(r) + " is outside the vocabulary of " + std::to_string(vocab));
    }
  }
  if (type_ids.empty()) return;
  const auto types = static_cast<int64_t>(params.types.size()) / hidden;
  if (type_ids.size() != ids.size()) {
    throw Error("embedding: " + std::to_string(type_ids.size()) + " token types for " +
                std::to_string(ids.size()) + " ids");
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (type_ids[r] < 0 || type_ids[r] >= types) {
      throw Error("embedding: token type " + std::to_string(type_ids[r]) + " at row " +
                  std::to_string(r) + " is outside the " + std::to_string(types) + " types");
    }
  }
}

// The token type of row r: type 0 where the batch gives none.
int32_t type_of(std::span<const int32_t> type_ids, size_t r) {
  return type_ids.empty() ? 0 : type_ids[r];
}

}  // namespace

template <class T>
void embedding_forward(const EmbeddingParams<T>& params, std::span<const int32_t> ids,
                       int64_t length, std::span<T> out, std::span<const int32_t> type_ids) {
  check_sizes(params, ids, length, out.size(), type_ids);
  const int64_t hidden = params.hidden;
  for (size_t r = 0; r < ids.size(); ++r) {
    const T* word = params.words.data() + ids[r] * hidden;
    const T* position = params.positions.data() + (static_cast<int64_t>(r) % length) * hidden;
    T* row = out.data() + r * hidden;
    for (int64_t h = 0; h < hidden; ++h) row[h] = word[h] + params.scale * position[h];
    if (params.types.empty()) continue;
    const T* type = params.types.data() + type_of(type_ids, r) * hidden;
    for (int64_t h = 0; h < hidden; ++h) row[h] += type[h];
  }
}

template <class T>
void embedding_backward(const EmbeddingParams<T>& params, std::span<const int32_t> ids,
                        int64_t length, std::span<const T> dout, const EmbeddingGrads<T>& grads,
                        std::span<const int32_t> type_ids) {
  check_sizes(params, ids, length, dout.size(), type_ids);
  const int64_t hidden = params.hidden;
  double scale_grad = 0.0;
  for (size_t r = 0; r < ids.size(); ++r) {
    const T* d = dout.data() + r * hidden;
    const int64_t p = static_cast<int64_t>(r) % length;
    const T* position = params.positions.data() + p * hidden;
    if (grads.frozen_id != ids[r]) {
      T* word = grads.words.data() + ids[r] * hidden;
      for (int64_t h = 0; h < hidden; ++h) word[h] += d[h];
    }
    if (!grads.positions.empty()) {
      T* learned = grads.positions.data() + p * hidden;
      for (int64_t h = 0; h < hidden; ++h) learned[h] += params.scale * d[h];
    }
    if (!grads.types.empty()) {
      T* type = grads.types.data() + type_of(type_ids, r) * hidden;
      for (int64_t h = 0; h < hidden; ++h) type[h] += d[h];
    }
    for (int64_t h = 0; h < hidden; ++h) scale_grad += double{d[h]} * position[h];
  }
  if (grads.scale) *grads.scale += static_cast<T>(scale_grad);
}

template void embedding_forward<float>(const EmbeddingParams<float>&, std::span<const int32_t>,
                                       int64_t, std::span<float>, std::span<const int32_t>);
template void embedding_forward<double>(const EmbeddingParams<double>&, std::span<const int32_t>,
                                        int64_t, std::span<double>, std::span<const int32_t>);
template void embedding_backward<float>(const EmbeddingParams<float>&, std::span<const int32_t>,
                                        int64_t, std::span<const float>,
                                        const EmbeddingGrads<float>&, std::span<const int32_t>);
template void embedding_backward<double>(const EmbeddingParams<double>&, std::span<const int32_t>,
                                         int64_t, std::span<const double>,
                                         const EmbeddingGrads<double>&, std::span<const int32_t>);

}  // namespace ufb::train
