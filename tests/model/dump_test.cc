// `ufb dump` against the independent PyTorch implementation (tools/make_model_goldens.py): the
// batch is read from the same .npy files the command takes, every array goes through a .npy
// file and back, floats must match within 3e-5 of their scale and FFF paths exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "model/goldens.h"
#include "ufb/error.h"
#include "ufb/io/npy.h"
#include "ufb/model/dump.h"

namespace ufb::model {
namespace {

using testing::expect_close;
using testing::Goldens;
using testing::model_data;

std::vector<int64_t> read_integers(const std::filesystem::path& path) {
  return io::npy_integers(io::read_npy(path), path.string());
}

template <typename T>
std::vector<T> values_of(const io::NpyArray& array) {
  std::vector<T> values(array.data.size() / sizeof(T));
  std::memcpy(values.data(), array.data.data(), array.data.size());
  return values;
}

class DumpGolden : public ::testing::TestWithParam<std::string> {
 protected:
  DumpGolden() : directory_(model_data(GetParam())), model_(directory_) {}

  PaddedBatch batch() const {
    const io::NpyArray ids = io::read_npy(directory_ / "input_ids.npy");
    return batch_from_mask(read_integers(directory_ / "input_ids.npy"),
                           read_integers(directory_ / "attention_mask.npy"), ids.shape[0],
                           ids.shape[1], model_.limits());
  }

  std::filesystem::path directory_;
  Model model_;
};

TEST_P(DumpGolden, EveryArrayMatchesPyTorchThroughNpyFiles) {
  const Goldens goldens(directory_ / "goldens.safetensors");
  const std::vector<DumpArray> arrays = dump_model(model_, batch());
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() / ("ufb_dump_test_" + GetParam());
  write_dump(arrays, out);

  std::vector<std::string> written;
  for (const DumpArray& array : arrays) {
    const std::string golden = "dump." + array.name;
    written.push_back(golden);
    const io::NpyArray file = io::read_npy(out / (array.name + ".npy"));
    EXPECT_EQ(file.shape, goldens.shape(golden)) << array.name;
    if (array.ints.empty()) {
      EXPECT_EQ(file.dtype, io::DType::kF32) << array.name;
      expect_close(GetParam() + " " + array.name, values_of<float>(file), goldens.floats(golden));
    } else {
      EXPECT_EQ(file.dtype, io::DType::kI32) << array.name;
      EXPECT_EQ(values_of<int32_t>(file), goldens.ints(golden)) << array.name;
    }
  }
  std::vector<std::string> expected = goldens.names_with_prefix("dump.");
  std::sort(expected.begin(), expected.end());
  std::sort(written.begin(), written.end());
  EXPECT_EQ(written, expected);
  std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, DumpGolden,
                         ::testing::Values("fff_mlm", "dense_mlm", "fff_learned_mlm",
                                           "fff_cls_avg", "fff_cls_zero_index"));

class DumpBatch : public ::testing::Test {
 protected:
  DumpBatch() : model_(model_data("fff_mlm")) {}

  void expect_error(std::vector<int64_t> ids, std::vector<int64_t> mask, int64_t size,
                    const std::string& message) const {
    try {
      batch_from_mask(ids, mask, size, static_cast<int64_t>(ids.size()) / size, model_.limits());
      FAIL() << "expected: " << message;
    } catch (const Error& error) {
      EXPECT_STREQ(error.what(), message.c_str());
    }
  }

  Model model_;
};

TEST_F(DumpBatch, KeepsPaddingIdsAsGiven) {
  const PaddedBatch batch = batch_from_mask(std::vector<int64_t>{5, 6, 7, 8},
                                            std::vector<int64_t>{1, 1, 1, 0}, 2, 2, model_.limits());
  EXPECT_EQ(batch.ids, (std::vector<int32_t>{5, 6, 7, 8}));
  EXPECT_EQ(batch.lengths, (std::vector<int64_t>{2, 1}));
}

TEST_F(DumpBatch, RefusesMasksThatAreNotRightPadding) {
  expect_error({1, 2, 3}, {0, 1, 1}, 1,
               "attention mask row 0: value 1 at position 1; expected ones followed by zeros "
               "(right padding)");
  expect_error({1, 2, 3, 4}, {1, 1, 0, 0}, 2, "attention mask row 1 has no real token");
  expect_error({1, 2}, {1, 2}, 1,
               "attention mask row 0: value 2 at position 1; expected ones followed by zeros "
               "(right padding)");
}

TEST_F(DumpBatch, RefusesIdsOutsideTheVocabularyAndOverLongRows) {
  expect_error({1, 50}, {1, 0}, 1,
               "token id 50 at position 1 of sequence 0 is outside the vocabulary (ids 0 to 49)");
  expect_error(std::vector<int64_t>(13, 1), std::vector<int64_t>(13, 1), 1,
               "the batch has 13 positions, more than the model's max_seq_length 12");
}

}  // namespace
}  // namespace ufb::model
