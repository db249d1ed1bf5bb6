#include "feedforward.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "ufb/error.h"

namespace ufb::model {
namespace {

// The oneDNN kernel prepares (and keeps) a plan with its own copy of the reordered weights for
// every batch size it sees. Rows therefore go through in chunks of this many, the last chunk
// padded to a power of two: a handful of plans per layer, whatever the batches look like.
constexpr int64_t kDenseChunkRows = 256;

}  // namespace

Feedforward::Feedforward(const io::Checkpoint& checkpoint, const std::string& prefix,
                         ops::WeightType fff_weight_type) {
  const io::ModelConfig& config = checkpoint.config();
  const auto values = [&](const std::string& name) {
    return checkpoint.tensor(prefix + name).values;
  };
  if (config.intermed_type == io::FeedforwardKind::kFastFeedforward) {
    const ops::FffShape shape{config.hidden_size, static_cast<int>(config.intermed_depth),
                              config.intermed_size};
    fff_ = ops::make_fff_kernel(
        ops::FffImpl::native,
        {shape, values("ffn.linear_in.weight"), values("ffn.linear_in.bias"),
         values("ffn.linear_out.weight")},
        fff_weight_type);
    return;
  }
  if (fff_weight_type != ops::WeightType::f32) {
    throw Error("weight type " + std::string(ops::to_string(fff_weight_type)) +
                " is available for FFF layers only; this model has arch.intermed_type \"ff\"");
  }
  dense_ = ops::make_dense_ff_kernel(
      ops::DenseFfImpl::onednn,
      {{config.hidden_size, config.intermed_size}, values("ffn.dense_in.weight"), {},
       values("ffn.dense_out.weight"), {}});
}

void Feedforward::forward(std::span<const float> x, int64_t rows, std::span<float> y) const {
  if (fff_) {
    fff_->forward(x, rows, y);
  } else {
    forward_dense(x, rows, y);
  }
}

void Feedforward::forward_dense(std::span<const float> x, int64_t rows, std::span<float> y) const {
  const int64_t hidden = dense_->shape().hidden;
  std::vector<float> padded_in;
  std::vector<float> padded_out;
  for (int64_t first = 0; first < rows; first += kDenseChunkRows) {
    const int64_t chunk = std::min(kDenseChunkRows, rows - first);
    const auto in = x.subspan(first * hidden, chunk * hidden);
    const auto out = y.subspan(first * hidden, chunk * hidden);
    const auto planned = static_cast<int64_t>(std::bit_ceil(static_cast<uint64_t>(chunk)));
    if (planned == chunk) {
      dense_->forward(in, chunk, out);
      continue;
    }
    padded_in.assign(planned * hidden, 0.0f);
    padded_out.resize(planned * hidden);
    std::copy(in.begin(), in.end(), padded_in.begin());
    dense_->forward(padded_in, planned, padded_out);
    std::copy_n(padded_out.begin(), out.size(), out.begin());
  }
}

}  // namespace ufb::model
