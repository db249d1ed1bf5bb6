#include "ufb/io/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/io_test_util.h"
#include "ufb/io/tensor_table.h"

namespace ufb::io {
namespace {

using nlohmann::json;
using testing::error_message;
using testing::fixture;

json fixture_config(const std::string& model) {
  const std::vector<std::byte> bytes = testing::read_bytes(fixture(model + "/config.json"));
  return json::parse(reinterpret_cast<const char*>(bytes.data()),
                     reinterpret_cast<const char*>(bytes.data()) + bytes.size());
}

// The error parse_model_config gives for the fff_mlm config with `pointer` set to `value`
// (or removed, for a discarded value).
std::string error_for(const std::string& pointer, const json& value) {
  json config = fixture_config("fff_mlm");
  if (value.is_discarded()) {
    const json::json_pointer path(pointer);
    config[path.parent_pointer()].erase(path.back());
  } else {
    config[json::json_pointer(pointer)] = value;
  }
  return error_message([&] { parse_model_config(config.dump(), "config.json"); });
}

TEST(ModelConfig, ParsesFffFixture) {
  const ModelConfig config = read_model_config(fixture("fff_mlm/config.json"));
  EXPECT_EQ(config.num_transformer_layers, 2);
  EXPECT_EQ(config.hidden_size, 8);
  EXPECT_EQ(config.intermed_type, FeedforwardKind::kFastFeedforward);
  EXPECT_EQ(config.intermed_size, 2);
  EXPECT_EQ(config.intermed_depth, 2);
  EXPECT_EQ(config.fff_nodes_per_tree(), 7);
  EXPECT_EQ(config.feedforward_width(), 14);
  EXPECT_DOUBLE_EQ(config.norm_eps, 1e-12);
  EXPECT_TRUE(config.tie_weights);
  EXPECT_TRUE(config.final_norm);
  EXPECT_EQ(config.embedding.vocab_size, 30);
  EXPECT_EQ(config.embedding.pos_embedding, PositionEmbedding::kScaledSinusoidal);
  EXPECT_EQ(config.embedding.max_seq_length, 16);
  EXPECT_EQ(config.embedding.embedding_dim, 8);
  EXPECT_TRUE(config.embedding.normalization);
  EXPECT_EQ(config.embedding.pad_token_id, 0);
  EXPECT_EQ(config.attention.num_attention_heads, 2);
  EXPECT_EQ(config.classification_head.pooler, Pooler::kAverage);
  EXPECT_EQ(config.classification_head.head_dim, 6);
  EXPECT_FALSE(config.num_labels.has_value());
}

TEST(ModelConfig, ParsesDenseAndClassifierFixtures) {
  const ModelConfig dense = read_model_config(fixture("dense_mlm/config.json"));
  EXPECT_EQ(dense.intermed_type, FeedforwardKind::kDense);
  EXPECT_EQ(dense.feedforward_width(), 16);
  EXPECT_EQ(dense.embedding.pos_embedding, PositionEmbedding::kLearned);
  const ModelConfig classifier = read_model_config(fixture("fff_cls/config.json"));
  EXPECT_EQ(classifier.classification_head.pooler, Pooler::kZeroIndex);
  EXPECT_EQ(classifier.num_labels, 3);
}

TEST(ModelConfig, MissingIntermedTypeIsDenseAsInCramming) {
  json config = fixture_config("dense_mlm");
  config["arch"].erase("intermed_type");
  EXPECT_EQ(parse_model_config(config.dump(), "config.json").intermed_type,
            FeedforwardKind::kDense);
}

TEST(ModelConfig, AcceptsNormEpsWrittenAsText) {
  json config = fixture_config("fff_mlm");
  config["arch"]["norm_eps"] = "1e-12";
  EXPECT_DOUBLE_EQ(parse_model_config(config.dump(), "config.json").norm_eps, 1e-12);
}

// The fff_mlm config with `pointer` set to `value` (removed, for kRemoved) must be refused with
// `message`.
struct BadConfigCase {
  std::string pointer;
  json value;
  std::string message;
};
const json kRemoved = json::value_t::discarded;

void expect_refused(const std::vector<BadConfigCase>& cases) {
  for (const BadConfigCase& c : cases) {
    EXPECT_EQ(error_for(c.pointer, c.value), c.message) << c.pointer;
  }
}

TEST(ModelConfig, RefusesUnsupportedValuesNamingKeyAndValue) {
  expect_refused({
      {"/arch/attention/causal_attention", true,
       "config.json: arch.attention.causal_attention is true, only false is supported"},
      {"/arch/attention/rotary_embedding", true,
       "config.json: arch.attention.rotary_embedding is true, only false is supported"},
      {"/arch/attention/qkv_bias", true,
       "config.json: arch.attention.qkv_bias is true, only false is supported"},
      {"/arch/attention/skip_output_projection", true,
       "config.json: arch.attention.skip_output_projection is true, only false is supported"},
      {"/arch/attention/type", "pytorch",
       "config.json: arch.attention.type is \"pytorch\", only \"self-attention\" is supported"},
      {"/arch/norm", "RMSNorm",
       "config.json: arch.norm is \"RMSNorm\", only \"LayerNorm\" is supported"},
      {"/arch/norm_scheme", "post",
       "config.json: arch.norm_scheme is \"post\", only \"pre\" is supported"},
      {"/arch/nonlin", "GELUglu",
       "config.json: arch.nonlin is \"GELUglu\", only \"GELU\" is supported"},
      {"/arch/use_bias", true, "config.json: arch.use_bias is true, only false is supported"},
      {"/arch/decoder_bias", true,
       "config.json: arch.decoder_bias is true, only false is supported"},
      {"/arch/skip_head_transform", false,
       "config.json: arch.skip_head_transform is false, only true is supported"},
      {"/arch/intermed_type", "moe",
       "config.json: arch.intermed_type is \"moe\", only \"fff\" or \"ff\" is supported"},
      {"/arch/objective_layout", "SCRIPT",
       "config.json: arch.objective_layout is \"SCRIPT\", only \"MLM\" is supported"},
      {"/arch/ffn_layer_frequency", 2,
       "config.json: arch.ffn_layer_frequency is 2, only 1 is supported"},
      {"/arch/embedding/pos_embedding", "rotary",
       "config.json: arch.embedding.pos_embedding is \"rotary\", only \"scaled-sinusoidal\" or "
       "\"learned\" is supported"},
      {"/arch/classification_head/pooler", "lse",
       "config.json: arch.classification_head.pooler is \"lse\", only \"avg\" or \"zero_index\" "
       "is supported"},
      {"/arch/classification_head/nonlin", "ReLU",
       "config.json: arch.classification_head.nonlin is \"ReLU\", only \"Tanh\" is supported"},
      {"/arch/classification_head/include_ff_layer", false,
       "config.json: arch.classification_head.include_ff_layer is false, only true is "
       "supported"},
      {"/model_type", "roberta",
       "config.json: model_type is \"roberta\", only \"crammedBERT\" or \"bert\" is supported"},
  });
}

TEST(ModelConfig, RefusesMissingAndMistypedKeys) {
  expect_refused({
      {"/arch/hidden_size", kRemoved, "config.json: arch.hidden_size is missing"},
      {"/arch/intermed_depth", kRemoved, "config.json: arch.intermed_depth is missing"},
      {"/arch/embedding/vocab_size", kRemoved, "config.json: arch.embedding.vocab_size is missing"},
      {"/arch/attention", kRemoved, "config.json: arch.attention is missing"},
      {"/arch", kRemoved, "config.json: arch is missing"},
      {"/arch/hidden_size", "768",
       "config.json: arch.hidden_size is \"768\", expected an integer from 1 to 2147483648"},
      {"/arch/hidden_size", 0,
       "config.json: arch.hidden_size is 0, expected an integer from 1 to 2147483648"},
      {"/arch/intermed_depth", 40,
       "config.json: arch.intermed_depth is 40, expected an integer from 0 to 29"},
      {"/arch/tie_weights", 1, "config.json: arch.tie_weights is 1, expected true or false"},
      {"/arch/norm_eps", "tiny",
       "config.json: arch.norm_eps is \"tiny\", expected a positive number"},
      {"/arch/norm_eps", -1.0, "config.json: arch.norm_eps is -1.0, expected a positive number"},
      {"/arch/embedding", 5, "config.json: arch.embedding is 5, expected an object"},
      {"/arch/embedding/embedding_dim", 16,
       "config.json: arch.embedding.embedding_dim is 16, expected an integer from 8 to 8"},
      {"/arch/embedding/pad_token_id", 30,
       "config.json: arch.embedding.pad_token_id is 30, expected an integer from 0 to 29"},
      {"/arch/attention/num_attention_heads", 3,
       "config.json: arch.attention.num_attention_heads is 3, expected a divisor of "
       "arch.hidden_size 8"},
  });
}

TEST(ModelConfig, RefusesInvalidJson) {
  const std::string message =
      error_message([] { parse_model_config("{\"arch\": {", "config.json"); });
  EXPECT_EQ(message.rfind("config.json: invalid JSON: ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(error_message([] { parse_model_config("[1]", "config.json"); }),
            "config.json: the document is [1], expected an object");
  EXPECT_EQ(error_message([] { read_model_config("/nonexistent/config.json"); }),
            "/nonexistent/config.json: cannot open: No such file or directory");
}

std::vector<std::string> names(const std::vector<ExpectedTensor>& table) {
  std::vector<std::string> result;
  for (const ExpectedTensor& tensor : table) result.push_back(tensor.name);
  return result;
}

TEST(TensorTable, FffMaskedLm) {
  const ModelConfig config = read_model_config(fixture("fff_mlm/config.json"));
  const std::vector<ExpectedTensor> table = expected_tensors(config, ModelHead::kMaskedLm, 0, false);
  ASSERT_EQ(table.size(), 4u + 2 * 10 + 3);
  EXPECT_EQ(table[0].name, "encoder.embedding.word_embedding.weight");
  EXPECT_EQ(table[0].shape, (std::vector<std::int64_t>{30, 8}));
  EXPECT_EQ(table[1].name, "encoder.embedding.pos_embedding.scale_factor");
  EXPECT_EQ(table[1].shape, (std::vector<std::int64_t>{1}));
  const std::vector<std::string> all = names(table);
  const std::vector<std::string> layer1(all.begin() + 14, all.begin() + 24);
  EXPECT_EQ(layer1,
            (std::vector<std::string>{
                "encoder.layers.1.norm1.weight", "encoder.layers.1.norm1.bias",
                "encoder.layers.1.norm2.weight", "encoder.layers.1.norm2.bias",
                "encoder.layers.1.attn.self_attention.query_key_value.weight",
                "encoder.layers.1.attn.self_attention.norm_factor",
                "encoder.layers.1.attn.dense.weight", "encoder.layers.1.ffn.linear_in.weight",
                "encoder.layers.1.ffn.linear_in.bias", "encoder.layers.1.ffn.linear_out.weight"}));
  EXPECT_EQ(table[18].shape, (std::vector<std::int64_t>{24, 8}));  // query_key_value
  EXPECT_TRUE(table[19].shape.empty());                            // norm_factor
  EXPECT_EQ(table[21].shape, (std::vector<std::int64_t>{14, 8}));  // linear_in.weight: T·M = 2·7
  EXPECT_EQ(table[22].shape, (std::vector<std::int64_t>{14}));
  EXPECT_EQ(table[23].shape, (std::vector<std::int64_t>{8, 14}));
  EXPECT_EQ(table.back().name, "decoder.weight");
  EXPECT_EQ(table.back().shape, (std::vector<std::int64_t>{30, 8}));
}

TEST(TensorTable, DenseClassifierWithLearnedPositions) {
  ModelConfig config = read_model_config(fixture("dense_mlm/config.json"));
  config.final_norm = false;
  config.embedding.normalization = false;
  const std::vector<ExpectedTensor> table = expected_tensors(config, ModelHead::kClassification, 5, true);
  EXPECT_EQ(table[1].name, "encoder.embedding.pos_embedding.embedding.weight");
  EXPECT_EQ(table[1].shape, (std::vector<std::int64_t>{16, 8}));
  EXPECT_EQ(table[2].name, "encoder.layers.0.norm1.weight");  // no embedding norm
  EXPECT_EQ(table[9].name, "encoder.layers.0.ffn.dense_in.weight");
  EXPECT_EQ(table[9].shape, (std::vector<std::int64_t>{16, 8}));
  EXPECT_EQ(table[10].name, "encoder.layers.0.ffn.dense_out.weight");
  EXPECT_EQ(table[10].shape, (std::vector<std::int64_t>{8, 16}));
  const std::vector<std::string> all = names(table);
  const std::vector<std::string> tail(all.end() - 4, all.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"pooler.dense.weight", "pooler.dense.bias",
                                            "head.weight", "head.bias"}));
  EXPECT_EQ(table[table.size() - 4].shape, (std::vector<std::int64_t>{6, 8}));
  EXPECT_EQ(table[table.size() - 2].shape, (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(table.size(), 2u + 2 * 9 + 4);
}

}  // namespace
}  // namespace ufb::io
