#include "ufb/train/fff_fit.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "train/least_squares.h"
#include "ufb/error.h"
#include "ufb/ops/gelu.h"
#include "train/counter_random.h"

namespace ufb::train {
namespace {

void check_samples(const FeedforwardSamples& s) {
  const auto size = static_cast<size_t>(s.rows * s.hidden);
  if (s.rows < 1 || s.hidden < 1 || s.x.size() != size || s.y.size() != size) {
    throw Error("feedforward samples of " + std::to_string(s.rows) + " rows of width " +
                std::to_string(s.hidden) + " hold " + std::to_string(s.x.size()) + " inputs and " +
                std::to_string(s.y.size()) + " outputs");
  }
}

// Centred copies of the given rows of `matrix` [*, hidden] into `out` [rows.size(), hidden].
void gather_centred(std::span<const float> matrix, int64_t hidden, std::span<const int64_t> rows,
                    std::vector<float>& out) {
  const auto count = static_cast<int64_t>(rows.size());
  out.resize(count * hidden);
  std::vector<double> mean(hidden, 0.0);
  for (int64_t i = 0; i < count; ++i) {
    const float* row = matrix.data() + rows[i] * hidden;
    std::copy_n(row, hidden, out.data() + i * hidden);
    for (int64_t h = 0; h < hidden; ++h) mean[h] += row[h];
  }
  for (int64_t h = 0; h < hidden; ++h) mean[h] /= static_cast<double>(count);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t h = 0; h < hidden; ++h) out[i * hidden + h] -= static_cast<float>(mean[h]);
  }
}

// The unit input direction u maximising ‖Rᵀ X u‖ over the centred rows: the top left singular
// vector of XᵀR, by power iteration on XᵀR RᵀX (never formed: four matrix-vector products).
std::vector<float> predictive_direction(const std::vector<float>& x, const std::vector<float>& residual,
                                        int64_t count, int64_t hidden, int iterations,
                                        const CounterRandom& random) {
  std::vector<float> u(hidden), projected(count), through(hidden), back(count);
  for (int64_t h = 0; h < hidden; ++h) u[h] = static_cast<float>(random.uniform(h) - 0.5);
  const auto n = static_cast<int>(count);
  const auto width = static_cast<int>(hidden);
  for (int iteration = 0; iteration < iterations; ++iteration) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, width, 1.0f, x.data(), width, u.data(), 1, 0.0f, projected.data(), 1);
    cblas_sgemv(CblasRowMajor, CblasTrans, n, width, 1.0f, residual.data(), width, projected.data(), 1, 0.0f, through.data(), 1);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, width, 1.0f, residual.data(), width, through.data(), 1, 0.0f, back.data(), 1);
    cblas_sgemv(CblasRowMajor, CblasTrans, n, width, 1.0f, x.data(), width, back.data(), 1, 0.0f, u.data(), 1);
    const float norm = cblas_snrm2(width, u.data(), 1);
    if (!(norm > 0.0f) || !std::isfinite(norm)) return {};  // no residual left to predict
    cblas_sscal(width, 1.0f / norm, u.data(), 1);
  }
  return u;
}

// Grows tree `tree` of `layer` on `residual` [rows, hidden]: every node's W_in row and b_in.
void grow_tree(const FeedforwardSamples& samples, std::span<const float> residual, int64_t tree,
               int iterations, const CounterRandom& random, FffLayer& layer) {
  const int64_t hidden = samples.hidden;
  const int64_t nodes = layer.shape.nodes_per_tree();
  std::vector<std::vector<int64_t>> members(nodes);
  members[0].resize(samples.rows);
  for (int64_t r = 0; r < samples.rows; ++r) members[0][r] = r;
  std::vector<float> x, target;
  for (int64_t node = 0; node < nodes; ++node) {
    std::vector<int64_t> rows = std::move(members[node]);
    const int64_t neuron = tree * nodes + node;
    float* w = layer.w_in.data() + neuron * hidden;
    // A node no token reaches keeps w = 0, b = 0: its logit is 0, GELU(0) = 0.
    if (rows.size() < 2) continue;
    const auto count = static_cast<int64_t>(rows.size());
    gather_centred(samples.x, hidden, rows, x);
    gather_centred(residual, hidden, rows, target);
    std::vector<float> u = predictive_direction(x, target, count, hidden, iterations, random.child(neuron));
    if (u.empty()) continue;
    std::vector<double> logits(count);
    for (int64_t i = 0; i < count; ++i) {
      logits[i] = cblas_sdot(static_cast<int>(hidden), u.data(), 1, samples.x.data() + rows[i] * hidden, 1);
    }
    std::vector<double> sorted = logits;
    std::nth_element(sorted.begin(), sorted.begin() + count / 2, sorted.end());
    const double median = sorted[count / 2];
    double spread = 0.0;
    for (const double l : logits) spread += (l - median) * (l - median);
    spread = std::sqrt(spread / static_cast<double>(count));
    if (!(spread > 0.0)) continue;
    for (int64_t h = 0; h < hidden; ++h) w[h] = static_cast<float>(u[h] / spread);
    layer.b_in[neuron] = static_cast<float>(-median / spread);
    if (2 * node + 2 >= nodes) continue;
    // Children as routing will take them: right where the logit of the stored weights is > 0.
    for (int64_t i = 0; i < count; ++i) {
      const float logit =
          cblas_sdot(static_cast<int>(hidden), w, 1, samples.x.data() + rows[i] * hidden, 1) + layer.b_in[neuron];
      members[logit > 0.0f ? 2 * node + 2 : 2 * node + 1].push_back(rows[i]);
    }
  }
}

// One token's visited neurons (over all trees) and their activations.
struct Visit {
  std::vector<int64_t> neurons;
  std::vector<double> activations;
};

void route(const FffLayer& layer, const float* x, Visit& visit) {
  const int64_t hidden = layer.shape.hidden;
  const int64_t nodes = layer.shape.nodes_per_tree();
  visit.neurons.clear();
  visit.activations.clear();
  for (int64_t tree = 0; tree < layer.shape.trees; ++tree) {
    int64_t node = 0;
    for (int level = 0; level < layer.shape.levels(); ++level) {
      const int64_t neuron = tree * nodes + node;
      const float logit =
          cblas_sdot(static_cast<int>(hidden), layer.w_in.data() + neuron * hidden, 1, x, 1) + layer.b_in[neuron];
      visit.neurons.push_back(neuron);
      visit.activations.push_back(ops::gelu(logit));
      node = 2 * node + (logit > 0.0f ? 2 : 1);
    }
  }
}

}  // namespace

void solve_fff_outputs(const FeedforwardSamples& samples, double ridge, FffLayer& layer) {
  check_samples(samples);
  const int64_t hidden = samples.hidden;
  // Unknowns: one W_out row per neuron, then the output bias (feature 1 for every token).
  const int64_t unknowns = layer.shape.neurons() + 1;
  const int64_t bias = unknowns - 1;
  std::vector<double> gram(unknowns * unknowns, 0.0);
  std::vector<double> sums(unknowns * hidden, 0.0);  // Φᵀy, [unknowns, hidden]
  Visit visit;
  for (int64_t r = 0; r < samples.rows; ++r) {
    route(layer, samples.x.data() + r * hidden, visit);
    visit.neurons.push_back(bias);
    visit.activations.push_back(1.0);
    const float* y = samples.y.data() + r * hidden;
    // A token's neurons are distinct (one per level and tree, then the bias), so each pair with
    // row >= col adds once to the lower triangle, which is what dposv reads.
    for (size_t a = 0; a < visit.neurons.size(); ++a) {
      const int64_t row = visit.neurons[a];
      const double pa = visit.activations[a];
      for (size_t b = 0; b < visit.neurons.size(); ++b) {
        if (visit.neurons[b] <= row) gram[visit.neurons[b] * unknowns + row] += pa * visit.activations[b];
      }
      double* sum = sums.data() + row * hidden;
      for (int64_t h = 0; h < hidden; ++h) sum[h] += pa * y[h];
    }
  }
  double trace = 0.0;
  for (int64_t i = 0; i < unknowns; ++i) trace += gram[i * unknowns + i];
  const double lambda = std::max(ridge * trace / static_cast<double>(unknowns), 1e-12);
  for (int64_t i = 0; i < bias; ++i) gram[i * unknowns + i] += lambda;
  gram[bias * unknowns + bias] += 1e-12 * static_cast<double>(samples.rows);
  std::vector<double> rhs(unknowns * hidden);  // column-major, as dposv takes it
  for (int64_t i = 0; i < unknowns; ++i) {
    for (int64_t h = 0; h < hidden; ++h) rhs[h * unknowns + i] = sums[i * hidden + h];
  }
  solve_positive_definite(gram, unknowns, rhs, hidden, "fitting FFF output weights");
  for (int64_t neuron = 0; neuron < bias; ++neuron) {
    for (int64_t h = 0; h < hidden; ++h) {
      layer.w_out_rows[neuron * hidden + h] = static_cast<float>(rhs[h * unknowns + neuron]);
    }
  }
  for (int64_t h = 0; h < hidden; ++h) layer.b_out[h] = static_cast<float>(rhs[h * unknowns + bias]);
}

std::vector<float> fff_layer_outputs(const FffLayer& layer, std::span<const float> x, int64_t rows) {
  const int64_t hidden = layer.shape.hidden;
  std::vector<float> y(rows * hidden);
  Visit visit;
  for (int64_t r = 0; r < rows; ++r) {
    route(layer, x.data() + r * hidden, visit);
    float* out = y.data() + r * hidden;
    std::copy(layer.b_out.begin(), layer.b_out.end(), out);
    for (size_t i = 0; i < visit.neurons.size(); ++i) {
      const float a = static_cast<float>(visit.activations[i]);
      const float* w = layer.w_out_rows.data() + visit.neurons[i] * hidden;
      for (int64_t h = 0; h < hidden; ++h) out[h] += a * w[h];
    }
  }
  return y;
}

double unexplained_variance(const FffLayer& layer, const FeedforwardSamples& samples) {
  check_samples(samples);
  const int64_t hidden = samples.hidden;
  const std::vector<float> predicted = fff_layer_outputs(layer, samples.x, samples.rows);
  std::vector<double> mean(hidden, 0.0);
  for (int64_t r = 0; r < samples.rows; ++r) {
    for (int64_t h = 0; h < hidden; ++h) mean[h] += samples.y[r * hidden + h];
  }
  for (double& m : mean) m /= static_cast<double>(samples.rows);
  double error = 0.0;
  double variance = 0.0;
  for (int64_t r = 0; r < samples.rows; ++r) {
    for (int64_t h = 0; h < hidden; ++h) {
      const double y = samples.y[r * hidden + h];
      error += (predicted[r * hidden + h] - y) * (predicted[r * hidden + h] - y);
      variance += (y - mean[h]) * (y - mean[h]);
    }
  }
  return variance > 0.0 ? error / variance : 0.0;
}

FffLayer fit_fff(const FeedforwardSamples& samples, const FffFitOptions& options) {
  check_samples(samples);
  if (options.depth < 0 || options.depth > ops::FffShape::kMaxDepth || options.trees < 1) {
    throw Error("FFF depth " + std::to_string(options.depth) + " and trees " + std::to_string(options.trees) +
                ": the depth must be 0.." + std::to_string(ops::FffShape::kMaxDepth) + " and trees >= 1");
  }
  FffLayer layer;
  layer.shape = {samples.hidden, options.depth, options.trees};
  const int64_t leaves = int64_t{1} << options.depth;
  if (samples.rows < 2 * leaves) {
    throw Error("fitting an FFF of depth " + std::to_string(options.depth) + " needs at least " +
                std::to_string(2 * leaves) + " token samples (two per leaf), got " + std::to_string(samples.rows));
  }
  const int64_t neurons = layer.shape.neurons();
  layer.w_in.assign(neurons * samples.hidden, 0.0f);
  layer.b_in.assign(neurons, 0.0f);
  layer.w_out_rows.assign(neurons * samples.hidden, 0.0f);
  layer.b_out.assign(samples.hidden, 0.0f);
  const CounterRandom random(0x46ff);
  std::vector<float> residual = samples.y;
  for (int64_t tree = 0; tree < options.trees; ++tree) {
    grow_tree(samples, residual, tree, options.power_iterations, random, layer);
    // What the trees so far explain, solved jointly; the next tree grows on the rest.
    solve_fff_outputs(samples, options.ridge, layer);
    if (tree + 1 == options.trees) break;
    const std::vector<float> predicted = fff_layer_outputs(layer, samples.x, samples.rows);
    for (size_t i = 0; i < residual.size(); ++i) residual[i] = samples.y[i] - predicted[i];
  }
  return layer;
}

}  // namespace ufb::train
