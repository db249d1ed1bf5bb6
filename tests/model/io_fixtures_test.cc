// End to end from the model directories of tests/data/io: both weight formats (safetensors and
// torch.save zip + pickle) and F32, BF16 and F16 stored weights, through the whole model.
#include <gtest/gtest.h>

#include "model/goldens.h"
#include "io/pytorch_bin.h"
#include "ufb/model/model.h"

namespace ufb::model {
namespace {

using testing::expect_close;

std::filesystem::path io_fixture(const std::string& name) {
  return std::filesystem::path(UFB_TEST_DATA_DIR) / "io" / name;
}

Model from_pytorch_bin(const std::string& name) {
  const std::filesystem::path dir = io_fixture(name);
  return Model(std::make_unique<const io::Checkpoint>(
      io::read_model_config(dir / "config.json"),
      std::make_unique<io::PytorchBinFile>(dir / "pytorch_model.bin")));
}

class IoFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(IoFixture, BothWeightFormatsMatchTheGoldens) {
  const std::string& name = GetParam();
  const testing::Goldens goldens(testing::model_data("io_fixtures/" + name + ".safetensors"));
  const std::vector<TokenIds> sequences = goldens.sequences();
  const Model from_safetensors(io_fixture(name));
  const Model from_bin = from_pytorch_bin(name);

  const HiddenStates states = from_safetensors.encode(sequences, PaddingRows::compute);
  expect_close("io " + name + " hidden", states.values, goldens.floats("hidden"));
  EXPECT_EQ(from_bin.encode(sequences, PaddingRows::compute).values, states.values);

  if (goldens.has("mlm_logits")) {
    const std::vector<TokenPosition> positions = goldens.mlm_positions();
    const std::vector<float> logits = from_safetensors.mlm_logits(sequences, positions);
    expect_close("io " + name + " mlm logits", logits, goldens.floats("mlm_logits"));
    EXPECT_EQ(from_bin.mlm_logits(sequences, positions), logits);
  } else {
    const Classification result = from_safetensors.classify(sequences);
    expect_close("io " + name + " classification logits", result.logits,
                 goldens.floats("cls_logits"));
    EXPECT_EQ(from_bin.classify(sequences).logits, result.logits);
  }
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, IoFixture,
                         ::testing::Values("fff_mlm", "dense_mlm", "fff_cls"));

}  // namespace
}  // namespace ufb::model
