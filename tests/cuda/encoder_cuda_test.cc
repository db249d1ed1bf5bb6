// The encoder on the GPU (--device cuda) against the CPU: its kernels on random inputs of awkward
// sizes against the CPU ops, then whole test models through `ufb dump`'s arrays (f32: every
// state within 1e-4 of its scale and every FFF path identical; bf16: final states within 5e-2),
// every activation a dense layer may have among them.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cuda/attention.h"
#include "cuda/layer_norm.h"
#include "model/goldens.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/error.h"
#include "ufb/model/dump.h"
#include "ufb/model/model.h"
#include "ufb/ops/attention.h"
#include "ufb/ops/compare.h"
#include "ufb/ops/weight_type.h"

namespace ufb {
namespace {

std::vector<float> random_values(size_t count, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> values(count);
  for (float& value : values) value = normal(rng);
  return values;
}

template <typename T>
std::vector<T> downloaded(const cuda::DeviceBuffer<T>& buffer) {
  std::vector<T> host(buffer.size());
  buffer.download(host);
  return host;
}

TEST(CudaAttention, MatchesTheCpuOnAwkwardSizesWithPadding) {
  std::mt19937 rng(7);
  // Sequences of 1 to 70 rows, some with padding keys, packed one after another.
  const std::vector<ops::AttentionSequence> sequences = {{0, 1, 1}, {1, 5, 3}, {6, 40, 40}, {46, 70, 33}};
  const int64_t rows = 116;
  for (const int64_t head_dim : {1, 7, 32, 33, 64, 100, 128}) {
    for (const int64_t heads : {1, 3}) {
      SCOPED_TRACE("head_dim " + std::to_string(head_dim) + " heads " + std::to_string(heads));
      const ops::AttentionShape shape{heads, head_dim};
      const std::vector<float> qkv = random_values(rows * 3 * shape.hidden(), rng);
      const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
      std::vector<float> expected(rows * shape.hidden());
      ops::self_attention(qkv, shape, scale, sequences, expected);
      const cuda::DeviceBuffer<float> qkv_device{std::span<const float>(qkv)};
      const cuda::DeviceBuffer<ops::AttentionSequence> sequences_device{
          std::span<const ops::AttentionSequence>(sequences)};
      cuda::DeviceBuffer<float> context(expected.size());
      cuda::self_attention(qkv_device.data(), shape, scale, sequences_device.data(),
                           static_cast<int64_t>(sequences.size()), 70, context.data(), nullptr);
      EXPECT_LE(ops::relative_error(downloaded(context), expected), 1e-5);
    }
  }
}

TEST(CudaAttention, RefusesHeadsItCannotHold) {
  EXPECT_THROW(cuda::self_attention(nullptr, {2, 129}, 1.0f, nullptr, 1, 1, nullptr, nullptr), Error);
}

TEST(CudaLayerNorm, MatchesTheCpuInPlaceAndNot) {
  std::mt19937 rng(8);
  for (const int64_t width : {1, 7, 33, 768, 1000}) {
    for (const int64_t rows : {1, 5, 33}) {
      SCOPED_TRACE("width " + std::to_string(width) + " rows " + std::to_string(rows));
      const std::vector<float> x = random_values(rows * width, rng, 3.0f);
      const std::vector<float> weight = random_values(width, rng);
      const std::vector<float> bias = random_values(width, rng);
      std::vector<float> expected(x.size());
      ops::layer_norm(x, rows, weight, bias, 1e-12, expected);
      const cuda::DeviceBuffer<float> weight_device{std::span<const float>(weight)};
      const cuda::DeviceBuffer<float> bias_device{std::span<const float>(bias)};
      cuda::DeviceBuffer<float> values{std::span<const float>(x)};
      cuda::DeviceBuffer<float> y(x.size());
      cuda::layer_norm(values.data(), rows, width, weight_device.data(), bias_device.data(), 1e-12, y.data(), nullptr);
      EXPECT_LE(ops::relative_error(downloaded(y), expected), 1e-5);
      cuda::layer_norm(values.data(), rows, width, weight_device.data(), bias_device.data(), 1e-12, values.data(),
                       nullptr);
      EXPECT_LE(ops::relative_error(downloaded(values), expected), 1e-5);
    }
  }
}

TEST(CudaLinear, MatchesTheCpuInBothPrecisionsAndOutputModes) {
  std::mt19937 rng(9);
  const Device gpu{Device::Kind::cuda, 0};
  for (const int64_t in : {1, 7, 100}) {
    for (const int64_t out : {1, 33, 130}) {
      for (const bool with_bias : {false, true}) {
        const std::vector<float> weight = random_values(in * out, rng);
        const std::vector<float> bias = with_bias ? random_values(out, rng) : std::vector<float>();
        for (const ops::WeightType precision : {ops::WeightType::f32, ops::WeightType::bf16}) {
          const bool bf16 = precision == ops::WeightType::bf16;
          for (const int64_t rows : {1, 5, 70}) {
            for (const ops::LinearOutput output : {ops::LinearOutput::overwrite, ops::LinearOutput::accumulate}) {
              const auto layer = ops::make_prepared_linear({in, out, weight, bias}, output, precision, gpu);
              ASSERT_EQ(layer->device(), gpu);
              SCOPED_TRACE("in " + std::to_string(in) + " out " + std::to_string(out) + " bias " +
                           std::to_string(with_bias) + " " + std::string(ops::to_string(precision)) + " rows " +
                           std::to_string(rows) + (output == ops::LinearOutput::accumulate ? " accumulate" : ""));
              const std::vector<float> x = random_values(rows * in, rng);
              const std::vector<float> y0 = random_values(rows * out, rng);
              // bf16 rounds the weights and the input, then sums in float32.
              std::vector<float> rounded_x = x;
              std::vector<float> rounded_weight = weight;
              if (bf16) {
                for (float& value : rounded_x) value = ops::round_to_bf16(value);
                for (float& value : rounded_weight) value = ops::round_to_bf16(value);
              }
              std::vector<float> expected = y0;
              ops::linear({in, out, rounded_weight, bias}, rounded_x, rows, expected, output);
              const cuda::DeviceBuffer<float> x_device{std::span<const float>(x)};
              cuda::DeviceBuffer<float> y{std::span<const float>(y0)};
              layer->forward({x_device.data(), x.size()}, rows, {y.data(), y0.size()});
              EXPECT_LE(ops::relative_error(downloaded(y), expected), 1e-5);
            }
          }
        }
      }
    }
  }
}

// A test model (tests/data/<name>) on the CPU and the GPU.
class CudaEncoderModels : public ::testing::TestWithParam<std::string> {
 protected:
  std::filesystem::path directory() const { return testing::test_data(GetParam()); }

  model::PaddedBatch batch(const model::Model& model) const {
    const testing::Goldens goldens(directory() / "goldens.safetensors");
    const std::vector<model::TokenIds> types =
        goldens.has("token_type_ids") ? goldens.token_types() : std::vector<model::TokenIds>();
    return model::pad_batch(goldens.sequences(), model.limits(), types);
  }

  static model::ModelOptions on_gpu(ops::WeightType dtype) {
    return {.dtype = dtype, .device = {Device::Kind::cuda, 0}};
  }
};

TEST_P(CudaEncoderModels, F32DumpMatchesTheCpuWithIdenticalFffPaths) {
  const model::Model cpu(directory());
  const model::Model gpu(directory(), on_gpu(ops::WeightType::f32));
  const model::PaddedBatch padded = batch(cpu);
  const std::vector<model::DumpArray> expected = model::dump_model(cpu, padded);
  const std::vector<model::DumpArray> actual = model::dump_model(gpu, padded);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].name);
    ASSERT_EQ(actual[i].name, expected[i].name);
    EXPECT_EQ(actual[i].shape, expected[i].shape);
    EXPECT_EQ(actual[i].ints, expected[i].ints);  // the FFF leaves fix every path
    if (!expected[i].floats.empty()) {
      EXPECT_LE(ops::relative_error(actual[i].floats, expected[i].floats), 1e-4);
    }
  }
}

TEST_P(CudaEncoderModels, Bf16FinalStatesStayCloseToTheCpuF32) {
  const model::Model cpu(directory());
  const model::Model gpu(directory(), on_gpu(ops::WeightType::bf16));
  const model::PaddedBatch padded = batch(cpu);
  const model::HiddenStates expected = cpu.encoder().forward(padded, model::PaddingRows::skip);
  const model::HiddenStates actual = gpu.encoder().forward(padded, model::PaddingRows::skip);
  EXPECT_LE(ops::relative_error(actual.values, expected.values), 5e-2);
}

TEST_P(CudaEncoderModels, ConcurrentCallersGetTheirOwnAnswers) {
  const model::Model gpu(directory(), on_gpu(ops::WeightType::f32));
  const model::PaddedBatch padded = batch(gpu);
  const std::vector<float> alone = gpu.encoder().forward(padded, model::PaddingRows::skip).values;
  std::vector<std::vector<float>> answers(4);
  std::vector<std::thread> callers;
  for (std::vector<float>& answer : answers) {
    callers.emplace_back([&] { answer = gpu.encoder().forward(padded, model::PaddingRows::skip).values; });
  }
  for (std::thread& caller : callers) caller.join();
  for (const std::vector<float>& answer : answers) EXPECT_EQ(answer, alone);
}

INSTANTIATE_TEST_SUITE_P(TestModels, CudaEncoderModels,
                         ::testing::Values("model/fff_mlm", "model/dense_mlm", "model/fff_learned_mlm",
                                           "model/fff_cls_avg", "bert/mlm_gelu", "bert/fff_base",
                                           "bert/cls_multi_label", "bert/base_gelu_new", "bert/cls_single_relu"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) c = c == '/' ? '_' : c;
                           return name;
                         });

// The message of the error loading `name` on `device` with `dtype` raises ("" if none).
std::string load_error(const std::string& name, ops::WeightType dtype, Device device) {
  try {
    model::Model(testing::test_data(name), {.dtype = dtype, .device = device});
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(CudaEncoderErrors, RefusesInt8AndMissingGpus) {
  const Device gpu{Device::Kind::cuda, 0};
  EXPECT_NE(load_error("model/fff_mlm", ops::WeightType::int8, gpu).find("f32 or bf16, not int8"), std::string::npos);
  EXPECT_NE(load_error("model/fff_mlm", ops::WeightType::f32, {Device::Kind::cuda, 1000}).find("numbered from 0"),
            std::string::npos);
}

}  // namespace
}  // namespace ufb
