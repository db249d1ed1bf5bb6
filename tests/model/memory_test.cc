// One copy of the weights (docs/model.md §6): as a model is built its kernels take the matrices
// in their own layout and precision, and the memory-mapped file's pages behind each are released.
// The peak resident memory of loading a model file stays within a stated margin of its weights
// at the precision it runs in.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "model/goldens.h"
#include "ufb/io/config.h"
#include "io/safetensors.h"
#include "ufb/io/tensor_table.h"
#include "ufb/model/model.h"

// Freed memory goes back at once under AddressSanitizer too, so that its quarantine does not
// count as the model's.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=0"; }

namespace ufb::model {
namespace {

// A field of /proc/self/status in bytes (VmRSS, VmHWM).
int64_t status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  ADD_FAILURE() << "no " << field << " in /proc/self/status";
  return 0;
}

// Writing "5" to clear_refs resets VmHWM to the current resident size (Linux 4.0 and later).
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

// A dense crammedBERT of 8 layers, hidden 512, feedforward 2048: 101 MB of float32 weights, all
// but 1 MB of them in the layers' matrices.
struct WrittenModel {
  std::filesystem::path dir;
  int64_t bytes = 0;          // all its float32 weights
  int64_t matrix_bytes = 0;   // the layers' matrices among them
};

WrittenModel write_model() {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("ufb-memory-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  std::ifstream config_file(testing::model_data("dense_mlm") / "config.json");
  std::stringstream text;
  text << config_file.rdbuf();
  std::string json = text.str();
  const auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = json.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    json.replace(at, from.size(), to);
  };
  replace("\"num_transformer_layers\": 2", "\"num_transformer_layers\": 8");
  replace("\"hidden_size\": 16", "\"hidden_size\": 512");
  replace("\"intermed_size\": 24", "\"intermed_size\": 2048");
  replace("\"embedding_dim\": 16", "\"embedding_dim\": 512");
  std::ofstream(dir / "config.json") << json;
  const io::ModelConfig config = io::read_model_config(dir / "config.json");

  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<std::vector<float>> values;
  std::vector<io::RawTensor> tensors;
  int64_t bytes = 0;
  int64_t matrix_bytes = 0;
  const std::vector<io::ExpectedTensor> table = io::expected_tensors(config, io::ModelHead::kMaskedLm, 0, false);
  values.reserve(table.size());
  for (const io::ExpectedTensor& tensor : table) {
    int64_t count = 1;
    for (const int64_t dimension : tensor.shape) count *= dimension;
    std::vector<float>& data = values.emplace_back(count);
    for (float& value : data) value = normal(rng);
    if (tensor.role == io::TensorRole::kScoreScale) data[0] = 0.125f;
    tensors.push_back({tensor.name, io::DType::kF32, tensor.shape, std::as_bytes(std::span<const float>(data))});
    bytes += count * static_cast<int64_t>(sizeof(float));
    if (tensor.layer >= 0 && tensor.shape.size() == 2) matrix_bytes += count * static_cast<int64_t>(sizeof(float));
  }
  io::write_safetensors(dir / "model.safetensors", tensors, {});
  return {dir, bytes, matrix_bytes};
}

struct Loading {
  double peak = -1;          // the peak resident memory loading and one sequence added
  double weight_bytes = -1;  // what the model reports it holds (Model::weight_bytes)
};

// Loads the model at `dtype` and runs one sequence in a child process of its own (a parent's
// freed heap would hide the peak; and OpenMP's threads do not survive a fork).
Loading load_in_child(const std::filesystem::path& dir, ops::WeightType dtype) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t child = ::fork();
  if (child == 0) {
    const std::vector<TokenIds> batch = {{1, 5, 7, 2}};
    // Code pages of oneDNN and the OpenMP threads are the process's, not the model's: a tiny
    // model of the same kind touches them first.
    Model(testing::model_data("dense_mlm"), {.dtype = dtype, .device = {}}).encode(batch);
    const int64_t before = status_bytes("VmRSS");
    reset_peak();
    Loading loading;
    try {
      const Model model(dir, {.dtype = dtype, .device = {}});
      model.encode(batch);
      loading.peak = static_cast<double>(status_bytes("VmHWM") - before);
      loading.weight_bytes = static_cast<double>(model.weight_bytes());
    } catch (...) {
    }
    [[maybe_unused]] const ssize_t written = ::write(fds[1], &loading, sizeof(loading));
    ::_exit(0);
  }
  ::close(fds[1]);
  Loading loading;
  if (::read(fds[0], &loading, sizeof(loading)) != sizeof(loading)) loading = {};
  ::close(fds[0]);
  ::waitpid(child, nullptr, 0);
  return loading;
}

TEST(WeightMemory, PeakOfLoadingIsTheWeightsAtTheirPrecision) {
  const auto [dir, float32_bytes, matrix_bytes] = write_model();
  // At bf16 the layers' matrices take half their bytes, at int8 a quarter; the rest stays
  // float32. Loading may add to those weights 5 % and 12 MB: the file pages of the one matrix
  // being converted (4 MB here), oneDNN's working memory, the allocator's slack.
  const auto matrices = static_cast<double>(matrix_bytes);
  const double others = static_cast<double>(float32_bytes - matrix_bytes);
  const std::pair<ops::WeightType, double> cases[] = {
      {ops::WeightType::f32, 1.0}, {ops::WeightType::bf16, 0.5}, {ops::WeightType::int8, 0.25}};
  for (const auto& [dtype, matrix_share] : cases) {
    const double weights = matrices * matrix_share + others;
    const auto [peak, held] = load_in_child(dir, dtype);
    std::printf("[memory] %-4s peak %.1f MB: %.2fx its weights (%.1f MB), %.2fx the float32 weights; "
                "the model reports %.1f MB held\n",
                std::string(ops::to_string(dtype)).c_str(), peak / 1e6, peak / weights, weights / 1e6,
                peak / static_cast<double>(float32_bytes), held / 1e6);
    EXPECT_GT(peak, 0) << ops::to_string(dtype);
    EXPECT_LE(peak, 1.05 * weights + 12e6) << ops::to_string(dtype);
    // What it reports: the weights at its precision (oneDNN's blocked layouts may pad a little;
    // int8 adds a scale per output column).
    EXPECT_GE(held, 0.99 * weights) << ops::to_string(dtype);
    EXPECT_LE(held, 1.03 * weights) << ops::to_string(dtype);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ufb::model
