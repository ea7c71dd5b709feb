#include "prescient/learned/external_adapter.hpp"

namespace prescient::learned {

app_translation::app_translation(model_snapshot model, const app_names& dict)
  : model_(std::move(model)), dict_(&dict) {
  // nop: filled lazily
}

uint32_t app_translation::to_model(predict::app_id a) {
  if (!model_ || a == predict::no_app)
    return 0;
  if (a >= model_of_.size()) {
    if (a > (1u << 24))  // a shard id this large is a bug or garbage: no table
      return model_->vocab->id(dict_->name(a));
    model_of_.resize(size_t{a} + 1, unset);
  }
  auto& m = model_of_[a];
  if (m == unset) {
    auto name = dict_->name(a);
    if (name.empty())
      return 0;  // the dictionary may learn it later
    m = model_->vocab->id(name);
  }
  return m;
}

predict::app_id app_translation::to_shard(uint32_t model_id) {
  if (!model_ || model_id == 0 || model_id >= model_->vocab->size())
    return predict::no_app;
  if (model_id >= shard_of_.size())
    shard_of_.resize(size_t{model_id} + 1, predict::no_app);
  auto& s = shard_of_[model_id];
  if (s == predict::no_app)
    s = dict_->find(model_->vocab->name(model_id));
  return s;
}

cached_external::cached_external(const sparse_prediction* cached, uint32_t position,
                                 app_translation* tr) noexcept
  : cached_(cached),
    tr_(tr),
    fresh_(cached && tr && cached->version != 0 && cached->position == position
           && cached->version == tr->version()) {
  // nop
}

void cached_external::predict(const predict::external_query&,
                              std::vector<predict::scored_app>& out) const {
  out.clear();
  if (!fresh_)
    return;
  const auto n = std::min(cached_->apps.size(), cached_->probs.size());
  for (size_t i = 0; i < n; ++i) {
    auto a = tr_->to_shard(cached_->apps[i]);
    if (a != predict::no_app)
      out.push_back({a, double(cached_->probs[i])});
  }
}

} // namespace prescient::learned
