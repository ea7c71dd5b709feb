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

chunk_builder::chunk_builder(int64_t first_time_us, activity_class cls)
  : first_time_us_(first_time_us),
    bucket_start_us_(bucket_start_of(first_time_us)),
    prev_time_us_(bucket_start_us_),
    cls_(cls) {
  buf_.resize(chunk_header_bytes);
  buf_[0] = static_cast<char>(chunk_format_version);
  buf_[1] = static_cast<char>(cls);
  store_le(buf_.data() + 2, static_cast<uint64_t>(bucket_start_us_), 8);
  store_le(buf_.data() + 10, 0, 4);
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

void chunk_builder::put_varwidth(uint64_t value, uint8_t& width) {
  unsigned len = bitlen(value);
  if (len == 0)
    len = 1;
  // Reuse the previous width unless a fresh one saves more than its
  // 6-bit header costs.
  if (len <= width && len + 6 >= width) {
    put_bits(0, 1);
    put_bits(value, width);
    return;
  }
  put_bits(1, 1);
  put_bits(len - 1, 6);
  put_bits(value, len);
  width = static_cast<uint8_t>(len);
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

void chunk_builder::put_app(const std::string& app) {
  if (prev_app_ != 0xFFFF && apps_[prev_app_] == app) {
    put_bits(0, 1);
    return;
  }
  put_bits(1, 1);
  size_t idx = 0;
  while (idx < apps_.size() && apps_[idx] != app)
    ++idx;
  put_bits(idx, bitlen(apps_.size()));
  if (idx == apps_.size()) {
    auto n = app.size() < 0xFFFF ? app.size() : size_t{0xFFFF};
    put_bits(n, app_len_bits);
    for (size_t i = 0; i < n; ++i)
      put_bits(static_cast<unsigned char>(app[i]), 8);
    apps_.emplace_back(app, 0, n);
    // The dictionary is bounded by the 16-bit index below; more distinct
    // apps per device and 2 h do not occur in practice.
    assert(apps_.size() < 0xFFFF);
  }
  prev_app_ = static_cast<uint16_t>(idx);
}

void chunk_builder::append(const usage_event& e) {
  assert(accepts(e.time_us));
  // time: delta-of-delta; wrapping arithmetic keeps any order exact.
  auto delta = static_cast<uint64_t>(e.time_us)
               - static_cast<uint64_t>(prev_time_us_);
  auto dod = delta - static_cast<uint64_t>(prev_delta_us_);
  prev_time_us_ = e.time_us;
  prev_delta_us_ = static_cast<int64_t>(delta);
  if (dod == 0) {
    put_bits(0, 1);
  } else if (static_cast<int64_t>(dod) % 1000 == 0) {
    put_bits(0b11, 2);
    put_varwidth(zigzag(static_cast<uint64_t>(static_cast<int64_t>(dod)
                                              / 1000)),
                 width_ms_);
  } else {
    put_bits(0b10, 2);
    put_varwidth(zigzag(dod), width_us_);
  }
  put_bits(static_cast<uint8_t>(e.kind) & 0x3, 2);
  put_app(e.app);
  if (e.session == prev_session_) {
    put_bits(0, 1);
  } else {
    put_bits(1, 1);
    put_varwidth(zigzag(e.session - prev_session_), width_session_);
    prev_session_ = e.session;
  }
  const double vals[value_count] = {e.usage.cpu_millicores, e.usage.memory_mb,
                                    e.usage.disk_iops,      e.usage.network_mbps,
                                    e.usage.gpus,           e.duration_ms};
  for (int i = 0; i < value_count; ++i)
    put_xor(static_cast<uint64_t>(quantise(vals[i], value_steps[i])),
            values_[i]);
  if (e.location && e.location_consent) {
    put_bits(1, 1);
    uint64_t lat;
    uint64_t lon;
    std::memcpy(&lat, &e.location->latitude, 8);
    std::memcpy(&lon, &e.location->longitude, 8);
    put_xor(lat, lat_);
    put_xor(lon, lon_);
  } else {
    put_bits(0, 1);
  }
  ++events_;
  store_le(buf_.data() + 10, events_, 4);
}

size_t chunk_builder::memory_bytes() const noexcept {
  size_t n = sizeof(*this) + buf_.capacity()
             + apps_.capacity() * sizeof(std::string);
  for (auto& a : apps_)
    if (a.capacity() > 15) // beyond libstdc++'s small-string buffer
      n += a.capacity() + 1;
  return n;
}

void chunk_builder::shrink_to_fit() {
  buf_.shrink_to_fit();
  apps_.shrink_to_fit();
}

} // namespace prescient::storage
