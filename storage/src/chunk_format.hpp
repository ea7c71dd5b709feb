// Internal: the chunk bitstream, shared by encoder and decoder.
//
// Format version 2 (version 1 is still decoded, see chunk_decode.cpp).
//
// Header (byte-aligned): version (1 B = 2), activity class (1 B),
// varint(zigzag(bucket_start / bucket_duration_us)), varint(event count)
// (LEB128: 7 bits per byte, low group first). 6 bytes today, at most
// chunk_header_bytes. The count grows by a byte at 128 and 16384 events; the
// encoder then moves the stream.
//
// The bitstream follows, MSB first, one event after the other. Coding is
// predictive: encoder and decoder keep the same model (below) and update it
// after every event with the decoded values, so every field is coded as a
// small residual against what the model expects.
//
// Model: per chunk the previous event's time, session and location, the last
// heartbeat interval of any app, and adaptive code states. Per stream (an
// `app_model`; a stream follows one run of an app, and a device may run the
// same app several times at once): its app (index into the chunk's name
// dictionary), previous event time and kind, heartbeat interval (moving
// average, in whole ms when the run is ms-aligned), previous usage values
// (clamped to int32) and one adaptive code state per usage column. A stream
// is "active" after a request, launch or heartbeat and inactive after a
// close. Its predicted next time is prev_t after a request, prev_t +
// interval after a launch or heartbeat (interval: the stream's, else the
// chunk's last one). A new stream of an app that has streams starts from the
// latest such sibling's usage, states and interval.
//
// Per event:
//   stream   (nothing for the first event: it always starts a stream)
//            '0' the expected stream: the active stream with the earliest
//            predicted next time (lowest index on ties; the previous event's
//            stream when none is active); else '1' + index in
//            bitlen(stream count) bits; index == count starts a new stream:
//            then the app as bitlen(dict size) bits (nothing while the
//            dictionary is empty), index == size adding a name().
//            Which stream an event joins is the encoder's choice (any
//            choice decodes): the one whose previous time + duration equals
//            a heartbeat's time, else the cheapest prediction, else a new
//            stream (at most 8 per chunk).
//   time     residual r = t - p, where p is the stream's predicted next time
//            if it is active, else the previous event's time (the bucket start
//            for the first event). '0' + rice(zigzag(r / 1000)) if r is a
//            multiple of 1000 µs (runs send ms-aligned heartbeats), else
//            '1' + rice(zigzag(r)) with a separate state.
//   kind     '0' the stream's expected kind (request -> launch, launch or
//            heartbeat -> heartbeat, close -> request, new stream ->
//            heartbeat), else '1' + 2 bits.
//   session  '0' same as the previous event, else '1' + rice(zigzag(delta)).
//   usage    '0' all five quantised usage values are zero (launch events;
//            the stream's usage model is then left alone), else '1' + per
//            column (cpu, memory, disk, network, gpus): if the stream has
//            usage state rice(zigzag(v - prev)) with its state of that
//            column, else (no usage of the app yet in the chunk) absolute(v).
//   duration '0' if quantised duration == expected, else '1' +
//            rice(zigzag(d - expected) - 1); expected = (t - app prev_t) /
//            1000 (truncated) for a heartbeat of a stream with a previous
//            event (heartbeats report the time since the run's previous
//            one), else 0.
//   location '0' same as the previous event (present or absent), else '1' +
//            ('0' absent | '1' + xor(lat bits) + xor(lon bits)).
//
// rice(u) with state s (average bit length of past u, in 1/4 bits):
// k = max(0, s/4 - 1); q = u >> k; if q < rice_limit: q '1's, '0', k low
// bits; else rice_limit '1's + 6 bits (L - 1) + the L - 1 bits of u below
// its top bit (L = bitlen(u)). Then s += (4 * bitlen(u) - s) / 2.
// absolute(v): '0' if v == 0, else '1' + 6 bits (L - 1) + L - 1 bits of
// zigzag(v) below its top bit; it sets the column state to 4 * (L - 2).
// name: length as 5 bits (< 31) or 31 + 16 bits, then per byte 5 bits:
// 0-25 'a'-'z', 26 '-', 27 '_', 28 '.', 29 ' ', 30 + 4 bits a digit, 31 +
// 8 bits any byte.
// xor(v): Gorilla: '0' same as previous; '10' + the meaningful bits inside
// the previous window; '11' + 6 bits leading zeros + 6 bits (length - 1) +
// length bits, which sets the window.
//
// Integer arithmetic wraps (uint64), so any time or session round-trips and
// garbage decodes without overflow. The last byte is zero-padded; the count
// in the header says where the stream ends.
#pragma once

#include <cmath>
#include <cstdint>
#include <climits>
#include <algorithm>
#include <string_view>
#include <vector>

#include "prescient/storage/chunk.hpp"

namespace prescient::storage::detail {

constexpr int value_count = 6;

inline const double value_steps[value_count] = {
  precision::cpu_millicores, precision::memory_mb, precision::disk_iops,
  precision::network_mbps,   precision::gpus,      precision::duration_ms};

inline int64_t quantise(double x, double step) {
  if (!std::isfinite(x))
    return 0;
  constexpr double limit = 4.611686018427387904e18; // 2^62
  double q = std::round(x / step);
  if (q > limit)
    q = limit;
  else if (q < -limit)
    q = -limit;
  return static_cast<int64_t>(q);
}

inline uint64_t zigzag(uint64_t x) {
  auto s = static_cast<int64_t>(x);
  return (x << 1) ^ static_cast<uint64_t>(s >> 63);
}

inline uint64_t unzigzag(uint64_t z) {
  return (z >> 1) ^ (~(z & 1) + 1);
}

inline unsigned bitlen(uint64_t x) {
  return x == 0 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(x));
}

inline void store_le(char* out, uint64_t x, int n) {
  for (int i = 0; i < n; ++i)
    out[i] = static_cast<char>((x >> (8 * i)) & 0xFF);
}

inline uint64_t load_le(const char* in, int n) {
  uint64_t x = 0;
  for (int i = n - 1; i >= 0; --i)
    x = (x << 8) | static_cast<uint8_t>(in[i]);
  return x;
}

/// Bytes of varint(x).
inline size_t varint_size(uint64_t x) {
  size_t n = 1;
  while (x >= 0x80) {
    x >>= 7;
    ++n;
  }
  return n;
}

inline size_t put_varint(char* out, uint64_t x) {
  size_t n = 0;
  while (x >= 0x80) {
    out[n++] = static_cast<char>((x & 0x7F) | 0x80);
    x >>= 7;
  }
  out[n++] = static_cast<char>(x);
  return n;
}

/// Reads a varint of at most 10 bytes from [*pos, size); false if truncated
/// or overlong.
inline bool get_varint(std::string_view in, size_t& pos, uint64_t& out) {
  uint64_t x = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size())
      return false;
    auto b = static_cast<uint8_t>(in[pos++]);
    x |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      out = x;
      return true;
    }
  }
  return false;
}

constexpr unsigned app_len_bits = 16; // version 1

// -- version 2 ---------------------------------------------------------------

constexpr uint8_t kind_launch = 0;
constexpr uint8_t kind_request = 2;
constexpr uint8_t kind_heartbeat = 3;

constexpr unsigned rice_limit = 16;
constexpr int64_t ema_div = 4;
constexpr unsigned name_short_bits = 5;
constexpr size_t name_short_max = 30; // 31 escapes to 16 bits
constexpr size_t name_max = 0xFFFF;

inline unsigned rice_k(uint8_t s) {
  unsigned k = s / 4u;
  return k > 1 ? (k > 63 ? 62 : k - 1) : 0;
}

inline void rice_adapt(uint8_t& s, uint64_t u) {
  int target = 4 * static_cast<int>(bitlen(u));
  int next = s + (target - s) / 2;
  s = static_cast<uint8_t>(next < 0 ? 0 : next > 255 ? 255 : next);
}

inline uint8_t state_from_absolute(unsigned len) {
  return static_cast<uint8_t>(len > 2 ? 4 * (len - 2) : 0);
}

inline int32_t clamp32(int64_t v) {
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : static_cast<int32_t>(v);
}

inline uint64_t predicted_next(const app_model& a, const chunk_model& c) {
  if (a.last_kind == kind_request)
    return a.prev_t;
  uint64_t iv = a.interval != 0 ? static_cast<uint32_t>(a.interval) : c.interval;
  return a.prev_t + iv;
}

/// Time prediction for an event of app `a`.
inline uint64_t predicted_time(const app_model& a, const chunk_model& c) {
  return a.active() ? predicted_next(a, c) : c.prev_t;
}

inline uint8_t predicted_kind(const app_model& a) {
  switch (a.last_kind) {
    case kind_request:
      return kind_launch;
    case kind_close:
      return kind_request;
    default:
      return kind_heartbeat;
  }
}

/// Index of the expected app; REQUIRES !apps.empty(). `model(x)` gives the
/// app_model of an element.
template <class Apps, class Model>
size_t expected_app(const Apps& apps, const chunk_model& c, Model model) {
  size_t best = c.prev_app < apps.size() ? c.prev_app : 0;
  bool found = false;
  int64_t best_t = 0;
  for (size_t i = 0; i < apps.size(); ++i) {
    const app_model& a = model(apps[i]);
    if (!a.active())
      continue;
    // Relative to the previous event: no overflow for any input.
    auto t = static_cast<int64_t>(predicted_next(a, c) - c.prev_t);
    if (!found || t < best_t) {
      found = true;
      best = i;
      best_t = t;
    }
  }
  return best;
}

/// The model of a new stream of app `app`: a run of an app that already has
/// streams starts from the latest sibling's usage and interval (a user's runs
/// of one app use similar resources).
inline app_model new_stream(const std::vector<app_model>& streams, size_t app) {
  app_model m;
  m.app = static_cast<uint16_t>(app);
  for (size_t i = streams.size(); i-- > 0;) {
    const app_model& s = streams[i];
    if (s.app == app && s.has_vals) {
      std::copy(s.vals, s.vals + usage_count, m.vals);
      std::copy(s.state, s.state + usage_count, m.state);
      m.has_vals = true;
      m.interval = s.interval;
      break;
    }
  }
  return m;
}

inline int64_t expected_duration(const app_model& a, uint64_t t, uint8_t kind) {
  if (kind != kind_heartbeat || a.last_kind == no_kind)
    return 0;
  return static_cast<int64_t>(t - a.prev_t) / 1000;
}

/// Updates the time and kind models after an event of app `a` (index `idx`).
inline void observe(app_model& a, chunk_model& c, size_t idx, uint64_t t,
                    uint8_t kind) {
  if (kind == kind_heartbeat
      && (a.last_kind == kind_heartbeat || a.last_kind == kind_launch)) {
    uint64_t d = t - a.prev_t;
    if (d > 0 && d <= static_cast<uint64_t>(INT32_MAX)) {
      // A moving average: heartbeat intervals jitter independently around
      // the run's period, so the average predicts better than the last one.
      // In whole ms when both are: ms-aligned runs keep ms-aligned residuals.
      auto di = static_cast<int64_t>(d);
      if (a.interval == 0 || di % 1000 != 0 || a.interval % 1000 != 0)
        a.interval = static_cast<int32_t>(di);
      else
        a.interval = static_cast<int32_t>(
          (a.interval / 1000 + (di / 1000 - a.interval / 1000) / ema_div) * 1000);
      c.interval = static_cast<uint32_t>(d);
    }
  }
  a.prev_t = t;
  a.last_kind = kind;
  c.prev_t = t;
  c.prev_app = static_cast<uint16_t>(idx);
}

/// 5-bit name alphabet: index of a byte, or -1 (digit / raw escapes).
inline int name_code(unsigned char ch) {
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a';
  switch (ch) {
    case '-':
      return 26;
    case '_':
      return 27;
    case '.':
      return 28;
    case ' ':
      return 29;
    default:
      return -1;
  }
}

inline char name_char(unsigned code) {
  return code < 26 ? static_cast<char>('a' + code) : "-_. "[code - 26];
}

/// MSB-first reader over a byte range; every read is bounds-checked.
class bit_reader {
public:
  bit_reader(const char* data, size_t bytes) : data_(data), bits_(bytes * 8) {
    // nop
  }

  size_t remaining() const {
    return bits_ - pos_;
  }

  size_t pos() const {
    return pos_;
  }

  void seek(size_t bit) {
    pos_ = bit < bits_ ? bit : bits_;
  }

  /// Reads `count` (<= 64) bits into `out`; false when past the end.
  bool read(unsigned count, uint64_t& out) {
    if (count > remaining())
      return false;
    uint64_t x = 0;
    while (count > 0) {
      auto byte = static_cast<uint8_t>(data_[pos_ / 8]);
      unsigned avail = 8 - pos_ % 8;
      unsigned n = count < avail ? count : avail;
      auto bits = (byte >> (avail - n)) & ((1u << n) - 1);
      x = (n == 64 ? 0 : x << n) | bits;
      pos_ += n;
      count -= n;
    }
    out = x;
    return true;
  }

  bool varwidth(uint8_t& width, uint64_t& out) {
    uint64_t flag;
    if (!read(1, flag))
      return false;
    if (flag == 0)
      return read(width, out);
    uint64_t len;
    if (!read(6, len))
      return false;
    width = static_cast<uint8_t>(len + 1);
    return read(width, out);
  }

  struct xor_state {
    uint64_t prev = 0;
    unsigned lead = 0xFF;
    unsigned trail = 0;
  };

  bool xor_value(xor_state& st, uint64_t& out) {
    uint64_t flag;
    if (!read(1, flag))
      return false;
    if (flag == 0) {
      out = st.prev;
      return true;
    }
    if (!read(1, flag))
      return false;
    if (flag == 1) {
      uint64_t lead, len;
      if (!read(6, lead) || !read(6, len))
        return false;
      ++len;
      if (lead + len > 64)
        return false;
      st.lead = static_cast<unsigned>(lead);
      st.trail = static_cast<unsigned>(64 - lead - len);
    } else if (st.lead == 0xFF) {
      return false; // window reuse before any window
    }
    uint64_t bits;
    if (!read(64 - st.lead - st.trail, bits))
      return false;
    out = st.prev ^ (st.trail == 64 ? 0 : bits << st.trail);
    st.prev = out;
    return true;
  }

  /// '6 bits (L - 1)' + L - 1 bits: a nonzero value with implicit top bit.
  bool long_value(uint64_t& out) {
    uint64_t len, bits;
    if (!read(6, len) || !read(static_cast<unsigned>(len), bits))
      return false;
    out = (uint64_t{1} << len) | bits;
    return true;
  }

  bool rice(uint8_t& state, uint64_t& out) {
    unsigned k = rice_k(state);
    unsigned q = 0;
    uint64_t bit = 1;
    while (q < rice_limit) {
      if (!read(1, bit))
        return false;
      if (bit == 0)
        break;
      ++q;
    }
    if (q == rice_limit) {
      if (!long_value(out))
        return false;
    } else {
      uint64_t low = 0;
      if (k > 0 && !read(k, low))
        return false;
      out = (static_cast<uint64_t>(q) << k) | low;
    }
    rice_adapt(state, out);
    return true;
  }

  /// Reads a name; calls `sink(char)` per byte. False when garbled.
  template <class Sink>
  bool name(Sink&& sink) {
    uint64_t len, code;
    if (!read(name_short_bits, len))
      return false;
    if (len > name_short_max && !read(16, len))
      return false;
    if (len * 5 > remaining())
      return false;
    for (uint64_t i = 0; i < len; ++i) {
      if (!read(5, code))
        return false;
      if (code < 30) {
        sink(name_char(static_cast<unsigned>(code)));
      } else if (code == 30) {
        if (!read(4, code) || code > 9)
          return false;
        sink(static_cast<char>('0' + code));
      } else {
        if (!read(8, code))
          return false;
        sink(static_cast<char>(code));
      }
    }
    return true;
  }

private:
  const char* data_;
  size_t bits_;
  size_t pos_ = 0;
};

} // namespace prescient::storage::detail
