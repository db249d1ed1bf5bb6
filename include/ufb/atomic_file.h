#pragma once

#include <filesystem>
#include <string_view>

namespace ufb {

// Writes `contents` to `path` so that readers see either the old file or the whole new one,
// never a half-written one: it writes a temporary file in the same directory, flushes it to
// disk and renames it over `path`. Throws ufb::Error naming the path on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace ufb
