#include "raw_rocksdb.hpp"

#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

namespace prescient::bench {

namespace {

void put_u64_be(std::string& out, uint64_t x) {
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<char>((x >> (i * 8)) & 0xff));
}

// Key: tenant/user/device/time — what a plain event store would use.
// Value: the event's fields in fixed binary (about 60–70 bytes).
void encode(const usage_event& e, std::string& key, std::string& value) {
  key.clear();
  key.append(e.tenant).push_back('\0');
  key.append(e.user).push_back('\0');
  key.append(e.device).push_back('\0');
  put_u64_be(key, static_cast<uint64_t>(e.time_us));
  value.clear();
  value.push_back(static_cast<char>(e.kind));
  value.append(e.app).push_back('\0');
  double v[] = {e.usage.cpu_millicores, e.usage.memory_mb, e.usage.disk_iops,
                e.usage.network_mbps, e.usage.gpus, e.duration_ms};
  value.append(reinterpret_cast<const char*>(v), sizeof v);
  value.append(reinterpret_cast<const char*>(&e.session), sizeof e.session);
}

} // namespace

raw_result raw_rocksdb_writes(const std::string& dir,
                              const std::vector<usage_event>& events,
                              size_t batch) {
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.write_buffer_size = size_t{64} << 20;
  opts.max_background_jobs = 2;
  opts.compression = rocksdb::kLZ4Compression;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(opts, dir, &raw);
  if (!st.ok())
    throw std::runtime_error("raw RocksDB open failed: " + st.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions wo; // WAL on, sync off: survives a process crash
  std::string key, value;
  auto start = std::chrono::steady_clock::now();
  rocksdb::WriteBatch wb;
  for (size_t i = 0; i < events.size(); ++i) {
    encode(events[i], key, value);
    wb.Put(key, value);
    if (wb.Count() >= batch || i + 1 == events.size()) {
      st = db->Write(wo, &wb);
      if (!st.ok())
        throw std::runtime_error("raw RocksDB write failed: " + st.ToString());
      wb.Clear();
    }
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                .count();
  raw_result out;
  out.events_per_s = double(events.size()) / secs;
  db->Flush(rocksdb::FlushOptions());
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  db->CompactRange(cro, nullptr, nullptr);
  uint64_t sst = 0;
  db->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
  out.bytes_per_event = events.empty() ? 0 : double(sst) / double(events.size());
  return out;
}

} // namespace prescient::bench
