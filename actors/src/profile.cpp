#include "profile.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "prescient/storage/errc.hpp"

namespace prescient {

namespace {

constexpr uint8_t state_version = 1;
constexpr double rate_tau_us = 7.0 * 24 * 3600 * 1e6; // 7 days

// Little-endian fixed-width encoding of the profile state; the state is tiny
// and read once per activation, so simplicity beats a schema here.
template <class T>
void put(std::string& out, T x) {
  char buf[sizeof(T)];
  std::memcpy(buf, &x, sizeof(T));
  out.append(buf, sizeof(T));
}

template <class T>
bool get(std::string_view& in, T& x) {
  if (in.size() < sizeof(T))
    return false;
  std::memcpy(&x, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

} // namespace

caf::expected<profile> profile::load(storage::db& db, std::string_view tenant,
                                     std::string_view user) {
  profile p;
  auto blob = db.profiles().get(tenant, user);
  if (!blob)
    return std::move(blob.error());
  if (!*blob)
    return p;
  if (!p.decode_state(**blob))
    return storage::make_error(storage::storage_errc::corruption,
                               "profile state of user '" + std::string(user)
                                 + "' is unreadable");
  for (auto& d : p.devices_) {
    if (d.open_seq == 0)
      continue;
    storage::chunk_key key{std::string(tenant), std::string(user), d.name,
                           d.open_bucket_us, d.open_seq};
    auto bytes = db.series().get(key);
    if (!bytes)
      return std::move(bytes.error());
    if (!*bytes) { // erased or expired meanwhile: start afresh
      d.open_seq = 0;
      continue;
    }
    auto events = storage::decode_chunk(**bytes, tenant, user, d.name);
    if (!events)
      return std::move(events.error());
    if (events->empty()) {
      d.open_seq = 0;
      continue;
    }
    d.open.emplace(events->front().time_us, p.activity());
    for (auto& e : *events)
      d.open->append(e);
  }
  return p;
}

storage::activity_class profile::activity() const noexcept {
  // rate_ is a count decayed over 7 days: rate_ / 7 ≈ events per day.
  auto per_day = rate_ / 7.0;
  if (per_day >= 50)
    return storage::activity_class::frequent;
  if (per_day >= 5)
    return storage::activity_class::regular;
  return storage::activity_class::occasional;
}

profile::device_state& profile::device(std::string_view name) {
  for (auto& d : devices_)
    if (d.name == name)
      return d;
  // Exact growth: a device_state holds a chunk builder inline, and a
  // doubling vector would keep a spare one in most profiles.
  devices_.reserve(devices_.size() + 1);
  devices_.emplace_back();
  devices_.back().name = std::string(name);
  devices_.back().next_seq = 1;
  return devices_.back();
}

void profile::apply(const usage_event& e, sealed_chunks& sealed) {
  if (events_ == 0 || e.time_us < first_event_us_)
    first_event_us_ = e.time_us;
  if (e.time_us > last_event_us_) {
    if (last_event_us_ > 0)
      rate_ *= std::exp(-double(e.time_us - last_event_us_) / rate_tau_us);
    last_event_us_ = e.time_us;
  }
  rate_ += 1;
  ++events_;
  dirty_ = true;
  auto& d = device(e.device);
  d.last_us = std::max(d.last_us, e.time_us);
  if (d.open && (!d.open->accepts(e.time_us) || d.open->bytes() >= max_chunk_bytes)) {
    sealed.add(storage::chunk_key{e.tenant, e.user, d.name, d.open_bucket_us,
                                  d.open_seq},
               d.open->encoded());
    d.open->reset(e.time_us, activity()); // same buffers, new chunk
    d.open_seq = d.next_seq++;
  } else if (!d.open) {
    d.open.emplace(e.time_us, activity());
    d.open_seq = d.next_seq++;
  }
  d.open_bucket_us = d.open->bucket_start_us();
  d.open->append(e);
}

void profile::checkpoint(storage::db& db, storage::write_batch& batch,
                         std::string_view tenant, std::string_view user) {
  for (auto& d : devices_)
    if (d.open)
      db.series().put(batch,
                      storage::chunk_key{std::string(tenant), std::string(user),
                                         d.name, d.open_bucket_us, d.open_seq},
                      *d.open);
  db.profiles().put(batch, tenant, user, encode_state());
}

void profile::close_idle_devices(int64_t horizon_us) {
  for (auto& d : devices_)
    if (d.open && d.last_us < horizon_us)
      d.open.reset();
}

std::vector<std::string> profile::devices() const {
  std::vector<std::string> out;
  for (auto& d : devices_)
    out.push_back(d.name);
  return out;
}

uint32_t profile::device_index(std::string_view name) const noexcept {
  for (size_t i = 0; i < devices_.size(); ++i)
    if (devices_[i].name == name)
      return static_cast<uint32_t>(i + 1);
  return 0;
}

std::string profile::encode_state() const {
  std::string out;
  put(out, state_version);
  put(out, first_event_us_);
  put(out, last_event_us_);
  put(out, events_);
  put(out, rate_);
  put(out, static_cast<uint32_t>(devices_.size()));
  for (auto& d : devices_) {
    put(out, static_cast<uint16_t>(d.name.size()));
    out += d.name;
    put(out, d.next_seq);
    put(out, d.open ? d.open_seq : uint32_t{0});
    put(out, d.open_bucket_us);
  }
  return out;
}

bool profile::decode_state(std::string_view in) {
  uint8_t version = 0;
  uint32_t n = 0;
  if (!get(in, version) || version != state_version || !get(in, first_event_us_)
      || !get(in, last_event_us_) || !get(in, events_) || !get(in, rate_)
      || !get(in, n))
    return false;
  devices_.clear();
  for (uint32_t i = 0; i < n; ++i) {
    uint16_t len = 0;
    if (!get(in, len) || in.size() < len)
      return false;
    device_state d;
    d.name.assign(in.data(), len);
    in.remove_prefix(len);
    if (!get(in, d.next_seq) || !get(in, d.open_seq) || !get(in, d.open_bucket_us))
      return false;
    devices_.push_back(std::move(d));
  }
  return in.empty();
}

} // namespace prescient
