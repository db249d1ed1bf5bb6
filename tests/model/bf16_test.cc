// ModelOptions::fff_weight_type = bf16 stores the FFF weights as bfloat16. It must compute
// exactly what float32 does on weights rounded to bfloat16 beforehand.
#include <gtest/gtest.h>

#include "model/goldens.h"
#include "ufb/ops/compare.h"
#include "ufb/model/model.h"
#include "ufb/ops/weight_type.h"

namespace ufb::model {
namespace {

// Tensors held in memory, as a weights file would list them.
class MemoryArchive final : public io::TensorArchive {
 public:
  void add(const io::TensorView& view, bool round_to_bf16) {
    std::vector<float>& values = storage_.emplace_back(view.values.begin(), view.values.end());
    if (round_to_bf16) ops::round_to_bf16(values);
    tensors_.push_back({view.name, io::DType::kF32, view.shape, std::as_bytes(std::span(values))});
  }
  const std::string& source_name() const override { return name_; }
  const std::vector<io::RawTensor>& tensors() const override { return tensors_; }

 private:
  std::string name_ = "memory";
  std::vector<std::vector<float>> storage_;  // moving a vector keeps its buffer: spans stay valid
  std::vector<io::RawTensor> tensors_;
};

TEST(Bf16Weights, EqualFloat32OnRoundedFffWeights) {
  const std::filesystem::path dir = testing::model_data("fff_mlm");
  const io::Checkpoint original(dir);
  auto rounded = std::make_unique<MemoryArchive>();
  for (const io::TensorView& tensor : original.tensors()) {
    rounded->add(tensor, tensor.name.ends_with("ffn.linear_in.weight") ||
                             tensor.name.ends_with("ffn.linear_out.weight"));
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
