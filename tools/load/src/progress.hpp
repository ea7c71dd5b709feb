// A one-line progress display: redrawn in place on a terminal, a plain line
// every few seconds otherwise (so CI logs stay readable).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace prescient::load {

class progress {
public:
  explicit progress(bool enabled);
  /// `fraction` in [0, 1]; `detail` follows the bar.
  void update(double fraction, const std::string& detail, bool force = false);
  void finish();

private:
  bool enabled_;
  bool tty_;
  std::chrono::steady_clock::time_point last_;
};

} // namespace prescient::load
