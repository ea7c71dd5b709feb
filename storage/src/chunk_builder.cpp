#include "prescient/storage/chunk.hpp"

#include <limits>

#include <cassert>
#include <cstring>

#include "chunk_format.hpp"

namespace prescient::storage {

using namespace detail;

int64_t bucket_start_of(int64_t time_us) noexcept {
  auto q = time_us / bucket_duration_us;
  // Floor, not truncation, for times before the epoch, except at the very
  // bottom of the range, where the floor is not representable.
  if (time_us % bucket_duration_us < 0
      && q > std::numeric_limits<int64_t>::min() / bucket_duration_us)
    --q;
  return q * bucket_duration_us;
}

namespace {

uint32_t name_hash(std::string_view s) {
  uint32_t h = 2166136261u; // FNV-1a
  for (unsigned char c : s)
    h = (h ^ c) * 16777619u;
  return h;
}

} // namespace

chunk_builder::chunk_builder(int64_t first_time_us, activity_class cls)
  : first_time_us_(first_time_us),
    bucket_start_us_(bucket_start_of(first_time_us)),
    cls_(cls) {
  buf_.reserve(64);
  buf_.resize(chunk_header_bytes); // an upper bound; trimmed below
  char* head = buf_.data();
  head[0] = static_cast<char>(chunk_format_version);
  head[1] = static_cast<char>(cls);
  size_t n = 2 + put_varint(head + 2,
                            zigzag(static_cast<uint64_t>(bucket_start_us_
                                                         / bucket_duration_us)));
  count_pos_ = static_cast<uint8_t>(n);
  n += put_varint(head + n, 0);
  stream_pos_ = static_cast<uint8_t>(n);
  buf_.resize(n);
  model_.prev_t = static_cast<uint64_t>(bucket_start_us_);
}

bool chunk_builder::accepts(int64_t time_us) const noexcept {
  return bucket_start_of(time_us) == bucket_start_us_;
}

void chunk_builder::put_bits(uint64_t value, unsigned count) {
  while (count > 0) {
    if (free_bits_ == 0) {
      if (buf_.size() == buf_.capacity())
        // Grow by a quarter: a builder lives per active device, so doubling
        // would waste up to half of every resident profile's biggest buffer.
        buf_.reserve(buf_.size() + buf_.size() / 4 + 16);
      buf_.push_back(0);
      free_bits_ = 8;
    }
    unsigned n = count < free_bits_ ? count : free_bits_;
    auto bits = (value >> (count - n)) & ((uint64_t{1} << n) - 1);
    auto& last = reinterpret_cast<unsigned char&>(buf_.back());
    last |= static_cast<unsigned char>(bits << (free_bits_ - n));
    free_bits_ = static_cast<uint8_t>(free_bits_ - n);
    count -= n;
  }
}

void chunk_builder::put_long(uint64_t nonzero) {
  unsigned len = bitlen(nonzero) - 1;
  put_bits(len, 6);
  put_bits(nonzero, len); // the top bit is implicit
}

void chunk_builder::put_rice(uint64_t u, uint8_t& state) {
  unsigned k = rice_k(state);
  uint64_t q = u >> k;
  if (q < rice_limit) {
    put_bits((uint64_t{1} << (q + 1)) - 2, static_cast<unsigned>(q) + 1);
    put_bits(u, k);
  } else {
    put_bits((uint64_t{1} << rice_limit) - 1, rice_limit);
    put_long(u);
  }
  rice_adapt(state, u);
}

void chunk_builder::put_xor(uint64_t value, xor_state& st) {
  auto x = value ^ st.prev;
  st.prev = value;
  if (x == 0) {
    put_bits(0, 1);
    return;
  }
  unsigned lead = static_cast<unsigned>(__builtin_clzll(x));
  unsigned trail = static_cast<unsigned>(__builtin_ctzll(x));
  unsigned len = 64 - lead - trail;
  if (st.lead != 0xFF && lead >= st.lead && trail >= st.trail) {
    unsigned win = 64 - st.lead - st.trail;
    if (win <= len + 12) { // the window is not much wider than a new one
      put_bits(0b10, 2);
      put_bits(x >> st.trail, win);
      return;
    }
  }
  put_bits(0b11, 2);
  put_bits(lead, 6);
  put_bits(len - 1, 6);
  put_bits(x >> trail, len);
  st.lead = static_cast<uint8_t>(lead);
  st.trail = static_cast<uint8_t>(trail);
}

void chunk_builder::put_name(std::string_view app) {
  if (app.size() <= name_short_max) {
    put_bits(app.size(), name_short_bits);
  } else {
    put_bits(name_short_max + 1, name_short_bits);
    put_bits(app.size(), 16);
  }
  for (unsigned char c : app) {
    int code = name_code(c);
    if (code >= 0) {
      put_bits(static_cast<unsigned>(code), 5);
    } else if (c >= '0' && c <= '9') {
      put_bits(30, 5);
      put_bits(c - '0', 4);
    } else {
      put_bits(31, 5);
      put_bits(c, 8);
    }
  }
}

size_t chunk_builder::find_app(std::string_view app) const {
  auto h = name_hash(app);
  for (size_t i = 0; i < apps_.size(); ++i) {
    if (apps_[i].name_hash != h)
      continue;
    // Confirm against the stored name: a hash collision must not merge apps.
    bit_reader in{buf_.data() + stream_pos_, buf_.size() - stream_pos_};
    in.seek(apps_[i].name_bit);
    size_t pos = 0;
    bool same = true;
    bool ok = in.name([&](char c) {
      same = same && pos < app.size() && app[pos] == c;
      ++pos;
    });
    if (ok && same && pos == app.size())
      return i;
  }
  return apps_.size();
}

void chunk_builder::write_count() {
  char tmp[10];
  size_t n = put_varint(tmp, events_);
  size_t old = static_cast<size_t>(stream_pos_ - count_pos_);
  if (n != old) { // at 128, 16384, ... events: move the stream
    buf_.insert(buf_.begin() + stream_pos_, n - old, '\0');
    stream_pos_ = static_cast<uint8_t>(stream_pos_ + (n - old));
  }
  std::memcpy(buf_.data() + count_pos_, tmp, n);
}

namespace {

/// Approximate bits of coding `t` against prediction `p` (mode + residual).
unsigned time_cost(uint64_t t, uint64_t p) {
  auto r = static_cast<int64_t>(t - p);
  if (r % 1000 == 0)
    return bitlen(zigzag(static_cast<uint64_t>(r / 1000)));
  return 10 + bitlen(zigzag(static_cast<uint64_t>(r)));
}

/// Estimated extra bits of a new stream (absolute values, index).
constexpr unsigned new_stream_cost = 10;
/// Streams per chunk beyond which events join the closest existing one.
constexpr size_t max_streams = 8;

} // namespace

size_t chunk_builder::choose_stream(size_t app, uint64_t t, uint8_t kind,
                                    int64_t duration) const {
  // Any choice decodes correctly; a good one makes the residuals small.
  // Streams follow runs: a heartbeat reports the time since its run's
  // previous one, which identifies the stream exactly; other events go to
  // the stream that predicts them best, or start a new one.
  size_t closed = streams_.size();
  size_t best = streams_.size();
  unsigned best_cost = 0;
  for (size_t i = 0; i < streams_.size(); ++i) {
    const app_model& s = streams_[i];
    if (s.app != app)
      continue;
    if (!s.active()) {
      if (closed == streams_.size())
        closed = i;
      continue;
    }
    if (kind == kind_heartbeat
        && s.prev_t + static_cast<uint64_t>(duration) * 1000 == t)
      return i;
    if (kind == kind_request)
      continue; // a new run
    if (kind == kind_launch && s.last_kind != kind_request)
      continue;
    unsigned cost = time_cost(t, predicted_next(s, model_));
    if (kind == kind_heartbeat) // the duration will not match either
      cost += bitlen(zigzag(static_cast<uint64_t>(duration)
                            - static_cast<uint64_t>(expected_duration(s, t, kind))));
    if (best == streams_.size() || cost < best_cost) {
      best = i;
      best_cost = cost;
    }
  }
  if (streams_.size() >= max_streams && best == streams_.size()) {
    for (size_t i = 0; i < streams_.size(); ++i)
      if (streams_[i].app == app)
        return i;
  }
  if (best < streams_.size() && streams_.size() < max_streams) {
    unsigned fresh = time_cost(t, model_.prev_t) + new_stream_cost;
    if (fresh < best_cost)
      best = streams_.size();
  }
  if (best < streams_.size())
    return best;
  return closed;
}

void chunk_builder::append(const usage_event& e) {
  assert(accepts(e.time_us));
  const auto t = static_cast<uint64_t>(e.time_us);
  const auto kind = static_cast<uint8_t>(static_cast<uint8_t>(e.kind) & 0x3);
  std::string_view name = e.app;
  if (name.size() > name_max)
    name = name.substr(0, name_max);
  const int64_t duration = quantise(e.duration_ms, precision::duration_ms);
  // stream and app
  size_t app = find_app(name);
  size_t idx = app < apps_.size() ? choose_stream(app, t, kind, duration)
                                  : streams_.size();
  if (streams_.empty()) {
    // the first event always starts a stream of a new app: no bits
  } else if (idx < streams_.size()
             && idx == expected_app(streams_, model_,
                                    [](const app_model& a) -> const app_model& {
                                      return a;
                                    })) {
    put_bits(0, 1);
  } else {
    put_bits(1, 1);
    put_bits(idx, bitlen(streams_.size()));
  }
  if (idx == streams_.size()) {
    // Bounded by the 16-bit prev_app; more runs per device and chunk do not
    // occur in practice.
    assert(streams_.size() < 0xFFFF);
    if (!apps_.empty())
      put_bits(app, bitlen(apps_.size()));
    if (app == apps_.size()) {
      if (apps_.size() == apps_.capacity())
        apps_.reserve(apps_.size() + 2);
      app_entry a;
      a.name_hash = name_hash(name);
      a.name_bit = static_cast<uint32_t>((buf_.size() - stream_pos_) * 8
                                         - free_bits_);
      apps_.push_back(a);
      put_name(name);
    }
    if (streams_.size() == streams_.capacity())
      streams_.reserve(streams_.size() + 2);
    streams_.push_back(new_stream(streams_, app));
  }
  app_model& am = streams_[idx];
  // time
  auto r = t - predicted_time(am, model_);
  if (static_cast<int64_t>(r) % 1000 == 0) {
    put_bits(0, 1);
    put_rice(zigzag(static_cast<uint64_t>(static_cast<int64_t>(r) / 1000)),
             model_.state_ms);
  } else {
    put_bits(1, 1);
    put_rice(zigzag(r), model_.state_us);
  }
  // kind
  if (kind == predicted_kind(am)) {
    put_bits(0, 1);
  } else {
    put_bits(1, 1);
    put_bits(kind, 2);
  }
  // session
  if (e.session == model_.session) {
    put_bits(0, 1);
  } else {
    put_bits(1, 1);
    put_rice(zigzag(e.session - model_.session), model_.state_session);
    model_.session = e.session;
  }
  // usage
  const double vals[usage_count] = {e.usage.cpu_millicores, e.usage.memory_mb,
                                    e.usage.disk_iops, e.usage.network_mbps,
                                    e.usage.gpus};
  int64_t q[usage_count];
  bool any = false;
  for (int i = 0; i < usage_count; ++i) {
    q[i] = quantise(vals[i], value_steps[i]);
    any = any || q[i] != 0;
  }
  if (!any) {
    put_bits(0, 1);
  } else {
    put_bits(1, 1);
    for (int i = 0; i < usage_count; ++i) {
      if (am.has_vals) {
        put_rice(zigzag(static_cast<uint64_t>(q[i])
                        - static_cast<uint64_t>(int64_t{am.vals[i]})),
                 am.state[i]);
      } else if (q[i] == 0) {
        put_bits(0, 1);
        am.state[i] = 0;
      } else {
        auto z = zigzag(static_cast<uint64_t>(q[i]));
        put_bits(1, 1);
        put_long(z);
        am.state[i] = state_from_absolute(bitlen(z));
      }
      am.vals[i] = clamp32(q[i]);
    }
    am.has_vals = true;
  }
  // duration
  auto d = static_cast<uint64_t>(duration) - static_cast<uint64_t>(expected_duration(am, t, kind));
  if (d == 0) {
    put_bits(0, 1);
  } else {
    put_bits(1, 1);
    put_rice(zigzag(d) - 1, model_.state_duration);
  }
  // location
  bool loc = e.location && e.location_consent;
  uint64_t lat = 0;
  uint64_t lon = 0;
  if (loc) {
    std::memcpy(&lat, &e.location->latitude, 8);
    std::memcpy(&lon, &e.location->longitude, 8);
  }
  if (loc == has_location_ && (!loc || (lat == lat_.prev && lon == lon_.prev))) {
    put_bits(0, 1);
  } else if (!loc) {
    put_bits(0b10, 2);
  } else {
    put_bits(0b11, 2);
    put_xor(lat, lat_);
    put_xor(lon, lon_);
  }
  has_location_ = loc;
  observe(am, model_, idx, t, kind);
  ++events_;
  write_count();
}

size_t chunk_builder::memory_bytes() const noexcept {
  return sizeof(*this) + buf_.capacity() + apps_.capacity() * sizeof(app_entry)
         + streams_.capacity() * sizeof(app_model);
}

void chunk_builder::reset(int64_t first_time_us, activity_class cls) {
  chunk_builder fresh(first_time_us, cls);
  buf_.assign(fresh.buf_.begin(), fresh.buf_.end());
  apps_.clear();
  streams_.clear();
  fresh.buf_ = std::move(buf_);
  fresh.apps_ = std::move(apps_);
  fresh.streams_ = std::move(streams_);
  *this = std::move(fresh);
}

void chunk_builder::shrink_to_fit() {
  buf_.shrink_to_fit();
  apps_.shrink_to_fit();
  streams_.shrink_to_fit();
}

} // namespace prescient::storage
