// ufb::TextModel (include/ufb/text_model.h): answers in input order whatever the batching,
// concurrent callers get serial answers, and bad input throws ufb::Error with one line.

#include "ufb/text_model.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "ufb/error.h"
#include "ufb/model/builtin_model.h"

namespace ufb {
namespace {

std::vector<TextInput> texts(size_t count) {
  std::vector<TextInput> inputs;
  for (size_t i = 0; i < count; ++i) {
    std::string text = "text " + std::to_string(i);
    for (size_t word = 0; word < i % 9; ++word) text += " and more";
    inputs.push_back({text, std::nullopt});
  }
  return inputs;
}

class TextModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!model::has_builtin_model()) GTEST_SKIP() << "skipped: this build has no built-in model";
    model_ = std::make_unique<TextModel>();
  }
  std::unique_ptr<TextModel> model_;
};

TEST_F(TextModelTest, EmbedAnswersInInputOrderAtAnyBatchSize) {
  const std::vector<TextInput> inputs = texts(23);
  const auto alone = model_->embed(std::span(inputs).subspan(5, 1), EmbedOptions{}, 1);
  for (size_t batch_size : {1, 4, 32}) {
    const auto vectors = model_->embed(inputs, EmbedOptions{}, batch_size);
    ASSERT_EQ(vectors.size(), inputs.size());
    ASSERT_EQ(vectors[5].front().size(), alone.front().front().size());
    for (size_t i = 0; i < alone.front().front().size(); ++i) {
      EXPECT_NEAR(vectors[5].front()[i], alone.front().front()[i], 1e-5f) << "batch size " << batch_size;
    }
  }
}

TEST_F(TextModelTest, ForEachBatchVisitsEachInputOnceWithinTheRange) {
  const std::vector<TextInput> inputs = texts(50);
  BatchOptions options;
  options.batch_size = 7;
  options.order = BatchOrder::by_length;
  options.begin = 3;
  options.end = 41;
  std::vector<int> seen(inputs.size(), 0);
  size_t batches = 0;
  options.on_batch_done = [&](size_t count, int64_t tokens) {
    EXPECT_LE(count, 7u);
    EXPECT_GT(tokens, 0);
    ++batches;
  };
  model_->for_each_batch(inputs, options, [&](const TextBatch& batch) {
    for (size_t b = 0; b < batch.inputs.size(); ++b) {
      ++seen[batch.inputs[b]];
      EXPECT_EQ(batch.ids[b], model_->tokenize(inputs[batch.inputs[b]], batch.inputs[b]).ids);
    }
  });
  for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(seen[i], i >= 3 && i < 41 ? 1 : 0) << i;
  EXPECT_EQ(batches, 6u);
}

TEST_F(TextModelTest, ConcurrentCallersGetSerialAnswers) {
  const std::vector<TextInput> inputs = texts(40);
  const auto serial = model_->embed(inputs, EmbedOptions{}, 8);
  const std::vector<TextInput> masked = {{"the [MASK] of the house.", std::nullopt}};
  const auto serial_fill = model_->fill_mask(masked, 3);
  std::vector<std::thread> threads;
  std::vector<int> same(8, 0);
  for (size_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const auto vectors = model_->embed(inputs, EmbedOptions{}, 8);
      const auto fill = model_->fill_mask(masked, 3);
      same[t] = vectors == serial && fill.front().front().predictions.front().token_id ==
                                         serial_fill.front().front().predictions.front().token_id;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t t = 0; t < 8; ++t) EXPECT_EQ(same[t], 1) << "thread " << t;
}

TEST_F(TextModelTest, BadInputThrowsOneLine) {
  const std::vector<TextInput> unmasked = {{"the [MASK] is here", std::nullopt}, {"no mask", std::nullopt}};
  try {
    model_->fill_mask(unmasked, 3);
    FAIL() << "expected ufb::Error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "input 2 has no [MASK] token");
  }
  EXPECT_THROW(model_->fill_mask(unmasked, 0), Error);
  EXPECT_THROW(model_->classify(unmasked), Error);  // no classification head
  EXPECT_THROW(parse_pooling("median"), Error);
  TextModelOptions options;
  options.model_dir = "/nonexistent/model";
  EXPECT_THROW(TextModel{options}, Error);
  options = {};
  options.max_length = 1 << 20;
  options.max_length_name = "max_length";
  try {
    TextModel{options};
    FAIL() << "expected ufb::Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()).rfind("max_length 1048576 exceeds the model's max_seq_length", 0), 0u);
  }
}

}  // namespace
}  // namespace ufb
