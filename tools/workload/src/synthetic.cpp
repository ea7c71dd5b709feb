// The synthetic workload engine.
//
// A binary min-heap holds one entry per thing that will emit or decide
// something next: a user's session driver (starts sessions, launches runs) or
// an app run (request, launch, heartbeats, close). Popping the earliest entry
// and rescheduling it in place (replace_top) yields events in global time
// order. Ties are broken by (kind, id), so the order is a pure function of
// the options.
//
// Per-user state is a small fixed struct; everything a user "is" (type,
// routines, per-app resource levels, devices, day plans) is recomputed from
// hash(seed, user, ...) when needed. Randomness that evolves (the user's
// choices, a run's samples) comes from per-user and per-run streams, so a
// user's behaviour does not depend on other users.
#include "prescient/workload/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "model.hpp"

namespace prescient::workload {

using namespace detail;

namespace {

constexpr int64_t never = std::numeric_limits<int64_t>::max();
constexpr int64_t second_us = 1'000'000;

enum : uint8_t { phase_request, phase_launch, phase_heartbeat, phase_close };
enum : uint32_t { kind_run = 0, kind_user = 1 };

struct user_state {
  uint64_t rng;            ///< the user's choices
  int64_t session_end_us;  ///< planned end of the current / next session
  int64_t busy_until_us;   ///< last run end of the current session
  int64_t routine_next_us; ///< next routine step; never = routines over
  int64_t burst_next_us;   ///< next burst run; never = no burst
  uint32_t session;        ///< id of the current (last) session
  uint8_t in_session;
  uint8_t routine;
  uint8_t step;
  uint8_t routines_run;
  uint8_t burst_left;
  uint8_t burst_app;
  uint8_t device;
  uint8_t slot_index; ///< slot of the session in its day (0 = first)
};

/// One app run: 48 bytes. Times after launch are ms offsets; the user's
/// resource levels for the app are recomputed from the hash when needed, and
/// the randomness of each step is hash(seed, user, launch, step).
struct run_state {
  int64_t launch_us;
  uint32_t user;
  uint32_t session;
  uint32_t end_ms;  ///< run length
  uint32_t last_ms; ///< previous sample (0 = launch)
  float ar_cpu;     ///< AR(1) states, standard normal marginals
  float ar_mem;
  float sum_cpu;    ///< sums of heartbeat samples, for the close mean
  float sum_mem;
  uint32_t samples;
  uint8_t app;
  uint8_t device;
  uint8_t gpus;
  uint8_t phase;

  int64_t end_us() const { return launch_us + int64_t{end_ms} * 1000; }
  int64_t last_us() const { return launch_us + int64_t{last_ms} * 1000; }
};
static_assert(sizeof(run_state) == 48);

/// Runs in fixed chunks: stable addresses and no doubling spikes.
class run_pool {
public:
  run_state& operator[](uint32_t id) { return chunks_[id >> shift][id & mask]; }

  uint32_t alloc() {
    if (!free_.empty()) {
      uint32_t id = free_.back();
      free_.pop_back();
      return id;
    }
    if ((size_ & mask) == 0)
      chunks_.emplace_back(new run_state[mask + 1]);
    return size_++;
  }

  void release(uint32_t id) { free_.push_back(id); }

private:
  static constexpr uint32_t shift = 14;
  static constexpr uint32_t mask = (1u << shift) - 1;
  std::vector<std::unique_ptr<run_state[]>> chunks_;
  std::vector<uint32_t> free_;
  uint32_t size_ = 0;
};

/// Approximately standard normal from 64 random bits (Irwin-Hall of four
/// 16-bit uniforms): cheap, bounded to +-3.46.
inline double approx_normal(uint64_t bits) {
  double s = 0;
  for (int i = 0; i < 4; ++i, bits >>= 16)
    s += static_cast<double>(bits & 0xffff) * (1.0 / 65536);
  return (s - 2.0) * 1.7320508075688772;
}

/// A user's stable levels for one app.
struct app_levels {
  double base[4]; ///< cpu, mem, disk, net
  uint8_t gpus;
  double length_factor;
};

/// 12 bytes: at 1M users the heap holds millions of entries.
#pragma pack(push, 4)
struct heap_entry {
  int64_t time;
  uint32_t key; ///< kind << 31 | id: runs before users at equal times

  uint32_t kind() const noexcept { return key >> 31; }
  uint32_t id() const noexcept { return key & 0x7fffffffu; }
};
#pragma pack(pop)
static_assert(sizeof(heap_entry) == 12);

inline heap_entry make_entry(int64_t time, uint32_t kind, uint32_t id) noexcept {
  return {time, kind << 31 | id};
}

inline bool before(const heap_entry& a, const heap_entry& b) noexcept {
  if (a.time != b.time)
    return a.time < b.time;
  return a.key < b.key;
}

/// Binary min-heap with replace_top (one sift instead of pop + push).
class min_heap {
public:
  bool empty() const noexcept { return v_.empty(); }
  size_t size() const noexcept { return v_.size(); }
  const heap_entry& top() const noexcept { return v_.front(); }
  void reserve(size_t n) { v_.reserve(n); }

  void push(heap_entry e) {
    v_.push_back(e);
    size_t i = v_.size() - 1;
    while (i > 0) {
      size_t p = (i - 1) / 2;
      if (!before(e, v_[p]))
        break;
      v_[i] = v_[p];
      i = p;
    }
    v_[i] = e;
  }

  void pop() {
    heap_entry last = v_.back();
    v_.pop_back();
    if (!v_.empty())
      sift_down(last);
  }

  void replace_top(heap_entry e) { sift_down(e); }

private:
  void sift_down(heap_entry e) {
    size_t n = v_.size();
    size_t i = 0;
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= n)
        break;
      if (c + 1 < n && before(v_[c + 1], v_[c]))
        ++c;
      if (!before(v_[c], e))
        break;
      v_[i] = v_[c];
      i = c;
    }
    v_[i] = e;
  }

  std::vector<heap_entry> v_;
};

/// A user's habits: app preferences and routines. Derived, never stored.
struct habits {
  uint8_t pref[32];
  uint8_t pref_n;
  uint8_t routine[4][6];
  uint8_t routine_len[4];
  uint8_t routines;
};

struct slot {
  int64_t start;
  int64_t end;
};

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Per-type knobs.
constexpr double burst_factor[4] = {0.6, 1.0, 1.5, 0.15};
constexpr double step_gap_min[4] = {3.0, 1.5, 4.0, 0.7};     // median, minutes
constexpr double routine_gap_min[4] = {15, 10, 20, 5};       // median, minutes
constexpr bool interactive[4] = {true, true, false, false};  // cut runs at logoff

const char* const office_roles[] = {"engineer", "analyst", "designer",
                                    "manager", "support"};

} // namespace

struct synthetic_workload::impl {
  workload_options opt;
  int64_t end;
  std::vector<user_state> users;
  run_pool runs;
  std::vector<region_geo> geo; // per options.regions
  std::vector<double> region_cdf;
  min_heap heap;
  std::vector<heap_entry> pending; // runs created while the top is a user
  uint64_t emitted = 0;
  int64_t now = 0;
  double type_cdf[4];

  // -- derived traits --------------------------------------------------------

  uint64_t h(uint64_t user, uint64_t tag) const { return hash(opt.seed, user, tag); }

  uint8_t type_of(uint32_t u) const {
    double x = unit(h(u, 1));
    for (uint8_t t = 0; t < 3; ++t)
      if (x < type_cdf[t])
        return t;
    return 3;
  }

  uint32_t tenant_of(uint32_t u) const {
    return static_cast<uint32_t>((h(u, 2) >> 32) * opt.tenants.size() >> 32);
  }

  uint32_t region_of(uint32_t u) const {
    double x = unit(h(u, 3));
    for (size_t i = 0; i + 1 < region_cdf.size(); ++i)
      if (x < region_cdf[i])
        return static_cast<uint32_t>(i);
    return static_cast<uint32_t>(region_cdf.size() - 1);
  }

  int tz_of(uint32_t u) const {
    auto& g = geo[region_of(u)];
    return unit(h(u, 4)) < 0.25 ? g.tz_alt_minutes : g.tz_minutes;
  }

  uint8_t device_count(uint32_t u, uint8_t type) const {
    double x = unit(h(u, 5));
    return x < 0.3 ? 1 : x < 0.75 ? 2 : 3;
  }

  const char* device_kind(uint32_t u, uint8_t type, uint8_t idx) const {
    static const char* const kinds[4][2][3] = {
      {{"laptop", "phone", "desktop"}, {"desktop", "laptop", "phone"}},
      {{"desktop", "phone", "console"}, {"console", "phone", "laptop"}},
      {{"workstation", "laptop", "phone"}, {"workstation", "phone", "laptop"}},
      {{"server-1", "server-2", "server-3"}, {"server-1", "server-2", "server-3"}},
    };
    return kinds[type][h(u, 6) & 1][idx % 3];
  }

  const char* role_of(uint32_t u, uint8_t type) const {
    switch (type) {
      case 0: return office_roles[h(u, 7) % 5];
      case 1: return "player";
      case 2: return "researcher";
      default: return "service-account";
    }
  }

  bool consents(uint32_t u) const { return unit(h(u, 8)) < opt.location_share; }

  geo_location home_location(uint32_t u) const {
    auto& g = geo[region_of(u)];
    double lat = g.lat + 4 * (unit(h(u, 9)) - 0.5);
    double lon = g.lon + 6 * (unit(h(u, 10)) - 0.5);
    return {std::clamp(lat, -89.0, 89.0), std::clamp(lon, -179.9, 179.9)};
  }

  /// [from, until): when this user starts sessions.
  std::pair<int64_t, int64_t> lifetime(uint32_t u) const {
    int64_t from = opt.start_us, until = end;
    double a = unit(h(u, 11)), b = unit(h(u, 12));
    bool joins = unit(h(u, 13)) < opt.new_user_share;
    bool churns = unit(h(u, 14)) < opt.churn_share;
    if (joins && churns && a > b)
      std::swap(a, b);
    auto at = [&](double x) {
      return opt.start_us + static_cast<int64_t>(x * static_cast<double>(opt.duration_us));
    };
    if (joins)
      from = at(a);
    if (churns)
      until = at(b);
    return {from, until};
  }

  habits make_habits(uint32_t u, uint8_t type) const {
    habits hb{};
    rng r{h(u, 20)};
    const app_pool& pool = pool_of(type);
    hb.pref_n = pool.size;
    std::copy(pool.apps, pool.apps + pool.size, hb.pref);
    // Personal taste: typical apps stay near the front, order varies.
    for (int i = 0; i + 1 < hb.pref_n; ++i)
      if (r.chance(0.4)) {
        uint32_t span = std::min<uint32_t>(4, hb.pref_n - 1 - i);
        std::swap(hb.pref[i], hb.pref[i + 1 + r.below(span)]);
      }
    hb.routines = static_cast<uint8_t>(2 + r.below(3));
    const double log_n = std::log(hb.pref_n + 1.0);
    for (int k = 0; k < hb.routines; ++k) {
      int len = (type == 0 ? 3 + r.below(3) : 2 + r.below(3));
      int n = 0;
      for (int s = 0; s < len; ++s) {
        uint8_t app = 0;
        for (int attempt = 0; attempt < 6; ++attempt) {
          // Zipf-like rank: P(rank < x) ~ log(x + 1) / log(n + 1).
          auto rank = static_cast<uint32_t>(std::exp(r.uniform() * log_n)) - 1;
          app = hb.pref[std::min<uint32_t>(rank, hb.pref_n - 1)];
          bool dup = false;
          for (int j = 0; j < n; ++j)
            dup = dup || hb.routine[k][j] == app;
          // Always-open apps (mail, chat) only open the morning routine.
          bool misplaced = apps[app].persistent && !(k == 0 && s == 0);
          if (!dup && !misplaced)
            break;
        }
        if (apps[app].persistent && !(k == 0 && s == 0))
          continue;
        hb.routine[k][n++] = app;
      }
      if (n == 0)
        hb.routine[k][n++] = hb.pref[hb.pref_n - 1];
      hb.routine_len[k] = static_cast<uint8_t>(n);
    }
    return hb;
  }

  app_levels levels(uint32_t u, uint8_t app) const {
    const app_spec& spec = apps[app];
    uint64_t k = hash(opt.seed, u, 0xa99, app);
    double n1 = approx_normal(mix64(k + 1)), n2 = approx_normal(mix64(k + 2));
    double n3 = approx_normal(mix64(k + 3)), n4 = approx_normal(mix64(k + 4));
    double s = spec.spread;
    app_levels l;
    l.base[0] = spec.cpu * std::exp(s * n1);
    l.base[1] = spec.mem * std::exp(s * (0.6 * n1 + 0.8 * n2));
    l.base[2] = spec.disk * std::exp(s * (0.5 * n1 + 0.87 * n3));
    l.base[3] = spec.net * std::exp(s * n4);
    uint32_t span = spec.gpu_max - spec.gpu_min + 1u;
    l.gpus = spec.gpu_min == 0 ? 0
                               : static_cast<uint8_t>(spec.gpu_min + (mix64(k + 5) >> 32) * span / (1ull << 32));
    l.length_factor = std::exp(0.3 * approx_normal(mix64(k + 6)));
    return l;
  }

  // -- day plans -------------------------------------------------------------

  /// Session slots of user `u` on local day `day`, sorted, non-overlapping.
  int plan_day(uint32_t u, uint8_t type, int tz, int64_t day, slot* out) const {
    rng r{hash(opt.seed, u, 0x5e55, static_cast<uint64_t>(day))};
    const int64_t day_start = day * day_us - static_cast<int64_t>(tz) * minute_us;
    const int dow = static_cast<int>(((day % 7) + 7 + 3) % 7); // 0 = Monday
    const bool weekend = dow >= 5;
    int n = 0;
    auto add = [&](double start_h, double end_h) {
      start_h = std::clamp(start_h, 0.0, 30.0);
      if (end_h < start_h + 0.25)
        end_h = start_h + 0.25;
      out[n++] = {day_start + static_cast<int64_t>(start_h * hour_us),
                  day_start + static_cast<int64_t>(end_h * hour_us)};
    };
    switch (type) {
      case 0: // office
        if (!weekend) {
          if (r.chance(0.05))
            break; // leave or sick day
          double a = 8.75 + 0.6 * r.normal();
          add(a, 12.25 + 0.33 * r.normal());
          double b = 13.25 + 0.33 * r.normal();
          add(b, 17.5 + 0.66 * r.normal());
          if (r.chance(0.15)) {
            double c = 20.5 + 0.75 * r.normal();
            add(c, c + r.uniform(0.75, 1.5));
          }
        } else if (r.chance(0.12)) {
          double s = r.uniform(10, 16);
          add(s, s + r.uniform(0.5, 2));
        }
        break;
      case 1: // gamer
        if (!weekend) {
          if (r.chance(0.2)) {
            double s = 12.25 + 0.33 * r.normal();
            add(s, s + r.uniform(0.5, 0.85));
          }
          if (r.chance(0.7)) {
            double s = 19.5 + 1.25 * r.normal();
            add(s, s + r.uniform(1.5, 4));
          }
        } else {
          if (r.chance(0.75)) {
            double s = 14 + 1.5 * r.normal();
            add(s, s + r.uniform(2, 4));
          }
          if (r.chance(0.8)) {
            double s = 20.5 + r.normal();
            add(s, s + r.uniform(2, 4.5));
          }
        }
        break;
      case 2: // batch
        if (r.chance(0.5)) {
          double s = 10.5 + r.normal();
          add(s, s + r.uniform(0.5, 1));
        }
        if (r.chance(weekend ? 0.55 : 0.9)) {
          double s = 22.5 + 1.25 * r.normal();
          add(s, s + r.uniform(2, 4));
        }
        break;
      default: // service
        for (int hr = 0; hr < 24; ++hr) {
          double p = weekend ? 0.5 : (hr >= 8 && hr < 20 ? 0.95 : 0.6);
          if (r.chance(p)) {
            double s = hr + r.uniform(0, 0.25);
            add(s, s + r.uniform(0.5, 0.75));
          }
        }
        break;
    }
    std::sort(out, out + n, [](const slot& a, const slot& b) { return a.start < b.start; });
    int m = 0;
    for (int i = 0; i < n; ++i) {
      slot s = out[i];
      if (m > 0 && s.start < out[m - 1].end + 5 * minute_us)
        s.start = out[m - 1].end + 5 * minute_us;
      if (s.start + 10 * minute_us <= s.end)
        out[m++] = s;
    }
    return m;
  }

  /// First session of user `u` that can start at or after `t`; a slot already
  /// under way is joined late. Returns false when none before `limit`.
  bool next_session(uint32_t u, uint8_t type, int64_t t, int64_t limit,
                    int64_t& start, int64_t& stop, uint8_t& index) const {
    int tz = tz_of(u);
    int64_t day = floor_div(t + static_cast<int64_t>(tz) * minute_us, day_us);
    slot slots[32];
    for (int64_t d = day - 1; d < day + 60; ++d) {
      if (d * day_us - static_cast<int64_t>(tz) * minute_us - day_us > limit)
        return false;
      int n = plan_day(u, type, tz, d, slots);
      for (int i = 0; i < n; ++i) {
        int64_t s = std::max(slots[i].start, t);
        if (s + 10 * minute_us <= slots[i].end) {
          if (s >= limit)
            return false;
          start = s;
          stop = slots[i].end;
          index = static_cast<uint8_t>(i);
          return true;
        }
      }
    }
    return false;
  }

  // -- construction ----------------------------------------------------------

  explicit impl(workload_options o) : opt(std::move(o)) {
    if (opt.tenants.empty())
      throw std::invalid_argument("workload: tenants must not be empty");
    if (opt.regions.empty())
      throw std::invalid_argument("workload: regions must not be empty");
    if (opt.start_us <= 0)
      throw std::invalid_argument("workload: start_us must be after the epoch");
    if (opt.duration_us <= 0)
      throw std::invalid_argument("workload: duration_us must be positive");
    if (opt.heartbeat_interval_us < 1000)
      throw std::invalid_argument("workload: heartbeat_interval_us must be >= 1 ms");
    if (opt.users > 0x7fffffffu)
      throw std::invalid_argument("workload: too many users");
    auto share = [](double v, const char* what) {
      if (!(v >= 0 && v <= 1))
        throw std::invalid_argument(std::string("workload: ") + what
                                    + " must be in [0, 1]");
    };
    share(opt.new_user_share, "new_user_share");
    share(opt.churn_share, "churn_share");
    share(opt.request_share, "request_share");
    share(opt.noise, "noise");
    share(opt.location_share, "location_share");
    if (!(opt.heartbeat_jitter >= 0 && opt.heartbeat_jitter <= 0.9))
      throw std::invalid_argument("workload: heartbeat_jitter must be in [0, 0.9]");
    if (!(opt.burst_rate >= 0 && std::isfinite(opt.burst_rate)))
      throw std::invalid_argument("workload: burst_rate must be >= 0");
    double w[4] = {opt.office_weight, opt.gamer_weight, opt.batch_weight,
                   opt.service_weight};
    double total = 0;
    for (double x : w) {
      if (!(x >= 0 && std::isfinite(x)))
        throw std::invalid_argument("workload: user type weights must be >= 0");
      total += x;
    }
    if (total <= 0)
      throw std::invalid_argument("workload: user type weights are all 0");
    double acc = 0;
    for (int i = 0; i < 4; ++i) {
      acc += w[i] / total;
      type_cdf[i] = acc;
    }
    if (opt.duration_us > std::numeric_limits<int64_t>::max() - opt.start_us - 400 * day_us)
      throw std::invalid_argument("workload: start_us + duration_us overflows");
    end = opt.start_us + opt.duration_us;

    // Earlier regions are more popular: weight 1/sqrt(k+1).
    double rt = 0;
    for (size_t k = 0; k < opt.regions.size(); ++k) {
      geo.push_back(geo_of(opt.regions[k], opt.seed));
      rt += 1 / std::sqrt(k + 1.0);
      region_cdf.push_back(rt);
    }
    for (auto& c : region_cdf)
      c /= rt;

    users.resize(opt.users);
    heap.reserve(opt.users * 4 + 16); // address space only until used
    for (uint32_t u = 0; u < opt.users; ++u) {
      auto& us = users[u];
      us = user_state{};
      us.rng = h(u, 30);
      us.routine_next_us = never;
      us.burst_next_us = never;
      auto [from, until] = lifetime(u);
      int64_t start, stop;
      uint8_t idx;
      if (next_session(u, type_of(u), from, std::min(until, end), start, stop, idx)) {
        us.session_end_us = stop;
        us.slot_index = idx;
        heap.push(make_entry(start, kind_user, u));
      }
    }
    now = opt.start_us;
  }

  // -- users -----------------------------------------------------------------

  void start_session(uint32_t id, user_state& u, int64_t t) {
    rng r{u.rng};
    uint8_t type = type_of(id);
    habits hb = make_habits(id, type);
    ++u.session;
    u.in_session = 1;
    uint8_t ndev = device_count(id, type);
    u.device = (ndev == 1 || r.chance(0.75)) ? 0 : static_cast<uint8_t>(1 + r.below(ndev - 1));
    u.routine = pick_routine(r, hb, u.slot_index == 0);
    u.step = 0;
    u.routines_run = 0;
    u.busy_until_us = t;
    u.routine_next_us = t + static_cast<int64_t>(r.uniform(5, 90) * second_us);
    u.burst_next_us = never;
    u.burst_left = 0;
    if (r.chance(std::min(1.0, opt.burst_rate * burst_factor[type]))) {
      const app_pool& pool = pool_of(type);
      u.burst_left = static_cast<uint8_t>(8 + r.below(33));
      u.burst_app = pool.burst[r.below(pool.burst_size)];
      double at = r.uniform(0.1, 0.8) * static_cast<double>(u.session_end_us - t);
      u.burst_next_us = t + static_cast<int64_t>(at);
    }
    u.rng = r.s;
  }

  static uint8_t pick_routine(rng& r, const habits& hb, bool first_of_day) {
    if (first_of_day && r.chance(0.75))
      return 0;
    double w[4], total = 0;
    for (int k = 0; k < hb.routines; ++k)
      total += w[k] = (k == 0 ? 0.3 : 1.0 / k);
    double x = r.uniform() * total;
    for (int k = 0; k < hb.routines; ++k) {
      if (x < w[k])
        return static_cast<uint8_t>(k);
      x -= w[k];
    }
    return static_cast<uint8_t>(hb.routines - 1);
  }

  void routine_step(uint32_t id, user_state& u, int64_t t) {
    rng r{u.rng};
    uint8_t type = type_of(id);
    habits hb = make_habits(id, type);
    if (t >= u.session_end_us) {
      u.routine_next_us = never;
    } else if (u.step >= hb.routine_len[u.routine]) {
      ++u.routines_run;
      if (t + 20 * minute_us < u.session_end_us && u.routines_run < 16) {
        u.routine = pick_routine(r, hb, false);
        u.step = 0;
        u.routine_next_us
          = t + static_cast<int64_t>(r.lognormal(routine_gap_min[type], 0.5) * minute_us);
      } else {
        u.routine_next_us = never;
      }
    } else {
      uint8_t app = hb.routine[u.routine][u.step++];
      if (apps[app].persistent && u.routines_run > 0 && u.step < hb.routine_len[u.routine])
        app = hb.routine[u.routine][u.step++]; // mail is already open
      if (r.chance(opt.noise)) {
        uint8_t other = hb.pref[r.below(hb.pref_n)];
        if (!apps[other].persistent)
          app = other;
      }
      u.rng = r.s;
      launch_run(id, u, type, app, t, false);
      r.s = u.rng;
      u.routine_next_us
        = t + std::max<int64_t>(second_us, static_cast<int64_t>(
                                  r.lognormal(step_gap_min[type], 0.6) * minute_us));
    }
    u.rng = r.s;
  }

  void burst_step(uint32_t id, user_state& u, int64_t t) {
    launch_run(id, u, type_of(id), u.burst_app, t, true);
    rng r{u.rng};
    if (--u.burst_left > 0)
      u.burst_next_us = t + second_us + static_cast<int64_t>(r.lognormal(6, 0.8) * second_us);
    else
      u.burst_next_us = never;
    u.rng = r.s;
  }

  void launch_run(uint32_t id, user_state& u, uint8_t type, uint8_t app,
                  int64_t t, bool burst) {
    rng ur{u.rng};
    uint64_t run_seed = ur.next();
    u.rng = ur.s;

    uint32_t slot_id = runs.alloc();
    run_state& rs = runs[slot_id];
    rs = run_state{};
    rs.user = id;
    rs.session = u.session;
    rs.app = app;
    rs.device = u.device;
    rng r{run_seed};

    const app_spec& spec = apps[app];
    app_levels lv = levels(id, app);
    rs.gpus = lv.gpus;
    rs.ar_cpu = static_cast<float>(r.normal());
    rs.ar_mem = static_cast<float>(r.normal());

    bool request = r.chance(opt.request_share);
    int64_t delay = 0;
    if (request)
      delay = static_cast<int64_t>((spec.gpu_min ? r.uniform(2, 6) : r.uniform(0.5, 3)) * second_us);
    rs.launch_us = t + delay;

    double minutes;
    if (burst)
      minutes = r.lognormal(std::max(0.5, spec.run_minutes * 0.1), 0.5);
    else if (spec.persistent)
      minutes = static_cast<double>(u.session_end_us - rs.launch_us) / minute_us + 3 * r.normal();
    else
      minutes = r.lognormal(spec.run_minutes * lv.length_factor, 0.6);
    int64_t length = static_cast<int64_t>(minutes * minute_us);
    if (!burst && interactive[type] && !spec.batch) {
      // The user logs off at the end of the session.
      int64_t cut = u.session_end_us + static_cast<int64_t>(r.uniform(0, 10) * minute_us)
                    - rs.launch_us;
      length = std::min(length, cut);
    }
    length = std::clamp<int64_t>(length, 20 * second_us, 16 * hour_us);
    rs.end_ms = static_cast<uint32_t>(length / 1000);
    rs.last_ms = 0;
    rs.phase = request ? phase_request : phase_launch;
    u.busy_until_us = std::max(u.busy_until_us, rs.end_us());
    pending.push_back(make_entry(request ? t : rs.launch_us, kind_run, slot_id));
  }

  /// Handles the user entry on top of the heap; never emits.
  void step_user(uint32_t id, int64_t t) {
    user_state& u = users[id];
    if (!u.in_session)
      start_session(id, u, t);
    else if (u.burst_next_us <= u.routine_next_us)
      burst_step(id, u, t);
    else
      routine_step(id, u, t);

    int64_t wake = std::min(u.routine_next_us, u.burst_next_us);
    if (wake == never) {
      // Session over once every run closed; then the next slot.
      u.in_session = 0;
      rng r{u.rng};
      int64_t after = std::max({u.busy_until_us, u.session_end_us, t})
                      + static_cast<int64_t>(r.uniform(1, 5) * minute_us);
      u.rng = r.s;
      auto [from, until] = lifetime(id);
      int64_t start, stop;
      uint8_t idx;
      if (next_session(id, type_of(id), std::max(after, from), std::min(until, end),
                       start, stop, idx)) {
        u.session_end_us = stop;
        u.slot_index = idx;
        wake = start;
      }
    }
    if (wake == never || wake >= end)
      heap.pop();
    else
      heap.replace_top(make_entry(wake, kind_user, id));
    for (auto& e : pending)
      if (e.time < end)
        heap.push(e);
      else
        runs.release(e.id());
    pending.clear();
  }

  // -- runs ------------------------------------------------------------------

  void write_common(const run_state& rs, usage_event& out) const {
    uint32_t u = rs.user;
    uint8_t type = type_of(u);
    out.tenant.assign(opt.tenants[tenant_of(u)]);
    write_user(out.user, u);
    const char* kind = device_kind(u, type, rs.device);
    out.device.assign(out.user);
    out.device += '-';
    out.device += kind;
    out.app.assign(apps[rs.app].name);
    out.session = rs.session;
    out.role.assign(role_of(u, type));
    out.location_consent = consents(u);
    if (out.location_consent) {
      geo_location g = home_location(u);
      if (kind[0] == 'p') { // phones move a little between sessions
        uint64_t j = hash(opt.seed, u, 0x10c, rs.session);
        g.latitude = std::clamp(g.latitude + 0.05 * (unit(j) - 0.5), -90.0, 90.0);
        g.longitude = std::clamp(g.longitude + 0.05 * (unit(mix64(j)) - 0.5), -180.0, 180.0);
      }
      out.location = g;
    } else {
      out.location.reset();
    }
  }

  static void write_user(std::string& s, uint32_t u) {
    char buf[32] = "user-";
    char digits[16];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    int len = 5;
    for (int pad = n; pad < 7; ++pad)
      buf[len++] = '0';
    while (n)
      buf[len++] = digits[--n];
    s.assign(buf, static_cast<size_t>(len));
  }

  uint64_t step_seed(const run_state& rs, uint64_t purpose) const {
    return hash(opt.seed, rs.user, static_cast<uint64_t>(rs.launch_us),
                uint64_t{rs.samples} * 2 + purpose);
  }

  /// Offset (ms after launch) of the sample after the one at `from_ms`.
  uint32_t next_heartbeat(run_state& rs, uint32_t from_ms) {
    rng r{step_seed(rs, 0)};
    double f = 1 + opt.heartbeat_jitter * (2 * r.uniform() - 1);
    auto step = static_cast<int64_t>(f * static_cast<double>(opt.heartbeat_interval_us) / 1000);
    return static_cast<uint32_t>(std::min<int64_t>(from_ms + std::max<int64_t>(1, step),
                                                   rs.end_ms));
  }

  void sample(run_state& rs, const app_levels& lv, int64_t t, resource_vector& v) {
    rng r{step_seed(rs, 1)};
    const app_spec& spec = apps[rs.app];
    double dt = static_cast<double>(t - rs.last_us()) / minute_us;
    double pc = std::exp(-dt / 12), pm = std::exp(-dt / 30);
    rs.ar_cpu = static_cast<float>(pc * rs.ar_cpu + std::sqrt(1 - pc * pc) * r.normal());
    rs.ar_mem = static_cast<float>(pm * rs.ar_mem + std::sqrt(1 - pm * pm) * r.normal());
    double sc = spec.batch ? 0.2 : 0.45;
    double a = sc * rs.ar_cpu;
    double elapsed = static_cast<double>(t - rs.launch_us) / minute_us;
    double ramp = 1 - 0.45 * std::exp(-elapsed / 4);
    uint64_t w = r.next();
    v.cpu_millicores = std::clamp(lv.base[0] * std::exp(a - sc * sc / 2 + 0.08 * approx_normal(w)), 10.0, 256000.0);
    v.memory_mb = std::clamp(lv.base[1] * ramp * std::exp(0.12 * rs.ar_mem), 32.0, 1048576.0);
    v.disk_iops = std::clamp(lv.base[2] * std::exp(0.8 * a + 0.35 * approx_normal(mix64(w + 1)) - 0.06), 0.0, 1e6);
    v.network_mbps = std::clamp(lv.base[3] * std::exp(0.6 * a + 0.4 * approx_normal(mix64(w + 2)) - 0.08), 0.0, 1e5);
    v.gpus = rs.gpus;
  }

  /// Emits the event of the run on top of the heap and reschedules it.
  void step_run(uint32_t id, int64_t t, usage_event& out) {
    run_state& rs = runs[id];
    write_common(rs, out);
    out.time_us = t;
    int64_t next = never;
    auto schedule = [&](uint32_t at_ms) {
      next = rs.launch_us + int64_t{at_ms} * 1000;
      rs.phase = at_ms >= rs.end_ms ? phase_close : phase_heartbeat;
    };
    switch (rs.phase) {
      case phase_request: {
        out.kind = event_kind::request;
        app_levels lv = levels(rs.user, rs.app);
        auto& v = out.usage;
        // Requests are rounded up to allocatable sizes with headroom.
        v.cpu_millicores = std::ceil(lv.base[0] * 1.5 / 250) * 250;
        v.memory_mb = std::ceil(lv.base[1] * 1.3 / 256) * 256;
        v.disk_iops = std::ceil(lv.base[2] * 1.5 / 100) * 100;
        v.network_mbps = std::ceil(lv.base[3] * 1.5);
        v.gpus = rs.gpus;
        out.duration_ms = 0;
        rs.phase = phase_launch;
        next = rs.launch_us;
        break;
      }
      case phase_launch: {
        out.kind = event_kind::launch;
        out.usage = resource_vector{};
        out.duration_ms = 0;
        schedule(next_heartbeat(rs, 0));
        break;
      }
      case phase_heartbeat: {
        out.kind = event_kind::heartbeat;
        app_levels lv = levels(rs.user, rs.app);
        sample(rs, lv, t, out.usage);
        out.duration_ms = static_cast<double>(t - rs.last_us()) / 1000.0;
        rs.last_ms = static_cast<uint32_t>((t - rs.launch_us) / 1000);
        rs.sum_cpu += static_cast<float>(out.usage.cpu_millicores);
        rs.sum_mem += static_cast<float>(out.usage.memory_mb);
        ++rs.samples;
        schedule(next_heartbeat(rs, rs.last_ms));
        break;
      }
      default: { // close
        out.kind = event_kind::close;
        app_levels lv = levels(rs.user, rs.app);
        auto& v = out.usage;
        if (rs.samples > 0) {
          double n = rs.samples;
          double load = rs.sum_cpu / n / lv.base[0]; // disk, net follow cpu
          v.cpu_millicores = rs.sum_cpu / n;
          v.memory_mb = rs.sum_mem / n;
          v.disk_iops = lv.base[2] * load;
          v.network_mbps = lv.base[3] * load;
        } else {
          v.cpu_millicores = lv.base[0];
          v.memory_mb = lv.base[1] * 0.6;
          v.disk_iops = lv.base[2];
          v.network_mbps = lv.base[3];
        }
        v.gpus = rs.gpus;
        out.duration_ms = static_cast<double>(rs.end_ms);
        break;
      }
    }
    if (next == never || next >= end) {
      heap.pop();
      runs.release(id);
    } else {
      heap.replace_top(make_entry(next, kind_run, id));
    }
  }

  bool next(usage_event& out) {
    while (!heap.empty()) {
      heap_entry top = heap.top();
      if (top.time >= end) {
        heap = min_heap{};
        return false;
      }
      if (top.kind() == kind_user) {
        step_user(top.id(), top.time);
        continue;
      }
      step_run(top.id(), top.time, out);
      now = top.time;
      ++emitted;
      return true;
    }
    return false;
  }
};

synthetic_workload::synthetic_workload(workload_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  // nop
}

synthetic_workload::~synthetic_workload() = default;
synthetic_workload::synthetic_workload(synthetic_workload&&) noexcept = default;
synthetic_workload& synthetic_workload::operator=(synthetic_workload&&) noexcept = default;

bool synthetic_workload::next(usage_event& out) {
  return impl_->next(out);
}

size_t synthetic_workload::users() const noexcept {
  return impl_->users.size();
}

uint64_t synthetic_workload::events_emitted() const noexcept {
  return impl_->emitted;
}

int64_t synthetic_workload::now_us() const noexcept {
  return impl_->now;
}

int64_t synthetic_workload::end_us() const noexcept {
  return impl_->end;
}

const workload_options& synthetic_workload::options() const noexcept {
  return impl_->opt;
}

user_traits synthetic_workload::traits(size_t i) const {
  if (i >= impl_->users.size())
    throw std::out_of_range("workload: no such user");
  auto& m = *impl_;
  auto u = static_cast<uint32_t>(i);
  user_traits t;
  uint8_t type = m.type_of(u);
  t.type = static_cast<user_type>(type);
  t.tenant = m.opt.tenants[m.tenant_of(u)];
  t.home_region = m.opt.regions[m.region_of(u)];
  t.tz_offset_minutes = m.tz_of(u);
  t.role = m.role_of(u, type);
  std::string id = user_id(i);
  for (uint8_t d = 0; d < m.device_count(u, type); ++d)
    t.devices.push_back(id + "-" + m.device_kind(u, type, d));
  if (m.consents(u))
    t.location = m.home_location(u);
  auto [from, until] = m.lifetime(u);
  t.active_from_us = from;
  t.active_until_us = until;
  return t;
}

std::string synthetic_workload::home_region(std::string_view user) const {
  auto i = user_index(user);
  if (!i || *i >= impl_->users.size())
    return {};
  return impl_->opt.regions[impl_->region_of(static_cast<uint32_t>(*i))];
}

resource_request synthetic_workload::to_request(const usage_event& e) const {
  resource_request r;
  r.tenant = e.tenant;
  r.user = e.user;
  r.device = e.device;
  r.app = e.app;
  r.region = home_region(e.user);
  r.time_us = e.time_us;
  r.resources = e.usage;
  return r;
}

std::string synthetic_workload::user_id(size_t i) {
  std::string s;
  if (i <= std::numeric_limits<uint32_t>::max()) {
    impl::write_user(s, static_cast<uint32_t>(i));
    return s;
  }
  s = std::to_string(i);
  return "user-" + s;
}

std::optional<size_t> synthetic_workload::user_index(std::string_view user) {
  constexpr std::string_view prefix = "user-";
  if (user.size() < prefix.size() + 7 || user.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  auto digits = user.substr(prefix.size());
  if (digits.size() > 7 && digits[0] == '0')
    return std::nullopt; // not the canonical spelling
  size_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || v > (std::numeric_limits<size_t>::max() - 9) / 10)
      return std::nullopt;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  return v;
}

} // namespace prescient::workload
