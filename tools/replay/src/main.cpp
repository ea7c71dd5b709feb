// prescient-replay: replays real traces through Prescient in event time and
// measures what its predictions and decisions are worth, side by side with
// simple baselines measured in the same run.
#include <iostream>

#include "command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"prescient-replay — replay traces, measure predictions"};
  app.require_subcommand(1);
  std::vector<prescient::replay::command> commands{
    prescient::replay::add_predict_command(app),
    prescient::replay::add_forecast_command(app),
    prescient::replay::add_allocate_command(app),
  };
  CLI11_PARSE(app, argc, argv);
  for (auto& c : commands)
    if (c.sub->parsed()) {
      try {
        return c.run();
      } catch (const std::exception& e) {
        std::cerr << "prescient-replay: " << e.what() << '\n';
        return 1;
      }
    }
  return 2;
}
