#include "ufb/data/corpus.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "ufb/error.h"

namespace ufb::data {
namespace {

namespace fs = std::filesystem;

bool contains_ignoring_case(std::string_view text, std::string_view upper_fragment) {
  const auto found = std::search(text.begin(), text.end(), upper_fragment.begin(), upper_fragment.end(),
                                 [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; });
  return found != text.end();
}

std::string_view trim_leading_space(std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

// "*** START OF THE PROJECT GUTENBERG EBOOK ..." (also "***START OF THIS ...", "ETEXT").
bool is_marker(std::string_view line, std::string_view what) {
  line = trim_leading_space(line);
  return line.starts_with("***") && contains_ignoring_case(line, what) && contains_ignoring_case(line, "PROJECT GUTENBERG");
}

// Old editions end the book with a plain "End of the Project Gutenberg EBook of ..." line.
bool is_old_end_line(std::string_view line) {
  line = trim_leading_space(line);
  return line.size() >= 6 && contains_ignoring_case(line.substr(0, 6), "END OF") &&
         contains_ignoring_case(line, "PROJECT GUTENBERG");
}

// Calls visit(line, begin, end) for each line from offset `from` on until it returns true;
// returns whether one did.
template <typename Visit>
bool for_each_line(std::string_view text, size_t from, Visit visit) {
  while (from < text.size()) {
    const size_t end = std::min(text.find('\n', from), text.size());
    if (visit(text.substr(from, end - from), from, end)) return true;
    from = end + 1;
  }
  return false;
}

}  // namespace

std::vector<fs::path> list_corpus_files(std::span<const std::string> paths) {
  std::vector<fs::path> files;
  for (const std::string& path : paths) {
    if (fs::is_regular_file(path)) {
      files.emplace_back(path);
    } else if (fs::is_directory(path)) {
      for (const fs::directory_entry& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with(".")) files.push_back(entry.path());
      }
    } else {
      throw Error(path + ": no such file or directory (the corpus)");
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error("the corpus holds no files");
  return files;
}

std::string normalize_line_ends(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      result += text[i];
    } else if (i + 1 >= text.size() || text[i + 1] != '\n') {
      result += '\n';  // a lone CR ends a line too
    }
  }
  return result;
}

std::string_view strip_gutenberg_boilerplate(std::string_view text) {
  size_t body_start = 0;
  const bool has_start = for_each_line(text, 0, [&](std::string_view line, size_t, size_t end) {
    if (!is_marker(line, "START OF")) return false;
    body_start = std::min(end + 1, text.size());
    return true;
  });
  if (!has_start) return text;
  size_t body_end = text.size();
  for_each_line(text, body_start, [&](std::string_view line, size_t begin, size_t) {
    if (!is_marker(line, "END OF") && !is_old_end_line(line)) return false;
    body_end = begin;
    return true;
  });
  return text.substr(body_start, body_end - body_start);
}

std::string clean_document_text(std::string_view text) {
  return std::string(strip_gutenberg_boilerplate(normalize_line_ends(text)));
}

std::string read_corpus_document(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  if (!file || !(contents << file.rdbuf())) {
    if (fs::is_regular_file(path) && fs::file_size(path) == 0) return "";
    throw Error(path.string() + ": cannot read the corpus file");
  }
  return clean_document_text(contents.str());
}

}  // namespace ufb::data
