#pragma once

// The golden data tools/make_model_goldens.py writes: a padded batch and the outputs an
// independent PyTorch implementation of docs/model.md §2 computed for it.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "io/safetensors.h"
#include "ufb/model/token_batch.h"

namespace ufb::testing {

// tests/data/model/<relative>
std::filesystem::path model_data(const std::string& relative);
// tests/data/<relative>
std::filesystem::path test_data(const std::string& relative);

class Goldens {
 public:
  explicit Goldens(const std::filesystem::path& file);

  bool has(std::string_view name) const { return file_.find(name) != nullptr; }
  std::vector<float> floats(std::string_view name) const;
  std::vector<int32_t> ints(std::string_view name) const;
  std::vector<int64_t> shape(std::string_view name) const;
  // Every tensor name that starts with `prefix`, in file order.
  std::vector<std::string> names_with_prefix(std::string_view prefix) const;
  std::vector<double> doubles(std::string_view name) const;  // an F64 tensor

  // The batch's sequences without their padding.
  std::vector<model::TokenIds> sequences() const;
  // Their token types (`token_type_ids`), likewise.
  std::vector<model::TokenIds> token_types() const;
  // [B, S]: 1 for real tokens, 0 for padding.
  std::vector<int32_t> mask() const;
  std::vector<model::TokenPosition> mlm_positions() const;

 private:
  const io::RawTensor& tensor(std::string_view name, io::DType dtype) const;
  // A padded [B, S] array's rows without their padding.
  std::vector<model::TokenIds> unpad(std::string_view name) const;

  io::SafetensorsFile file_;
};

// Expects max |actual − expected| ≤ 3e-5 · max |expected| (docs/model.md §4) and prints the
// relative error, labelled, so that a run shows how close each comparison came.
void expect_close(const std::string& label, const std::vector<float>& actual,
                  const std::vector<float>& expected, double tolerance = 3e-5);

}  // namespace ufb::testing
