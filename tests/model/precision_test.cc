// ModelOptions::dtype: the whole model (the masked-LM decoder included) in bf16 or int8 stays close to float32 and really runs in
// the lower precision. (The kernels' exactness against references of each precision is checked
// in tests/ops/.)
#include <gtest/gtest.h>

#include "model/goldens.h"
#include "io/memory_archive.h"
#include "ufb/model/model.h"
#include "ufb/ops/compare.h"
#include "ufb/ops/weight_type.h"

namespace ufb::model {
namespace {

struct PrecisionCase {
  const char* model;
  ops::WeightType dtype;
  double tolerance;  // relative error of the final hidden states vs float32
};

// A case's model at float32 and at its reduced precision, with the model's golden inputs.
struct ModelPair {
  explicit ModelPair(const PrecisionCase& c)
      : dir(c.model[0] == 'b' ? testing::test_data(c.model) : testing::model_data(c.model)),
        float32(dir),
        reduced(dir, {.dtype = c.dtype, .device = {}}),
        goldens(dir / "goldens.safetensors") {}

  std::filesystem::path dir;
  Model float32;
  Model reduced;
  testing::Goldens goldens;
};

class ModelPrecision : public ::testing::TestWithParam<PrecisionCase> {};

TEST_P(ModelPrecision, CloseToFloat32AndNotEqualToIt) {
  const PrecisionCase& c = GetParam();
  const ModelPair models(c);
  const std::vector<TokenIds> sequences = models.goldens.sequences();
  const std::vector<TokenIds> types =
      models.goldens.has("token_type_ids") ? models.goldens.token_types() : std::vector<TokenIds>();
  const std::vector<float> expected = models.float32.encode(sequences, PaddingRows::skip, types).values;
  const std::vector<float> actual = models.reduced.encode(sequences, PaddingRows::skip, types).values;
  const double error = ops::relative_error(actual, expected);
  std::printf("[precision] %-22s %-5s relative error %.2e\n", c.model, std::string(ops::to_string(c.dtype)).c_str(),
              error);
  EXPECT_LE(error, c.tolerance);
  EXPECT_GT(error, 1e-6);  // the option reached the kernels
}

INSTANTIATE_TEST_SUITE_P(
    Models, ModelPrecision,
    ::testing::Values(PrecisionCase{"fff_mlm", ops::WeightType::bf16, 2e-2},
                      PrecisionCase{"fff_mlm", ops::WeightType::int8, 5e-2},
                      PrecisionCase{"dense_mlm", ops::WeightType::bf16, 2e-2},
                      PrecisionCase{"dense_mlm", ops::WeightType::int8, 5e-2},
                      PrecisionCase{"bert/base_gelu_new", ops::WeightType::bf16, 2e-2},
                      PrecisionCase{"bert/cls_single_relu", ops::WeightType::int8, 5e-2}));

// The masked-LM decoder runs in the model's precision too: on a reduced model's own hidden
// states, its logits stay close to a float32 model's, and the model holds the decoder's copy
// (vocab × hidden at 2 or 1 byte) from its first decoding.
class DecoderPrecision : public ::testing::TestWithParam<PrecisionCase> {};

TEST_P(DecoderPrecision, LogitsCloseToFloat32AndTheCopyHeldOnceUsed) {
  const PrecisionCase& c = GetParam();
  const ModelPair models(c);
  const Model& float32 = models.float32;
  const Model& reduced = models.reduced;
  const std::vector<TokenIds> sequences = models.goldens.sequences();
  std::vector<TokenPosition> positions;
  for (size_t b = 0; b < sequences.size(); ++b) {
    for (size_t p = 0; p < sequences[b].size(); ++p) {
      positions.push_back({static_cast<int64_t>(b), static_cast<int64_t>(p)});
    }
  }
  const int64_t held_before = reduced.weight_bytes();
  const std::vector<float> expected = float32.mlm_logits(sequences, positions);
  const std::vector<float> actual = reduced.mlm_logits(sequences, positions);
  const double error = ops::relative_error(actual, expected);
  std::printf("[precision] %-22s %-5s masked-LM logits relative error %.2e\n", c.model,
              std::string(ops::to_string(c.dtype)).c_str(), error);
  EXPECT_LE(error, c.tolerance);
  const io::ModelConfig& config = reduced.config();
  const int64_t decoder_values = config.embedding.vocab_size * config.hidden_size;
  const int64_t added = reduced.weight_bytes() - held_before;
  const int64_t code_bytes = c.dtype == ops::WeightType::int8 ? 1 : 2;
  // oneDNN's blocked layout pads these tiny matrices to its block sizes: no upper bound here.
  EXPECT_GE(added, decoder_values * code_bytes);
  EXPECT_EQ(float32.weight_bytes(), Model(models.dir).weight_bytes());  // float32 reads it in place
}

INSTANTIATE_TEST_SUITE_P(MaskedLmModels, DecoderPrecision,
                         ::testing::Values(PrecisionCase{"fff_mlm", ops::WeightType::bf16, 2e-2},
                                           PrecisionCase{"fff_mlm", ops::WeightType::int8, 5e-2},
                                           PrecisionCase{"dense_mlm", ops::WeightType::int8, 5e-2},
                                           PrecisionCase{"bert/mlm_gelu", ops::WeightType::int8, 5e-2}));

}  // namespace
}  // namespace ufb::model
