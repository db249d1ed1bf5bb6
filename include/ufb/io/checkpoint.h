#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ufb/io/config.h"
#include "ufb/io/raw_tensor.h"
#include "ufb/io/tensor_table.h"

namespace ufb::io {

// A named float32 tensor of a loaded model.
struct TensorView {
  std::string name;
  std::vector<std::int64_t> shape;
  std::span<const float> values;
};

// A model directory opened and checked: config.json, then model.safetensors if present, else
// pytorch_model.bin. The weights must match the table of expected tensors (tensor_table.h)
// exactly:
// - a missing tensor, a tensor of another shape, or one that is not F32/F16/BF16 is an error
//   naming it;
// - an unexpected tensor is an error naming it (it means the file and config.json describe
//   different models), except buffers that carry no weights (is_weightless_buffer), which are
//   only listed in ignored_tensors();
// - with tie_weights, a file that stores only one of decoder.weight and
//   encoder.embedding.word_embedding.weight (as a writer that drops shared tensors does) serves
//   both names from it.
// A model with a classifier (`head.weight`, BERT's `classifier.weight`) is a classification
// model; num_labels is its first dimension and must agree with the config's num_labels where it
// gives one. A BERT checkpoint without classifier and masked-LM head is an encoder alone
// (ModelHead::kNone); its pooler is optional. BERT task models' `bert.` prefix is accepted:
// tensors() and tensor() use the names without it.
// F32 weights are views into the memory-mapped file where it is aligned; F16 and BF16 weights
// are widened into buffers this object owns.
class Checkpoint {
 public:
  // Throws ufb::Error naming the file and the first problem found.
  explicit Checkpoint(const std::filesystem::path& model_dir);
  // The same checks for a configuration and an already opened weights file.
  Checkpoint(ModelConfig config, std::unique_ptr<TensorArchive> weights);

  const ModelConfig& config() const { return config_; }
  ModelHead head() const { return head_; }
  // 0 for a masked-LM model.
  std::int64_t num_labels() const { return num_labels_; }
  bool has_pooler() const { return pooler_; }
  // A tensor's name as the file spells it (with BERT's `bert.` prefix where the file has it).
  std::string stored_name(std::string_view name) const;
  const std::string& weights_source() const { return weights_->source_name(); }

  // Every expected tensor, in state-dict order.
  const std::vector<TensorView>& tensors() const { return tensors_; }
  // Throws ufb::Error if the model has no tensor of that name.
  const TensorView& tensor(std::string_view name) const;
  // Tells the checkpoint that a tensor's values have been copied into a kernel's own layout and
  // are not expected to be read again: the memory-mapped pages behind them are released (they
  // read back from the file if touched). A no-op for tensors held in memory.
  void release(std::string_view name) const;
  // Tensors of the file that are known to carry nothing the model needs.
  const std::vector<std::string>& ignored_tensors() const { return ignored_; }

 private:
  Checkpoint(ModelConfig config, const std::filesystem::path& model_dir);

  ModelConfig config_;
  std::unique_ptr<TensorArchive> weights_;
  ModelHead head_ = ModelHead::kMaskedLm;
  std::int64_t num_labels_ = 0;
  bool pooler_ = false;
  std::string name_prefix_;
  std::vector<std::vector<float>> widened_;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::vector<std::string> ignored_;
};

}  // namespace ufb::io
