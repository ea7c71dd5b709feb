// Placeholder while the forecast command is written; replaced in this change.
#include "command.hpp"

#include <iostream>

namespace prescient::replay {

command add_forecast_command(CLI::App& app) {
  auto* sub = app.add_subcommand("forecast", "(being written)");
  return {sub, [] {
            std::cerr << "prescient-replay: forecast is not available in this build\n";
            return 1;
          }};
}

} // namespace prescient::replay
