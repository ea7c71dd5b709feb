// How prescient-replay's subcommands plug into its main(): each registers
// its options on the CLI and returns what to run once parsing succeeded.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace prescient::replay {

struct command {
  CLI::App* sub = nullptr;
  /// Runs the command; returns the process exit code (0 ok, 1 failed, 2 bad input).
  std::function<int()> run;
};

/// `predict`: prequential next-app evaluation on a trace (tools/replay/src/predict_cmd.cpp).
command add_predict_command(CLI::App& app);

/// `forecast`: demand forecasts with intervals for series (tools/replay/src/forecast_cmd.cpp).
command add_forecast_command(CLI::App& app);

/// `allocate`: keep-alive / pre-warm policies on the Azure trace (tools/replay/src/allocate_cmd.cpp).
command add_allocate_command(CLI::App& app);

} // namespace prescient::replay
