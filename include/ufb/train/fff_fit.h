#pragma once

// Fitting an FFF layer (docs/model.md §1) to what a dense feedforward block computes, from samples
// of the block's inputs and outputs: stage 1 of `ufb distill` (docs/distillation.md).
//
// Trees are grown one after another, each on what the trees before it leave unexplained. A node
// splits its tokens along the input direction that best predicts that residual (the top
// singular vector of their input/residual cross-covariance), scaled so that its logits have unit
// spread, and cut at the median, so both children see half of its tokens. With the routing fixed,
// the output weights (every neuron's W_out row and the output bias) are the exact least-squares
// solution over all samples.

#include <cstdint>
#include <span>
#include <vector>

#include "ufb/ops/fff.h"

namespace ufb::train {

// Samples of a block's map: x [rows, hidden] → y [rows, hidden].
struct FeedforwardSamples {
  int64_t rows = 0;
  int64_t hidden = 0;
  std::vector<float> x;
  std::vector<float> y;
};

// An FFF layer's parameters in training's layout (W_out neuron-major, as ParameterSet holds it).
struct FffLayer {
  ops::FffShape shape;
  std::vector<float> w_in;        // [neurons, hidden]
  std::vector<float> b_in;        // [neurons]
  std::vector<float> w_out_rows;  // [neurons, hidden]
  std::vector<float> b_out;       // [hidden]
};

struct FffFitOptions {
  int depth = 7;
  int64_t trees = 1;
  // Tikhonov term of the output least squares, relative to the mean diagonal of the normal
  // matrix: keeps neurons that few tokens reach from fitting noise.
  double ridge = 1e-3;
  int power_iterations = 30;
};

// Grows and solves the layer. Throws ufb::Error for samples that do not match their sizes, or
// fewer rows than the tree has leaves.
FffLayer fit_fff(const FeedforwardSamples& samples, const FffFitOptions& options);

// With the routing of `layer` fixed, sets its output weights and bias to the least-squares fit of
// the samples (ridge as in FffFitOptions).
void solve_fff_outputs(const FeedforwardSamples& samples, double ridge, FffLayer& layer);

// The layer's output for rows of x [rows, hidden].
std::vector<float> fff_layer_outputs(const FffLayer& layer, std::span<const float> x, int64_t rows);

// ‖F(x) − y‖² / ‖y − ȳ‖²: the share of the block's output variance the FFF leaves unexplained.
double unexplained_variance(const FffLayer& layer, const FeedforwardSamples& samples);

}  // namespace ufb::train
