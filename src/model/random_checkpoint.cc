#include "ufb/model/random_checkpoint.h"

#include <cmath>
#include <random>

#include "io/memory_archive.h"
#include "ufb/io/tensor_table.h"

namespace ufb::model {
namespace {

// Init-scale values: uniform with the variance of N(0, 0.02²), which is all a timing needs and
// several times faster to draw for the ~10⁸ weights of a BERT-base-sized model.
std::vector<float> random_values(uint64_t count, std::mt19937_64& rng) {
  const float half_width = 0.02f * std::sqrt(3.0f);
  std::uniform_real_distribution<float> uniform(-half_width, half_width);
  std::vector<float> values(count);
  for (float& value : values) value = uniform(rng);
  return values;
}

}  // namespace

std::unique_ptr<const io::Checkpoint> random_checkpoint(const io::ModelConfig& config,
                                                        std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto archive = std::make_unique<io::MemoryArchive>("random weights");
  const float head_scale = 1.0f / std::sqrt(static_cast<float>(
      config.hidden_size / config.attention.num_attention_heads));
  for (const io::ExpectedTensor& tensor : io::expected_tensors(config, io::ModelHead::kMaskedLm, 0, false)) {
    const uint64_t count = io::checked_element_count(tensor.shape, sizeof(float), tensor.name);
    std::vector<float> values;
    switch (io::tensor_kind(tensor.role)) {
      case io::TensorKind::kNormWeight: values.assign(count, 1.0f); break;
      case io::TensorKind::kNormBias: values.assign(count, 0.0f); break;
      case io::TensorKind::kScoreScale: values.assign(count, head_scale); break;
      case io::TensorKind::kPositionScale: values.assign(count, 1.0f); break;
      case io::TensorKind::kMatrix:
      case io::TensorKind::kBias:
      case io::TensorKind::kWordEmbedding: values = random_values(count, rng); break;
    }
    archive->add(tensor.name, tensor.shape, std::move(values));
  }
  return std::make_unique<const io::Checkpoint>(config, std::move(archive));
}

}  // namespace ufb::model
