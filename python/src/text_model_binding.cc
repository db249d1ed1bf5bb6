// ufb._ufb.TextModel: ufb::TextModel (include/ufb/text_model.h) for Python. Arguments are
// converted to C++ values first, then the GIL is released for tokenizing and the model.

#include "bindings.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "numpy_arrays.h"
#include "ufb/error.h"
#include "ufb/model/dump.h"
#include "ufb/text_model.h"

namespace nb = nanobind;

namespace ufb::python {
namespace {

using Texts = std::vector<std::string>;
using Pairs = std::vector<std::optional<std::string>>;  // empty: no input is a pair

std::vector<TextInput> text_inputs(Texts texts, Pairs pairs) {
  if (!pairs.empty() && pairs.size() != texts.size()) {
    throw Error("got " + std::to_string(texts.size()) + " texts but " + std::to_string(pairs.size()) + " second texts");
  }
  std::vector<TextInput> inputs(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    inputs[i].text = std::move(texts[i]);
    if (!pairs.empty()) inputs[i].text_pair = std::move(pairs[i]);
  }
  return inputs;
}

size_t checked_batch_size(int64_t batch_size) {
  if (batch_size < 1) throw Error("batch_size must be at least 1, not " + std::to_string(batch_size));
  return static_cast<size_t>(batch_size);
}

TextModel make_text_model(std::optional<std::string> path, std::string dtype, int threads, int64_t max_length,
                          std::optional<std::string> tokenizer, std::string device) {
  TextModelOptions options;
  if (path) {
    if (path->empty()) throw Error("the model path is empty (None selects the built-in model)");
    options.model_dir = *path;
  }
  if (tokenizer) options.tokenizer_path = *tokenizer;
  options.dtype = std::move(dtype);
  options.device = std::move(device);
  options.threads = threads;
  options.max_length = max_length;
  options.max_length_name = "max_length";
  nb::gil_scoped_release released;
  return TextModel(options);
}

// Pooled: one array [inputs, width]; per token: a list of arrays [tokens, width].
nb::object embed(const TextModel& model, Texts texts, Pairs pairs, std::optional<std::string> pooling,
                 bool per_token, std::optional<bool> normalize, int64_t batch_size) {
  const std::vector<TextInput> inputs = text_inputs(std::move(texts), std::move(pairs));
  EmbedOptions options;
  if (pooling) options.pooling = parse_pooling(*pooling);
  options.per_token = per_token;
  options.normalize = normalize;
  const size_t batch = checked_batch_size(batch_size);
  std::vector<std::vector<std::vector<float>>> vectors;
  std::vector<float> pooled;
  size_t width = 0;
  {
    nb::gil_scoped_release released;
    vectors = model.embed(inputs, options, batch);
    if (!per_token) {
      width = vectors.empty() ? 0 : vectors.front().front().size();
      pooled.reserve(vectors.size() * width);
      for (const auto& input : vectors) pooled.insert(pooled.end(), input.front().begin(), input.front().end());
    }
  }
  if (!per_token) return nb::cast(to_numpy(std::move(pooled), std::vector<size_t>{vectors.size(), width}));
  nb::list arrays;
  for (auto& rows : vectors) {
    const size_t tokens = rows.size();
    const size_t row_width = tokens ? rows.front().size() : 0;
    std::vector<float> flat;
    flat.reserve(tokens * row_width);
    for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
    arrays.append(to_numpy(std::move(flat), std::vector<size_t>{tokens, row_width}));
  }
  return arrays;
}

// [[{"position", "predictions": [{"token", "id", "probability"}]}]] per input, per mask.
nb::list fill_mask(const TextModel& model, Texts texts, int64_t top_k, int64_t batch_size) {
  const std::vector<TextInput> inputs = text_inputs(std::move(texts), {});
  const size_t batch = checked_batch_size(batch_size);
  std::vector<std::vector<FilledMask>> answers;
  {
    nb::gil_scoped_release released;
    answers = model.fill_mask(inputs, top_k, batch);
  }
  nb::list result;
  for (const auto& masks : answers) {
    nb::list per_input;
    for (const FilledMask& mask : masks) {
      nb::list predictions;
      for (const model::TokenPrediction& p : mask.predictions) {
        nb::dict prediction;
        prediction["token"] = model.token_text(p.token_id);
        prediction["id"] = p.token_id;
        prediction["probability"] = p.probability;
        predictions.append(prediction);
      }
      nb::dict entry;
      entry["position"] = mask.position;
      entry["predictions"] = predictions;
      per_input.append(entry);
    }
    result.append(per_input);
  }
  return result;
}

// {"logits": [inputs, labels], "probabilities": [inputs, labels] or None for regression}.
nb::dict classify(const TextModel& model, Texts texts, Pairs pairs, int64_t batch_size) {
  const std::vector<TextInput> inputs = text_inputs(std::move(texts), std::move(pairs));
  const size_t batch = checked_batch_size(batch_size);
  std::vector<ClassScores> answers;
  std::vector<float> logits, probabilities;
  size_t labels = 0;
  {
    nb::gil_scoped_release released;
    answers = model.classify(inputs, batch);
    labels = answers.empty() ? 0 : answers.front().logits.size();
    for (const ClassScores& answer : answers) {
      logits.insert(logits.end(), answer.logits.begin(), answer.logits.end());
      probabilities.insert(probabilities.end(), answer.probabilities.begin(), answer.probabilities.end());
    }
  }
  const bool regression = !answers.empty() && answers.front().probabilities.empty();
  nb::dict result;
  result["logits"] = to_numpy(std::move(logits), std::vector<size_t>{answers.size(), labels});
  if (regression) {
    result["probabilities"] = nb::none();
  } else {
    result["probabilities"] = to_numpy(std::move(probabilities), std::vector<size_t>{answers.size(), labels});
  }
  return result;
}

// Number of code points before each byte offset of `text` (valid UTF-8), one past the end included.
std::vector<size_t> code_points_before(std::string_view text) {
  std::vector<size_t> before(text.size() + 1);
  size_t count = 0;
  for (size_t byte = 0; byte < text.size(); ++byte) {
    before[byte] = count;
    if ((static_cast<unsigned char>(text[byte]) & 0xC0) != 0x80) ++count;
  }
  before[text.size()] = count;
  return before;
}

// Encoding::offsets as `tokenizers`' Python Encoding gives them: in characters (code points) of
// the token's own text, which for a pair the token type tells.
std::vector<std::pair<size_t, size_t>> character_offsets(const tokenizer::Encoding& encoding, const TextInput& input) {
  const std::vector<size_t> first = code_points_before(input.text);
  const std::vector<size_t> second = code_points_before(input.text_pair.value_or(""));
  std::vector<std::pair<size_t, size_t>> offsets;
  offsets.reserve(encoding.size());
  for (size_t i = 0; i < encoding.size(); ++i) {
    const std::vector<size_t>& before = input.is_pair() && encoding.type_ids[i] != 0 ? second : first;
    const auto [start, stop] = encoding.offsets[i];
    offsets.emplace_back(before[start], before[stop]);
  }
  return offsets;
}

// Like `tokenizers`' Python Encoding: ids, type_ids, tokens, offsets (character offsets into the
// token's text; (0, 0) for special tokens and padding), attention_mask.
nb::list tokenize(const TextModel& model, Texts texts, Pairs pairs) {
  const std::vector<TextInput> inputs = text_inputs(std::move(texts), std::move(pairs));
  std::vector<tokenizer::Encoding> encodings;
  std::vector<std::vector<std::pair<size_t, size_t>>> offsets;
  {
    nb::gil_scoped_release released;
    for (size_t i = 0; i < inputs.size(); ++i) {
      encodings.push_back(model.tokenize(inputs[i], i));
      offsets.push_back(character_offsets(encodings.back(), inputs[i]));
    }
  }
  nb::list result;
  for (size_t i = 0; i < encodings.size(); ++i) {
    nb::list token_offsets;
    for (const auto& [start, stop] : offsets[i]) token_offsets.append(nb::make_tuple(start, stop));
    nb::dict encoding;
    encoding["ids"] = encodings[i].ids;
    encoding["type_ids"] = encodings[i].type_ids;
    encoding["tokens"] = encodings[i].tokens;
    encoding["offsets"] = token_offsets;
    encoding["attention_mask"] = encodings[i].attention_mask;
    encoding["truncated"] = encodings[i].truncated;
    result.append(encoding);
  }
  return result;
}

using IdMatrix = nb::ndarray<const int64_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

std::vector<int64_t> matrix_values(const IdMatrix& matrix, const char* name, size_t rows, size_t columns) {
  if (matrix.shape(0) != rows || matrix.shape(1) != columns) {
    throw Error(std::string(name) + " has shape [" + std::to_string(matrix.shape(0)) + ", " +
                std::to_string(matrix.shape(1)) + "], input_ids [" + std::to_string(rows) + ", " +
                std::to_string(columns) + "]");
  }
  return std::vector<int64_t>(matrix.data(), matrix.data() + matrix.size());
}

// `ufb dump`'s arrays by name (model/dump.h).
nb::dict dump(const TextModel& model, IdMatrix input_ids, std::optional<IdMatrix> attention_mask,
              std::optional<IdMatrix> token_type_ids) {
  const size_t rows = input_ids.shape(0), columns = input_ids.shape(1);
  const std::vector<int64_t> ids(input_ids.data(), input_ids.data() + input_ids.size());
  const std::vector<int64_t> mask =
      attention_mask ? matrix_values(*attention_mask, "attention_mask", rows, columns) : std::vector<int64_t>(ids.size(), 1);
  const std::vector<int64_t> types =
      token_type_ids ? matrix_values(*token_type_ids, "token_type_ids", rows, columns) : std::vector<int64_t>();
  std::vector<model::DumpArray> arrays;
  {
    nb::gil_scoped_release released;
    const model::PaddedBatch batch = model::batch_from_mask(ids, mask, static_cast<int64_t>(rows),
                                                            static_cast<int64_t>(columns), model.model().limits(), types);
    arrays = model::dump_model(model.model(), batch);
  }
  nb::dict result;
  for (model::DumpArray& array : arrays) {
    const std::vector<size_t> shape(array.shape.begin(), array.shape.end());
    result[array.name.c_str()] = array.ints.empty() ? nb::cast(to_numpy(std::move(array.floats), shape))
                                                    : nb::cast(to_numpy(std::move(array.ints), shape));
  }
  return result;
}

}  // namespace

void bind_text_model(nb::module_& module) {
  nb::class_<TextModel>(module, "TextModel")
      .def(nb::new_(&make_text_model), nb::arg("path").none() = nb::none(), nb::arg("dtype") = "f32",
           nb::arg("threads") = 0, nb::arg("max_length") = 0, nb::arg("tokenizer").none() = nb::none(),
           nb::arg("device") = "cpu")
      .def("embed", &embed, nb::arg("texts"), nb::arg("pairs"), nb::arg("pooling").none(), nb::arg("per_token"),
           nb::arg("normalize").none(), nb::arg("batch_size"))
      .def("fill_mask", &fill_mask, nb::arg("texts"), nb::arg("top_k"), nb::arg("batch_size"))
      .def("classify", &classify, nb::arg("texts"), nb::arg("pairs"), nb::arg("batch_size"))
      .def("tokenize", &tokenize, nb::arg("texts"), nb::arg("pairs"))
      .def("dump", &dump, nb::arg("input_ids"), nb::arg("attention_mask").none() = nb::none(),
           nb::arg("token_type_ids").none() = nb::none())
      .def_prop_ro("hidden_size", [](const TextModel& model) { return model.model().config().hidden_size; })
      .def_prop_ro("max_length",
                   [](const TextModel& model) { return static_cast<int64_t>(model.tokenizer().truncation()->max_length); })
      .def_prop_ro("labels", [](const TextModel& model) { return model.model().config().labels; })
      .def_prop_ro("normalizes", [](const TextModel& model) {
        return model.embedding_pipeline({}).normalize();
      });
}

}  // namespace ufb::python
