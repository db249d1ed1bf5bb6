#include "model/goldens.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "ufb/ops/compare.h"
#include "ufb/io/raw_tensor.h"

namespace ufb::testing {

std::filesystem::path model_data(const std::string& relative) { return test_data("model/" + relative); }

std::filesystem::path test_data(const std::string& relative) {
  return std::filesystem::path(UFB_TEST_DATA_DIR) / relative;
}

Goldens::Goldens(const std::filesystem::path& file) : file_(file) {}

const io::RawTensor& Goldens::tensor(std::string_view name, io::DType dtype) const {
  const io::RawTensor* found = file_.find(name);
  if (found == nullptr || found->dtype != dtype) {
    throw std::runtime_error(file_.source_name() + ": no tensor " + std::string(name) +
                             " of type " + std::string(io::dtype_name(dtype)));
  }
  return *found;
}

std::vector<float> Goldens::floats(std::string_view name) const {
  std::vector<float> storage;
  const std::span<const float> values =
      io::as_float32(tensor(name, io::DType::kF32), storage, file_.source_name());
  return {values.begin(), values.end()};
}

std::vector<int32_t> Goldens::ints(std::string_view name) const {
  const io::RawTensor& raw = tensor(name, io::DType::kI32);
  std::vector<int32_t> values(raw.bytes.size() / sizeof(int32_t));
  std::memcpy(values.data(), raw.bytes.data(), raw.bytes.size());
  return values;
}

std::vector<int64_t> Goldens::shape(std::string_view name) const {
  const io::RawTensor* found = file_.find(name);
  if (found == nullptr) throw std::runtime_error(file_.source_name() + ": no tensor " + std::string(name));
  return found->shape;
}

std::vector<std::string> Goldens::names_with_prefix(std::string_view prefix) const {
  std::vector<std::string> names;
  for (const io::RawTensor& tensor : file_.tensors()) {
    if (tensor.name.starts_with(prefix)) names.push_back(tensor.name);
  }
  return names;
}

std::vector<double> Goldens::doubles(std::string_view name) const {
  const io::RawTensor& raw = tensor(name, io::DType::kF64);
  std::vector<double> values(raw.bytes.size() / sizeof(double));
  std::memcpy(values.data(), raw.bytes.data(), raw.bytes.size());
  return values;
}

std::vector<model::TokenIds> Goldens::sequences() const { return unpad("input_ids"); }

std::vector<model::TokenIds> Goldens::token_types() const { return unpad("token_type_ids"); }

std::vector<model::TokenIds> Goldens::unpad(std::string_view name) const {
  const std::vector<int32_t> ids = ints(name);
  const std::vector<int32_t> lengths = ints("lengths");
  const size_t padded_length = ids.size() / lengths.size();
  std::vector<model::TokenIds> sequences;
  for (size_t b = 0; b < lengths.size(); ++b) {
    sequences.emplace_back(ids.begin() + b * padded_length,
                           ids.begin() + b * padded_length + lengths[b]);
  }
  return sequences;
}

std::vector<int32_t> Goldens::mask() const {
  const std::vector<int32_t> lengths = ints("lengths");
  const size_t padded_length = ints("input_ids").size() / lengths.size();
  std::vector<int32_t> mask(lengths.size() * padded_length, 0);
  for (size_t b = 0; b < lengths.size(); ++b) {
    std::fill_n(mask.begin() + b * padded_length, lengths[b], 1);
  }
  return mask;
}

std::vector<model::TokenPosition> Goldens::mlm_positions() const {
  const std::vector<int32_t> pairs = ints("mlm_positions");
  std::vector<model::TokenPosition> positions;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) positions.push_back({pairs[i], pairs[i + 1]});
  return positions;
}

void expect_close(const std::string& label, const std::vector<float>& actual,
                  const std::vector<float>& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size()) << label;
  const double error = ops::relative_error(actual, expected);
  std::printf("[golden] %-40s relative error %.2e\n", label.c_str(), error);
  EXPECT_LE(error, tolerance) << label;
}

}  // namespace ufb::testing
