#include "train_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "common_options.h"
#include "glue_evaluation.h"
#include "model_session.h"
#include "ufb/distributed/communicator.h"
#include "ufb/error.h"
#include "ufb/threads.h"
#include "ufb/train/glue_trainer.h"
#include "ufb/train/mlm_trainer.h"

namespace ufb::cli {
namespace {

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::max(seconds, 0.0));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60));
  } else {
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  }
  return text;
}

struct MlmFlags {
  train::MlmTrainingOptions options;
  std::string config, tokenizer, data, out, init;
  RunFlags run;
};

void run_mlm(MlmFlags& flags) {
  train::MlmTrainingOptions& o = flags.options;
  if (flags.config.empty() && flags.init.empty()) throw Error("give --config FILE or --init DIR");
  if (!flags.init.empty()) o.init_dir = flags.init;
  o.config_file = flags.config.empty() ? *o.init_dir / "config.json" : std::filesystem::path(flags.config);
  o.tokenizer_file = flags.tokenizer;
  o.data_dir = flags.data;
  o.out_dir = flags.out;
  flags.run.apply(o.resume_dir, o.budget_seconds, o.schedule.kind);
  const distributed::Communicator& world = distributed::Communicator::world();
  train::train_mlm(o, world, print_training_progress, print_training_status);
  if (world.is_root()) std::cerr << "checkpoint: " << flags.out << "\n";
}

struct GlueFlags {
  train::GlueTrainingOptions options;
  std::string model, data, out, tokenizer;
  int threads = 0;
  bool no_dropout = false;
};

void run_glue(GlueFlags& flags) {
  train::GlueTrainingOptions& o = flags.options;
  o.model_dir = flags.model;
  o.data_dir = flags.data;
  o.out_dir = flags.out;
  if (!flags.tokenizer.empty()) o.tokenizer_file = flags.tokenizer;
  o.dropout = !flags.no_dropout;
  set_num_threads(flags.threads);
  const distributed::Communicator& world = distributed::Communicator::world();
  train::train_glue(o, world, print_training_progress, print_training_status);
  if (!world.is_root()) return;
  std::cerr << "checkpoint: " << flags.out << "\n";
  // The dev score, where the task folder has a dev file: what `ufb eval glue` would write.
  const data::GlueTask& task = data::find_glue_task(o.task);
  if (!std::filesystem::exists(o.data_dir / task.file(data::GlueSplit::dev))) return;
  ModelFlags model_flags;
  model_flags.model_dir = flags.out;
  model_flags.threads = flags.threads;
  model_flags.warn_each_truncation = false;
  const ModelSession session(model_flags);
  write_glue_outputs(evaluate_glue(session, task, data::GlueSplit::dev, o.data_dir), o.out_dir / "eval_dev");
}

void add_glue_subcommand(CLI::App& train) {
  auto flags = std::make_shared<GlueFlags>();
  train::GlueTrainingOptions& o = flags->options;
  CLI::App* glue = train.add_subcommand("glue", "Fine-tune a model on a GLUE task (writes a classification model)");
  glue->add_option("--task", o.task, "GLUE task: CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI")->required();
  add_model_option(*glue, flags->model, WithoutModel::refuse);
  glue->add_option("--data", flags->data, "The task's folder (train file; dev file for the score)")->required()
      ->check(CLI::ExistingDirectory);
  glue->add_option("--out", flags->out, "Output model directory")->required();
  add_tokenizer_option(*glue, flags->tokenizer);
  glue->add_option("--epochs", o.epochs, "Passes over the train file")->capture_default_str()->check(CLI::PositiveNumber);
  add_lr_option(*glue, o.schedule.peak);
  add_warmup_option(*glue, o.schedule.warmup_fraction);
  glue->add_option("--batch", o.batch_size, "Examples per step, over all ranks")->capture_default_str()->check(CLI::PositiveNumber);
  add_seed_option(*glue, o.seed);
  add_weight_decay_option(*glue, o.adamw.weight_decay);
  add_clip_option(*glue, o.clip_norm);
  glue->add_flag("--no-dropout", flags->no_dropout, "Train without the config's dropout");
  add_threads_option(*glue, flags->threads);
  add_log_every_option(*glue, o.log_every);
  glue->footer("\n--model: the model to start from: a masked-LM checkpoint, BERT encoder or classifier.");
  glue->callback([flags] { run_glue(*flags); });
}

}  // namespace

void RunFlags::apply(std::optional<std::filesystem::path>& resume_dir, double& budget_seconds,
                     train::ScheduleKind& schedule_kind) const {
  if (!resume.empty()) resume_dir = resume;
  if (!budget.empty()) budget_seconds = parse_duration_seconds(budget);
  schedule_kind = train::parse_schedule_kind(schedule);
  set_num_threads(threads);
}

void print_training_progress(const train::TrainingProgress& p) {
  const double eta = p.progress > 0 ? p.elapsed_seconds * (1.0 - p.progress) / p.progress : 0.0;
  std::fprintf(stderr, "\rstep %lld  loss %.4f  lr %.2e  |g| %.3f  %.0f tokens/s  %5.1f%%  ETA %s   ",
               static_cast<long long>(p.step), p.loss, p.learning_rate, p.grad_norm, p.tokens_per_second,
               100.0 * p.progress, format_duration(eta).c_str());
  if (p.communication_share > 0) std::fprintf(stderr, "(%.1f%% allreduce)   ", 100.0 * p.communication_share);
  if (p.progress >= 1.0) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

void print_training_status(const std::string& message) { std::cerr << message << "\n"; }

double parse_duration_seconds(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (used == 0 || scale == 0 || !(value > 0) || !std::isfinite(value)) {
    throw Error("--budget: expected a duration such as 2h, 90m or 45s, got '" + text + "'");
  }
  return value * scale;
}

void add_train_command(CLI::App& app) {
  CLI::App* train = app.add_subcommand("train", "Train models: masked-LM pretraining, GLUE fine-tuning");
  train->require_subcommand(1);
  auto flags = std::make_shared<MlmFlags>();
  train::MlmTrainingOptions& o = flags->options;
  CLI::App* mlm = train->add_subcommand("mlm", "Pretrain a crammedBERT/UltraFastBERT or BERT-family model with masked-LM");
  mlm->add_option("--config", flags->config, "Model config.json (cramming's arch object or a BERT config; default: --init's)")
      ->check(CLI::ExistingFile);
  add_tokenizer_option(*mlm, flags->tokenizer, /*required=*/true);
  mlm->add_option("--data", flags->data, "Folder of text files")->required()->check(CLI::ExistingDirectory);
  mlm->add_option("--out", flags->out, "Output folder: checkpoint, log.jsonl, token cache")->required();
  add_steps_option(*mlm, o.steps)->excludes(add_budget_option(*mlm, flags->run.budget));
  mlm->add_option("--stop-after", o.stop_after, "Stop after this many steps of this run (resume later)")
      ->check(CLI::PositiveNumber);
  add_seed_option(*mlm, o.seed);
  auto* resume = add_resume_option(*mlm, flags->run.resume);
  mlm->add_option("--init", flags->init, "Start from this model's weights (a pretrained checkpoint), fresh optimizer")
      ->check(CLI::ExistingDirectory)
      ->excludes(resume);
  add_threads_option(*mlm, flags->run.threads);
  mlm->add_option("--batch", o.batch_size, "Sequences per micro-batch, over all ranks")->capture_default_str()->check(CLI::PositiveNumber);
  mlm->add_option("--accumulate", o.accumulation, "Micro-batches per optimizer step")->capture_default_str()->check(CLI::PositiveNumber);
  add_lr_option(*mlm, o.schedule.peak);
  add_schedule_option(*mlm, flags->run.schedule);
  add_warmup_option(*mlm, o.schedule.warmup_fraction);
  add_weight_decay_option(*mlm, o.adamw.weight_decay);
  add_clip_option(*mlm, o.clip_norm);
  mlm->add_flag("--dropout", o.dropout, "Use the config's dropout rates (cramming pretrains without)");
  add_log_every_option(*mlm, o.log_every);
  add_checkpoint_every_option(*mlm, o.checkpoint_every);
  mlm->callback([flags] { run_mlm(*flags); });
  add_glue_subcommand(*train);
}

}  // namespace ufb::cli
