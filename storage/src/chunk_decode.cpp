// Decoder of the chunk bitstream (format in chunk_format.hpp). Every read is
// bounds-checked: garbage yields storage_errc::corruption, never a crash.
#include <cstring>

#include "chunk_format.hpp"
#include "prescient/storage/errc.hpp"

namespace prescient::storage {

using namespace detail;

namespace {

class bit_reader {
public:
  bit_reader(const char* data, size_t bytes) : data_(data), bits_(bytes * 8) {
    // nop
  }

  size_t remaining() const {
    return bits_ - pos_;
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

private:
  const char* data_;
  size_t bits_;
  size_t pos_ = 0;
};

caf::error corrupt(const char* what) {
  return make_error(storage_errc::corruption,
                    std::string{"decode_chunk: "} + what);
}

} // namespace

caf::expected<chunk_header> read_chunk_header(std::string_view bytes) {
  if (bytes.size() < chunk_header_bytes)
    return corrupt("shorter than the header");
  chunk_header h;
  h.version = static_cast<uint8_t>(bytes[0]);
  if (h.version != chunk_format_version)
    return corrupt("unknown format version");
  auto cls = static_cast<uint8_t>(bytes[1]);
  if (cls >= activity_class_count)
    return corrupt("bad activity class");
  h.cls = static_cast<activity_class>(cls);
  h.bucket_start_us = static_cast<int64_t>(load_le(bytes.data() + 2, 8));
  h.events = static_cast<uint32_t>(load_le(bytes.data() + 10, 4));
  return h;
}

caf::expected<std::vector<usage_event>>
decode_chunk(std::string_view bytes, std::string_view tenant,
             std::string_view user, std::string_view device) {
  auto hdr = read_chunk_header(bytes);
  if (!hdr)
    return std::move(hdr.error());
  bit_reader in{bytes.data() + chunk_header_bytes,
                bytes.size() - chunk_header_bytes};
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

} // namespace prescient::storage
