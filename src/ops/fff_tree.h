#pragma once

// What the FFF ops share: argument checks, and the reference's walk down one tree (used by the
// path queries and by the reference forward pass for both scalar types).

#include <cstddef>
#include <cstdint>

#include "ufb/ops/fff.h"

namespace ufb::ops {

// Throw ufb::Error naming the first mismatch: of the weights' sizes (in values) with the shape,
// and of x and y with the batch.
void check_fff_weights(const FffShape& shape, size_t w_in, size_t b_in, size_t w_out);
void check_fff_batch(const FffShape& shape, size_t x, int64_t batch, size_t y);

// A record into `paths` (resized to `steps` values), or of nothing when `paths` is null.
template <class T>
FffRecord<T> record_paths(FffPaths<T>* paths, int64_t steps) {
  if (!paths) return {};
  paths->neurons.resize(steps);
  paths->logits.resize(steps);
  return {nullptr, paths->neurons.data(), paths->logits.data()};
}

// x·W_in[neuron] + b_in[neuron], summed in double so that the reference's routing does not
// depend on a summation order.
template <class T>
T fff_node_logit(const T* token, const T* w_in, const T* b_in, int64_t hidden, int64_t neuron) {
  const T* row = w_in + neuron * hidden;
  double sum = b_in[neuron];
  for (int64_t h = 0; h < hidden; ++h) sum += double{token[h]} * row[h];
  return static_cast<T>(sum);
}

// Calls visit(level, node, logit) for each node `token` visits in tree `tree`, root first: a
// logit > 0 goes right, anything else (0 included) left (docs/model.md §1).
template <class T, class Visit>
void walk_fff_tree(const FffShape& shape, const T* token, const T* w_in, const T* b_in,
                   int64_t tree, Visit&& visit) {
  int64_t node = 0;
  for (int level = 0; level < shape.levels(); ++level) {
    const T logit = fff_node_logit(token, w_in, b_in, shape.hidden, tree * shape.nodes_per_tree() + node);
    visit(level, node, logit);
    node = logit > T{0} ? 2 * node + 2 : 2 * node + 1;
  }
}

}  // namespace ufb::ops
