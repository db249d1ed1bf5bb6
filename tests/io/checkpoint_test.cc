#include "ufb/io/checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "io/io_test_util.h"
#include "io/pytorch_bin.h"
#include "io/safetensors.h"

namespace ufb::io {
namespace {

using nlohmann::json;
using testing::error_message;
using testing::fixture;
using testing::TempDir;

void expect_same_values(const Checkpoint& a, const Checkpoint& b) {
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (std::size_t i = 0; i < a.tensors().size(); ++i) {
    const TensorView& x = a.tensors()[i];
    const TensorView& y = b.tensors()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.shape, y.shape) << x.name;
    ASSERT_EQ(x.values.size(), y.values.size()) << x.name;
    EXPECT_EQ(std::memcmp(x.values.data(), y.values.data(), x.values.size() * sizeof(float)), 0)
        << x.name << " differs between the two files";
  }
}

// Both files of a fixture directory give the same named float32 tensors, bit for bit.
Checkpoint load_both_and_compare(const std::string& model) {
  Checkpoint from_directory(fixture(model));
  EXPECT_TRUE(from_directory.weights_source().ends_with("model.safetensors"));
  const Checkpoint from_bin(
      read_model_config(fixture(model + "/config.json")),
      std::make_unique<PytorchBinFile>(fixture(model + "/pytorch_model.bin")));
  expect_same_values(from_directory, from_bin);
  return from_directory;
}

TEST(Checkpoint, FffMaskedLmBothFormatsAgree) {
  const Checkpoint checkpoint = load_both_and_compare("fff_mlm");
  EXPECT_EQ(checkpoint.head(), ModelHead::kMaskedLm);
  EXPECT_EQ(checkpoint.num_labels(), 0);
  EXPECT_EQ(checkpoint.tensors().size(), 27u);
  // The safetensors file omits the tied copy; decoder.weight is served from the embedding.
  const TensorView& decoder = checkpoint.tensor("decoder.weight");
  EXPECT_EQ(decoder.shape, (std::vector<std::int64_t>{30, 8}));
  EXPECT_EQ(decoder.values.data(),
            checkpoint.tensor("encoder.embedding.word_embedding.weight").values.data());
  EXPECT_FLOAT_EQ(checkpoint.tensor("encoder.layers.1.attn.self_attention.norm_factor").values[0],
                  0.5f);
  EXPECT_TRUE(checkpoint.ignored_tensors().empty());
}

TEST(Checkpoint, DenseBfloat16WithLearnedPositionsBothFormatsAgree) {
  const Checkpoint checkpoint = load_both_and_compare("dense_mlm");
  EXPECT_EQ(checkpoint.tensor("encoder.layers.0.ffn.dense_in.weight").shape,
            (std::vector<std::int64_t>{16, 8}));
  EXPECT_EQ(checkpoint.ignored_tensors(),
            (std::vector<std::string>{"encoder.embedding.pos_embedding.position_ids"}));
}

TEST(Checkpoint, Float16ClassifierBothFormatsAgree) {
  const Checkpoint checkpoint = load_both_and_compare("fff_cls");
  EXPECT_EQ(checkpoint.head(), ModelHead::kClassification);
  EXPECT_EQ(checkpoint.num_labels(), 3);
  EXPECT_EQ(checkpoint.tensor("head.weight").shape, (std::vector<std::int64_t>{3, 6}));
  EXPECT_EQ(checkpoint.tensor("pooler.dense.weight").shape, (std::vector<std::int64_t>{6, 8}));
}

// A copy of a fixture directory whose config and safetensors file a test may alter.
class ModelDirectory {
 public:
  explicit ModelDirectory(const std::string& model) : model_(model) {
    std::filesystem::copy(fixture(model), dir_.path(), std::filesystem::copy_options::recursive);
  }

  void edit_config(const std::function<void(json&)>& edit) {
    const std::vector<std::byte> bytes = testing::read_bytes(dir_ / "config.json");
    json config = json::parse(reinterpret_cast<const char*>(bytes.data()),
                              reinterpret_cast<const char*>(bytes.data()) + bytes.size());
    edit(config);
    testing::write_text(dir_ / "config.json", config.dump());
  }

  void edit_tensors(const std::function<void(std::vector<RawTensor>&)>& edit) {
    const SafetensorsFile original(fixture(model_ + "/model.safetensors"));
    std::vector<RawTensor> tensors = original.tensors();
    edit(tensors);
    write_safetensors(dir_ / "model.safetensors", tensors);
  }

  std::string error() const {
    return error_message([&] { Checkpoint checkpoint(dir_.path()); });
  }
  std::string weights() const { return (dir_ / "model.safetensors").string(); }
  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  std::string model_;
  TempDir dir_;
};

void remove_tensor(std::vector<RawTensor>& tensors, const std::string& name) {
  std::erase_if(tensors, [&](const RawTensor& tensor) { return tensor.name == name; });
}

TEST(CheckpointErrors, MissingTensor) {
  ModelDirectory model("fff_mlm");
  model.edit_tensors(
      [](auto& tensors) { remove_tensor(tensors, "encoder.layers.1.ffn.linear_in.bias"); });
  EXPECT_EQ(model.error(), model.weights() +
                               ": 1 tensor(s) that config.json implies are missing: "
                               "encoder.layers.1.ffn.linear_in.bias");
}

TEST(CheckpointErrors, ManyMissingTensorsStayOnOneLine) {
  ModelDirectory model("fff_mlm");
  model.edit_config([](json& config) { config["arch"]["num_transformer_layers"] = 4; });
  EXPECT_EQ(model.error(), model.weights() +
                               ": 20 tensor(s) that config.json implies are missing: "
                               "encoder.layers.2.norm1.weight, encoder.layers.2.norm1.bias, "
                               "encoder.layers.2.norm2.weight, encoder.layers.2.norm2.bias, "
                               "encoder.layers.2.attn.self_attention.query_key_value.weight and "
                               "15 more");
}

TEST(CheckpointErrors, UnexpectedTensor) {
  ModelDirectory model("fff_mlm");
  model.edit_tensors([](auto& tensors) {
    RawTensor extra = tensors[0];
    extra.name = "encoder.layers.0.ffn.dense_in.weight";
    tensors.push_back(extra);
  });
  EXPECT_EQ(model.error(), model.weights() +
                               ": 1 tensor(s) that config.json does not describe: "
                               "encoder.layers.0.ffn.dense_in.weight");
}

TEST(CheckpointErrors, ShapeMismatchAgainstConfig) {
  ModelDirectory model("fff_mlm");
  model.edit_config([](json& config) { config["arch"]["intermed_depth"] = 3; });
  EXPECT_EQ(model.error(), model.weights() +
                               ": tensor encoder.layers.0.ffn.linear_in.weight has "
                               "shape [14,8], config implies [30,8]");
}

TEST(CheckpointErrors, WrongDtype) {
  ModelDirectory model("fff_mlm");
  const std::int32_t one = 1;
  model.edit_tensors([&](auto& tensors) {
    for (RawTensor& tensor : tensors) {
      if (tensor.name == "encoder.layers.0.attn.self_attention.norm_factor") {
        tensor.dtype = DType::kI32;
        tensor.bytes = std::as_bytes(std::span(&one, 1));
      }
    }
  });
  EXPECT_EQ(model.error(), model.weights() +
                               ": tensor "
                               "encoder.layers.0.attn.self_attention.norm_factor "
                               "has dtype I32, expected F32, F16 or BF16");
}

TEST(CheckpointErrors, LabelCountDisagreesWithConfig) {
  ModelDirectory model("fff_cls");
  model.edit_config([](json& config) { config["arch"]["num_labels"] = 2; });
  EXPECT_EQ(model.error(), model.weights() +
                               ": tensor head.weight has 3 labels, config.json gives "
                               "arch.num_labels 2");
}

TEST(CheckpointErrors, UnsupportedConfigValue) {
  ModelDirectory model("fff_mlm");
  model.edit_config([](json& config) { config["arch"]["attention"]["causal_attention"] = true; });
  EXPECT_EQ(model.error(), (model.path() / "config.json").string() +
                               ": arch.attention.causal_attention is true, only false is "
                               "supported");
}

TEST(CheckpointErrors, FallsBackToPytorchBinAndNeedsOneOfTheFiles) {
  ModelDirectory model("fff_mlm");
  std::filesystem::remove(model.path() / "model.safetensors");
  const Checkpoint checkpoint(model.path());
  EXPECT_TRUE(checkpoint.weights_source().ends_with("pytorch_model.bin"));
  EXPECT_EQ(error_message([&] { checkpoint.tensor("decoder.bias"); }),
            checkpoint.weights_source() + ": the model has no tensor decoder.bias");
  std::filesystem::remove(model.path() / "pytorch_model.bin");
  EXPECT_EQ(model.error(),
            model.path().string() + ": has neither model.safetensors nor pytorch_model.bin");
}

}  // namespace
}  // namespace ufb::io
