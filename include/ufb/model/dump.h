#pragma once

// `ufb dump`: every intermediate state of a model run, as named arrays, so that a port can be
// compared with PyTorch tensor by tensor (the names and layouts are those of the issue that
// introduced it and of tools/make_model_goldens.py).

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "ufb/model/model.h"

namespace ufb::model {

// One named array, row-major: float values, or int32 ones for node indices.
struct DumpArray {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int32_t> ints;
};

// For a padded batch [B, S] of a model with L layers, hidden H:
//   embeddings [B,S,H] (after the embedding norm), layer_hidden [L,B,S,H] (residual stream
//   after each layer), hidden [B,S,H] (after the final norm), mlm_logits [B,S,V] or
//   cls_logits [B,N]; for FFF models with T trees of depth D also fff_nodes int32
//   [L,B,S,T,D+1] (heap index within its tree of each visited node), fff_leaves int32
//   [L,B,S,T] (last node − (2^D − 1)) and fff_logits [L,B,S,T,D+1].
// Padding positions are computed like real ones (they attend to the real tokens only).
std::vector<DumpArray> dump_model(const Model& model, const PaddedBatch& batch);

// Writes each array as OUT/<name>.npy (atomically), creating `out_dir` if needed.
void write_dump(std::span<const DumpArray> arrays, const std::filesystem::path& out_dir);

}  // namespace ufb::model
