#pragma once

// Plain-text training corpora: which files a corpus argument names, and each document's text
// cleaned of what is not the text itself (byte-order mark, CR of CRLF line ends, the Project
// Gutenberg licence header and footer).

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ufb::data {

// The files of `paths`: a file stands for itself, a directory for every regular file under it
// whose name does not start with '.', sorted by path (so runs see documents in a fixed order).
// Throws ufb::Error for a path that does not exist or a corpus without files.
std::vector<std::filesystem::path> list_corpus_files(std::span<const std::string> paths);

// `text` without a leading UTF-8 byte-order mark, with CRLF (and lone CR) line ends as LF.
std::string normalize_line_ends(std::string_view text);

// The book between a Project Gutenberg "*** START OF ..." line and the "*** END OF ..." line
// (or the older "End of the Project Gutenberg ..." line); the whole text when it has no start
// marker. Expects LF line ends.
std::string_view strip_gutenberg_boilerplate(std::string_view text);

// Both of the above: a document ready for tokenization.
std::string clean_document_text(std::string_view text);

// The cleaned text of one corpus file. Throws ufb::Error naming the file when it cannot be read.
std::string read_corpus_document(const std::filesystem::path& path);

}  // namespace ufb::data
