#include "dump_command.h"

#include <iostream>
#include <memory>

#include "common_options.h"
#include "ufb/device.h"
#include "ufb/error.h"
#include "ufb/io/npy.h"
#include "ufb/io/raw_tensor.h"
#include "ufb/model/dump.h"
#include "ufb/ops/weight_type.h"
#include "ufb/threads.h"

namespace ufb::cli {
namespace {

struct DumpFlags {
  std::string model_dir;
  std::string input_ids;
  std::string attention_mask;  // empty: every position is a real token
  std::string token_type_ids;  // empty: every token has type 0
  std::string out_dir;
  int threads = 0;
  std::string dtype = "f32";
  std::string device = "cpu";
};

// A 2-D integer array [B, S] from a .npy file.
std::vector<int64_t> read_matrix(const std::string& path, std::vector<int64_t>& shape) {
  const io::NpyArray array = io::read_npy(path);
  if (array.shape.size() != 2) {
    throw Error(path + ": expected a 2-D array [batch, sequence], got shape " +
                io::format_shape(array.shape));
  }
  if (!shape.empty() && shape != array.shape) {
    throw Error(path + ": shape " + io::format_shape(array.shape) +
                " differs from the input ids' " + io::format_shape(shape));
  }
  shape = array.shape;
  return io::npy_integers(array, path);
}

void dump(const DumpFlags& flags) {
  set_num_threads(flags.threads);
  model::ModelOptions options;
  options.dtype = ops::parse_weight_type(flags.dtype);
  options.device = parse_device(flags.device);
  const model::Model model(flags.model_dir, options);
  std::vector<int64_t> shape;
  const std::vector<int64_t> ids = read_matrix(flags.input_ids, shape);
  const std::vector<int64_t> mask = flags.attention_mask.empty()
                                        ? std::vector<int64_t>(ids.size(), 1)
                                        : read_matrix(flags.attention_mask, shape);
  const std::vector<int64_t> types =
      flags.token_type_ids.empty() ? std::vector<int64_t>() : read_matrix(flags.token_type_ids, shape);
  const model::PaddedBatch batch =
      model::batch_from_mask(ids, mask, shape[0], shape[1], model.limits(), types);
  const std::vector<model::DumpArray> arrays = model::dump_model(model, batch);
  model::write_dump(arrays, flags.out_dir);
  for (const model::DumpArray& array : arrays) {
    std::cout << array.name << ".npy " << (array.ints.empty() ? "float32 " : "int32 ")
              << io::format_shape(array.shape) << "\n";
  }
}

}  // namespace

void add_dump_command(CLI::App& app) {
  auto flags = std::make_shared<DumpFlags>();
  CLI::App* command = app.add_subcommand(
      "dump", "Run a padded batch of token ids and write every intermediate state as .npy");
  add_model_option(*command, flags->model_dir, WithoutModel::refuse);
  command->add_option("--input-ids", flags->input_ids, "int64/int32 .npy [batch, sequence]")
      ->required()->check(CLI::ExistingFile);
  command->add_option("--attention-mask", flags->attention_mask,
                      "0/1 .npy [batch, sequence], right padding (default: all ones)")
      ->check(CLI::ExistingFile);
  command->add_option("--token-type-ids", flags->token_type_ids,
                      "int .npy [batch, sequence]: BERT's segment of each token (default: all 0)")
      ->check(CLI::ExistingFile);
  command->add_option("--out", flags->out_dir, "Output directory (created if needed)")->required();
  add_threads_option(*command, flags->threads);
  add_dtype_option(*command, flags->dtype);
  add_device_option(*command, flags->device);
  command->callback([flags] { dump(*flags); });
}

}  // namespace ufb::cli
