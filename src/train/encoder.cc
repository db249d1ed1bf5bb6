#include "ufb/train/encoder.h"

#include <string>

#include "ufb/ops/embedding.h"
#include "ufb/ops/layer_norm.h"
#include "ufb/ops/attention.h"
#include "ufb/train/dropout.h"
#include "ufb/train/embedding.h"
#include "ufb/train/feedforward.h"
#include "ufb/ops/linear.h"

namespace ufb::train {
namespace {

template <class T>
using LayerWeights = model::LayerWeights<Parameter<T>>;

template <class T>
std::span<const T> values(const Parameter<T>& parameter) { return parameter.value; }
template <class T>
std::span<T> grad(Parameter<T>& parameter) { return parameter.grad; }

// Dropout sites: each has its own random stream (per sample, below).
enum class Site : uint64_t { embedding = 0, attention = 1, attention_output = 2, feedforward = 3 };
uint64_t site_key(Site site, int64_t layer) { return static_cast<uint64_t>(layer + 1) * 4 + static_cast<uint64_t>(site); }

// Scales [sequences, per_sample] of one dropout site; empty when dropout is off there.
template <class T>
std::vector<T> dropout_for(const DropoutContext& dropout, double probability, uint64_t site,
                           const TrainBatch& batch, int64_t per_sample) {
  if (!dropout.random || probability == 0.0) return {};
  std::vector<T> scales(batch.sequences * per_sample);
  const CounterRandom site_random = dropout.random->child(site);
  for (int64_t b = 0; b < batch.sequences; ++b) {
    dropout_scales<T>(site_random.child(batch.first_sample + b), 0, probability,
                      std::span<T>(scales).subspan(b * per_sample, per_sample));
  }
  return scales;
}

// Every row of the padded batch is computed: sequence b is rows [b·length, (b+1)·length).
std::vector<ops::AttentionSequence> padded_sequences(const TrainBatch& batch) {
  std::vector<ops::AttentionSequence> sequences;
  for (int64_t b = 0; b < batch.sequences; ++b) sequences.push_back({b * batch.length, batch.length, batch.lengths[b]});
  return sequences;
}

template <class T>
void multiply(std::span<T> values, const std::vector<T>& scales) {
  if (scales.empty()) return;
  for (size_t i = 0; i < values.size(); ++i) values[i] *= scales[i];
}

}  // namespace

template <class T>
TrainableEncoder<T>::TrainableEncoder(const io::ModelConfig& config, ParameterSet<T>& parameters)
    : config_(config), parameters_(parameters) {
  if (config.embedding.pos_embedding == io::PositionEmbedding::kScaledSinusoidal) {
    const std::vector<float> table =
        ops::sinusoidal_positions(config.embedding.max_seq_length, config.hidden_size);
    sinusoidal_.assign(table.begin(), table.end());
  }
}

template <class T>
TrainableEncoder<T>::~TrainableEncoder() = default;

template <class T>
std::unique_ptr<typename TrainableEncoder<T>::Activations> TrainableEncoder<T>::forward(
    const TrainBatch& batch, const DropoutContext& dropout, std::vector<T>& hidden_states) const {
  const int64_t hidden = config_.hidden_size;
  const int64_t rows = batch.rows();
  const typename ParameterSet<T>::Weights& w = parameters_.weights();
  const auto normalize = [&](const Parameter<T>& weight, const Parameter<T>& bias, std::span<const T> x,
                             std::span<T> y, ops::LayerNormStats& stats) {
    ops::layer_norm(x, rows, values(weight), values(bias), config_.norm_eps, y, &stats);
  };
  auto activations = std::make_unique<Activations>();
  Activations& a = *activations;

  const bool sinusoidal = !sinusoidal_.empty();
  const EmbeddingParams<T> embedding{hidden, values(w.word_embedding),
                                     sinusoidal ? sinusoidal_ : values(w.learned_positions),
                                     sinusoidal ? w.position_scale.value[0] : T{1}};
  a.embedded.resize(rows * hidden);
  embedding_forward<T>(embedding, batch.ids, batch.length, a.embedded);
  std::vector<T> x(rows * hidden);
  if (config_.embedding.normalization) {
    normalize(w.embedding_norm_weight, w.embedding_norm_bias, a.embedded, x, a.embedding_stats);
  } else {
    x = a.embedded;
  }
  a.embedding_dropout = dropout_for<T>(dropout, dropout.rates.embedding, site_key(Site::embedding, -1),
                                       batch, batch.length * hidden);
  multiply<T>(x, a.embedding_dropout);

  const ops::AttentionShape shape{config_.attention.num_attention_heads,
                                  hidden / config_.attention.num_attention_heads};
  const std::vector<ops::AttentionSequence> sequences = padded_sequences(batch);
  const int64_t width = config_.feedforward_width();
  const bool fff = config_.intermed_type == io::FeedforwardKind::kFastFeedforward;
  a.layers.resize(config_.num_transformer_layers);
  std::vector<T> update(rows * hidden);
  for (int64_t i = 0; i < config_.num_transformer_layers; ++i) {
    typename Activations::Layer& layer = a.layers[i];
    const LayerWeights<T>& lw = w.layers[i];
    layer.input = x;
    layer.normed1.resize(x.size());
    normalize(lw.norm1_weight, lw.norm1_bias, x, layer.normed1, layer.stats1);
    layer.qkv.resize(3 * x.size());
    ops::linear({hidden, 3 * hidden, values(lw.qkv_weight), {}}, layer.normed1, rows, layer.qkv);
    layer.attention_dropout = dropout_for<T>(dropout, dropout.rates.attention, site_key(Site::attention, i),
                                             batch, shape.heads * batch.length * batch.length);
    layer.attention.dropout_scales = layer.attention_dropout;
    layer.context.resize(x.size());
    ops::self_attention(layer.qkv, shape, lw.score_scale.value[0], sequences, layer.context, &layer.attention);
    ops::linear({hidden, hidden, values(lw.attention_output_weight), {}}, layer.context, rows, update);
    layer.attention_output_dropout = dropout_for<T>(dropout, dropout.rates.hidden,
                                                    site_key(Site::attention_output, i), batch,
                                                    batch.length * hidden);
    multiply<T>(update, layer.attention_output_dropout);
    for (size_t j = 0; j < x.size(); ++j) x[j] += update[j];
    layer.mid = x;
    layer.normed2.resize(x.size());
    normalize(lw.norm2_weight, lw.norm2_bias, x, layer.normed2, layer.stats2);
    if (fff) {
      const ops::FffShape fff_shape{hidden, static_cast<int>(config_.intermed_depth), config_.intermed_size};
      fff_forward({fff_shape, values(lw.fff_in_weight), values(lw.fff_in_bias), values(lw.fff_out_weight)},
                  layer.normed2, rows, update, layer.fff);
    } else {
      dense_ff_forward<T>({hidden, width, values(lw.dense_in_weight), values(lw.dense_out_weight)},
                          layer.normed2, rows, update, layer.dense);
    }
    layer.feedforward_dropout = dropout_for<T>(dropout, dropout.rates.hidden, site_key(Site::feedforward, i),
                                               batch, batch.length * hidden);
    multiply<T>(update, layer.feedforward_dropout);
    for (size_t j = 0; j < x.size(); ++j) x[j] += update[j];
  }
  if (config_.final_norm) {
    a.before_final_norm = x;
    normalize(w.final_norm_weight, w.final_norm_bias, a.before_final_norm, x, a.final_stats);
  }
  hidden_states = std::move(x);
  return activations;
}

template <class T>
void TrainableEncoder<T>::backward(const TrainBatch& batch, Activations& a,
                                   std::span<const T> dhidden) {
  const int64_t hidden = config_.hidden_size;
  const int64_t rows = batch.rows();
  typename ParameterSet<T>::Weights& w = parameters_.weights();
  // dx += the gradient through the LayerNorm (weight, bias) of input x.
  const auto normalize_back = [&](Parameter<T>& weight, Parameter<T>& bias, std::span<const T> x,
                                  const ops::LayerNormStats& stats, std::span<const T> dy, std::span<T> dx) {
    ops::layer_norm_backward(x, rows, values(weight), stats, dy, dx, grad(weight), grad(bias));
  };

  std::vector<T> dx(rows * hidden, T{0});
  if (config_.final_norm) {
    normalize_back(w.final_norm_weight, w.final_norm_bias, a.before_final_norm, a.final_stats, dhidden, dx);
  } else {
    dx.assign(dhidden.begin(), dhidden.end());
  }
  const ops::AttentionShape shape{config_.attention.num_attention_heads,
                                  hidden / config_.attention.num_attention_heads};
  const std::vector<ops::AttentionSequence> sequences = padded_sequences(batch);
  const int64_t width = config_.feedforward_width();
  const bool fff = config_.intermed_type == io::FeedforwardKind::kFastFeedforward;
  std::vector<T> dbranch(rows * hidden), dnormed(rows * hidden), dqkv(3 * rows * hidden);
  for (int64_t i = config_.num_transformer_layers - 1; i >= 0; --i) {
    typename Activations::Layer& layer = a.layers[i];
    LayerWeights<T>& lw = w.layers[i];
    // x_out = mid + dropout(FF(LN2(mid)))
    dbranch = dx;
    multiply<T>(dbranch, layer.feedforward_dropout);
    std::fill(dnormed.begin(), dnormed.end(), T{0});
    if (fff) {
      const ops::FffShape fff_shape{hidden, static_cast<int>(config_.intermed_depth), config_.intermed_size};
      ops::fff_backward({fff_shape, values(lw.fff_in_weight), values(lw.fff_in_bias), values(lw.fff_out_weight)},
                        layer.normed2, rows, layer.fff, dbranch, dnormed,
                        {grad(lw.fff_in_weight), grad(lw.fff_in_bias), grad(lw.fff_out_weight)});
    } else {
      dense_ff_backward<T>({hidden, width, values(lw.dense_in_weight), values(lw.dense_out_weight)},
                           layer.normed2, rows, layer.dense, dbranch, dnormed,
                           {grad(lw.dense_in_weight), grad(lw.dense_out_weight)});
    }
    normalize_back(lw.norm2_weight, lw.norm2_bias, layer.mid, layer.stats2, dnormed, dx);
    // mid = input + dropout(Attn(LN1(input)) · W_dense^T)
    dbranch = dx;
    multiply<T>(dbranch, layer.attention_output_dropout);
    std::vector<T>& dcontext = layer.mid;  // reused: mid is no longer needed
    std::fill(dcontext.begin(), dcontext.end(), T{0});
    ops::linear_backward({hidden, hidden, values(lw.attention_output_weight), {}}, layer.context, rows,
                       dbranch, dcontext, {grad(lw.attention_output_weight), {}});
    ops::self_attention_backward(layer.qkv, shape, lw.score_scale.value[0], sequences, layer.attention,
                                 dcontext, dqkv);
    std::fill(dnormed.begin(), dnormed.end(), T{0});
    ops::linear_backward({hidden, 3 * hidden, values(lw.qkv_weight), {}}, layer.normed1, rows, dqkv, dnormed,
                       {grad(lw.qkv_weight), {}});
    normalize_back(lw.norm1_weight, lw.norm1_bias, layer.input, layer.stats1, dnormed, dx);
  }
  multiply<T>(dx, a.embedding_dropout);
  std::vector<T> dembedded(rows * hidden, T{0});
  if (config_.embedding.normalization) {
    normalize_back(w.embedding_norm_weight, w.embedding_norm_bias, a.embedded, a.embedding_stats, dx, dembedded);
  } else {
    dembedded = dx;
  }
  const bool sinusoidal = !sinusoidal_.empty();
  const EmbeddingParams<T> embedding{hidden, values(w.word_embedding),
                                     sinusoidal ? sinusoidal_ : values(w.learned_positions),
                                     sinusoidal ? w.position_scale.value[0] : T{1}};
  EmbeddingGrads<T> grads{grad(w.word_embedding), {}, nullptr,
                          static_cast<int32_t>(config_.embedding.pad_token_id)};
  if (sinusoidal) {
    grads.scale = w.position_scale.grad.data();
  } else {
    grads.positions = grad(w.learned_positions);
  }
  embedding_backward<T>(embedding, batch.ids, batch.length, dembedded, grads);
}

template class TrainableEncoder<float>;
template class TrainableEncoder<double>;

}  // namespace ufb::train
