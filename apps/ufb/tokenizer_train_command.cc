#include "tokenizer_train_command.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "ufb/atomic_file.h"
#include "ufb/data/corpus.h"
#include "common_options.h"
#include "ufb/error.h"
#include "ufb/threads.h"
#include "ufb/tokenizer/tokenizer_json_writer.h"
#include "ufb/tokenizer/wordpiece_trainer.h"

namespace ufb::cli {
namespace {

struct TrainFlags {
  std::vector<std::string> corpus;
  std::string out;
  size_t vocab_size = 30522;
  bool lowercase = false;
  bool strip_accents = false;
  uint64_t min_frequency = 0;
  size_t limit_alphabet = 0;  // 0: no limit
  int threads = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Word counts of every file, files spread over the threads. Exceptions cannot leave an OpenMP
// region, so the first one is kept and rethrown after it.
tokenizer::WordCounter count_words(const std::vector<std::filesystem::path>& files,
                                   const tokenizer::Normalizer& normalizer,
                                   const tokenizer::PreTokenizer& pre_tokenizer) {
  tokenizer::WordCounter total(&normalizer, &pre_tokenizer);
  std::exception_ptr failure;
#pragma omp parallel
  {
    tokenizer::WordCounter counter(&normalizer, &pre_tokenizer);
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < files.size(); ++i) {
      try {
        counter.add_text(data::read_corpus_document(files[i]), files[i].string());
      } catch (...) {
#pragma omp critical(ufb_tokenizer_train_failure)
        if (!failure) failure = std::current_exception();
      }
    }
#pragma omp critical(ufb_tokenizer_train_merge)
    total.merge(counter);
  }
  if (failure) std::rethrow_exception(failure);
  return total;
}

void train(const TrainFlags& flags) {
  set_num_threads(flags.threads);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::filesystem::path> files = data::list_corpus_files(flags.corpus);
  tokenizer::BertNormalizerOptions normalizer_options;
  normalizer_options.lowercase = flags.lowercase;
  normalizer_options.strip_accents = flags.strip_accents;
  const std::unique_ptr<tokenizer::Normalizer> normalizer = tokenizer::make_bert_normalizer(normalizer_options);
  const std::unique_ptr<tokenizer::PreTokenizer> pre_tokenizer = tokenizer::make_bert_pre_tokenizer();
  const tokenizer::WordCounter counter = count_words(files, *normalizer, *pre_tokenizer);
  uint64_t total_words = 0;
  for (const auto& [word, count] : counter.counts()) total_words += count;
  std::fprintf(stderr, "ufb: %zu files, %llu words (%zu distinct) counted in %.1f s\n", files.size(),
               static_cast<unsigned long long>(total_words), counter.counts().size(), seconds_since(start));

  tokenizer::WordPieceTrainerOptions options;
  options.vocab_size = flags.vocab_size;
  options.min_frequency = flags.min_frequency;
  if (flags.limit_alphabet > 0) options.limit_alphabet = flags.limit_alphabet;
  const auto training_start = std::chrono::steady_clock::now();
  tokenizer::BertTokenizerDescription description;
  description.vocabulary = tokenizer::train_wordpiece(counter.counts(), options);
  description.special_tokens = options.special_tokens;
  description.normalizer = normalizer_options;
  std::fprintf(stderr, "ufb: %zu tokens trained in %.1f s\n", description.vocabulary.size(),
               seconds_since(training_start));
  if (description.vocabulary.size() < flags.vocab_size) {
    std::fprintf(stderr, "ufb: warning: the corpus allows only %zu of the %zu tokens asked for\n",
                 description.vocabulary.size(), flags.vocab_size);
  }
  const std::filesystem::path out_dir = std::filesystem::path(flags.out).parent_path();
  std::error_code error;
  if (!out_dir.empty()) std::filesystem::create_directories(out_dir, error);
  if (error) throw Error(out_dir.string() + ": cannot create the output directory (" + error.message() + ")");
  write_file_atomically(flags.out, tokenizer::bert_tokenizer_json(description));
  std::fprintf(stderr, "ufb: wrote %s (%.1f s in all)\n", flags.out.c_str(), seconds_since(start));
}

}  // namespace

void add_tokenizer_train_command(CLI::App& app) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* group = app.add_subcommand("tokenizer", "Tokenizer tools");
  group->require_subcommand(1);
  CLI::App* command = group->add_subcommand(
      "train", "Train a WordPiece vocabulary on a text corpus (as Hugging Face's WordPieceTrainer) into tokenizer.json");
  command->add_option("--corpus", flags->corpus,
                      "Text files or directories of them (Project Gutenberg headers/footers, BOM and CRLF are removed)")
      ->required();
  command->add_option("--out", flags->out, "The tokenizer.json to write")->required();
  command->add_option("--vocab-size", flags->vocab_size, "Tokens in the vocabulary, special tokens included")
      ->capture_default_str()->check(CLI::Range(size_t{5}, size_t{1} << 24));
  command->add_flag("--lowercase", flags->lowercase, "Lowercase the text (BertNormalizer lowercase)");
  command->add_flag("--strip-accents", flags->strip_accents, "Remove accents (BertNormalizer strip_accents)");
  command->add_option("--min-frequency", flags->min_frequency, "Do not merge pairs seen fewer times")
      ->capture_default_str();
  command->add_option("--limit-alphabet", flags->limit_alphabet, "Keep only this many most frequent characters (0 = all)")
      ->capture_default_str();
  add_threads_option(*command, flags->threads);
  command->callback([flags] { train(*flags); });
}

}  // namespace ufb::cli
