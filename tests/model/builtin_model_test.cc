// The model compiled into the library must be exactly models/ufb-mini-fff/ as loaded from disk:
// same tokenizer, same weights, same outputs bit for bit.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ufb/model/builtin_model.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::model {
namespace {

const std::filesystem::path kModelDir = UFB_BUILTIN_MODEL_DIR;

// Texts of different lengths, with a mask, a rare word and punctuation.
const std::vector<std::string> kTexts = {
    "the [MASK] of the house.",
    "It was a dark and stormy night; the rain fell in torrents.",
    "Xylophone quixotically!",
};

std::vector<TokenIds> token_ids(const tokenizer::Tokenizer& tokenizer) {
  std::vector<TokenIds> batch;
  for (const std::string& text : kTexts) batch.push_back(tokenizer.encode(text).ids);
  return batch;
}

TEST(BuiltinModel, IsCompiledIn) { EXPECT_TRUE(has_builtin_model()); }

TEST(BuiltinModel, TokenizerEqualsTheFileOnDisk) {
  const tokenizer::Tokenizer builtin = builtin_tokenizer();
  const tokenizer::Tokenizer from_disk = tokenizer::Tokenizer::from_file(kModelDir);
  EXPECT_EQ(builtin.vocab_size(), from_disk.vocab_size());
  EXPECT_EQ(builtin.mask_token_id(), from_disk.mask_token_id());
  EXPECT_EQ(token_ids(builtin), token_ids(from_disk));
}

TEST(BuiltinModel, WeightsEqualTheFilesOnDisk) {
  const std::unique_ptr<const io::Checkpoint> builtin = builtin_checkpoint();
  const io::Checkpoint from_disk(kModelDir);
  EXPECT_EQ(builtin->weights_source(), std::string(kBuiltinModelName) + "/model.safetensors");
  EXPECT_EQ(builtin->head(), io::ModelHead::kMaskedLm);
  ASSERT_EQ(builtin->tensors().size(), from_disk.tensors().size());
  for (size_t i = 0; i < from_disk.tensors().size(); ++i) {
    const io::TensorView& actual = builtin->tensors()[i];
    const io::TensorView& expected = from_disk.tensors()[i];
    EXPECT_EQ(actual.name, expected.name);
    EXPECT_EQ(actual.shape, expected.shape) << expected.name;
    EXPECT_TRUE(std::equal(actual.values.begin(), actual.values.end(), expected.values.begin(),
                           expected.values.end()))
        << expected.name;
  }
}

TEST(BuiltinModel, OutputsEqualTheModelOnDiskBitForBit) {
  const std::unique_ptr<Model> builtin = builtin_model();
  const Model from_disk(kModelDir);
  const std::vector<TokenIds> batch = token_ids(tokenizer::Tokenizer::from_file(kModelDir));

  const HiddenStates builtin_states = builtin->encode(batch);
  const HiddenStates disk_states = from_disk.encode(batch);
  EXPECT_EQ(builtin_states.values, disk_states.values);

  std::vector<TokenPosition> every_position;
  for (size_t b = 0; b < batch.size(); ++b) {
    for (size_t t = 0; t < batch[b].size(); ++t) {
      every_position.push_back({static_cast<int64_t>(b), static_cast<int64_t>(t)});
    }
  }
  const std::vector<float> logits = builtin->mlm_logits(batch, every_position);
  const auto vocab_size = static_cast<size_t>(builtin->config().embedding.vocab_size);
  EXPECT_EQ(logits.size(), every_position.size() * vocab_size);
  EXPECT_EQ(logits, from_disk.mlm_logits(batch, every_position));
}

}  // namespace
}  // namespace ufb::model
