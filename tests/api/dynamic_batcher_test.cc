// ufb::DynamicBatcher (include/ufb/dynamic_batcher.h): concurrent callers get the answers
// TextModel gives each input alone, requests larger than one model call still run, answers that
// depend on padding never share a batch with other lengths, and a stopped batcher refuses work.

#include "ufb/dynamic_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <filesystem>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "ufb/error.h"

namespace ufb {
namespace {

const std::filesystem::path kModels = std::filesystem::path(UFB_TEST_DATA_DIR) / "model";
const std::filesystem::path kTokenizer = std::filesystem::path(UFB_TEST_DATA_DIR) / "cli" / "tokenizer.json";

TextModelOptions test_model(const std::string& name) {
  TextModelOptions options;
  options.model_dir = kModels / name;
  options.tokenizer_path = kTokenizer;
  options.threads = 1;
  return options;
}

// Texts of 1 to 9 words, so that batches mix lengths.
std::vector<TextInput> texts(size_t count, const std::string& prefix = "") {
  const std::vector<std::string> words = {"paris", "is", "the", "capital", "of", "france", "rome", "big", "old"};
  std::vector<TextInput> inputs;
  for (size_t i = 0; i < count; ++i) {
    std::string text = prefix;
    for (size_t w = 0; w <= i % words.size(); ++w) text += (text.empty() ? "" : " ") + words[(i + w) % words.size()];
    inputs.push_back({text, std::nullopt});
  }
  return inputs;
}

struct Tokens {
  std::vector<model::TokenIds> ids;
  std::vector<model::TokenIds> types;
};

Tokens tokenize(const TextModel& model, std::span<const TextInput> inputs) {
  Tokens tokens;
  for (size_t i = 0; i < inputs.size(); ++i) {
    tokenizer::Encoding encoding = model.tokenize(inputs[i], i);
    tokens.ids.push_back(std::move(encoding.ids));
    tokens.types.push_back(std::move(encoding.type_ids));
  }
  return tokens;
}

// TextModel's answer for one input run alone.
template <typename Answer>
Answer alone(const Tokens& tokens, size_t i, const std::function<std::vector<Answer>(const TextBatch&)>& run_batch) {
  const size_t index = 0;
  return run_batch(TextBatch{std::span(&index, 1), std::span(tokens.ids).subspan(i, 1),
                             std::span(tokens.types).subspan(i, 1)})
      .front();
}

void expect_near(const std::vector<float>& actual, const std::vector<float>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5f) << what << " [" << i << "]";
}

TEST(DynamicBatcher, ConcurrentCallersGetTheAnswersOfEachInputAlone) {
  const TextModel model(test_model("fff_mlm"));
  const model::SentenceEmbedding pipeline = model.embedding_pipeline({});
  std::atomic<size_t> model_calls = 0;
  DynamicBatcher batcher(model, {.max_batch_tokens = 64, .embedding = pipeline, .model_threads = 1},
                         [&](const BatchStats& stats) {
                           ++model_calls;
                           EXPECT_LE(stats.padded_tokens, 64u);
                         });
  constexpr size_t kCallers = 8;
  std::vector<std::vector<TextInput>> requests;
  for (size_t c = 0; c < kCallers; ++c) requests.push_back(texts(5 + c, c % 2 ? "[MASK]" : ""));
  std::vector<std::vector<BatchResult>> embedded(kCallers), filled(kCallers);
  std::vector<std::thread> callers;
  for (size_t c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      Tokens tokens = tokenize(model, requests[c]);
      embedded[c] = batcher.run(BatchTask::embed, 0, tokens.ids, tokens.types);
      if (c % 2) filled[c] = batcher.run(BatchTask::fill_mask, 3, tokens.ids, tokens.types);
    });
  }
  for (std::thread& caller : callers) caller.join();
  // 8 callers' 84 inputs took fewer model calls than inputs: they were batched.
  EXPECT_LT(model_calls.load(), 84u);
  for (size_t c = 0; c < kCallers; ++c) {
    const Tokens tokens = tokenize(model, requests[c]);
    ASSERT_EQ(embedded[c].size(), requests[c].size());
    for (size_t i = 0; i < requests[c].size(); ++i) {
      const TokenVectors expected = alone<TokenVectors>(
          tokens, i, [&](const TextBatch& batch) { return model.embed_batch(batch, {}, pipeline); });
      const std::string what = "caller " + std::to_string(c) + " input " + std::to_string(i);
      expect_near(std::get<TokenVectors>(embedded[c][i]).at(0), expected.at(0), what);
      if (c % 2 == 0) continue;
      const auto expected_masks = alone<std::vector<FilledMask>>(
          tokens, i, [&](const TextBatch& batch) { return model.fill_mask_batch(batch, 3); });
      const auto& masks = std::get<std::vector<FilledMask>>(filled[c][i]);
      ASSERT_EQ(masks.size(), expected_masks.size()) << what;
      for (size_t m = 0; m < masks.size(); ++m) {
        EXPECT_EQ(masks[m].position, expected_masks[m].position) << what;
        ASSERT_EQ(masks[m].predictions.size(), 3u) << what;
        for (size_t k = 0; k < 3; ++k) {
          EXPECT_EQ(masks[m].predictions[k].token_id, expected_masks[m].predictions[k].token_id) << what;
        }
      }
    }
  }
}

TEST(DynamicBatcher, ARequestLargerThanOneModelCallRunsInSeveral) {
  const TextModel model(test_model("fff_mlm"));
  std::vector<BatchStats> calls;
  DynamicBatcher batcher(model, {.max_batch_tokens = 24, .model_threads = 1},
                         [&](const BatchStats& stats) { calls.push_back(stats); });
  const std::vector<TextInput> inputs = texts(20);
  const Tokens tokens = tokenize(model, inputs);
  const std::vector<BatchResult> results = batcher.run(BatchTask::embed_all, 0, tokens.ids, tokens.types);
  ASSERT_EQ(results.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(std::get<TokenVectors>(results[i]).size(), tokens.ids[i].size()) << "input " << i;
  }
  EXPECT_GT(calls.size(), 1u);
  size_t inputs_run = 0;
  for (const BatchStats& call : calls) {
    EXPECT_LE(call.padded_tokens, 24u);
    inputs_run += call.inputs;
  }
  EXPECT_EQ(inputs_run, inputs.size());
}

// fff_cls_avg's pooler averages over the padded length: batched with longer inputs, an input
// would get another answer; the batcher keeps lengths apart.
TEST(DynamicBatcher, AnswersThatDependOnPaddingEqualTheInputAlone) {
  const TextModel model(test_model("fff_cls_avg"));
  ASSERT_EQ(model.classify_order(), BatchOrder::as_given);
  DynamicBatcher batcher(model, {.model_threads = 1});
  const std::vector<TextInput> inputs = texts(12);
  const Tokens tokens = tokenize(model, inputs);
  const std::vector<BatchResult> results = batcher.run(BatchTask::classify, 0, tokens.ids, tokens.types);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ClassScores expected =
        alone<ClassScores>(tokens, i, [&](const TextBatch& batch) { return model.classify_batch(batch); });
    // Batched with inputs of its own length only, so equal up to the summation order of a
    // larger GEMM; next to longer inputs the average over padding would move it by far more.
    expect_near(std::get<ClassScores>(results[i]).logits, expected.logits, "input " + std::to_string(i));
  }
}

TEST(DynamicBatcher, RefusesWorkOnceStoppedAndMismatchedTypes) {
  const TextModel model(test_model("fff_mlm"));
  DynamicBatcher batcher(model, {.model_threads = 1});
  const Tokens tokens = tokenize(model, texts(3));
  try {
    batcher.run(BatchTask::embed, 0, tokens.ids, {});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "batcher: token types of 0 inputs for 3");
  }
  try {
    batcher.run(BatchTask::embed_sparse, 0, tokens.ids, tokens.types);
  } catch (const Error& error) {
    FAIL() << "a masked-LM model computes SPLADE vectors: " << error.what();
  }
  batcher.stop();
  batcher.stop();
  try {
    batcher.run(BatchTask::embed, 0, tokens.ids, tokens.types);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "the batcher has stopped (shutting down)");
  }
}

}  // namespace
}  // namespace ufb
