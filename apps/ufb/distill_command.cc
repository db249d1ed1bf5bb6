#include "distill_command.h"

#include <iostream>
#include <memory>

#include "common_options.h"
#include "train_command.h"
#include "ufb/distributed/communicator.h"
#include "ufb/train/distillation.h"

namespace ufb::cli {
namespace {

struct DistillFlags {
  train::DistillationOptions options;
  std::string teacher, tokenizer, out;
  std::vector<std::string> data;
  RunFlags run;
};

void run_distill(DistillFlags& flags) {
  train::DistillationOptions& o = flags.options;
  o.teacher_dir = flags.teacher;
  o.tokenizer_file = flags.tokenizer;
  o.data_files.assign(flags.data.begin(), flags.data.end());
  o.out_dir = flags.out;
  flags.run.apply(o.resume_dir, o.budget_seconds, o.schedule.kind);
  const distributed::Communicator& world = distributed::Communicator::world();
  train::distill(o, world, print_training_progress, print_training_status);
  if (world.is_root()) std::cerr << "student: " << flags.out << "\n";
}

}  // namespace

void add_distill_command(CLI::App& app) {
  auto flags = std::make_shared<DistillFlags>();
  train::DistillationOptions& o = flags->options;
  CLI::App* distill = app.add_subcommand(
      "distill", "Make a dense BERT-family model an FFF one: fit trees to each feedforward block, then train them");
  distill->add_option("--teacher", flags->teacher, "The dense model directory (BERT family, sentence-transformers)")
      ->required()
      ->check(CLI::ExistingDirectory);
  add_tokenizer_option(*distill, flags->tokenizer);
  distill->add_option("--data", flags->data, "Text files, one text per line")->required()->check(CLI::ExistingFile);
  distill->add_option("--out", flags->out, "Output folder: the student (a checkpoint), log.jsonl")->required();
  add_fff_depth_option(*distill, o.fit.depth);
  add_fff_trees_option(*distill, o.fit.trees);
  add_max_length_option(*distill, o.max_length);
  distill->add_option("--fit-tokens", o.fit_tokens, "Stage 1: token samples per layer")->capture_default_str()
      ->check(CLI::PositiveNumber);
  distill->add_option("--ridge", o.fit.ridge, "Stage 1: ridge of the output least squares, relative")
      ->capture_default_str()->check(CLI::PositiveNumber);
  add_steps_option(*distill, o.steps)->excludes(add_budget_option(*distill, flags->run.budget));
  add_resume_option(*distill, flags->run.resume);
  distill->add_option("--batch", o.batch_size, "Stage 2: texts per step, over all ranks")->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_lr_option(*distill, o.schedule.peak);
  add_schedule_option(*distill, flags->run.schedule);
  add_warmup_option(*distill, o.schedule.warmup_fraction);
  add_weight_decay_option(*distill, o.adamw.weight_decay);
  add_clip_option(*distill, o.clip_norm);
  distill->add_option("--embedding-weight", o.embedding_weight,
                      "Stage 2: weight of (1 - cosine) of mean-pooled embeddings beside the hidden-state MSE")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  add_seed_option(*distill, o.seed);
  add_threads_option(*distill, flags->run.threads);
  add_log_every_option(*distill, o.log_every);
  add_checkpoint_every_option(*distill, o.checkpoint_every);
  distill->footer(
      "\nStage 1 alone without --steps/--budget; stage 2 continues OUT (or --resume DIR) for that long.\n"
      "Data-parallel under mpirun, as `ufb train`.");
  distill->callback([flags] { run_distill(*flags); });
}

}  // namespace ufb::cli
