// ModelOptions::dtype: the whole model in bf16 or int8 stays close to float32 and really runs in
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

class ModelPrecision : public ::testing::TestWithParam<PrecisionCase> {};

TEST_P(ModelPrecision, CloseToFloat32AndNotEqualToIt) {
  const PrecisionCase& c = GetParam();
  const std::filesystem::path dir = c.model[0] == 'b' ? testing::test_data(c.model) : testing::model_data(c.model);
  const Model float32(dir);
  const Model reduced(dir, {.dtype = c.dtype});
  const testing::Goldens goldens(dir / "goldens.safetensors");
  const std::vector<TokenIds> sequences = goldens.sequences();
  const std::vector<TokenIds> types = goldens.has("token_type_ids") ? goldens.token_types() : std::vector<TokenIds>();
  const std::vector<float> expected = float32.encode(sequences, PaddingRows::skip, types).values;
  const std::vector<float> actual = reduced.encode(sequences, PaddingRows::skip, types).values;
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

}  // namespace
}  // namespace ufb::model
