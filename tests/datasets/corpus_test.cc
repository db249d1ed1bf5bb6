#include "ufb/data/corpus.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tokenizer/error_message.h"

namespace ufb::data {
namespace {

const std::filesystem::path kData = std::filesystem::path(UFB_TEST_DATA_DIR);

TEST(CorpusTest, LineEndsAndByteOrderMark) {
  EXPECT_EQ(normalize_line_ends("\xEF\xBB\xBFone\r\ntwo\rthree\n\r\n"), "one\ntwo\nthree\n\n");
  EXPECT_EQ(normalize_line_ends("a\r"), "a\n");
  EXPECT_EQ(normalize_line_ends("no\xEF\xBB\xBF mark"), "no\xEF\xBB\xBF mark");  // only a leading one is a BOM
}

TEST(CorpusTest, GutenbergHeaderAndFooterAreStripped) {
  EXPECT_EQ(strip_gutenberg_boilerplate("licence\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nbody\nmore\n"
                                        "*** END OF THE PROJECT GUTENBERG EBOOK X ***\nlicence\n"),
            "body\nmore\n");
  EXPECT_EQ(strip_gutenberg_boilerplate("h\n***START OF THIS PROJECT GUTENBERG EBOOK Y***\nbody\n"
                                        "            *** end of this project gutenberg ebook y ***\n"),
            "body\n");
  EXPECT_EQ(strip_gutenberg_boilerplate("h\n*** START OF THE PROJECT GUTENBERG ETEXT OF Z ***\nbody\n"
                                        "End of The Project Gutenberg Etext of Z\nlicence\n"),
            "body\n");
  EXPECT_EQ(strip_gutenberg_boilerplate("no markers\nat all\n"), "no markers\nat all\n");
  EXPECT_EQ(strip_gutenberg_boilerplate("*** START OF THE PROJECT GUTENBERG EBOOK ***\nno end"), "no end");
  // A sentence that merely mentions a start is text.
  EXPECT_EQ(strip_gutenberg_boilerplate("he gave a start of surprise\n"), "he gave a start of surprise\n");
}

TEST(CorpusTest, ReadsACleanedDocument) {
  const std::string text = read_corpus_document(kData / "tokenizer_train" / "alice_excerpt.txt");
  EXPECT_TRUE(text.substr(text.find_first_not_of('\n')).starts_with("ALICE\xE2\x80\x99S ADVENTURES IN WONDERLAND\n\nLewis Carroll"))
      << text.substr(0, 80);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find("GUTENBERG"), std::string::npos);
  EXPECT_EQ(text.find("Licence"), std::string::npos);
}

TEST(CorpusTest, ListsFilesSortedAndRejectsMissingPaths) {
  const std::vector<std::string> paths = {(kData / "glue" / "MNLI").string(), (kData / "glue" / "CoLA" / "dev.tsv").string()};
  const auto files = list_corpus_files(paths);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].filename(), "dev.tsv");
  EXPECT_EQ(files[1].filename(), "dev_matched.tsv");
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
  EXPECT_ERROR_CONTAINS(list_corpus_files(std::vector<std::string>{"/nonexistent/books"}),
                        "/nonexistent/books: no such file or directory (the corpus)");
  EXPECT_ERROR_CONTAINS(list_corpus_files(std::vector<std::string>{}), "the corpus holds no files");
}

}  // namespace
}  // namespace ufb::data
