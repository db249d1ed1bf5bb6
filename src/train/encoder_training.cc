#include "train/encoder_training.h"

#include <algorithm>

#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "train/dropout.h"
#include "train/embedding.h"

namespace ufb::train {
namespace {

template <class T>
using LayerWeights = model::LayerWeights<Parameter<T>>;
template <class T>
using LayerState = model::LayerState<T, FeedforwardState<T>>;

// Dropout sites: each has its own random stream (per sample, below).
uint64_t site_key(model::DropoutSite site, int64_t layer) {
  return static_cast<uint64_t>(layer + 1) * 4 + static_cast<uint64_t>(site);
}

template <class T>
void multiply(std::span<T> values, const std::vector<T>& scales) {
  if (scales.empty()) return;
  for (size_t i = 0; i < values.size(); ++i) values[i] *= scales[i];
}

// The word, position and token type tables the embedding reads: `positions` is the sinusoidal
// table, or empty for the learned one.
template <class T>
EmbeddingParams<T> embedding_params(const io::ModelConfig& config,
                                    const typename ParameterSet<T>::Weights& w,
                                    std::span<const T> positions) {
  const bool sinusoidal = !positions.empty();
  return {config.hidden_size, values(w.word_embedding),
          sinusoidal ? positions : values(w.learned_positions),
          sinusoidal ? values(w.position_scale)[0] : T{1}, values(w.token_type_embedding)};
}

// BERT's query, key and value projections (part 0, 1, 2) of a layer.
template <class T>
ops::LinearWeights<T> bert_projection(const LayerWeights<T>& lw, int64_t hidden, int part) {
  const Parameter<T>* weights[3] = {&lw.query_weight, &lw.key_weight, &lw.value_weight};
  const Parameter<T>* biases[3] = {&lw.query_bias, &lw.key_bias, &lw.value_bias};
  return {hidden, hidden, values(*weights[part]), values(*biases[part])};
}

ops::AttentionShape attention_shape(const io::ModelConfig& config) {
  return {config.attention.num_attention_heads, config.head_dim()};
}

template <class T>
DenseFfParams<T> dense_params(const io::ModelConfig& config, const LayerWeights<T>& lw) {
  return {config.hidden_size, config.feedforward_width(), values(lw.dense_in_weight),
          values(lw.dense_out_weight), values(lw.dense_in_bias), values(lw.dense_out_bias),
          config.activation};
}

}  // namespace

std::vector<ops::AttentionSequence> padded_sequences(const TrainBatch& batch) {
  std::vector<ops::AttentionSequence> sequences;
  for (int64_t b = 0; b < batch.sequences; ++b) {
    sequences.push_back({b * batch.length, batch.length, batch.lengths[b]});
  }
  return sequences;
}

template <class T>
TrainingKernels<T>::TrainingKernels(const io::ModelConfig& config, const ParameterSet<T>& parameters,
                                    std::span<const T> positions, const TrainBatch& batch)
    : config_(config), parameters_(parameters), positions_(positions), batch_(batch) {}

template <class T>
void TrainingKernels<T>::embed(std::span<T> x) const {
  embedding_forward<T>(embedding_params(config_, parameters_.weights(), positions_), batch_.ids,
                       batch_.length, x, batch_.type_ids);
}

template <class T>
void TrainingKernels<T>::project(model::Projection projection, int64_t layer, std::span<const T> x,
                                 std::span<T> y, ops::LinearOutput output) const {
  const LayerWeights<T>& lw = parameters_.weights().layers[layer];
  const int64_t hidden = config_.hidden_size;
  const int64_t rows = static_cast<int64_t>(x.size()) / hidden;
  if (projection == model::Projection::attention_output) {
    ops::linear({hidden, hidden, values(lw.attention_output_weight), values(lw.attention_output_bias)},
                x, rows, y, output);
    return;
  }
  if (config_.architecture == io::Architecture::kCrammedBert) {
    ops::linear({hidden, 3 * hidden, values(lw.qkv_weight), {}}, x, rows, y, output);
    return;
  }
  // BERT: each of query, key and value into its columns of the layout the attention reads.
  const ops::AttentionShape shape = attention_shape(config_);
  std::vector<T> part_output(rows * hidden);
  for (int part = 0; part < 3; ++part) {
    ops::linear(bert_projection(lw, hidden, part), x, rows, part_output);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t f = 0; f < hidden; ++f) {
        y[r * 3 * hidden + ops::qkv_column(shape, part, f)] = part_output[r * hidden + f];
      }
    }
  }
}

template <class T>
void TrainingKernels<T>::feedforward(int64_t layer, std::span<const T> x, std::span<T> y,
                                     std::span<int32_t>, FeedforwardState* state) const {
  const LayerWeights<T>& lw = parameters_.weights().layers[layer];
  const int64_t hidden = config_.hidden_size;
  const int64_t rows = static_cast<int64_t>(x.size()) / hidden;
  FeedforwardState unkept;
  FeedforwardState& kept = state ? *state : unkept;
  if (config_.intermed_type == io::FeedforwardKind::kDense) {
    dense_ff_forward<T>(dense_params(config_, lw), x, rows, y, kept.dense);
    return;
  }
  const ops::FffShape shape{hidden, static_cast<int>(config_.intermed_depth), config_.intermed_size};
  fff_forward({shape, values(lw.fff_in_weight), values(lw.fff_in_bias), values(lw.fff_out_weight)},
              x, rows, y, kept.fff);
  const std::span<const T> out_bias = values(lw.fff_out_bias);  // BERT's FFF member only
  if (out_bias.empty()) return;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t h = 0; h < hidden; ++h) y[r * hidden + h] += out_bias[h];
  }
}

template <class T>
BatchDropout<T>::BatchDropout(const io::ModelConfig& config, const TrainBatch& batch,
                              const DropoutContext& dropout)
    : config_(config), batch_(batch), dropout_(dropout) {}

template <class T>
std::vector<T> BatchDropout<T>::scales(model::DropoutSite site, int64_t layer) const {
  const bool attention = site == model::DropoutSite::attention;
  const double probability = site == model::DropoutSite::embedding ? dropout_.rates.embedding
                             : attention                           ? dropout_.rates.attention
                                                                   : dropout_.rates.hidden;
  if (!dropout_.random || probability == 0.0) return {};
  const int64_t per_sample = attention ? config_.attention.num_attention_heads * batch_.length * batch_.length
                                       : batch_.length * config_.hidden_size;
  std::vector<T> scales(batch_.sequences * per_sample);
  const CounterRandom site_random = dropout_.random->child(site_key(site, layer));
  for (int64_t b = 0; b < batch_.sequences; ++b) {
    dropout_scales<T>(site_random.child(batch_.first_sample + b), 0, probability,
                      std::span<T>(scales).subspan(b * per_sample, per_sample));
  }
  return scales;
}

template <class T>
void encoder_backward(const io::ModelConfig& config, ParameterSet<T>& parameters,
                      std::span<const T> positions, const TrainBatch& batch,
                      EncoderState<T>& a, std::span<const T> dhidden) {
  const int64_t hidden = config.hidden_size;
  const int64_t rows = batch.rows();
  typename ParameterSet<T>::Weights& w = parameters.weights();
  // dx += the gradient through the LayerNorm (weight, bias) of input x.
  const auto normalize_back = [&](Parameter<T>& weight, Parameter<T>& bias, std::span<const T> x,
                                  const ops::LayerNormStats& stats, std::span<const T> dy, std::span<T> dx) {
    ops::layer_norm_backward(x, rows, values(weight), stats, dy, dx, grad(weight), grad(bias));
  };

  std::vector<T> dx(rows * hidden, T{0});
  if (config.final_norm) {
    normalize_back(w.final_norm_weight, w.final_norm_bias, a.before_final_norm, a.final_stats, dhidden, dx);
  } else {
    dx.assign(dhidden.begin(), dhidden.end());
  }
  const ops::AttentionShape shape = attention_shape(config);
  const std::vector<ops::AttentionSequence> sequences = padded_sequences(batch);
  const bool fff = config.intermed_type == io::FeedforwardKind::kFastFeedforward;
  const bool post_norm = config.norm_scheme == io::NormScheme::kPost;
  std::vector<T> dbranch(rows * hidden), dnormed(rows * hidden), dqkv(3 * rows * hidden);
  // dinput += the gradient through the feedforward branch dropout(FF(input)) of dx.
  const auto feedforward_back = [&](LayerState<T>& layer, LayerWeights<T>& lw, std::span<const T> input,
                                    std::span<T> dinput) {
    dbranch = dx;
    multiply<T>(dbranch, layer.feedforward_dropout);
    if (!fff) {
      dense_ff_backward<T>(dense_params(config, lw), input, rows, layer.feedforward.dense, dbranch, dinput,
                           {grad(lw.dense_in_weight), grad(lw.dense_out_weight), grad(lw.dense_in_bias),
                            grad(lw.dense_out_bias)});
      return;
    }
    const ops::FffShape fff_shape{hidden, static_cast<int>(config.intermed_depth), config.intermed_size};
    ops::fff_backward({fff_shape, values(lw.fff_in_weight), values(lw.fff_in_bias), values(lw.fff_out_weight)},
                      input, rows, layer.feedforward.fff, dbranch, dinput,
                      {grad(lw.fff_in_weight), grad(lw.fff_in_bias), grad(lw.fff_out_weight)});
    const std::span<T> out_bias = grad(lw.fff_out_bias);  // BERT's FFF member only
    if (out_bias.empty()) return;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t h = 0; h < hidden; ++h) out_bias[h] += dbranch[r * hidden + h];
    }
  };
  // dinput += the gradient through the attention branch dropout(O · Attn(QKV · input)) of dx.
  const auto attention_back = [&](LayerState<T>& layer, LayerWeights<T>& lw, std::span<const T> input,
                                  std::span<T> dinput) {
    dbranch = dx;
    multiply<T>(dbranch, layer.attention_output_dropout);
    std::vector<T>& dcontext = layer.mid;  // reused: mid is no longer needed
    std::fill(dcontext.begin(), dcontext.end(), T{0});
    ops::linear_backward({hidden, hidden, values(lw.attention_output_weight), values(lw.attention_output_bias)},
                         layer.context, rows, dbranch, dcontext,
                         {grad(lw.attention_output_weight), grad(lw.attention_output_bias)});
    ops::self_attention_backward(layer.qkv, shape, model::score_scale<T>(config, lw), sequences,
                                 layer.attention, dcontext, dqkv);
    if (config.architecture == io::Architecture::kCrammedBert) {
      ops::linear_backward({hidden, 3 * hidden, values(lw.qkv_weight), {}}, input, rows, dqkv, dinput,
                           {grad(lw.qkv_weight), {}});
      return;
    }
    // BERT: each projection's gradient from its columns of qkv.
    Parameter<T>* weights[3] = {&lw.query_weight, &lw.key_weight, &lw.value_weight};
    Parameter<T>* biases[3] = {&lw.query_bias, &lw.key_bias, &lw.value_bias};
    std::vector<T>& dpart = dcontext;  // reused: dcontext is no longer needed
    for (int part = 0; part < 3; ++part) {
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t f = 0; f < hidden; ++f) {
          dpart[r * hidden + f] = dqkv[r * 3 * hidden + ops::qkv_column(shape, part, f)];
        }
      }
      ops::linear_backward(bert_projection(lw, hidden, part), input, rows, dpart, dinput,
                           {grad(*weights[part]), grad(*biases[part])});
    }
  };
  for (int64_t i = config.num_transformer_layers - 1; i >= 0; --i) {
    LayerState<T>& layer = a.layers[i];
    LayerWeights<T>& lw = w.layers[i];
    if (post_norm) {
      // x_out = LN2(sum2), sum2 = normed1 + dropout(FF(normed1)), normed1 = LN1(mid)
      std::fill(dnormed.begin(), dnormed.end(), T{0});
      normalize_back(lw.norm2_weight, lw.norm2_bias, layer.sum2, layer.stats2, dx, dnormed);
      dx = dnormed;
      feedforward_back(layer, lw, layer.normed1, dx);
      std::fill(dnormed.begin(), dnormed.end(), T{0});
      normalize_back(lw.norm1_weight, lw.norm1_bias, layer.mid, layer.stats1, dx, dnormed);
      dx = dnormed;
      // mid = input + dropout(Attn(input) · W_dense^T + b)
      attention_back(layer, lw, layer.input, dx);
      continue;
    }
    // x_out = mid + dropout(FF(LN2(mid)))
    std::fill(dnormed.begin(), dnormed.end(), T{0});
    feedforward_back(layer, lw, layer.normed2, dnormed);
    normalize_back(lw.norm2_weight, lw.norm2_bias, layer.mid, layer.stats2, dnormed, dx);
    // mid = input + dropout(Attn(LN1(input)) · W_dense^T)
    std::fill(dnormed.begin(), dnormed.end(), T{0});
    attention_back(layer, lw, layer.normed1, dnormed);
    normalize_back(lw.norm1_weight, lw.norm1_bias, layer.input, layer.stats1, dnormed, dx);
  }
  multiply<T>(dx, a.embedding_dropout);
  std::vector<T> dembedded(rows * hidden, T{0});
  if (config.embedding.normalization) {
    normalize_back(w.embedding_norm_weight, w.embedding_norm_bias, a.embedded, a.embedding_stats, dx, dembedded);
  } else {
    dembedded = dx;
  }
  const bool sinusoidal = !positions.empty();
  EmbeddingGrads<T> grads{grad(w.word_embedding), {}, nullptr,
                          static_cast<int32_t>(config.embedding.pad_token_id)};
  if (sinusoidal) {
    grads.scale = w.position_scale.grad.data();
  } else {
    grads.positions = grad(w.learned_positions);
  }
  grads.types = grad(w.token_type_embedding);
  embedding_backward<T>(embedding_params(config, w, positions), batch.ids, batch.length, dembedded, grads,
                        batch.type_ids);
}

template class TrainingKernels<float>;
template class TrainingKernels<double>;
template class BatchDropout<float>;
template class BatchDropout<double>;
template void encoder_backward<float>(const io::ModelConfig&, ParameterSet<float>&,
                                      std::span<const float>, const TrainBatch&,
                                      EncoderState<float>&, std::span<const float>);
template void encoder_backward<double>(const io::ModelConfig&, ParameterSet<double>&,
                                       std::span<const double>, const TrainBatch&,
                                       EncoderState<double>&, std::span<const double>);

}  // namespace ufb::train
