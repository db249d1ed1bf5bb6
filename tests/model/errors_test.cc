// Bad input to the model ends in a ufb::Error whose message says what, where and what was
// expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/goldens.h"
#include "ufb/error.h"
#include "ufb/model/model.h"

namespace ufb::model {
namespace {

using ::testing::StrEq;
using ::testing::ThrowsMessage;

class ModelErrors : public ::testing::Test {
 protected:
  // vocab 50, max_seq_length 12
  const Model mlm_{testing::model_data("fff_mlm")};
  const Model classifier_{testing::model_data("fff_cls_avg")};
};

TEST_F(ModelErrors, TokenIdOutsideTheVocabulary) {
  const std::vector<TokenIds> batch = {{1, 2, 3}, {4, 5, 50}};
  EXPECT_THAT([&] { mlm_.encode(batch); },
              ThrowsMessage<Error>(StrEq("token id 50 at position 2 of sequence 1 is outside "
                                         "the vocabulary (ids 0 to 49)")));
  const std::vector<TokenIds> negative = {{-1}};
  EXPECT_THAT([&] { classifier_.classify(negative); },
              ThrowsMessage<Error>(StrEq("token id -1 at position 0 of sequence 0 is outside "
                                         "the vocabulary (ids 0 to 49)")));
}

TEST_F(ModelErrors, SequenceLongerThanMaxSeqLength) {
  const std::vector<TokenIds> batch = {TokenIds(12, 7), TokenIds(13, 7)};
  EXPECT_THAT([&] { mlm_.encode(batch); },
              ThrowsMessage<Error>(StrEq("sequence 1 has 13 tokens, more than the model's "
                                         "max_seq_length 12 (truncate it first)")));
}

TEST_F(ModelErrors, EmptyBatchAndEmptySequence) {
  EXPECT_THAT([&] { mlm_.encode({}); },
              ThrowsMessage<Error>(StrEq("the batch is empty: there is nothing to run the model on")));
  const std::vector<TokenIds> batch = {{1, 2}, {}};
  EXPECT_THAT([&] { classifier_.classify(batch); },
              ThrowsMessage<Error>(StrEq("sequence 1 of the batch is empty")));
}

TEST_F(ModelErrors, HeadTheModelDoesNotHave) {
  const std::vector<TokenIds> batch = {{1, 2}};
  const std::vector<TokenPosition> positions = {{0, 1}};
  EXPECT_THAT([&] { mlm_.classify(batch); },
              ThrowsMessage<Error>(::testing::MatchesRegex(
                  "classify needs a classification model, .*model.safetensors holds a masked-LM model")));
  EXPECT_THAT([&] { classifier_.mlm_logits(batch, positions); },
              ThrowsMessage<Error>(::testing::MatchesRegex(
                  "mlm_logits needs a masked-LM model, .*model.safetensors holds a classification model")));
  EXPECT_THAT([&] { mlm_.embed(batch, EmbeddingPooling::pooler); },
              ThrowsMessage<Error>(::testing::StartsWith(
                  "embed with the model's pooler needs a model with one; ")));
}

TEST_F(ModelErrors, MaskPositionOutsideTheBatch) {
  const std::vector<TokenIds> batch = {{1, 2, 3}, {4}};
  const std::vector<TokenPosition> padding = {{1, 2}};
  EXPECT_THAT([&] { mlm_.mlm_logits(batch, padding); },
              ThrowsMessage<Error>(StrEq(
                  "position 2 of sequence 1 is not a token of the batch (2 sequences)")));
  const std::vector<TokenPosition> no_such_sequence = {{2, 0}};
  EXPECT_THAT([&] { mlm_.fill_mask(batch, no_such_sequence, 5); },
              ThrowsMessage<Error>(StrEq(
                  "position 0 of sequence 2 is not a token of the batch (2 sequences)")));
  EXPECT_THAT([&] { mlm_.fill_mask(batch, {}, 0); },
              ThrowsMessage<Error>(StrEq("fill_mask: top_k must be >= 1, got 0")));
}

TEST(ModelConstruction, NeedsACheckpoint) {
  EXPECT_THAT([] { Model(std::unique_ptr<const io::Checkpoint>()); },
              ThrowsMessage<Error>(StrEq("model: no checkpoint given")));
}

TEST(FindToken, ListsEveryPositionInBatchOrder) {
  const std::vector<TokenIds> batch = {{4, 9, 4}, {1}, {4}};
  const std::vector<TokenPosition> found = find_token(batch, 4);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[1].sequence, 0);
  EXPECT_EQ(found[1].position, 2);
  EXPECT_EQ(found[2].sequence, 2);
}

}  // namespace
}  // namespace ufb::model
