#include "memory_bound.h"

#include <algorithm>
#include <cmath>

namespace ufb::bench {
namespace {

constexpr double kFloatBytes = 4;
constexpr double kLeafBytes = 4;

double activation_bytes(const FffTraffic& call) {
  const double tokens = static_cast<double>(call.batch);
  return tokens * (2 * kFloatBytes * static_cast<double>(call.hidden) + kLeafBytes * static_cast<double>(call.trees));
}

// Activations from and to HBM, weights from L2 or HBM; `weight_reads` bytes of node reads.
MemoryTraffic traffic_with(const FffTraffic& call, double weight_reads) {
  const double activations = activation_bytes(call);
  const double weights = weight_set_bytes(call);
  const auto l2 = static_cast<double>(call.l2_cache_bytes);
  MemoryTraffic traffic{activations + weight_reads, 0};
  if (activations + weights > l2) traffic.hbm_bytes += activations;
  if (weights > l2) traffic.hbm_bytes += weight_reads;
  return traffic;
}

}  // namespace

double MemoryTraffic::seconds(const Bandwidths& bandwidths) const {
  return std::max(l2_bytes / bandwidths.l2_bytes_per_second, hbm_bytes / bandwidths.hbm_bytes_per_second);
}

double expected_distinct_nodes(int depth, int64_t batch) {
  double nodes = batch > 0 ? 1 : 0;  // the root
  for (int level = 1; level <= depth; ++level) {
    const double width = std::ldexp(1.0, level);
    // 1 - (1 - 1/width)^batch without cancellation for wide levels.
    nodes += width * -std::expm1(static_cast<double>(batch) * std::log1p(-1.0 / width));
  }
  return nodes;
}

double node_bytes(const FffTraffic& call) {
  return 2.0 * static_cast<double>(call.hidden) * call.weight_bytes;
}

double weight_set_bytes(const FffTraffic& call) {
  const double neurons = static_cast<double>(call.trees) * (std::ldexp(1.0, call.depth + 1) - 1);
  return neurons * (node_bytes(call) + kFloatBytes);
}

MemoryTraffic compulsory_traffic(const FffTraffic& call) {
  const double nodes = static_cast<double>(call.trees) * expected_distinct_nodes(call.depth, call.batch);
  return traffic_with(call, nodes * node_bytes(call));
}

MemoryTraffic per_token_traffic(const FffTraffic& call) {
  const double visits = static_cast<double>(call.batch * call.trees) * (call.depth + 1);
  return traffic_with(call, visits * node_bytes(call));
}

}  // namespace ufb::bench
