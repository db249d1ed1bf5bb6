// `ufb distill` on a tiny sentence-transformers BERT: the student directory inference runs as
// training computes it, stage 2 learns, resuming continues the same run, bad input is refused.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "model/goldens.h"
#include "ufb/error.h"
#include "ufb/io/checkpoint.h"
#include "ufb/model/model.h"
#include "ufb/train/distillation.h"
#include "train/losses.h"
#include "train/trainable_model.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

const distributed::Communicator& alone() { return distributed::Communicator::single(); }
void quiet_progress(const TrainingProgress&) {}
void quiet_status(const std::string&) {}

fs::path teacher_dir() { return testing::test_data("sentence_transformers/mean_normalize"); }

// Lines of 2..14 words of the teacher's small vocabulary (so few are [UNK]).
fs::path texts_file() {
  static const fs::path path = [] {
    const std::vector<std::string> words = {"the", "cat", "sat", "on", "mat", "a", "man", "plays", "guitar", "in",
                                            "park", "dog", "runs", "big", "old", "house", "red", "car", "street",
                                            "water", "tree", "quick", "brown", "fox", "hello", "world", "good", "day"};
    std::mt19937 engine(5);
    const fs::path file = fs::path(::testing::TempDir()) / "distill_texts.txt";
    std::ofstream out(file);
    for (int line = 0; line < 300; ++line) {
      const int count = 2 + static_cast<int>(engine() % 13);
      for (int w = 0; w < count; ++w) out << (w ? " " : "") << words[engine() % words.size()];
      out << (line % 3 == 0 ? " .\n" : "\n");
    }
    return file;
  }();
  return path;
}

DistillationOptions options(const std::string& out) {
  DistillationOptions o;
  o.teacher_dir = teacher_dir();
  o.data_files = {texts_file()};
  o.out_dir = fs::path(::testing::TempDir()) / out;
  fs::remove_all(o.out_dir);
  o.fit = {2, 2, 1e-3, 30};
  o.fit_tokens = 500;
  o.batch_size = 8;
  o.log_every = 1;
  return o;
}

std::vector<nlohmann::json> log_lines(const fs::path& dir, int stage) {
  std::ifstream in(dir / "log.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json entry = nlohmann::json::parse(line);
    if (entry.at("stage") == stage) lines.push_back(std::move(entry));
  }
  return lines;
}

TrainBatch sample_batch() {
  const std::vector<std::vector<int32_t>> ids = {{2, 5, 25, 27, 7, 5, 28, 3}, {2, 46, 47, 3}};
  return padded_batch(ids, 0);
}

TEST(Distillation, StageOneWritesAStudentThatInferenceRunsAsTrainingComputesIt) {
  const DistillationOptions o = options("distill_stage1");
  distill(o, alone(), quiet_progress, quiet_status);

  const nlohmann::json config = nlohmann::json::parse(std::ifstream(o.out_dir / "config.json"));
  EXPECT_EQ(config.at("feedforward_type"), "fff");
  EXPECT_EQ(config.at("fff_depth"), 2);
  EXPECT_EQ(config.at("fff_trees"), 2);
  for (const char* file : {"tokenizer.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
                           "2_Normalize", "trainer_state.json"}) {
    EXPECT_TRUE(fs::exists(o.out_dir / file)) << file;
  }
  const std::vector<nlohmann::json> fitted = log_lines(o.out_dir, 1);
  ASSERT_EQ(fitted.size(), 2u);  // one line per layer
  for (const nlohmann::json& layer : fitted) {
    EXPECT_EQ(layer.at("samples"), 500);
    EXPECT_LT(layer.at("unexplained_variance").get<double>(), 1.0);
  }

  // Everything but the trees is the teacher's.
  const io::Checkpoint teacher(teacher_dir());
  const io::Checkpoint student(o.out_dir);
  for (const io::TensorView& tensor : teacher.tensors()) {
    if (tensor.name.find("intermediate") != std::string::npos || tensor.name.find("output.dense") != std::string::npos ||
        tensor.name.find("pooler") != std::string::npos) {
      continue;
    }
    const io::TensorView& copied = student.tensor(tensor.name);
    ASSERT_EQ(copied.values.size(), tensor.values.size()) << tensor.name;
    EXPECT_TRUE(std::equal(copied.values.begin(), copied.values.end(), tensor.values.begin())) << tensor.name;
  }

  TrainableModel<float> trained(student.config(),
                                ParameterSet<float>::from_checkpoint(student, io::ModelHead::kNone, 0, 0.02, 0), {});
  const TrainBatch batch = sample_batch();
  const std::vector<float> expected = trained.hidden_states(batch);
  const model::Model loaded(o.out_dir);
  std::vector<model::TokenIds> ids;
  for (int64_t b = 0; b < batch.sequences; ++b) {
    ids.emplace_back(batch.ids.begin() + b * batch.length, batch.ids.begin() + b * batch.length + batch.lengths[b]);
  }
  const model::HiddenStates states = loaded.encode(ids, model::PaddingRows::skip, {});
  const int64_t hidden = student.config().hidden_size;
  for (int64_t b = 0; b < batch.sequences; ++b) {
    for (int64_t p = 0; p < batch.lengths[b]; ++p) {
      for (int64_t h = 0; h < hidden; ++h) {
        EXPECT_NEAR(states.row(b, p)[h], expected[(b * batch.length + p) * hidden + h], 1e-4) << b << " " << p;
      }
    }
  }
}

TEST(Distillation, StageTwoLowersTheLoss) {
  DistillationOptions o = options("distill_stage2");
  o.steps = 120;
  o.schedule = {ScheduleKind::constant, 1e-2, 0.0};
  distill(o, alone(), quiet_progress, quiet_status);
  const std::vector<nlohmann::json> steps = log_lines(o.out_dir, 2);
  ASSERT_EQ(steps.size(), 120u);
  // Batches differ in difficulty: the means of the first and last 20 steps.
  double first = 0.0, last = 0.0;
  for (size_t i = 0; i < 20; ++i) {
    first += steps[i].at("loss").get<double>();
    last += steps[steps.size() - 1 - i].at("loss").get<double>();
  }
  EXPECT_LT(last, 0.8 * first);
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(o.out_dir / "trainer_state.json")).at("step"), 120);
}

TEST(Distillation, ResumingContinuesTheSameRun) {
  DistillationOptions straight = options("distill_straight");
  straight.steps = 6;
  straight.schedule = {ScheduleKind::constant, 1e-3, 0.0};
  distill(straight, alone(), quiet_progress, quiet_status);

  DistillationOptions first = options("distill_pieces");
  first.steps = 3;
  first.schedule = straight.schedule;
  distill(first, alone(), quiet_progress, quiet_status);
  DistillationOptions rest = first;
  rest.steps = 6;
  rest.resume_dir = first.out_dir;
  distill(rest, alone(), quiet_progress, quiet_status);

  const io::Checkpoint a(straight.out_dir);
  const io::Checkpoint b(first.out_dir);
  for (const io::TensorView& tensor : a.tensors()) {
    const io::TensorView& other = b.tensor(tensor.name);
    for (size_t i = 0; i < tensor.values.size(); ++i) {
      ASSERT_NEAR(other.values[i], tensor.values[i], 1e-6) << tensor.name << " " << i;
    }
  }
}

TEST(Distillation, RefusesWhatItCannotDistill) {
  DistillationOptions crammed = options("distill_crammed");
  crammed.teacher_dir = testing::test_data("model/dense_mlm");
  EXPECT_THROW(
      {
        try {
          distill(crammed, alone(), quiet_progress, quiet_status);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("must be a BERT-family model"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);

  DistillationOptions empty = options("distill_empty");
  const fs::path blank = fs::path(::testing::TempDir()) / "distill_blank.txt";
  std::ofstream(blank) << "\n  \n";
  empty.data_files = {blank};
  EXPECT_THROW(distill(empty, alone(), quiet_progress, quiet_status), Error);

  DistillationOptions first = options("distill_reseeded");
  first.steps = 1;
  distill(first, alone(), quiet_progress, quiet_status);
  DistillationOptions reseeded = first;
  reseeded.steps = 2;
  reseeded.seed = 9;
  reseeded.resume_dir = first.out_dir;
  EXPECT_THROW(distill(reseeded, alone(), quiet_progress, quiet_status), Error);
}

// The loss's gradient against central differences, with padding and a global batch larger than
// the part given (as a rank of a data-parallel job sees it).
TEST(Distillation, LossGradientMatchesFiniteDifferences) {
  const std::vector<int64_t> lengths = {3, 1};
  const int64_t length = 3, hidden = 4, tokens = 6, sequences = 3;
  std::mt19937 engine(3);
  std::normal_distribution<double> normal;
  std::vector<double> student(2 * length * hidden), teacher(student.size()), grad(student.size());
  for (size_t i = 0; i < student.size(); ++i) {
    student[i] = normal(engine);
    teacher[i] = normal(engine);
  }
  distillation_loss<double>(student, teacher, lengths, length, hidden, tokens, sequences, 0.7, grad);
  std::vector<double> scratch(student.size());
  for (size_t i = 0; i < student.size(); ++i) {
    const double saved = student[i];
    student[i] = saved + 1e-6;
    const double up = distillation_loss<double>(student, teacher, lengths, length, hidden, tokens, sequences, 0.7, scratch);
    student[i] = saved - 1e-6;
    const double down = distillation_loss<double>(student, teacher, lengths, length, hidden, tokens, sequences, 0.7, scratch);
    student[i] = saved;
    EXPECT_NEAR(grad[i], (up - down) / 2e-6, 1e-7) << i;
  }
  // Padding (sequence 1 has one real token) has no gradient.
  for (int64_t i = length * hidden + hidden; i < 2 * length * hidden; ++i) EXPECT_EQ(grad[i], 0.0);
}

}  // namespace
}  // namespace ufb::train
