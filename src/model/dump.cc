#include "ufb/model/dump.h"

#include <algorithm>

#include "ufb/error.h"
#include "ufb/io/npy.h"
#include "ufb/ops/fff.h"

namespace ufb::model {
namespace {

// [L, rows, width] from one [rows, width] array per layer.
std::vector<float> stack_layers(const std::vector<std::vector<float>>& layers) {
  std::vector<float> stacked;
  for (const std::vector<float>& layer : layers) {
    stacked.insert(stacked.end(), layer.begin(), layer.end());
  }
  return stacked;
}

ops::FffWeights fff_weights(const Model& model, int64_t layer) {
  const io::ModelConfig& config = model.config();
  const LayerWeights<std::span<const float>>& weights = model.encoder().weights().layers[layer];
  return {{config.hidden_size, static_cast<int>(config.intermed_depth), config.intermed_size},
          weights.fff_in_weight, weights.fff_in_bias, weights.fff_out_weight};
}

// fff_nodes, fff_leaves and fff_logits: each token's path through each tree of each layer,
// rebuilt from the leaf the kernel reported, with the node logits for the layer's tree input.
void append_fff_paths(const Model& model, const ModelTrace& trace,
                      std::vector<int64_t> batch_shape, std::vector<DumpArray>& arrays) {
  const auto layers = static_cast<int64_t>(trace.encoder.fff_leaves.size());
  const int64_t rows = batch_shape[0] * batch_shape[1];
  const int64_t hidden = model.config().hidden_size;
  DumpArray nodes{"fff_nodes", {}, {}, {}};
  DumpArray leaves{"fff_leaves", {}, {}, {}};
  DumpArray logits{"fff_logits", {}, {}, {}};
  ops::FffShape shape;
  for (int64_t layer = 0; layer < layers; ++layer) {
    const ops::FffWeights weights = fff_weights(model, layer);
    shape = weights.shape;
    const int32_t first_leaf = static_cast<int32_t>(shape.nodes_per_tree() / 2);
    for (int64_t row = 0; row < rows; ++row) {
      const std::span<const float> token(trace.encoder.fff_inputs[layer].data() + row * hidden,
                                         hidden);
      for (int64_t tree = 0; tree < shape.trees; ++tree) {
        const int32_t leaf = trace.encoder.fff_leaves[layer][row * shape.trees + tree];
        for (const ops::FffStep& step : ops::fff_path_to_leaf(weights, token, tree, leaf)) {
          nodes.ints.push_back(step.node);
          logits.floats.push_back(step.logit);
        }
        leaves.ints.push_back(leaf - first_leaf);
      }
    }
  }
  std::vector<int64_t> tree_shape = {layers};
  tree_shape.insert(tree_shape.end(), batch_shape.begin(), batch_shape.end());
  tree_shape.push_back(shape.trees);
  leaves.shape = tree_shape;
  tree_shape.push_back(shape.levels());
  nodes.shape = tree_shape;
  logits.shape = tree_shape;
  arrays.push_back(std::move(nodes));
  arrays.push_back(std::move(leaves));
  arrays.push_back(std::move(logits));
}

}  // namespace

std::vector<DumpArray> dump_model(const Model& model, const PaddedBatch& batch) {
  ModelTrace trace = model.trace(batch);
  const int64_t hidden = model.config().hidden_size;
  const int64_t layers = model.config().num_transformer_layers;
  const std::vector<int64_t> batch_shape = {batch.size, batch.length};
  std::vector<DumpArray> arrays;
  arrays.push_back({"embeddings", {batch.size, batch.length, hidden},
                    std::move(trace.encoder.embeddings), {}});
  arrays.push_back({"layer_hidden", {layers, batch.size, batch.length, hidden},
                    stack_layers(trace.encoder.layer_outputs), {}});
  arrays.push_back({"hidden", {batch.size, batch.length, hidden}, trace.hidden.values, {}});
  if (model.checkpoint().head() == io::ModelHead::kMaskedLm) {
    arrays.push_back({"mlm_logits", {batch.size, batch.length, trace.head_width},
                      std::move(trace.head_logits), {}});
  } else if (model.checkpoint().head() == io::ModelHead::kClassification) {
    arrays.push_back({"cls_logits", {batch.size, trace.head_width},
                      std::move(trace.head_logits), {}});
  }
  if (!trace.encoder.fff_leaves.empty()) append_fff_paths(model, trace, batch_shape, arrays);
  return arrays;
}

void write_dump(std::span<const DumpArray> arrays, const std::filesystem::path& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw Error("cannot create " + out_dir.string() + ": " + error.message());
  for (const DumpArray& array : arrays) {
    const std::filesystem::path path = out_dir / (array.name + ".npy");
    if (array.ints.empty()) {
      io::write_npy(path, array.shape, array.floats);
    } else {
      io::write_npy(path, array.shape, array.ints);
    }
  }
}

}  // namespace ufb::model
