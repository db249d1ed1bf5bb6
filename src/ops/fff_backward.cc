// The gradient of the FFF op through the paths its forward pass took.
#include <omp.h>

#include <string>
#include <vector>

#include "fff_tree.h"
#include "ops/blas.h"
#include "ufb/error.h"
#include "ufb/ops/fff.h"
#include "ufb/ops/gelu.h"

namespace ufb::ops {
namespace {

constexpr int64_t kParallelWork = 32768;

template <class T>
void backward(const FffRowWeights<T>& weights, std::span<const T> x, int64_t batch,
              const FffPaths<T>& paths, std::span<const T> dy, std::span<T> dx,
              const FffGrads<T>& grads) {
  const FffShape& shape = weights.shape;
  check_fff_weights(shape, weights.w_in.size(), weights.b_in.size(), weights.w_out_rows.size());
  check_fff_weights(shape, grads.w_in.size(), grads.b_in.size(), grads.w_out_rows.size());
  check_fff_batch(shape, x.size(), batch, dy.size());
  check_fff_batch(shape, dx.size(), batch, dy.size());
  const int64_t hidden = shape.hidden;
  const int64_t steps_per_row = shape.trees * shape.levels();
  const int64_t steps = batch * steps_per_row;
  if (static_cast<int64_t>(paths.neurons.size()) != steps || paths.logits.size() != paths.neurons.size()) {
    throw Error("FFF paths have " + std::to_string(paths.neurons.size()) + " nodes and " +
                std::to_string(paths.logits.size()) + " logits, the batch implies " +
                std::to_string(steps));
  }
  // dl = GELU'(l) · dot(g, W_out[:, n]) per visited node; dx += dl · W_in[n]. Per token: no races.
  std::vector<T> logit_grads(steps);
  const bool parallel = steps * hidden > kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < batch; ++r) {
    const T* g = dy.data() + r * hidden;
    for (int64_t step = r * steps_per_row; step < (r + 1) * steps_per_row; ++step) {
      const int64_t neuron = paths.neurons[step];
      const T dl = gelu_derivative(paths.logits[step]) *
                   dot<T>(hidden, g, weights.w_out_rows.data() + neuron * hidden);
      logit_grads[step] = dl;
      axpy<T>(hidden, dl, weights.w_in.data() + neuron * hidden, dx.data() + r * hidden);
    }
  }
  // Weight rows are shared by tokens: each thread owns a slice of the hidden dimension and adds
  // every token's contribution to it in token order, so the sums are race-free and repeatable.
#pragma omp parallel if (parallel)
  {
    const int threads = omp_get_num_threads();
    const int thread = omp_get_thread_num();
    const int64_t begin = hidden * thread / threads;
    const int64_t end = hidden * (thread + 1) / threads;
    for (int64_t step = 0; step < steps; ++step) {
      const int64_t neuron = paths.neurons[step];
      const T* token = x.data() + (step / steps_per_row) * hidden;
      const T* g = dy.data() + (step / steps_per_row) * hidden;
      const T activation = gelu(paths.logits[step]);
      const T dl = logit_grads[step];
      T* dw_out = grads.w_out_rows.data() + neuron * hidden;
      T* dw_in = grads.w_in.data() + neuron * hidden;
      for (int64_t h = begin; h < end; ++h) {
        dw_out[h] += activation * g[h];
        dw_in[h] += dl * token[h];
      }
    }
  }
  for (int64_t step = 0; step < steps; ++step) grads.b_in[paths.neurons[step]] += logit_grads[step];
}

}  // namespace

void fff_backward(const FffRowWeights<float>& weights, std::span<const float> x, int64_t batch,
                  const FffPaths<float>& paths, std::span<const float> dy, std::span<float> dx,
                  const FffGrads<float>& grads) {
  backward(weights, x, batch, paths, dy, dx, grads);
}

void fff_backward(const FffRowWeights<double>& weights, std::span<const double> x,
                  int64_t batch, const FffPaths<double>& paths, std::span<const double> dy,
                  std::span<double> dx, const FffGrads<double>& grads) {
  backward(weights, x, batch, paths, dy, dx, grads);
}

}  // namespace ufb::ops
