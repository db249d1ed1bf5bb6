#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ufb/error.h"

namespace ufb::train {

// The bytes of a file; throws ufb::Error naming it when it cannot be read.
inline std::string read_file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) throw Error("cannot read " + path.string());
  return text.str();
}

}  // namespace ufb::train
