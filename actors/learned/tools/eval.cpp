// prescient-learned-eval: trains the learned next-app model on the first part
// of every user's events in a neutral event CSV (time_s,user,device,session,app)
// and scores the rest: each held-out event is predicted from the window of
// events before it (weights fixed, history real). The same run scores
// per-user first-order Markov baselines (static: trained on the first part
// only; online: also updated after every scored event) and a 50/50 mix of the
// learned model with the online Markov, under the same rules: a target app
// that no model can name counts as a miss.
//
//   prescient-learned-eval events.csv [--json] [--epochs N] [--hidden N] ...

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "prescient/learned/features.hpp"
#include "prescient/learned/next_app_model.hpp"
#include "prescient/learned/vocabulary.hpp"
#include "event_csv.hpp"
#include "model_flags.hpp"

using namespace prescient::learned;
using namespace prescient::learned::tools;
using json = nlohmann::json;

namespace {

struct scorer {
  size_t n = 0, h1 = 0, h3 = 0, h5 = 0;
  double ll = 0;
  // p: scores over ids (index 0 = unknown, never ranked); y: target id (0 = unknown).
  void add(const std::vector<double>& p, uint32_t y) {
    ++n;
    double py = y < p.size() ? p[y] : 0.0;
    ll += -std::log(std::max(1e-6, py));
    if (y == 0 || y >= p.size()) return;
    size_t better = 0;
    for (uint32_t k = 1; k < p.size() && better < 5; ++k)
      if (p[k] > py || (p[k] == py && k < y)) ++better;
    h1 += better < 1; h3 += better < 3; h5 += better < 5;
  }
  json to_json() const {
    double d = n ? double(n) : 1.0;
    return {{"predictions", n}, {"top1", h1 / d}, {"top3", h3 / d}, {"top5", h5 / d}, {"logloss", ll / d}};
  }
};

// Per-user first-order Markov over app ids with backoff to the user's
// unigram; probabilities are add-half smoothed over the ids seen so far.
struct markov {
  std::unordered_map<uint64_t, double> pair;
  std::unordered_map<uint32_t, double> from, uni;
  double total = 0;
  void learn(uint32_t a, uint32_t b) {
    pair[(uint64_t(a) << 32) | b] += 1; from[a] += 1; uni[b] += 1; total += 1;
  }
  std::vector<double> dist(uint32_t cur, uint32_t V) const {
    std::vector<double> p(V, 0.0);
    const double alpha = 1.0;  // backoff weight
    double nu = total + 0.5 * V;
    auto fit = from.find(cur);
    double nf = fit == from.end() ? 0.0 : fit->second;
    for (uint32_t k = 0; k < V; ++k) {
      auto u = uni.find(k);
      double pu = ((u == uni.end() ? 0.0 : u->second) + 0.5) / nu;
      auto pr = pair.find((uint64_t(cur) << 32) | k);
      double c = pr == pair.end() ? 0.0 : pr->second;
      p[k] = (c + alpha * pu) / (nf + alpha);
    }
    return p;
  }
};

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train and score the learned next-app model on a neutral event CSV"};
  std::string path;
  bool as_json = false, check_reload = false;
  double train_fraction = 0.7;
  train_options o;
  std::string cell = "lstm";
  bool no_pointer = false;
  app.add_option("csv", path, "neutral event CSV (time_s,user,device,session,app)")->required();
  app.add_flag("--json", as_json, "print JSON");
  app.add_option("--train-fraction", train_fraction, "share of each user's events to train on");
  app.add_option("--cell", cell, "lstm | gru");
  app.add_flag("--no-pointer", no_pointer, "softmax only, no pointer over the window");
  add_model_flags(app, o);
  app.add_flag("--check-reload", check_reload, "also check that save/load gives the same figures");
  CLI11_PARSE(app, argc, argv);
  o.cell = cell == "gru" ? cell_kind::gru : cell_kind::lstm;
  o.pointer = !no_pointer;

  try {
    auto users = read_csv(path);
    // Vocabulary: training apps first (ids 1..V-1 are what the model knows),
    // then held-out apps in order of appearance (only the baselines see those).
    vocabulary vocab, devices;
    std::vector<size_t> split_at;
    size_t events = 0, train_events = 0;
    for (auto& u : users) {
      size_t s = size_t(std::floor(train_fraction * double(u.events.size())));
      split_at.push_back(s);
      events += u.events.size();
      train_events += s;
      for (size_t i = 0; i < s; ++i) vocab.add(u.events[i].app);
    }
    const uint32_t model_vocab = vocab.size();
    for (size_t k = 0; k < users.size(); ++k)
      for (size_t i = split_at[k]; i < users[k].events.size(); ++i) vocab.add(users[k].events[i].app);
    const uint32_t full_vocab = vocab.size();

    std::vector<std::vector<step>> all(users.size()), train(users.size());
    std::vector<std::vector<uint32_t>> full_ids(users.size());
    for (size_t k = 0; k < users.size(); ++k) {
      step_encoder enc;
      for (auto& e : users[k].events) {
        uint32_t id = vocab.id(e.app);
        full_ids[k].push_back(id);
        // Held-out apps keep their ids: the model's pointer can copy them.
        all[k].push_back(enc.next(e.time_s, id, devices.add(e.device), e.session));
      }
      train[k].assign(all[k].begin(), all[k].begin() + long(split_at[k]));
    }

    auto model = next_app_model::train(train, model_vocab, o, 1);
    const auto& rep = model->report();
    auto ev = model->evaluate(all, split_at);

    // Baselines and the mix, prediction by prediction.
    scorer s_static, s_online, s_mix;
    double predict_s = 0;
    size_t W = size_t(model->context());
    for (size_t k = 0; k < users.size(); ++k) {
      markov stat, onl;
      const auto& ids = full_ids[k];
      for (size_t i = 1; i < split_at[k]; ++i) { stat.learn(ids[i - 1], ids[i]); onl.learn(ids[i - 1], ids[i]); }
      const size_t B = 256;
      for (size_t t0 = std::max<size_t>(split_at[k], 1); t0 < ids.size(); t0 += B) {
        size_t t1 = std::min(ids.size(), t0 + B);
        std::vector<std::vector<step>> recent;
        for (size_t t = t0; t < t1; ++t) {
          size_t n = std::min(t, W);
          recent.emplace_back(all[k].begin() + long(t - n), all[k].begin() + long(t));
        }
        auto c0 = std::chrono::steady_clock::now();
        auto pl = model->predict_batch(recent);
        predict_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
        for (size_t t = t0; t < t1; ++t) {
          uint32_t y = ids[t];
          auto ps = stat.dist(ids[t - 1], full_vocab);
          auto po = onl.dist(ids[t - 1], full_vocab);
          s_static.add(ps, y);
          s_online.add(po, y);
          const auto& l = pl[t - t0];
          std::vector<double> pm(full_vocab, 0.0);
          for (uint32_t a = 0; a < full_vocab; ++a) {
            double la = a < l.size() ? double(l[a]) : 0.0;
            pm[a] = 0.5 * la + 0.5 * po[a];
          }
          s_mix.add(pm, y);
          onl.learn(ids[t - 1], y);
        }
      }
    }

    json out;
    out["data"] = path;
    out["users"] = users.size();
    out["events"] = events;
    out["train_events"] = train_events;
    out["model_vocab"] = model_vocab;
    out["full_vocab"] = full_vocab;
    out["options"] = {{"cell", cell}, {"pointer", o.pointer}, {"embed", o.embed},
                      {"context_embed", o.context_embed}, {"hidden", o.hidden}, {"window", o.window}, {"pointer_window", o.pointer_window},
                      {"batch", o.batch}, {"epochs", o.epochs}, {"lr", o.lr}, {"dropout", o.dropout},
                      {"weight_decay", o.weight_decay}, {"min_app_count", o.min_app_count},
                      {"seed", o.seed}, {"max_steps", o.max_steps}, {"threads", o.threads}};
    out["training"] = {{"seconds", rep.seconds}, {"steps", rep.steps}, {"epochs_done", rep.epochs_done},
                       {"windows_per_epoch", rep.windows}, {"final_loss", rep.final_loss},
                       {"stopped_by_budget", rep.stopped_by_budget}};
    out["learned"] = {{"predictions", ev.predictions}, {"unknown_targets", ev.unknown_targets},
                      {"top1", ev.top1}, {"top3", ev.top3}, {"top5", ev.top5}, {"logloss", ev.logloss},
                      {"us_per_prediction_batched", 1e6 * predict_s / double(std::max<size_t>(ev.predictions, 1))}};
    out["markov_static"] = s_static.to_json();
    out["markov_online"] = s_online.to_json();
    out["mix_learned_markov_online"] = s_mix.to_json();
    if (check_reload) {
      std::string bytes = model->save();
      std::string err;
      auto again = next_app_model::load(bytes, &err);
      if (!again) throw std::runtime_error("reload failed: " + err);
      auto ev2 = again->evaluate(all, split_at);
      out["reload"] = {{"bytes", bytes.size()}, {"same", ev2.top1 == ev.top1 && ev2.top3 == ev.top3
                                                             && ev2.logloss == ev.logloss}};
    }
    if (as_json) {
      std::cout << out.dump(2) << "\n";
    } else {
      auto line = [](const char* name, const json& j) {
        std::printf("%-28s top1 %.4f  top3 %.4f  top5 %.4f  logloss %.4f\n", name, j["top1"].get<double>(),
                    j["top3"].get<double>(), j["top5"].get<double>(), j["logloss"].get<double>());
      };
      std::printf("%zu users, %zu events (%zu train), vocab %u (model) / %u (all), %zu predictions, %zu unknown targets\n",
                  users.size(), events, train_events, model_vocab, full_vocab, ev.predictions, ev.unknown_targets);
      std::printf("training: %.1f s, %zu steps, %d epochs, final loss %.4f\n", rep.seconds, rep.steps,
                  rep.epochs_done, rep.final_loss);
      line("learned", out["learned"]);
      line("markov per user (static)", out["markov_static"]);
      line("markov per user (online)", out["markov_online"]);
      line("mix learned+markov online", out["mix_learned_markov_online"]);
      std::printf("inference: %.1f us per prediction (batches of <= 256)\n",
                  out["learned"]["us_per_prediction_batched"].get<double>());
      if (check_reload) std::printf("reload: %s\n", out["reload"].dump().c_str());
    }
  } catch (const std::exception& e) {
    std::cerr << "prescient-learned-eval: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
