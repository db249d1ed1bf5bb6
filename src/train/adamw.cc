#include "ufb/train/adamw.h"

#include <cmath>
#include <cstring>

#include "ufb/error.h"
#include "io/safetensors.h"

namespace ufb::train {
namespace {

constexpr const char* kStepsKey = "adamw_steps";

}  // namespace

AdamW::AdamW(const ParameterSet<float>& parameters, AdamWOptions options) : options_(options) {
  // Moments only for what step() updates: a frozen parameter may still hold a gradient.
  parameters.for_each([&](const io::ExpectedTensor&, const Parameter<float>& parameter) {
    const size_t size = parameter.trainable ? parameter.grad.size() : 0;
    first_moments_.emplace_back(size, 0.0f);
    second_moments_.emplace_back(size, 0.0f);
  });
}

void AdamW::step(ParameterSet<float>& parameters, double learning_rate) {
  ++steps_;
  const auto beta1 = static_cast<float>(options_.beta1);
  const auto beta2 = static_cast<float>(options_.beta2);
  const double bias_correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
  const double bias_correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
  const auto step_size = static_cast<float>(learning_rate / bias_correction1);
  const auto bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  const auto epsilon = static_cast<float>(options_.epsilon);
  size_t index = 0;  // moments are kept in the parameters' visiting order
  parameters.for_each([&](const io::ExpectedTensor&, Parameter<float>& parameter) {
    const size_t moments = index++;
    if (!parameter.trainable) return;
    const auto decay = static_cast<float>(
        1.0 - learning_rate * (parameter.weight_decay ? options_.weight_decay : 0.0));
    std::vector<float>& m = first_moments_[moments];
    std::vector<float>& v = second_moments_[moments];
    float* value = parameter.value.data();
    const float* grad = parameter.grad.data();
    const auto count = static_cast<int64_t>(parameter.value.size());
#pragma omp parallel for schedule(static) if (count > 65536)
    for (int64_t i = 0; i < count; ++i) {
      value[i] *= decay;
      m[i] += (1.0f - beta1) * (grad[i] - m[i]);
      v[i] = v[i] * beta2 + (1.0f - beta2) * grad[i] * grad[i];
      const float denominator = std::sqrt(v[i]) / bias_correction2_sqrt + epsilon;
      value[i] += -step_size * (m[i] / denominator);
    }
  });
}

void AdamW::save(const std::filesystem::path& path, const ParameterSet<float>& parameters,
                 std::map<std::string, std::string> metadata) const {
  std::vector<io::RawTensor> tensors;
  size_t index = 0;
  parameters.for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& parameter) {
    const size_t moments = index++;
    if (!parameter.trainable) return;
    // Moments are stored in the parameter's own (training) layout.
    const std::vector<int64_t> shape = {static_cast<int64_t>(parameter.value.size())};
    tensors.push_back({"exp_avg." + tensor.name, io::DType::kF32, shape,
                       std::as_bytes(std::span<const float>(first_moments_[moments]))});
    tensors.push_back({"exp_avg_sq." + tensor.name, io::DType::kF32, shape,
                       std::as_bytes(std::span<const float>(second_moments_[moments]))});
  });
  metadata[kStepsKey] = std::to_string(steps_);
  io::write_safetensors(path, tensors, metadata);
}

std::map<std::string, std::string> AdamW::load(const std::filesystem::path& path,
                                               const ParameterSet<float>& parameters) {
  const io::SafetensorsFile file(path);
  const auto read = [&](const std::string& name, std::vector<float>& out) {
    const io::RawTensor* tensor = file.find(name);
    if (tensor == nullptr || tensor->dtype != io::DType::kF32 ||
        tensor->bytes.size() != out.size() * sizeof(float)) {
      throw Error(path.string() + ": optimizer state " + name +
                  " is missing or does not fit the model (" + std::to_string(out.size()) +
                  " float32 values expected)");
    }
    std::memcpy(out.data(), tensor->bytes.data(), tensor->bytes.size());
  };
  size_t index = 0;
  parameters.for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& parameter) {
    const size_t moments = index++;
    if (!parameter.trainable) return;
    read("exp_avg." + tensor.name, first_moments_[moments]);
    read("exp_avg_sq." + tensor.name, second_moments_[moments]);
  });
  const auto found = file.metadata().find(kStepsKey);
  if (found == file.metadata().end()) throw Error(path.string() + ": no " + kStepsKey + " in its metadata");
  steps_ = std::stoll(found->second);
  return file.metadata();
}

double clip_grad_norm(ParameterSet<float>& parameters, double max_norm) {
  double squares = 0.0;
  // Only what the optimizer applies: a frozen parameter may still have its gradient computed.
  parameters.for_each([&](const io::ExpectedTensor&, const Parameter<float>& parameter) {
    if (!parameter.trainable) return;
    for (const float g : parameter.grad) squares += double{g} * g;
  });
  const double norm = std::sqrt(squares);
  if (max_norm > 0.0) {
    const double coefficient = max_norm / (norm + 1e-6);
    if (coefficient < 1.0) {
      const auto scale = static_cast<float>(coefficient);
      parameters.for_each([&](const io::ExpectedTensor&, Parameter<float>& parameter) {
        if (!parameter.trainable) return;
        for (float& g : parameter.grad) g *= scale;
      });
    }
  }
  return norm;
}

}  // namespace ufb::train
