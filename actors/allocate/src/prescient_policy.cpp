// Prescient's policy (see prescient_policy.hpp).
#include "prescient/allocate/prescient_policy.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "idle_distribution.hpp"

namespace prescient::allocate {

namespace {

/// What all apps of one factory share: priors pooled from the first idle
/// times of every app, per trigger type, per owner and over all apps.
struct pools {
  std::map<std::string, detail::idle_histogram> by_trigger;
  std::unordered_map<std::uint32_t, detail::idle_histogram> by_owner;
  detail::idle_histogram all;
  /// Before anything is pooled, and to temper a pool that early in a trace
  /// has only seen short idle times: idle times spread log-uniformly.
  detail::idle_histogram broad;
  std::vector<detail::part> parts;                  // scratch
  std::vector<std::pair<int, double>> points;       // scratch
};

class prescient_policy final : public policy {
public:
  prescient_policy(const prescient_params& p, const app_info& app, pools& shared)
    : p_(p), own_(p.decay), shared_(shared), trigger_(shared.by_trigger[app.trigger]),
      owner_(shared.by_owner[app.owner]) {
    // c in minutes of this app's memory; apps of unknown size count as 128 MB.
    const double gb = (app.memory_mb > 0 ? app.memory_mb : 128.0) / 1024.0;
    cold_cost_minutes_ = p.cold_start_gb_min / std::max(gb, 1.0 / 1024);
  }

  window on_invocation(minute_t minute, std::uint64_t) override {
    if (seen_) {
      const int idle = static_cast<int>(std::min<minute_t>(minute - last_ - 1, p_.horizon));
      ++idle_times_;
      if (own_.add(idle, p_.horizon)) changed_at_ = idle_times_;
      if (has_idle_ && context(last_idle_).h.add(idle, p_.horizon)) changed_at_ = idle_times_;
      has_idle_ = true;
      last_idle_ = idle;
      if (pooled_ < p_.prior_samples) {
        ++pooled_;
        trigger_.add(idle, p_.horizon);
        owner_.add(idle, p_.horizon);
        shared_.all.add(idle, p_.horizon);
      }
    }
    seen_ = true;
    last_ = minute;
    return decide();
  }

private:
  /// Idle times are often a cycle of a few values (an app with a 30-minute
  /// timer and a follow-up a minute later: 1, 28, 1, 28...), so the idle
  /// time that follows one of about this length is learnt on its own.
  /// Buckets are exact for short idle times and ~15% wide beyond.
  struct context_state {
    detail::idle_histogram h;
    window last;       ///< the window last decided in this context
    int decided = -1;  ///< idle_times_ when it was
  };

  context_state& context(int idle) {
    const int key = idle < 8 ? idle : 8 + static_cast<int>(std::log(idle / 8.0) / std::log(1.15));
    auto it = std::lower_bound(after_.begin(), after_.end(), key, [](auto& e, int k) { return e.first < k; });
    if (it == after_.end() || it->first != key) it = after_.insert(it, {key, context_state{detail::idle_histogram(p_.decay), {}, -1}});
    return it->second;
  }

  window decide() {
    if (!has_idle_) return compute(nullptr);
    auto& ctx = context(last_idle_);
    // A busy app's distribution drifts slowly: the window decided in this
    // context stands until a bin opens or `refresh` idle times have passed.
    if (idle_times_ >= p_.prior_until && ctx.decided >= 0 && ctx.decided >= changed_at_ &&
        idle_times_ - ctx.decided < p_.refresh)
      return ctx.last;
    ctx.last = compute(&ctx.h);
    ctx.decided = idle_times_;
    return ctx.last;
  }

  window compute(const detail::idle_histogram* after) {
    auto& parts = shared_.parts;
    parts.clear();
    // What followed an idle time like the latest one, when seen before.
    double rest = 1;
    if (after) {
      const double nc = after->effective_count();
      if (nc > 0) {
        const double share = nc / (nc + p_.context_weight);
        parts.push_back({after, share});
        rest -= share;
      }
    }
    // The app's own idle times, the same a minute off, and the priors.
    const double n = own_.effective_count(), n0 = p_.prior_weight, nb = p_.broad_weight, nj = p_.jitter_weight;
    const double sum = n + nj + n0 + nb;
    if (n > 0) {
      parts.push_back({&own_, rest * n / sum});
      parts.push_back({&own_, rest * nj / sum, true});
    }
    parts.push_back({&shared_.broad, rest * nb / sum});
    // The pooled priors have the widest support; once the app has history
    // of its own they barely move the window, and leaving them out keeps a
    // busy app's decision proportional to its own few distinct idle times.
    if (idle_times_ >= p_.prior_until) return detail::best_window(parts, cold_cost_minutes_, shared_.points);
    const double prior = rest * (n > 0 ? n0 : n0 + nj) / sum;
    const bool owner = owner_.total() > 0, trigger = trigger_.total() > 0;
    if (owner) parts.push_back({&owner_, trigger ? prior / 2 : prior});
    if (trigger) parts.push_back({&trigger_, owner ? prior / 2 : prior});
    if (!owner && !trigger) parts.push_back({&shared_.all, prior});
    return detail::best_window(parts, cold_cost_minutes_, shared_.points);
  }

  const prescient_params& p_;
  detail::idle_histogram own_;
  pools& shared_;
  detail::idle_histogram& trigger_;
  detail::idle_histogram& owner_;
  double cold_cost_minutes_ = 0;
  minute_t last_ = 0;
  bool seen_ = false, has_idle_ = false;
  int last_idle_ = 0;
  int pooled_ = 0, idle_times_ = 0;
  int changed_at_ = 0;  ///< idle_times_ when a bin last opened
  std::vector<std::pair<int, context_state>> after_;  // by context(): what followed
};

class prescient_factory final : public policy_factory {
public:
  explicit prescient_factory(prescient_params p) : p_(p) {
    for (int idle = 0; idle < p_.horizon; idle = idle ? 2 * idle : 1) pools_.broad.add(idle, p_.horizon);
  }
  std::unique_ptr<policy> make(const app_info& app) override {
    return std::make_unique<prescient_policy>(p_, app, pools_);
  }
private:
  prescient_params p_;
  pools pools_;
};

} // namespace

std::unique_ptr<policy_factory> make_prescient(prescient_params p) {
  return std::make_unique<prescient_factory>(p);
}

} // namespace prescient::allocate
