// ModelOptions::fff_weight_type = bf16 stores the FFF weights as bfloat16. It must compute
// exactly what float32 does on weights rounded to bfloat16 beforehand.
#include <gtest/gtest.h>

#include "model/goldens.h"
#include "ufb/io/memory_archive.h"
#include "ufb/ops/compare.h"
#include "ufb/model/model.h"
#include "ufb/ops/weight_type.h"

namespace ufb::model {
namespace {

TEST(Bf16Weights, EqualFloat32OnRoundedFffWeights) {
  const std::filesystem::path dir = testing::model_data("fff_mlm");
  const io::Checkpoint original(dir);
  auto rounded = std::make_unique<io::MemoryArchive>("memory");
  for (const io::TensorView& tensor : original.tensors()) {
    std::vector<float> values(tensor.values.begin(), tensor.values.end());
    if (tensor.name.ends_with("ffn.linear_in.weight") || tensor.name.ends_with("ffn.linear_out.weight")) {
      ops::round_to_bf16(values);
    }
    rounded->add(tensor.name, tensor.shape, std::move(values));
  }
  const Model float32_on_rounded(
      std::make_unique<const io::Checkpoint>(original.config(), std::move(rounded)));
  const Model bf16(dir, {.fff_weight_type = ops::WeightType::bf16});
  const Model float32(dir);

  const testing::Goldens goldens(dir / "goldens.safetensors");
  const std::vector<TokenIds> sequences = goldens.sequences();
  const std::vector<float> expected = float32_on_rounded.encode(sequences).values;
  testing::expect_close("fff_mlm bf16 vs rounded f32", bf16.encode(sequences).values, expected);
  // The option did reach the kernel: rounding the weights changes the result.
  EXPECT_GT(ops::relative_error(float32.encode(sequences).values, expected), 1e-5);
}

}  // namespace
}  // namespace ufb::model
