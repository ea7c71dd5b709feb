#include "prescient/learned/model_persistence.hpp"

#include <map>

#include "bytes.hpp"
#include "prescient/storage/db.hpp"

namespace prescient::learned {

namespace {

constexpr uint32_t magic = 0x4d4c5250;  // "PRLM"
constexpr uint32_t format = 1;
constexpr uint32_t max_blob = 1u << 30;

void put_figures(std::string& out, const heldout_figures& f) {
  using detail::put;
  put(out, f.users), put(out, f.train_events), put(out, f.predictions);
  put(out, f.learned_top1), put(out, f.learned_logloss);
  put(out, f.online_top1), put(out, f.online_logloss);
  put(out, f.combined_top1), put(out, f.combined_logloss);
}

bool get_figures(detail::reader& rd, heldout_figures& f) {
  return rd.get(f.users) && rd.get(f.train_events) && rd.get(f.predictions)
         && rd.get(f.learned_top1) && rd.get(f.learned_logloss) && rd.get(f.online_top1)
         && rd.get(f.online_logloss) && rd.get(f.combined_top1) && rd.get(f.combined_logloss);
}

} // namespace

std::string encode_published(const published_model& m) {
  using detail::put;
  std::string out;
  put(out, magic);
  put(out, format);
  detail::put_str(out, m.tenant);
  put(out, m.version);
  put(out, m.trained_at_us);
  put_figures(out, m.figures);
  detail::put_str(out, m.vocab->save());
  detail::put_str(out, m.model->save());
  detail::seal(out);
  return out;
}

model_snapshot decode_published(std::string_view bytes, std::string* error) {
  auto fail = [&](std::string why) -> model_snapshot {
    if (error)
      *error = std::move(why);
    return nullptr;
  };
  if (!detail::unseal(bytes))
    return fail("checksum mismatch or truncated");
  detail::reader rd{bytes};
  uint32_t mg = 0, fm = 0;
  if (!rd.get(mg) || mg != magic)
    return fail("not a published model");
  if (!rd.get(fm) || fm != format)
    return fail("unknown format " + std::to_string(fm));
  auto m = std::make_shared<published_model>();
  std::string vocab_bytes, model_bytes;
  if (!rd.get_str(m->tenant, 1 << 16) || !rd.get(m->version) || !rd.get(m->trained_at_us)
      || !get_figures(rd, m->figures) || !rd.get_str(vocab_bytes, max_blob)
      || !rd.get_str(model_bytes, max_blob) || rd.remaining() != 0)
    return fail("truncated fields");
  std::string why;
  auto vocab = vocabulary::load(vocab_bytes, &why);
  if (!vocab)
    return fail("vocabulary: " + why);
  m->vocab = std::make_shared<const vocabulary>(std::move(*vocab));
  m->model = next_app_model::load(model_bytes, &why);
  if (!m->model)
    return fail("weights: " + why);
  if (m->model->version() != m->version)
    return fail("weights of version " + std::to_string(m->model->version()));
  return m;
}

caf::error persist_published(storage::db& db, const published_model& m, size_t keep) {
  std::vector<uint64_t> versions;
  auto err = db.models().scan([&](std::string_view tenant, uint64_t v, std::string_view) {
    if (tenant == m.tenant && v != m.version)
      versions.push_back(v);
  });
  if (err)
    return err;
  storage::write_batch batch;
  db.models().put(batch, m.tenant, m.version, encode_published(m));
  auto last = db.models().last_version(m.tenant);
  if (!last)
    return std::move(last.error());
  if (*last < m.version)
    db.models().set_last_version(batch, m.tenant, m.version);
  keep = std::max<size_t>(keep, 1);
  // versions come in increasing order; keep the newest keep - 1 besides m
  for (size_t i = 0; i + (keep - 1) < versions.size(); ++i)
    db.models().erase(batch, m.tenant, versions[i]);
  return db.write(batch);
}

reload_report reload_published(storage::db& db, model_registry& reg) {
  reload_report out;
  // Newest first per tenant: blobs are small in number (keep per tenant).
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> stored;
  auto err = db.models().scan([&](std::string_view tenant, uint64_t v, std::string_view blob) {
    stored[std::string{tenant}].emplace_back(v, std::string{blob});
  });
  if (err)
    out.problems.push_back("model_store scan: " + caf::to_string(err));
  for (auto& [tenant, versions] : stored) {
    for (auto i = versions.rbegin(); i != versions.rend(); ++i) {
      std::string why;
      auto m = decode_published(i->second, &why);
      if (m && (m->tenant != tenant || m->version != i->first)) {
        why = "blob of tenant '" + m->tenant + "' version " + std::to_string(m->version);
        m = nullptr;
      }
      if (!m) {
        out.problems.push_back("tenant '" + tenant + "' version " + std::to_string(i->first)
                               + " skipped: " + why);
        continue;
      }
      if (reg.publish(m))
        ++out.loaded;
      break;
    }
  }
  return out;
}

} // namespace prescient::learned
