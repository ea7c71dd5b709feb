// A fresh directory for a replay's scratch database, removed with it.
#pragma once

#include <string>

namespace prescient::replay {

class scratch_dir {
public:
  /// Creates a fresh directory under `parent` ("" = TMPDIR).
  explicit scratch_dir(const std::string& parent);
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::string& path() const noexcept { return path_; }

private:
  std::string path_;
};

} // namespace prescient::replay
