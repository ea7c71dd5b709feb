// Decoder of the chunk bitstream (format in chunk_format.hpp). Every read is
// bounds-checked: garbage yields storage_errc::corruption, never a crash.
#include <cstring>
#include <limits>

#include "chunk_format.hpp"
#include "prescient/storage/errc.hpp"

namespace prescient::storage {

using namespace detail;

namespace {

caf::error corrupt(const char* what) {
  return make_error(storage_errc::corruption,
                    std::string{"decode_chunk: "} + what);
}

} // namespace

namespace {

constexpr size_t v1_header_bytes = 14;

/// Parses the header; `stream` receives the offset of the bitstream.
caf::expected<chunk_header> parse_header(std::string_view bytes,
                                         size_t& stream) {
  if (bytes.size() < 2)
    return corrupt("shorter than the header");
  chunk_header h;
  h.version = static_cast<uint8_t>(bytes[0]);
  auto cls = static_cast<uint8_t>(bytes[1]);
  if (h.version == 1) {
    if (bytes.size() < v1_header_bytes)
      return corrupt("shorter than the header");
    h.bucket_start_us = static_cast<int64_t>(load_le(bytes.data() + 2, 8));
    h.events = static_cast<uint32_t>(load_le(bytes.data() + 10, 4));
    stream = v1_header_bytes;
  } else if (h.version == chunk_format_version) {
    size_t pos = 2;
    uint64_t idx, count;
    if (!get_varint(bytes, pos, idx) || !get_varint(bytes, pos, count))
      return corrupt("shorter than the header");
    auto bucket = static_cast<int64_t>(unzigzag(idx));
    constexpr int64_t max_bucket
      = std::numeric_limits<int64_t>::max() / bucket_duration_us;
    if (bucket > max_bucket || bucket < -max_bucket - 1
        || count > std::numeric_limits<uint32_t>::max())
      return corrupt("bad header");
    h.bucket_start_us = bucket * bucket_duration_us;
    h.events = static_cast<uint32_t>(count);
    stream = pos;
  } else {
    return corrupt("unknown format version");
  }
  if (cls >= activity_class_count)
    return corrupt("bad activity class");
  h.cls = static_cast<activity_class>(cls);
  return h;
}

caf::expected<std::vector<usage_event>>
decode_v1(const chunk_header& h, std::string_view bytes, std::string_view tenant,
          std::string_view user, std::string_view device);

caf::expected<std::vector<usage_event>>
decode_v2(const chunk_header& h, std::string_view bytes, std::string_view tenant,
          std::string_view user, std::string_view device);

} // namespace

caf::expected<chunk_header> read_chunk_header(std::string_view bytes) {
  size_t stream;
  return parse_header(bytes, stream);
}

caf::expected<std::vector<usage_event>>
decode_chunk(std::string_view bytes, std::string_view tenant,
             std::string_view user, std::string_view device) {
  size_t stream = 0;
  auto hdr = parse_header(bytes, stream);
  if (!hdr)
    return std::move(hdr.error());
  if (hdr->version == 1)
    return decode_v1(*hdr, bytes.substr(stream), tenant, user, device);
  return decode_v2(*hdr, bytes.substr(stream), tenant, user, device);
}

namespace {

/// Version 1: delta-of-delta times, Gorilla XOR of every value against
/// the previous event's, fixed 14-byte header.
caf::expected<std::vector<usage_event>>
decode_v1(const chunk_header& h, std::string_view bytes, std::string_view tenant,
          std::string_view user, std::string_view device) {
  const chunk_header* hdr = &h;
  bit_reader in{bytes.data(), bytes.size()};
  // An event takes at least 13 bits; a larger count is garbage, and checking
  // first keeps a garbled count from reserving gigabytes.
  if (hdr->events > in.remaining() / 13)
    return corrupt("event count exceeds the data");
  std::vector<usage_event> out;
  out.reserve(hdr->events);
  std::vector<std::string> apps;
  int64_t prev_app = -1;
  uint64_t prev_time = static_cast<uint64_t>(hdr->bucket_start_us);
  uint64_t prev_delta = 0;
  uint64_t session = 0;
  uint8_t width_us = 0, width_ms = 0, width_session = 0;
  bit_reader::xor_state values[value_count], lat, lon;
  for (uint32_t i = 0; i < hdr->events; ++i) {
    usage_event e;
    e.tenant = tenant;
    e.user = user;
    e.device = device;
    uint64_t flag, v;
    // time
    if (!in.read(1, flag))
      return corrupt("truncated time");
    uint64_t dod = 0;
    if (flag == 1) {
      if (!in.read(1, flag))
        return corrupt("truncated time");
      if (!in.varwidth(flag ? width_ms : width_us, v))
        return corrupt("truncated time");
      dod = unzigzag(v);
      if (flag)
        dod *= 1000; // unsigned: garbage wraps instead of overflowing
    }
    prev_delta += dod;
    prev_time += prev_delta;
    e.time_us = static_cast<int64_t>(prev_time);
    // kind
    if (!in.read(2, v))
      return corrupt("truncated kind");
    e.kind = static_cast<event_kind>(v);
    // app
    if (!in.read(1, flag))
      return corrupt("truncated app");
    if (flag == 1) {
      if (!in.read(bitlen(apps.size()), v) || v > apps.size())
        return corrupt("bad app index");
      if (v == apps.size()) {
        uint64_t len;
        if (!in.read(app_len_bits, len) || len * 8 > in.remaining())
          return corrupt("truncated app name");
        std::string name(len, '\0');
        for (auto& c : name) {
          in.read(8, v);
          c = static_cast<char>(v);
        }
        apps.push_back(std::move(name));
        v = apps.size() - 1;
      }
      prev_app = static_cast<int64_t>(v);
    } else if (prev_app < 0) {
      return corrupt("app repeat before any app");
    }
    e.app = apps[static_cast<size_t>(prev_app)];
    // session
    if (!in.read(1, flag))
      return corrupt("truncated session");
    if (flag == 1) {
      if (!in.varwidth(width_session, v))
        return corrupt("truncated session");
      session += unzigzag(v);
    }
    e.session = session;
    // values
    double* dst[value_count] = {&e.usage.cpu_millicores, &e.usage.memory_mb,
                                &e.usage.disk_iops,      &e.usage.network_mbps,
                                &e.usage.gpus,           &e.duration_ms};
    for (int k = 0; k < value_count; ++k) {
      if (!in.xor_value(values[k], v))
        return corrupt("truncated value");
      *dst[k] = static_cast<double>(static_cast<int64_t>(v)) * value_steps[k];
    }
    // location
    if (!in.read(1, flag))
      return corrupt("truncated location");
    if (flag == 1) {
      uint64_t la, lo;
      if (!in.xor_value(lat, la) || !in.xor_value(lon, lo))
        return corrupt("truncated location");
      geo_location g;
      std::memcpy(&g.latitude, &la, 8);
      std::memcpy(&g.longitude, &lo, 8);
      e.location = g;
      e.location_consent = true;
    }
    out.push_back(std::move(e));
  }
  return out;
}

caf::expected<std::vector<usage_event>>
decode_v2(const chunk_header& h, std::string_view bytes, std::string_view tenant,
          std::string_view user, std::string_view device) {
  bit_reader in{bytes.data(), bytes.size()};
  // An event takes at least 8 bits; a larger count is garbage, and checking
  // first keeps a garbled count from reserving gigabytes.
  if (h.events > in.remaining() / 8)
    return corrupt("event count exceeds the data");
  std::vector<usage_event> out;
  out.reserve(h.events);
  std::vector<std::string> apps;
  std::vector<app_model> streams;
  chunk_model model;
  model.prev_t = static_cast<uint64_t>(h.bucket_start_us);
  bit_reader::xor_state lat, lon;
  bool has_location = false;
  for (uint32_t i = 0; i < h.events; ++i) {
    usage_event e;
    e.tenant = tenant;
    e.user = user;
    e.device = device;
    uint64_t flag, v;
    // stream and app
    size_t idx;
    if (streams.empty()) {
      idx = 0;
    } else {
      if (!in.read(1, flag))
        return corrupt("truncated stream");
      if (flag == 0) {
        idx = expected_app(streams, model,
                           [](const app_model& a) -> const app_model& { return a; });
      } else {
        if (!in.read(bitlen(streams.size()), v) || v > streams.size())
          return corrupt("bad stream index");
        idx = static_cast<size_t>(v);
      }
    }
    if (idx == streams.size()) {
      if (streams.size() >= 0xFFFF)
        return corrupt("too many streams");
      size_t app = 0;
      if (!apps.empty()) {
        if (!in.read(bitlen(apps.size()), v) || v > apps.size())
          return corrupt("bad app index");
        app = static_cast<size_t>(v);
      }
      if (app == apps.size()) {
        std::string name;
        if (!in.name([&](char c) { name.push_back(c); }))
          return corrupt("truncated app name");
        apps.push_back(std::move(name));
      }
      streams.push_back(new_stream(streams, app));
    }
    app_model& am = streams[idx];
    e.app = apps[am.app];
    // time
    if (!in.read(1, flag))
      return corrupt("truncated time");
    if (flag == 0) {
      if (!in.rice(model.state_ms, v))
        return corrupt("truncated time");
      v = unzigzag(v) * 1000; // unsigned: garbage wraps instead of overflowing
    } else {
      if (!in.rice(model.state_us, v))
        return corrupt("truncated time");
      v = unzigzag(v);
    }
    const uint64_t t = predicted_time(am, model) + v;
    e.time_us = static_cast<int64_t>(t);
    // kind
    if (!in.read(1, flag))
      return corrupt("truncated kind");
    uint8_t kind = predicted_kind(am);
    if (flag == 1) {
      if (!in.read(2, v))
        return corrupt("truncated kind");
      kind = static_cast<uint8_t>(v);
    }
    e.kind = static_cast<event_kind>(kind);
    // session
    if (!in.read(1, flag))
      return corrupt("truncated session");
    if (flag == 1) {
      if (!in.rice(model.state_session, v))
        return corrupt("truncated session");
      model.session += unzigzag(v);
    }
    e.session = model.session;
    // usage
    double* dst[usage_count] = {&e.usage.cpu_millicores, &e.usage.memory_mb,
                                &e.usage.disk_iops, &e.usage.network_mbps,
                                &e.usage.gpus};
    if (!in.read(1, flag))
      return corrupt("truncated usage");
    if (flag == 1) {
      for (int k = 0; k < usage_count; ++k) {
        uint64_t q;
        if (am.has_vals) {
          if (!in.rice(am.state[k], v))
            return corrupt("truncated usage");
          q = static_cast<uint64_t>(int64_t{am.vals[k]}) + unzigzag(v);
        } else {
          if (!in.read(1, flag))
            return corrupt("truncated usage");
          if (flag == 0) {
            q = 0;
            am.state[k] = 0;
          } else {
            if (!in.long_value(v))
              return corrupt("truncated usage");
            q = unzigzag(v);
            am.state[k] = state_from_absolute(bitlen(v));
          }
        }
        auto qi = static_cast<int64_t>(q);
        am.vals[k] = clamp32(qi);
        *dst[k] = static_cast<double>(qi) * value_steps[k];
      }
      am.has_vals = true;
    }
    // duration
    if (!in.read(1, flag))
      return corrupt("truncated duration");
    uint64_t d = static_cast<uint64_t>(expected_duration(am, t, kind));
    if (flag == 1) {
      if (!in.rice(model.state_duration, v))
        return corrupt("truncated duration");
      d += unzigzag(v + 1);
    }
    e.duration_ms = static_cast<double>(static_cast<int64_t>(d))
                    * precision::duration_ms;
    // location
    if (!in.read(1, flag))
      return corrupt("truncated location");
    if (flag == 1) {
      if (!in.read(1, flag))
        return corrupt("truncated location");
      has_location = flag == 1;
      if (has_location) {
        uint64_t la, lo;
        if (!in.xor_value(lat, la) || !in.xor_value(lon, lo))
          return corrupt("truncated location");
      }
    }
    if (has_location) {
      geo_location g;
      std::memcpy(&g.latitude, &lat.prev, 8);
      std::memcpy(&g.longitude, &lon.prev, 8);
      e.location = g;
      e.location_consent = true;
    }
    observe(am, model, idx, t, kind);
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

} // namespace prescient::storage
