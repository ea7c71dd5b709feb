#include "progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace prescient::load {

progress::progress(bool enabled)
  : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), last_() {
}

void progress::update(double fraction, const std::string& detail, bool force) {
  if (!enabled_)
    return;
  auto now = std::chrono::steady_clock::now();
  auto every = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (!force && now - last_ < every)
    return;
  last_ = now;
  if (fraction < 0)
    fraction = 0;
  if (fraction > 1)
    fraction = 1;
  constexpr int width = 30;
  int filled = static_cast<int>(fraction * width);
  std::string bar(filled, '#');
  bar.append(width - filled, '.');
  std::fprintf(stderr, "%s[%s] %3.0f%%  %s%s", tty_ ? "\r" : "", bar.c_str(),
               fraction * 100, detail.c_str(), tty_ ? "\033[K" : "\n");
  std::fflush(stderr);
}

void progress::finish() {
  if (enabled_ && tty_)
    std::fputc('\n', stderr);
}

} // namespace prescient::load
