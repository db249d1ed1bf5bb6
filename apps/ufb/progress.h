#pragma once

// Progress of a long job on stderr: a bar redrawn in place (only when stderr is a terminal,
// at most ~10 times a second) and a closing throughput line.

#include <chrono>
#include <cstdint>
#include <string>

namespace ufb::cli {

class ProgressBar {
 public:
  // `total` items of `unit` ("inputs", "examples", ...). Nothing is drawn when `enabled` is
  // false; finish() still reports the throughput, on a line that starts with `who`.
  ProgressBar(std::string unit, int64_t total, bool enabled, std::string who = "ufb");

  // `items` more done, holding `tokens` tokens; `status` is shown after the counts.
  void advance(int64_t items, int64_t tokens, const std::string& status = "");
  // Clears the bar and prints "N inputs (T tokens) in S s: X inputs/s, Y tokens/s".
  void finish();

 private:
  double elapsed_seconds() const;
  void draw(const std::string& status);

  std::string unit_;
  std::string who_;
  int64_t total_;
  bool draw_bar_;
  int64_t done_ = 0;
  int64_t tokens_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace ufb::cli
