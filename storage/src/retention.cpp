#include "retention.hpp"

#include "keys.hpp"
#include "prescient/storage/chunk.hpp"

namespace prescient::storage::detail {

namespace {

class retention_filter final : public rocksdb::CompactionFilter {
public:
  retention_filter(std::shared_ptr<retention_state> st, int64_t watermark)
    : st_(std::move(st)), watermark_(watermark) {
    // nop
  }

  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string*, bool*) const override {
    // Unparseable entries are kept: retention must never turn a bug or a
    // format change into silent data loss.
    auto hdr = read_chunk_header(to_view(value));
    if (!hdr)
      return false;
    auto k = parse_chunk_key(to_view(key));
    auto start = k ? k->bucket_start_us : hdr->bucket_start_us;
    return expired(*st_, watermark_, hdr->cls, start);
  }

  const char* Name() const override {
    return "prescient.retention";
  }

private:
  std::shared_ptr<retention_state> st_;
  int64_t watermark_;
};

class retention_factory final : public rocksdb::CompactionFilterFactory {
public:
  explicit retention_factory(std::shared_ptr<retention_state> st)
    : st_(std::move(st)) {
    // nop
  }

  std::unique_ptr<rocksdb::CompactionFilter>
  CreateCompactionFilter(const rocksdb::CompactionFilter::Context&) override {
    // One snapshot per compaction keeps a compaction's decisions consistent.
    return std::make_unique<retention_filter>(
      st_, st_->watermark_us.load(std::memory_order_relaxed));
  }

  const char* Name() const override {
    return "prescient.retention_factory";
  }

private:
  std::shared_ptr<retention_state> st_;
};

} // namespace

bool expired(const retention_state& st, int64_t watermark_us,
             activity_class cls, int64_t bucket_start_us) {
  if (watermark_us == 0)
    return false;
  auto idx = static_cast<size_t>(cls);
  if (idx >= activity_class_count)
    return false;
  // Compare as "newest possible event + retention" so a chunk is kept while
  // any event in it is younger than the retention. Saturate: huge
  // retentions mean "forever".
  __int128 limit = static_cast<__int128>(bucket_start_us) + bucket_duration_us
                   + st.retention_us[idx];
  return limit <= watermark_us;
}

std::shared_ptr<rocksdb::CompactionFilterFactory>
make_retention_filter_factory(std::shared_ptr<retention_state> st) {
  return std::make_shared<retention_factory>(std::move(st));
}

} // namespace prescient::storage::detail
