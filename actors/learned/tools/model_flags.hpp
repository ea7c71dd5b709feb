#pragma once
// Command-line flags for train_options, shared by the tools.

#include <CLI/CLI.hpp>

#include "prescient/learned/next_app_model.hpp"

namespace prescient::learned::tools {

inline void add_model_flags(CLI::App& app, train_options& o) {
  app.add_option("--embed", o.embed);
  app.add_option("--context-embed", o.context_embed);
  app.add_option("--hidden", o.hidden);
  app.add_option("--window", o.window, "recurrent context");
  app.add_option("--pointer-window", o.pointer_window, "apps the pointer can copy from");
  app.add_option("--batch", o.batch);
  app.add_option("--epochs", o.epochs);
  app.add_option("--lr", o.lr);
  app.add_option("--weight-decay", o.weight_decay);
  app.add_option("--dropout", o.dropout);
  app.add_option("--min-app-count", o.min_app_count);
  app.add_option("--seed", o.seed);
  app.add_option("--max-steps", o.max_steps);
  app.add_option("--time-budget", o.time_budget_s, "seconds");
  app.add_option("--threads", o.threads);
}

} // namespace prescient::learned::tools
