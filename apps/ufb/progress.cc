#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace ufb::cli {
namespace {

constexpr int kBarWidth = 30;

std::string format_duration(double seconds) {
  char text[32];
  const auto whole = static_cast<long long>(seconds + 0.5);
  if (whole >= 3600) {
    std::snprintf(text, sizeof(text), "%lldh%02lldm", whole / 3600, whole / 60 % 60);
  } else if (whole >= 60) {
    std::snprintf(text, sizeof(text), "%lldm%02llds", whole / 60, whole % 60);
  } else {
    std::snprintf(text, sizeof(text), "%llds", whole);
  }
  return text;
}

}  // namespace

ProgressBar::ProgressBar(std::string unit, int64_t total, bool enabled, std::string who)
    : unit_(std::move(unit)),
      who_(std::move(who)),
      total_(total),
      draw_bar_(enabled && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::advance(int64_t items, int64_t tokens, const std::string& status) {
  done_ += items;
  tokens_ += tokens;
  const auto now = std::chrono::steady_clock::now();
  if (!draw_bar_ || (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_)) return;
  last_draw_ = now;
  draw(status);
}

void ProgressBar::draw(const std::string& status) {
  const double fraction = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(fraction * kBarWidth);
  const double seconds = elapsed_seconds();
  const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0.0;
  const std::string eta =
      rate > 0 && done_ < total_ ? format_duration(static_cast<double>(total_ - done_) / rate) : "-";
  std::fprintf(stderr, "\r[%s%s] %lld/%lld %s  %.1f %s/s  ETA %s%s%s\033[K",
               std::string(filled, '#').c_str(), std::string(kBarWidth - filled, '.').c_str(),
               static_cast<long long>(done_), static_cast<long long>(total_), unit_.c_str(), rate,
               unit_.c_str(), eta.c_str(), status.empty() ? "" : "  ", status.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  const double seconds = elapsed_seconds();
  if (draw_bar_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s: %lld %s (%lld tokens) in %.2f s: %.1f %s/s, %.0f tokens/s\n",
               who_.c_str(), static_cast<long long>(done_), unit_.c_str(), static_cast<long long>(tokens_),
               seconds, seconds > 0 ? static_cast<double>(done_) / seconds : 0.0, unit_.c_str(),
               seconds > 0 ? static_cast<double>(tokens_) / seconds : 0.0);
}

}  // namespace ufb::cli
