#include <gtest/gtest.h>

#include <cmath>

#include "model/goldens.h"
#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/train/adamw.h"
#include "ufb/train/lr_schedule.h"

namespace ufb::train {
namespace {

// A real parameter set (a tiny model's) whose values and gradients the tests overwrite.
ParameterSet<float> tiny_parameters() {
  const io::ModelConfig config = io::read_model_config(testing::model_data("fff_mlm/config.json"));
  return ParameterSet<float>::initialized(config, io::ModelHead::kMaskedLm, 0, 0.02, 1);
}

TEST(AdamW, MatchesHandComputedSteps) {
  ParameterSet<float> parameters = tiny_parameters();
  Parameter<float>& weight = parameters.get("encoder.layers.0.attn.dense.weight");  // decayed
  Parameter<float>& bias = parameters.get("encoder.layers.0.ffn.linear_in.bias");   // not decayed
  ASSERT_TRUE(weight.weight_decay);
  ASSERT_FALSE(bias.weight_decay);
  weight.value[0] = 0.5f;
  bias.value[0] = -0.25f;
  const AdamWOptions options{0.9, 0.98, 1e-8, 0.1};
  AdamW optimizer(parameters, options);
  const double lr = 0.01;
  const double grads[2] = {0.3, -0.6};
  double w = 0.5, b = -0.25, m_w = 0, v_w = 0, m_b = 0, v_b = 0;
  for (int t = 1; t <= 2; ++t) {
    parameters.zero_grads();
    weight.grad[0] = static_cast<float>(grads[t - 1]);
    bias.grad[0] = static_cast<float>(-grads[t - 1]);
    optimizer.step(parameters, lr);
    const auto update = [&](double& p, double& m, double& v, double g, double decay) {
      p *= 1 - lr * decay;
      m = 0.9 * m + 0.1 * g;
      v = 0.98 * v + 0.02 * g * g;
      const double m_hat = m / (1 - std::pow(0.9, t));
      const double v_hat = v / (1 - std::pow(0.98, t));
      p -= lr * m_hat / (std::sqrt(v_hat) + 1e-8);
    };
    update(w, m_w, v_w, grads[t - 1], 0.1);
    update(b, m_b, v_b, -grads[t - 1], 0.0);
    EXPECT_NEAR(weight.value[0], w, 1e-6) << "step " << t;
    EXPECT_NEAR(bias.value[0], b, 1e-6) << "step " << t;
  }
  EXPECT_EQ(optimizer.steps_taken(), 2);
  // norm_factor is a fixed buffer: never updated.
  EXPECT_FLOAT_EQ(parameters.get("encoder.layers.0.attn.self_attention.norm_factor").value[0],
                  1.0f / std::sqrt(8.0f));
}

TEST(AdamW, StateRoundTripsThroughAFile) {
  ParameterSet<float> parameters = tiny_parameters();
  parameters.for_each([](const io::ExpectedTensor&, Parameter<float>& parameter) {
    for (size_t i = 0; i < parameter.grad.size(); ++i) parameter.grad[i] = std::sin(float(i));
  });
  AdamW optimizer(parameters, {});
  optimizer.step(parameters, 1e-3);
  const auto path = std::filesystem::path(::testing::TempDir()) / "adamw_state.safetensors";
  optimizer.save(path, parameters, {{"note", "x"}});
  AdamW restored(parameters, {});
  EXPECT_EQ(restored.load(path, parameters).at("note"), "x");
  EXPECT_EQ(restored.steps_taken(), 1);
  // Both take the same next step.
  ParameterSet<float> copy = parameters;
  optimizer.step(parameters, 1e-3);
  restored.step(copy, 1e-3);
  parameters.for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& parameter) {
    EXPECT_EQ(parameter.value, copy.get(tensor.name).value) << tensor.name;
  });
}

TEST(ClipGradNorm, ScalesToTheMaximumNorm) {
  ParameterSet<float> parameters = tiny_parameters();
  parameters.zero_grads();
  parameters.get("encoder.final_norm.bias").grad[0] = 3.0f;
  parameters.get("encoder.final_norm.weight").grad[1] = 4.0f;
  EXPECT_NEAR(clip_grad_norm(parameters, 1.0), 5.0, 1e-12);
  EXPECT_NEAR(parameters.get("encoder.final_norm.bias").grad[0], 0.6, 1e-6);
  EXPECT_NEAR(clip_grad_norm(parameters, 10.0), 1.0, 1e-6);  // below the maximum: unchanged
  EXPECT_NEAR(parameters.get("encoder.final_norm.weight").grad[1], 0.8, 1e-6);
}

TEST(LrSchedule, WarmsUpThenDecaysLinearly) {
  const LrSchedule triangle{ScheduleKind::linear, 1e-3, 0.5};
  EXPECT_DOUBLE_EQ(triangle.at(0.0), 0.0);
  EXPECT_DOUBLE_EQ(triangle.at(0.25), 0.5e-3);
  EXPECT_DOUBLE_EQ(triangle.at(0.5), 1e-3);
  EXPECT_DOUBLE_EQ(triangle.at(0.75), 0.5e-3);
  EXPECT_DOUBLE_EQ(triangle.at(1.0), 0.0);
  EXPECT_DOUBLE_EQ(triangle.at(2.0), 0.0);
  const LrSchedule decay{ScheduleKind::linear, 2e-3, 0.0};
  EXPECT_DOUBLE_EQ(decay.at(0.0), 2e-3);
  EXPECT_DOUBLE_EQ(decay.at(0.5), 1e-3);
  const LrSchedule constant{ScheduleKind::constant, 1e-3, 0.1};
  EXPECT_DOUBLE_EQ(constant.at(0.05), 0.5e-3);
  EXPECT_DOUBLE_EQ(constant.at(0.9), 1e-3);
}

TEST(LrSchedule, RejectsUnknownKind) {
  EXPECT_EQ(tokenizer::error_of([&] { parse_schedule_kind("cosine"); }),
            "unknown learning-rate schedule 'cosine' (expected constant or linear)");
}

}  // namespace
}  // namespace ufb::train
