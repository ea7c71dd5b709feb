#include "prescient/replay/scratch_dir.hpp"

#include <cstdlib>

#include "prescient/testkit/node_process.hpp"

namespace prescient::replay {

scratch_dir::scratch_dir(const std::string& parent) {
  if (!parent.empty())
    setenv("TMPDIR", parent.c_str(), 1);
  path_ = testkit::make_temp_dir("replay");
}

scratch_dir::~scratch_dir() {
  testkit::remove_tree(path_);
}

} // namespace prescient::replay
