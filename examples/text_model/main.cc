// Fills the mask of a sentence and embeds it with ufb's library API (include/ufb/ufb.h).
//   text_model_example [MODEL_DIR] ["text with [MASK]"]
// Without MODEL_DIR the built-in model answers.

#include <ufb/ufb.h>

#include <iostream>
#include <vector>

int main(int argc, char** argv) {
  try {
    ufb::TextModelOptions options;
    if (argc > 1) options.model_dir = argv[1];
    const ufb::TextModel model(options);
    const std::vector<ufb::TextInput> inputs = {{argc > 2 ? argv[2] : "the [MASK] of the house.", std::nullopt}};
    const std::vector<std::vector<ufb::FilledMask>> filled = model.fill_mask(inputs, 3);
    for (const ufb::FilledMask& mask : filled.front()) {
      for (const auto& prediction : mask.predictions) {
        std::cout << model.token_text(prediction.token_id) << " " << prediction.probability << "\n";
      }
    }
    const auto vectors = model.embed(inputs, ufb::EmbedOptions{});
    std::cout << "embedding width " << vectors.front().front().size() << "\n";
  } catch (const ufb::Error& error) {
    std::cerr << "text_model_example: " << error.what() << "\n";
    return 1;
  }
}
