#pragma once

// The memory-hierarchy lower bound of an FFF layer call on a GPU (docs/cuda.md, "Memory-
// hierarchy limit"): the bytes a call must move through L2 and from HBM, over the bandwidths the
// bench measured on the same GPU.

#include <cstdint>

namespace ufb::bench {

struct FffTraffic {
  int64_t hidden = 0;
  int depth = 0;
  int64_t trees = 1;
  int64_t batch = 0;
  int weight_bytes = 4;        // 4 for f32 weights, 2 for bf16
  int64_t l2_cache_bytes = 0;  // what fits decides whether weights and activations stay in L2
};

struct Bandwidths {
  double hbm_bytes_per_second = 0;
  double l2_bytes_per_second = 0;
};

// Bytes a call moves, split by where they must come from.
struct MemoryTraffic {
  double l2_bytes = 0;   // through L2 to the SMs (includes what also comes from HBM)
  double hbm_bytes = 0;  // to or from HBM
  double seconds(const Bandwidths& bandwidths) const;  // max(l2/l2 bandwidth, hbm/hbm bandwidth)
};

// The expected number of distinct nodes `batch` tokens visit in one tree of this depth when
// routing is uniform: each level l adds 2^l (1 - (1 - 2^-l)^batch).
double expected_distinct_nodes(int depth, int64_t batch);

// One node's W_in row and W_out column.
double node_bytes(const FffTraffic& call);

// The whole layer: both weight matrices and the node biases.
double weight_set_bytes(const FffTraffic& call);

// What any kernel must move: read x and write y and the leaves, and read every distinct visited
// node once. Activations and leaves count against HBM when they and the weights do not fit in
// L2 together; the weights count against HBM when they do not fit in L2 alone.
MemoryTraffic compulsory_traffic(const FffTraffic& call);

// What a kernel moves when every token reads its own path's nodes through L2 (no sharing of a
// node's load between the tokens that visit it beyond what L1 gives): cuda_native's design.
MemoryTraffic per_token_traffic(const FffTraffic& call);

}  // namespace ufb::bench
