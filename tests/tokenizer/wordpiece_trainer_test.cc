// WordPiece training: a hand-worked case, the vocabulary of Hugging Face tokenizers'
// WordPieceTrainer on a small corpus, and the written tokenizer.json read back, tokenizing as
// tokenizers does with the same file (goldens from tools/make_tokenizer_train_goldens.py).

#include "ufb/tokenizer/wordpiece_trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenizer/error_message.h"
#include "ufb/data/corpus.h"
#include "ufb/tokenizer/tokenizer.h"
#include "ufb/tokenizer/tokenizer_json_writer.h"

namespace ufb::tokenizer {
namespace {

using Vocabulary = std::vector<std::string>;
const std::filesystem::path kData = std::filesystem::path(UFB_TEST_DATA_DIR) / "tokenizer_train";

WordPieceTrainerOptions plain_options(size_t vocab_size) {
  WordPieceTrainerOptions options;
  options.vocab_size = vocab_size;
  options.special_tokens.clear();
  return options;
}

// Worked by hand (and what tokenizers gives): words aab×3, ab×2, b. Alphabet a b, then ##a ##b;
// pairs (a,##a) 3, (##a,##b) 3, (a,##b) 2: the tie goes to the smaller pair (a,##a) → "aa";
// merging it turns (##a,##b) into (aa,##b) 3 → "aab"; then (a,##b) 2 → "ab". Nothing is left
// with a count ≥ 1, so a larger vocabulary stops there.
TEST(WordPieceTrainerTest, HandWorkedMerges) {
  const std::unordered_map<std::string, uint64_t> counts = {{"aab", 3}, {"ab", 2}, {"b", 1}};
  const Vocabulary all = {"a", "b", "##a", "##b", "aa", "aab", "ab"};
  EXPECT_EQ(train_wordpiece(counts, plain_options(7)), all);
  EXPECT_EQ(train_wordpiece(counts, plain_options(100)), all);
  EXPECT_EQ(train_wordpiece(counts, plain_options(6)), Vocabulary(all.begin(), all.begin() + 6));
  WordPieceTrainerOptions frequent = plain_options(100);
  frequent.min_frequency = 3;
  EXPECT_EQ(train_wordpiece(counts, frequent), Vocabulary(all.begin(), all.begin() + 6));
}

TEST(WordPieceTrainerTest, SpecialTokensComeFirstAndTheAlphabetIsAlwaysKept) {
  const std::unordered_map<std::string, uint64_t> counts = {{"ba", 1}, {"\xC3\xA9t\xC3\xA9", 2}};  // été
  WordPieceTrainerOptions options;
  options.vocab_size = 5;
  EXPECT_EQ(train_wordpiece(counts, options), (Vocabulary{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b",
                                                           "t", "\xC3\xA9", "##a", "##t", "##\xC3\xA9"}));
  options.vocab_size = 4;
  EXPECT_ERROR_CONTAINS(train_wordpiece(counts, options), "vocabulary size 4 cannot hold the 5 special tokens");
}

TEST(WordPieceTrainerTest, LimitAlphabetKeepsTheMostFrequentCharacters) {
  const std::unordered_map<std::string, uint64_t> counts = {{"ab", 5}, {"c", 1}};
  WordPieceTrainerOptions options = plain_options(4);
  options.limit_alphabet = 2;
  EXPECT_EQ(train_wordpiece(counts, options), (Vocabulary{"a", "b", "##b", "ab"}));
}

class TrainedOnExcerptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::ifstream file(kData / "goldens.json");
    goldens_ = nlohmann::json::parse(file);
    BertNormalizerOptions options;
    options.lowercase = true;
    options.strip_accents = true;
    normalizer_ = make_bert_normalizer(options).release();
    pre_tokenizer_ = make_bert_pre_tokenizer().release();
    WordCounter counter(normalizer_, pre_tokenizer_);
    counter.add_text(data::read_corpus_document(kData / "alice_excerpt.txt"), "alice_excerpt.txt");
    WordPieceTrainerOptions trainer_options;
    trainer_options.vocab_size = goldens_["vocab_size"].get<size_t>();
    description_.vocabulary = train_wordpiece(counter.counts(), trainer_options);
    description_.special_tokens = trainer_options.special_tokens;
    description_.normalizer = options;
  }
  static void TearDownTestSuite() {
    delete normalizer_;
    delete pre_tokenizer_;
  }

  static inline nlohmann::json goldens_;
  static inline Normalizer* normalizer_ = nullptr;
  static inline PreTokenizer* pre_tokenizer_ = nullptr;
  static inline BertTokenizerDescription description_;
};

// tokenizers' own vocabulary varies where pair counts tie (see the goldens script): ours must
// hold every token tokenizers always learns and nothing tokenizers never learns.
TEST_F(TrainedOnExcerptTest, VocabularyIsOneTokenizersLearns) {
  Vocabulary sorted = description_.vocabulary;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted.size(), goldens_["vocab_size"].get<size_t>());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  const auto always = goldens_["vocabulary_always"].get<Vocabulary>();
  const auto ever = goldens_["vocabulary_ever"].get<Vocabulary>();
  EXPECT_TRUE(std::includes(sorted.begin(), sorted.end(), always.begin(), always.end()));
  EXPECT_TRUE(std::includes(ever.begin(), ever.end(), sorted.begin(), sorted.end()));
  EXPECT_EQ(Vocabulary(description_.vocabulary.begin(), description_.vocabulary.begin() + 5),
            (Vocabulary{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}));
}

TEST_F(TrainedOnExcerptTest, WrittenTokenizerReadsBackAndTokenizesAsTokenizers) {
  const std::string json = bert_tokenizer_json(description_);
  const Tokenizer tokenizer = Tokenizer::from_json(json, "trained tokenizer.json");
  EXPECT_EQ(tokenizer.vocab_size(), description_.vocabulary.size());
  EXPECT_EQ(tokenizer.mask_token_id(), 4);
  EXPECT_EQ(tokenizer.pad_token_id(), 0);
  for (const auto& sample : goldens_["samples"]) {
    const Encoding encoding = tokenizer.encode(sample["text"].get<std::string>());
    EXPECT_EQ(encoding.tokens, sample["tokens"].get<std::vector<std::string>>()) << sample["text"];
  }
  const Encoding pair = tokenizer.encode_pair("alice", "rabbit");
  EXPECT_EQ(pair.tokens.front(), "[CLS]");
  EXPECT_EQ(pair.type_ids.back(), 1);
}

TEST(TokenizerJsonWriterTest, RefusesAVocabularyWithoutItsTokens) {
  BertTokenizerDescription description;
  description.vocabulary = {"[PAD]", "[UNK]", "[CLS]", "a"};
  description.special_tokens = {"[PAD]", "[UNK]", "[CLS]"};
  EXPECT_ERROR_CONTAINS(bert_tokenizer_json(description), "the template token '[SEP]' is not in the vocabulary");
  description.special_tokens.push_back("[MASK]");
  EXPECT_ERROR_CONTAINS(bert_tokenizer_json(description), "the special token '[MASK]' is not in the vocabulary");
  description.vocabulary = {"[UNK]", "a", "a"};
  EXPECT_ERROR_CONTAINS(bert_tokenizer_json(description), "the vocabulary repeats the token 'a'");
}

TEST(WordCounterTest, CountsNormalizedWordsAndRejectsInvalidUtf8) {
  BertNormalizerOptions options;
  options.lowercase = true;
  const auto normalizer = make_bert_normalizer(options);
  const auto pre_tokenizer = make_bert_pre_tokenizer();
  WordCounter counter(normalizer.get(), pre_tokenizer.get());
  counter.add_text("The cat, the CAT.", "a");
  WordCounter other(normalizer.get(), pre_tokenizer.get());
  other.add_text("cat", "b");
  counter.merge(other);
  EXPECT_EQ(counter.counts(), (std::unordered_map<std::string, uint64_t>{{"the", 2}, {"cat", 3}, {",", 1}, {".", 1}}));
  EXPECT_ERROR_CONTAINS(counter.add_text("ab\xFF", "book.txt"), "book.txt: invalid UTF-8 at byte offset 2");
}

}  // namespace
}  // namespace ufb::tokenizer
