#include <omp.h>

#include <algorithm>
#include <string>

#include "ufb/error.h"
#include "ops/blas.h"
#include "ufb/train/feedforward.h"

namespace ufb::train {
namespace {

constexpr int64_t kParallelWork = 32768;

template <class T>
void check_sizes(const FffParams<T>& params, size_t x_size, int64_t rows, size_t y_size) {
  const ops::FffShape& shape = params.shape;
  const int64_t neurons = shape.neurons();
  if (shape.hidden < 1 || shape.trees < 1 || shape.depth < 0 ||
      shape.depth > ops::FffShape::kMaxDepth ||
      static_cast<int64_t>(params.w_in.size()) != neurons * shape.hidden ||
      static_cast<int64_t>(params.b_in.size()) != neurons ||
      params.w_out_rows.size() != params.w_in.size() || rows < 0 ||
      static_cast<int64_t>(x_size) != rows * shape.hidden || y_size != x_size) {
    throw Error("FFF layer (hidden " + std::to_string(shape.hidden) + ", depth " +
                std::to_string(shape.depth) + ", " + std::to_string(shape.trees) +
                " trees) does not fit its " + std::to_string(params.w_in.size()) + "/" +
                std::to_string(params.b_in.size()) + "/" +
                std::to_string(params.w_out_rows.size()) + " weights and " +
                std::to_string(x_size) + " inputs for " + std::to_string(rows) + " rows");
  }
}

}  // namespace

template <class T>
void fff_forward(const FffParams<T>& params, std::span<const T> x, int64_t rows, std::span<T> y,
                 FffCache<T>& cache) {
  check_sizes(params, x.size(), rows, y.size());
  const ops::FffShape& shape = params.shape;
  const int64_t hidden = shape.hidden;
  const int levels = shape.levels();
  const int64_t steps_per_row = shape.trees * levels;
  cache.neurons.resize(rows * steps_per_row);
  cache.logits.resize(rows * steps_per_row);
  // Tiny layers (tests) run on one thread: a parallel region would cost more than the work.
  const bool parallel = rows * steps_per_row * hidden > kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; ++r) {
    const T* token = x.data() + r * hidden;
    T* out = y.data() + r * hidden;
    std::fill(out, out + hidden, T{0});
    for (int64_t tree = 0; tree < shape.trees; ++tree) {
      int64_t node = 0;
      for (int level = 0; level < levels; ++level) {
        const int64_t neuron = tree * shape.nodes_per_tree() + node;
        const T logit = ops::dot<T>(hidden, token, params.w_in.data() + neuron * hidden) +
                        params.b_in[neuron];
        const int64_t step = r * steps_per_row + tree * levels + level;
        cache.neurons[step] = static_cast<int32_t>(neuron);
        cache.logits[step] = logit;
        ops::axpy<T>(hidden, ops::gelu(logit), params.w_out_rows.data() + neuron * hidden, out);
        node = logit > T{0} ? 2 * node + 2 : 2 * node + 1;
      }
    }
  }
}

template <class T>
void fff_backward(const FffParams<T>& params, std::span<const T> x, int64_t rows,
                  const FffCache<T>& cache, std::span<const T> dy, std::span<T> dx,
                  const FffGrads<T>& grads) {
  check_sizes(params, x.size(), rows, dy.size());
  check_sizes(params, dx.size(), rows, dy.size());
  const int64_t hidden = params.shape.hidden;
  const int64_t steps_per_row = params.shape.trees * params.shape.levels();
  const int64_t steps = rows * steps_per_row;
  // dl = GELU'(l) · dot(g, W_out[:, n]) per visited node; dx += dl · W_in[n]. Per token: no races.
  std::vector<T> logit_grads(steps);
  const bool parallel = steps * hidden > kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t r = 0; r < rows; ++r) {
    const T* g = dy.data() + r * hidden;
    for (int64_t step = r * steps_per_row; step < (r + 1) * steps_per_row; ++step) {
      const int64_t neuron = cache.neurons[step];
      const T dl = gelu_derivative(cache.logits[step]) *
                   ops::dot<T>(hidden, g, params.w_out_rows.data() + neuron * hidden);
      logit_grads[step] = dl;
      ops::axpy<T>(hidden, dl, params.w_in.data() + neuron * hidden, dx.data() + r * hidden);
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
      const int64_t neuron = cache.neurons[step];
      const T* token = x.data() + (step / steps_per_row) * hidden;
      const T* g = dy.data() + (step / steps_per_row) * hidden;
      const T activation = ops::gelu(cache.logits[step]);
      const T dl = logit_grads[step];
      T* dw_out = grads.w_out_rows.data() + neuron * hidden;
      T* dw_in = grads.w_in.data() + neuron * hidden;
      for (int64_t h = begin; h < end; ++h) {
        dw_out[h] += activation * g[h];
        dw_in[h] += dl * token[h];
      }
    }
  }
  for (int64_t step = 0; step < steps; ++step) grads.b_in[cache.neurons[step]] += logit_grads[step];
}

template void fff_forward<float>(const FffParams<float>&, std::span<const float>, int64_t,
                                 std::span<float>, FffCache<float>&);
template void fff_forward<double>(const FffParams<double>&, std::span<const double>, int64_t,
                                  std::span<double>, FffCache<double>&);
template void fff_backward<float>(const FffParams<float>&, std::span<const float>, int64_t,
                                  const FffCache<float>&, std::span<const float>,
                                  std::span<float>, const FffGrads<float>&);
template void fff_backward<double>(const FffParams<double>&, std::span<const double>, int64_t,
                                   const FffCache<double>&, std::span<const double>,
                                   std::span<double>, const FffGrads<double>&);

}  // namespace ufb::train
