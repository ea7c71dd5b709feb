// Placeholder while the predict command is written; replaced in this change.
#include "command.hpp"

#include <iostream>

namespace prescient::replay {

command add_predict_command(CLI::App& app) {
  auto* sub = app.add_subcommand("predict", "(being written)");
  return {sub, [] {
            std::cerr << "prescient-replay: predict is not available in this build\n";
            return 1;
          }};
}

} // namespace prescient::replay
