#include "prescient/storage/time_series.hpp"

#include <algorithm>
#include <cassert>

#include "db_core.hpp"
#include "keys.hpp"

namespace prescient::storage {

using namespace detail;

namespace {

/// An iterator confined to one user's keys. prefix_same_as_start lets the
/// prefix bloom filters skip files without this user.
struct user_iterator {
  std::string lower;
  std::string upper;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;

  user_iterator(db_core& c, std::string_view tenant, std::string_view user)
    : lower(user_prefix(tenant, user)), upper(prefix_successor(lower)) {
    upper_slice = to_slice(upper);
    rocksdb::ReadOptions ro;
    ro.prefix_same_as_start = true;
    ro.iterate_upper_bound = &upper_slice;
    it.reset(c.rdb->NewIterator(ro, c.live(cf_series)));
  }
};

caf::error bad_key(std::string_view what) {
  return make_error(storage_errc::corruption,
                    std::string{what} + ": unparseable series key");
}

} // namespace

void time_series::put(write_batch& batch, const chunk_key& key,
                      const chunk_builder& chunk) {
  assert(key.bucket_start_us == chunk.bucket_start_us());
  auto k = encode_chunk_key(key);
  // The batch only records the family id, so this is safe after close().
  batch.native().batch.Put(core_->id(cf_series), k, to_slice(chunk.encoded()));
}

void time_series::put(write_batch& batch, const chunk_key& key,
                      std::string_view encoded) {
  batch.native().batch.Put(core_->id(cf_series), encode_chunk_key(key),
                           to_slice(encoded));
}

caf::expected<std::optional<std::string>>
time_series::get(const chunk_key& key) {
  if (core_->closed)
    return closed_error("time_series::get");
  std::string value;
  auto st = core_->rdb->Get(rocksdb::ReadOptions{}, core_->live(cf_series),
                            encode_chunk_key(key), &value);
  if (st.IsNotFound())
    return std::optional<std::string>{};
  if (!st.ok())
    return to_error(st, "time_series::get");
  return std::optional<std::string>{std::move(value)};
}

caf::expected<std::vector<usage_event>>
time_series::range(std::string_view tenant, std::string_view user,
                   int64_t from_us, int64_t to_us,
                   std::optional<std::string_view> device) {
  if (core_->closed)
    return closed_error("time_series::range");
  std::vector<usage_event> out;
  if (from_us >= to_us)
    return out;
  auto first_bucket = bucket_start_of(from_us);
  user_iterator ui{*core_, tenant, user};
  auto& it = *ui.it;
  std::string target;
  auto seek_bucket = [&](std::string_view dev_prefix) {
    target.assign(dev_prefix);
    append_time(target, first_bucket);
    it.Seek(target);
  };
  std::string only;
  if (device) {
    only = device_prefix(tenant, user, *device);
    seek_bucket(only);
  } else {
    it.Seek(ui.lower);
  }
  while (it.Valid()) {
    auto key = to_view(it.key());
    auto k = parse_chunk_key(key);
    if (!k)
      return bad_key("time_series::range");
    auto dev_prefix = key.substr(0, k->device_prefix_len);
    if (device && dev_prefix != only)
      break;
    if (k->bucket_start_us < first_bucket) {
      seek_bucket(dev_prefix); // skip this device's older buckets
      continue;
    }
    if (k->bucket_start_us >= to_us) {
      if (device)
        break;
      it.Seek(prefix_successor(dev_prefix)); // next device
      continue;
    }
    auto events = decode_chunk(to_view(it.value()), k->tenant, k->user,
                               k->device);
    if (!events)
      return std::move(events.error());
    for (auto& e : *events)
      if (e.time_us >= from_us && e.time_us < to_us)
        out.push_back(std::move(e));
    it.Next();
  }
  if (!it.status().ok())
    return to_error(it.status(), "time_series::range");
  // Chunks of one bucket (several seqs) and out-of-order appends overlap in
  // time, so sort; stable keeps storage order among equal times.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.device != b.device ? a.device < b.device : a.time_us < b.time_us;
  });
  return out;
}

caf::expected<uint64_t> time_series::count_events(std::string_view tenant,
                                                  std::string_view user) {
  if (core_->closed)
    return closed_error("time_series::count_events");
  user_iterator ui{*core_, tenant, user};
  uint64_t n = 0;
  for (ui.it->Seek(ui.lower); ui.it->Valid(); ui.it->Next()) {
    auto hdr = read_chunk_header(to_view(ui.it->value()));
    if (!hdr)
      return std::move(hdr.error());
    n += hdr->events;
  }
  if (!ui.it->status().ok())
    return to_error(ui.it->status(), "time_series::count_events");
  return n;
}

caf::expected<std::vector<std::string>>
time_series::devices(std::string_view tenant, std::string_view user) {
  if (core_->closed)
    return closed_error("time_series::devices");
  user_iterator ui{*core_, tenant, user};
  auto& it = *ui.it;
  std::vector<std::string> out;
  it.Seek(ui.lower);
  while (it.Valid()) {
    auto key = to_view(it.key());
    auto k = parse_chunk_key(key);
    if (!k)
      return bad_key("time_series::devices");
    out.emplace_back(k->device);
    // Skip the device's remaining chunks with one seek instead of a scan.
    it.Seek(prefix_successor(key.substr(0, k->device_prefix_len)));
  }
  if (!it.status().ok())
    return to_error(it.status(), "time_series::devices");
  std::sort(out.begin(), out.end()); // key order puts shorter names first
  return out;
}

caf::error time_series::for_each_user(
  const std::function<bool(std::string_view, std::string_view)>& fn) {
  if (core_->closed)
    return closed_error("time_series::for_each_user");
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true; // crosses user prefixes
  std::unique_ptr<rocksdb::Iterator> it{
    core_->rdb->NewIterator(ro, core_->live(cf_series))};
  it->SeekToFirst();
  while (it->Valid()) {
    auto k = parse_chunk_key(to_view(it->key()));
    if (!k)
      return bad_key("time_series::for_each_user");
    // Copy before fn: the next seek invalidates the key's bytes.
    auto next = prefix_successor(user_prefix(k->tenant, k->user));
    if (!fn(k->tenant, k->user))
      return {};
    if (next.empty())
      break;
    it->Seek(next);
  }
  if (!it->status().ok())
    return to_error(it->status(), "time_series::for_each_user");
  return {};
}

} // namespace prescient::storage
