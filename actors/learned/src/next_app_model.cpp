// The only translation unit that includes LibTorch.
#include "prescient/learned/next_app_model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>

#include "bytes.hpp"
#include "prescient/learned/features.hpp"

namespace prescient::learned {

namespace {

constexpr char model_magic[8] = {'P', 'R', 'S', 'N', 'A', 'P', 'M', '1'};
constexpr uint32_t model_format = 1;

// The architecture-defining part of the options (what load() must rebuild).
struct shape {
  uint32_t vocab = 1;
  cell_kind cell = cell_kind::lstm;
  int embed = 32, context_embed = 16, hidden = 64, window = 16, pointer_window = 256, device_buckets = 8;
  bool pointer = true;
};

bool valid(const shape& s) {
  auto in = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
  return s.vocab >= 1 && s.vocab <= (1u << 24) && (s.cell == cell_kind::lstm || s.cell == cell_kind::gru)
         && in(s.embed, 1, 4096) && in(s.context_embed, 1, 4096) && in(s.hidden, 1, 4096)
         && in(s.window, 1, 1 << 16) && in(s.pointer_window, 1, 1 << 16) && in(s.device_buckets, 1, 1 << 16);
}

constexpr int age_buckets = 24;
int64_t age_bucket(int64_t age) {
  if (age < 4) return age;
  int64_t b = 4 + int64_t(2.0 * (std::log2(double(age)) - 2.0));
  return std::min<int64_t>(b, age_buckets - 1);
}

constexpr int match_features = 3;  // follows-current, follows-current-two, is-current

// A batch of right-padded windows, as tensors.
struct batch_tensors {
  torch::Tensor app, hod, dow, pos, dev, gap;  // B x L (gap: float)
};

// Pointer memory for a batch: B rows, Q queries per row, M memory slots.
struct memory_tensors {
  torch::Tensor raw;     // B x M long: caller's app ids (what gets copied)
  torch::Tensor mapped;  // B x M long: model ids (for the key embedding)
  torch::Tensor valid;   // B x Q x M bool: slot j is a candidate for query q
  torch::Tensor age;     // B x Q x M long: age bucket of slot j seen from query q
  torch::Tensor feat;    // B x Q x M x 3 float: match features
  int64_t max_raw = 0;   // largest raw id in the memory
};

struct net : torch::nn::Module {
  shape s;
  torch::nn::Embedding app{nullptr}, hod{nullptr}, dow{nullptr}, pos{nullptr}, dev{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::GRU gru{nullptr};
  torch::nn::Linear out{nullptr}, query{nullptr}, match{nullptr};
  torch::nn::Embedding key{nullptr}, age{nullptr};
  torch::Tensor sentinel;

  explicit net(const shape& sh) : s(sh) {
    app = register_module("app", torch::nn::Embedding(s.vocab, s.embed));
    hod = register_module("hod", torch::nn::Embedding(24, s.context_embed));
    dow = register_module("dow", torch::nn::Embedding(7, s.context_embed));
    pos = register_module("pos", torch::nn::Embedding(position_cap, s.context_embed));
    dev = register_module("dev", torch::nn::Embedding(s.device_buckets, s.context_embed));
    int in = s.embed + s.context_embed + 1;
    if (s.cell == cell_kind::lstm)
      lstm = register_module("rnn", torch::nn::LSTM(torch::nn::LSTMOptions(in, s.hidden).batch_first(true)));
    else
      gru = register_module("rnn", torch::nn::GRU(torch::nn::GRUOptions(in, s.hidden).batch_first(true)));
    out = register_module("out", torch::nn::Linear(s.hidden, s.vocab));
    if (s.pointer) {
      query = register_module("query", torch::nn::Linear(s.hidden, s.embed));
      match = register_module("match", torch::nn::Linear(s.hidden, match_features));
      key = register_module("key", torch::nn::Embedding(s.vocab, s.embed));
      age = register_module("age", torch::nn::Embedding(age_buckets, 1));
      sentinel = register_parameter("sentinel", torch::zeros({s.embed}));
    }
  }

  // Deterministic initialisation from our own generator (never the global one).
  void init(at::Generator& gen) {
    torch::NoGradGuard ng;
    double k = 1.0 / std::sqrt(double(s.hidden));
    for (auto& p : named_parameters()) {
      const std::string& n = p.key();
      auto& t = p.value();
      bool emb = n.rfind("app.", 0) == 0 || n.rfind("hod.", 0) == 0 || n.rfind("dow.", 0) == 0
                 || n.rfind("pos.", 0) == 0 || n.rfind("dev.", 0) == 0 || n.rfind("key.", 0) == 0;
      if (emb)
        t.normal_(0.0, 0.1, gen);
      else if (n.rfind("age.", 0) == 0)
        t.zero_();
      else if (n.find("bias") != std::string::npos)
        t.zero_();
      else
        t.uniform_(-k, k, gen);
    }
    if (lstm) {  // forget-gate bias 1 (gate order i, f, g, o)
      for (auto& p : lstm->named_parameters())
        if (p.key().find("bias_ih") != std::string::npos)
          p.value().narrow(0, s.hidden, s.hidden).fill_(1.0);
    }
    if (s.pointer) {  // start as a plain recency-weighted Markov pointer
      match->bias.copy_(torch::tensor({2.0f, 1.0f, 0.0f}));
    }
  }

  torch::Tensor drop(const torch::Tensor& x, double p, at::Generator* gen) {
    if (!gen || p <= 0) return x;
    auto mask = torch::empty_like(x).bernoulli_(1.0 - p, *gen).div_(1.0 - p);
    return x * mask;
  }

  // B x L x H hidden states.
  torch::Tensor encode(const batch_tensors& b, double dropout, at::Generator* gen) {
    auto ctx = hod(b.hod) + dow(b.dow) + pos(b.pos) + dev(b.dev);
    auto x = torch::cat({app(b.app), ctx, b.gap.unsqueeze(-1)}, -1);
    x = drop(x, dropout, gen);
    torch::Tensor h = lstm ? std::get<0>(lstm->forward(x)) : std::get<0>(gru->forward(x));
    return drop(h, dropout, gen);
  }

  // Log attention over [memory slots..., sentinel] for queries h (B x Q x H): B x Q x (M+1).
  torch::Tensor pointer_log_alpha(const torch::Tensor& h, const memory_tensors& m) {
    auto q = query(h);                                                     // B x Q x E
    auto k = key(m.mapped);                                                // B x M x E
    auto scores = torch::bmm(q, k.transpose(1, 2)) / std::sqrt(double(s.embed));  // B x Q x M
    auto w = match(h);                                                     // B x Q x 3
    scores = scores + (m.feat * w.unsqueeze(2)).sum(3);
    scores = scores + age(m.age).squeeze(-1);
    scores = scores.masked_fill(m.valid.logical_not(), -std::numeric_limits<float>::infinity());
    auto sent = (q * sentinel).sum(2, true);                               // B x Q x 1
    return torch::log_softmax(torch::cat({scores, sent}, 2), 2);
  }
};

// Maps raw steps into the model's id space and fills batch tensors.
struct encoder {
  const std::vector<uint8_t>& known;  // known[id] != 0: the model has an embedding for id
  int device_buckets;
  int pointer_window;

  int64_t app_id(uint32_t a) const { return a < known.size() && known[a] ? int64_t(a) : 0; }

  // rows: pointers to the first step and length of each row; L: padded width.
  batch_tensors make(const std::vector<std::pair<const step*, size_t>>& rows, size_t L) const {
    const size_t B = rows.size();
    std::vector<int64_t> a(B * L, 0), hd(B * L, 0), dw(B * L, 0), ps(B * L, 0), dv(B * L, 0);
    std::vector<float> g(B * L, 0.0f);
    for (size_t r = 0; r < B; ++r) {
      for (size_t i = 0; i < rows[r].second; ++i) {
        const step& st = rows[r].first[i];
        size_t k = r * L + i;
        unsigned how = st.hour_of_week % 168u;
        a[k] = app_id(st.app);
        hd[k] = how % 24;
        dw[k] = how / 24;
        ps[k] = std::min<unsigned>(st.position_in_session, position_cap - 1);
        dv[k] = int64_t(st.device % uint32_t(device_buckets));
        float gap = std::isfinite(st.log_gap_s) ? st.log_gap_s : 0.0f;
        g[k] = std::clamp(gap, 0.0f, 30.0f) / 10.0f;
      }
    }
    auto lt = [&](std::vector<int64_t>& v) {
      return torch::from_blob(v.data(), {int64_t(B), int64_t(L)}, torch::kLong).clone();
    };
    batch_tensors t;
    t.app = lt(a); t.hod = lt(hd); t.dow = lt(dw); t.pos = lt(ps); t.dev = lt(dv);
    t.gap = torch::from_blob(g.data(), {int64_t(B), int64_t(L)}, torch::kFloat).clone();
    return t;
  }

  // One memory row: steps base[0..size) with `before` readable steps before
  // base (for the match features), and the memory index of each query's
  // current step.
  struct mem_row {
    const step* base;
    size_t size;
    size_t before;
    std::vector<size_t> queries;
  };

  memory_tensors memory(const std::vector<mem_row>& rows, size_t Q) const {
    const size_t B = rows.size();
    size_t M = 1;
    for (auto& r : rows) M = std::max(M, r.size);
    std::vector<int64_t> raw(B * M, 0), mapped(B * M, 0), age(B * Q * M, 0);
    std::vector<uint8_t> valid(B * Q * M, 0);
    std::vector<float> feat(B * Q * M * match_features, 0.0f);
    int64_t max_raw = 0;
    const size_t P = size_t(pointer_window);
    for (size_t b = 0; b < B; ++b) {
      const mem_row& r = rows[b];
      auto at = [&](int64_t i) -> uint32_t {  // raw id at memory index i (may be < 0), 0 if absent
        if (i < -int64_t(r.before) || i >= int64_t(r.size)) return 0;
        return r.base[i].app;
      };
      for (size_t j = 0; j < r.size; ++j) {
        raw[b * M + j] = r.base[j].app;
        mapped[b * M + j] = app_id(r.base[j].app);
        max_raw = std::max<int64_t>(max_raw, r.base[j].app);
      }
      for (size_t qi = 0; qi < r.queries.size(); ++qi) {
        size_t c = r.queries[qi];
        uint32_t cur = at(int64_t(c)), cur1 = at(int64_t(c) - 1);
        size_t lo = c + 1 >= P ? c + 1 - P : 0;
        for (size_t j = lo; j <= c && j < r.size; ++j) {
          size_t k = (b * Q + qi) * M + j;
          valid[k] = 1;
          age[k] = age_bucket(int64_t(c - j));
          uint32_t a = at(int64_t(j)), p1 = at(int64_t(j) - 1), p2 = at(int64_t(j) - 2);
          bool f1 = cur != 0 && p1 == cur;
          feat[k * match_features + 0] = f1 ? 1.0f : 0.0f;
          feat[k * match_features + 1] = f1 && cur1 != 0 && p2 == cur1 ? 1.0f : 0.0f;
          feat[k * match_features + 2] = cur != 0 && a == cur ? 1.0f : 0.0f;
        }
      }
    }
    const int64_t b_ = int64_t(B), q_ = int64_t(Q), m_ = int64_t(M);
    memory_tensors t;
    t.raw = torch::from_blob(raw.data(), {b_, m_}, torch::kLong).clone();
    t.mapped = torch::from_blob(mapped.data(), {b_, m_}, torch::kLong).clone();
    t.valid = torch::from_blob(valid.data(), {b_, q_, m_}, torch::kUInt8).to(torch::kBool);
    t.age = torch::from_blob(age.data(), {b_, q_, m_}, torch::kLong).clone();
    t.feat = torch::from_blob(feat.data(), {b_, q_, m_, int64_t(match_features)}, torch::kFloat).clone();
    t.max_raw = max_raw;
    return t;
  }
};

void check_options(const train_options& o) {
  auto bad = [](const char* what) { throw std::invalid_argument(std::string("train_options: ") + what); };
  if (o.embed < 1 || o.embed > 4096) bad("embed");
  if (o.context_embed < 1 || o.context_embed > 4096) bad("context_embed");
  if (o.hidden < 1 || o.hidden > 4096) bad("hidden");
  if (o.window < 1 || o.window > (1 << 16)) bad("window");
  if (o.pointer_window < 1 || o.pointer_window > (1 << 16)) bad("pointer_window");
  if (o.batch < 1) bad("batch");
  if (o.epochs < 0) bad("epochs");
  if (!(o.lr > 0)) bad("lr");
  if (!(o.dropout >= 0 && o.dropout < 1)) bad("dropout");
  if (o.device_buckets < 1 || o.device_buckets > (1 << 16)) bad("device_buckets");
}

} // namespace

struct next_app_model::impl {
  uint64_t version = 0;
  train_options opts;
  training_report report;
  shape sh;
  std::vector<uint8_t> known;    // per id, 1 = has its own output/embedding
  std::vector<float> unigram;    // distribution for empty inputs
  bool any_unknown = false;      // some id in [1, vocab) is not known
  torch::Tensor unknown_mask;    // float V, 1 for ids folded into id 0
  std::shared_ptr<net> model;

  size_t context() const { return size_t(std::max(sh.window, sh.pointer ? sh.pointer_window : 0)); }
  encoder make_encoder() const { return encoder{known, sh.device_buckets, sh.pointer_window}; }

  void finish() {
    any_unknown = false;
    std::vector<float> m(sh.vocab, 0.0f);
    for (uint32_t i = 1; i < sh.vocab; ++i)
      if (!known[i]) { m[i] = 1.0f; any_unknown = true; }
    unknown_mask = torch::from_blob(m.data(), {int64_t(sh.vocab)}, torch::kFloat).clone();
    model->eval();
  }

  // Distributions for the next app after each row (rows: the user's last
  // steps, at most context() of them, none empty). Each result has
  // max(vocab, 1 + largest id in the row's pointer memory) entries.
  std::vector<std::vector<float>> forward_last(const std::vector<std::pair<const step*, size_t>>& rows) const {
    const size_t B = rows.size();
    const size_t W = size_t(sh.window), P = size_t(sh.pointer_window);
    encoder enc = make_encoder();
    std::vector<std::pair<const step*, size_t>> rnn_rows;
    size_t L = 1;
    std::vector<int64_t> last(B);
    for (size_t r = 0; r < B; ++r) {
      size_t n = std::min(rows[r].second, W);
      rnn_rows.push_back({rows[r].first + (rows[r].second - n), n});
      L = std::max(L, n);
      last[r] = int64_t(n) - 1;
    }
    auto b = enc.make(rnn_rows, L);
    auto idx = torch::from_blob(last.data(), {int64_t(B)}, torch::kLong).clone();
    auto h = model->encode(b, 0.0, nullptr);                                // B x L x H
    auto hl = h.index({torch::arange(int64_t(B), torch::kLong), idx});       // B x H
    auto dist = torch::softmax(model->out(hl), -1);                          // B x V
    if (any_unknown) {
      auto moved = (dist * unknown_mask).sum(1);
      dist = dist * (1 - unknown_mask);
      dist.select(1, 0).add_(moved);
    }
    std::vector<size_t> width(B, sh.vocab);
    if (sh.pointer) {
      std::vector<encoder::mem_row> mrows;
      for (size_t r = 0; r < B; ++r) {
        size_t m = std::min(rows[r].second, P);
        mrows.push_back({rows[r].first + (rows[r].second - m), m, rows[r].second - m, {m - 1}});
      }
      auto mem = enc.memory(mrows, 1);
      auto la = model->pointer_log_alpha(hl.unsqueeze(1), mem).squeeze(1);   // B x (M+1)
      auto alpha = la.exp();
      const int64_t M = mem.raw.size(1);
      const int64_t V = std::max<int64_t>(sh.vocab, mem.max_raw + 1);
      auto full = torch::zeros({int64_t(B), V});
      full.narrow(1, 0, sh.vocab).copy_(dist * alpha.narrow(1, M, 1));
      full.scatter_add_(1, mem.raw, alpha.narrow(1, 0, M));
      dist = full;
      for (size_t r = 0; r < B; ++r) {
        uint32_t mx = 0;
        for (size_t j = 0; j < mrows[r].size; ++j) mx = std::max(mx, mrows[r].base[j].app);
        width[r] = std::max<size_t>(sh.vocab, size_t(mx) + 1);
      }
    }
    dist = dist.contiguous();
    const float* p = dist.data_ptr<float>();
    const size_t stride = size_t(dist.size(1));
    std::vector<std::vector<float>> res(B);
    for (size_t r = 0; r < B; ++r) res[r].assign(p + r * stride, p + r * stride + width[r]);
    return res;
  }

  std::vector<std::vector<float>> predict(const std::vector<std::pair<const step*, size_t>>& rows) const {
    std::vector<std::vector<float>> res(rows.size());
    std::vector<std::pair<const step*, size_t>> live;
    std::vector<size_t> where;
    const size_t C = context();
    for (size_t r = 0; r < rows.size(); ++r) {
      if (rows[r].second == 0) { res[r] = unigram; continue; }
      size_t n = std::min(rows[r].second, C);
      live.push_back({rows[r].first + (rows[r].second - n), n});
      where.push_back(r);
    }
    if (live.empty()) return res;
    c10::InferenceMode guard;
    auto d = forward_last(live);
    for (size_t i = 0; i < live.size(); ++i) res[where[i]] = std::move(d[i]);
    return res;
  }
};

next_app_model::next_app_model(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
next_app_model::~next_app_model() = default;

uint64_t next_app_model::version() const { return impl_->version; }
uint32_t next_app_model::vocab_size() const { return impl_->sh.vocab; }
int next_app_model::window() const { return impl_->sh.window; }
int next_app_model::context() const { return int(impl_->context()); }
const train_options& next_app_model::options() const { return impl_->opts; }
const training_report& next_app_model::report() const { return impl_->report; }

void set_torch_threads(int threads) {
  if (threads > 0 && at::get_num_threads() != threads) at::set_num_threads(threads);
}

std::shared_ptr<const next_app_model>
next_app_model::train(const std::vector<std::vector<step>>& sequences, uint32_t vocab_size,
                      const train_options& o, uint64_t version) {
  check_options(o);
  if (vocab_size < 1) vocab_size = 1;
  if (vocab_size > (1u << 24)) throw std::invalid_argument("train: vocab_size too large");
  set_torch_threads(o.threads);
  auto t0 = std::chrono::steady_clock::now();

  auto m = std::make_unique<impl>();
  m->version = version;
  m->opts = o;
  m->sh = shape{vocab_size, o.cell, o.embed, o.context_embed, o.hidden, o.window, o.pointer_window,
                o.device_buckets, o.pointer};

  // Which ids are frequent enough to be modelled on their own. Ids the
  // caller's vocabulary did not have (>= vocab_size) stay unknown.
  std::vector<uint64_t> count(vocab_size, 0);
  size_t events = 0, used = 0;
  for (auto& s : sequences) {
    if (s.size() >= 2) { ++used; events += s.size(); }
    for (auto& st : s) ++count[st.app < vocab_size ? st.app : 0];
  }
  m->known.assign(vocab_size, 0);
  m->known[0] = 1;
  for (uint32_t i = 1; i < vocab_size; ++i) m->known[i] = count[i] >= std::max<uint32_t>(o.min_app_count, 1) ? 1 : 0;
  {
    std::vector<double> u(vocab_size, 0.5);  // add-half smoothing over known ids
    for (uint32_t i = 0; i < vocab_size; ++i) u[m->known[i] ? i : 0] += double(count[i]);
    for (uint32_t i = 1; i < vocab_size; ++i) if (!m->known[i]) u[i] = 0;
    double tot = std::accumulate(u.begin(), u.end(), 0.0);
    m->unigram.resize(vocab_size);
    for (uint32_t i = 0; i < vocab_size; ++i) m->unigram[i] = float(u[i] / tot);
  }

  at::Generator gen = at::detail::createCPUGenerator(o.seed);
  std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ull);
  m->model = std::make_shared<net>(m->sh);
  m->model->init(gen);
  m->model->train();
  encoder enc = m->make_encoder();

  training_report rep;
  rep.sequences = used;
  rep.events = events;
  const size_t W = size_t(o.window), P = size_t(o.pointer_window);
  torch::optim::Adam opt(m->model->parameters(),
                         torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
  bool stop = o.max_steps == 0;
  // A window: predictions for positions start+1 .. start+n of one sequence.
  struct win { const step* seq; size_t start, n; };
  for (int epoch = 0; epoch < o.epochs && !stop; ++epoch) {
    // Non-overlapping windows of W predictions, cut at a random phase per
    // sequence and epoch, in a shuffled order.
    std::vector<win> wins;
    for (auto& s : sequences) {
      if (s.size() < 2) continue;
      const size_t preds = s.size() - 1;  // inputs 0 .. size-2
      size_t phase = preds > W ? size_t(rng() % W) : 0;
      size_t start = 0, next = phase > 0 ? phase : W;
      while (start < preds) {
        size_t end = std::min(preds, next);
        wins.push_back({s.data(), start, end - start});
        start = end;
        next = start + W;
      }
    }
    std::shuffle(wins.begin(), wins.end(), rng);
    rep.windows = wins.size();
    double loss_sum = 0;
    size_t loss_n = 0;
    size_t bi = 0;
    for (; bi < wins.size() && !stop; bi += size_t(o.batch)) {
      size_t be = std::min(wins.size(), bi + size_t(o.batch));
      std::vector<std::pair<const step*, size_t>> rows;
      size_t L = 1;
      for (size_t i = bi; i < be; ++i) {
        rows.push_back({wins[i].seq + wins[i].start, wins[i].n});
        L = std::max(L, wins[i].n);
      }
      const int64_t B = int64_t(rows.size());
      auto b = enc.make(rows, L);
      std::vector<int64_t> tgt_raw(size_t(B) * L, 0), tgt(size_t(B) * L, 0);
      std::vector<float> valid(size_t(B) * L, 0.0f);
      for (size_t r = 0; r < rows.size(); ++r)
        for (size_t i = 0; i < rows[r].second; ++i) {
          uint32_t y = rows[r].first[i + 1].app;
          tgt_raw[r * L + i] = y;
          tgt[r * L + i] = enc.app_id(y);
          valid[r * L + i] = 1.0f;
        }
      auto target = torch::from_blob(tgt.data(), {B, int64_t(L)}, torch::kLong).clone();
      auto mask = torch::from_blob(valid.data(), {B, int64_t(L)}, torch::kFloat).clone();

      auto h = m->model->encode(b, o.dropout, &gen);                       // B x L x H
      auto logpv = torch::log_softmax(m->model->out(h), -1);               // B x L x V
      auto lp_vocab = logpv.gather(2, target.unsqueeze(2)).squeeze(2);     // B x L
      torch::Tensor lp;
      if (o.pointer) {
        std::vector<encoder::mem_row> mrows;
        for (size_t i = bi; i < be; ++i) {
          const win& w = wins[i];
          size_t lo = w.start + 1 >= P ? w.start + 1 - P : 0;  // earliest slot of the first query
          encoder::mem_row r{w.seq + lo, w.start + w.n - lo, lo, {}};
          for (size_t q = 0; q < w.n; ++q) r.queries.push_back(w.start + q - lo);
          mrows.push_back(std::move(r));
        }
        auto mem = enc.memory(mrows, L);
        auto la = m->model->pointer_log_alpha(h, mem);                      // B x L x (M+1)
        const int64_t M = mem.raw.size(1);
        auto traw = torch::from_blob(tgt_raw.data(), {B, int64_t(L)}, torch::kLong).clone();
        auto hit = (mem.raw.unsqueeze(1) == traw.unsqueeze(2)) & mem.valid;   // B x L x M
        auto lkeys = la.narrow(2, 0, M).masked_fill(hit.logical_not(), -std::numeric_limits<float>::infinity());
        auto lsent = la.narrow(2, M, 1) + lp_vocab.unsqueeze(2);
        lp = torch::logsumexp(torch::cat({lkeys, lsent}, 2), 2);            // B x L
      } else {
        lp = lp_vocab;
      }
      auto n = mask.sum();
      auto loss = -(lp * mask).sum() / n;
      opt.zero_grad();
      loss.backward();
      if (o.clip_norm > 0) torch::nn::utils::clip_grad_norm_(m->model->parameters(), o.clip_norm);
      opt.step();
      loss_sum += loss.item<double>() * n.item<double>();
      loss_n += size_t(n.item<double>());
      ++rep.steps;
      if (rep.steps >= o.max_steps) stop = true;
      if ((o.time_budget_s > 0
           && std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                > o.time_budget_s)
          || (o.cancel && o.cancel->load(std::memory_order_relaxed))) {
        stop = true;
        rep.stopped_by_budget = true;
      }
    }
    rep.final_loss = loss_n ? loss_sum / double(loss_n) : 0.0;
    if (bi >= wins.size()) ++rep.epochs_done;
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m->report = rep;
  m->finish();
  return std::shared_ptr<const next_app_model>(new next_app_model(std::move(m)));
}

std::vector<std::vector<float>>
next_app_model::predict_batch(const std::vector<std::vector<step>>& recent) const {
  std::vector<std::pair<const step*, size_t>> rows;
  rows.reserve(recent.size());
  for (auto& r : recent) rows.push_back({r.data(), r.size()});
  return impl_->predict(rows);
}

std::vector<float> next_app_model::predict(const std::vector<step>& recent) const {
  return std::move(impl_->predict({{recent.data(), recent.size()}}).front());
}

evaluation next_app_model::evaluate(const std::vector<std::vector<step>>& sequences,
                                    const std::vector<size_t>& score_from, size_t batch) const {
  auto t0 = std::chrono::steady_clock::now();
  evaluation ev;
  const size_t C = impl_->context();
  batch = std::max<size_t>(batch, 1);
  std::vector<std::pair<const step*, size_t>> rows;
  std::vector<uint32_t> targets;
  double ll = 0;
  size_t h1 = 0, h3 = 0, h5 = 0;
  auto flush = [&] {
    if (rows.empty()) return;
    auto d = impl_->predict(rows);
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& p = d[i];
      uint32_t y = targets[i] < p.size() ? targets[i] : 0;
      float py = y < p.size() ? p[y] : 0.0f;
      ll += -std::log(std::max(1e-6f, py));
      if (y == 0) { ++ev.unknown_targets; continue; }
      // rank of y among real apps (id 0 excluded); ties broken towards lower ids
      size_t better = 0;
      for (uint32_t k = 1; k < p.size() && better < 5; ++k)
        if (p[k] > py || (p[k] == py && k < y)) ++better;
      if (better < 1) ++h1;
      if (better < 3) ++h3;
      if (better < 5) ++h5;
    }
    rows.clear();
    targets.clear();
  };
  for (size_t s = 0; s < sequences.size(); ++s) {
    const auto& seq = sequences[s];
    size_t from = std::max<size_t>(1, s < score_from.size() ? score_from[s] : 1);
    for (size_t t = from; t < seq.size(); ++t) {
      size_t n = std::min(t, C);
      rows.push_back({seq.data() + (t - n), n});
      // A target the model cannot name: not in its vocabulary (or folded
      // into unknown) and, for the pointer, not in the window either.
      uint32_t a = seq[t].app;
      bool named = a < impl_->sh.vocab ? impl_->known[a] != 0 : impl_->sh.pointer;
      targets.push_back(named ? a : 0);
      ++ev.predictions;
      if (rows.size() >= batch) flush();
    }
  }
  flush();
  if (ev.predictions) {
    double n = double(ev.predictions);
    ev.top1 = double(h1) / n;
    ev.top3 = double(h3) / n;
    ev.top5 = double(h5) / n;
    ev.logloss = ll / n;
  }
  ev.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return ev;
}

// ---- persistence ----

std::string next_app_model::save() const {
  using detail::put;
  const impl& m = *impl_;
  std::string out(model_magic, sizeof(model_magic));
  put<uint32_t>(out, model_format);
  put<uint64_t>(out, m.version);
  // shape
  put<uint32_t>(out, m.sh.vocab);
  put<uint8_t>(out, uint8_t(m.sh.cell));
  put<int32_t>(out, m.sh.embed);
  put<int32_t>(out, m.sh.context_embed);
  put<int32_t>(out, m.sh.hidden);
  put<int32_t>(out, m.sh.window);
  put<int32_t>(out, m.sh.pointer_window);
  put<int32_t>(out, m.sh.device_buckets);
  put<uint8_t>(out, m.sh.pointer ? 1 : 0);
  // the rest of the options (informational)
  const train_options& o = m.opts;
  put<int32_t>(out, o.batch); put<int32_t>(out, o.epochs); put<double>(out, o.lr);
  put<double>(out, o.weight_decay); put<double>(out, o.dropout); put<double>(out, o.clip_norm);
  put<uint32_t>(out, o.min_app_count); put<uint64_t>(out, o.seed); put<uint64_t>(out, o.max_steps);
  put<double>(out, o.time_budget_s); put<int32_t>(out, o.threads);
  // report
  const training_report& r = m.report;
  put<uint64_t>(out, r.sequences); put<uint64_t>(out, r.events); put<uint64_t>(out, r.windows);
  put<uint64_t>(out, r.steps); put<int32_t>(out, r.epochs_done); put<double>(out, r.seconds);
  put<double>(out, r.final_loss); put<uint8_t>(out, r.stopped_by_budget ? 1 : 0);
  // per-id tables
  out.append(reinterpret_cast<const char*>(m.known.data()), m.known.size());
  out.append(reinterpret_cast<const char*>(m.unigram.data()), m.unigram.size() * sizeof(float));
  // parameters, in registration order
  auto params = m.model->named_parameters();
  put<uint32_t>(out, uint32_t(params.size()));
  for (auto& p : params) {
    detail::put_str(out, p.key());
    auto t = p.value().detach().contiguous().to(torch::kFloat);
    put<uint32_t>(out, uint32_t(t.dim()));
    for (auto d : t.sizes()) put<int64_t>(out, d);
    out.append(reinterpret_cast<const char*>(t.data_ptr<float>()), size_t(t.numel()) * sizeof(float));
  }
  detail::seal(out);
  return out;
}

std::shared_ptr<const next_app_model> next_app_model::load(std::string_view bytes, std::string* error) {
  auto fail = [&](const std::string& why) -> std::shared_ptr<const next_app_model> {
    if (error) *error = "next_app_model: " + why;
    return nullptr;
  };
  try {
    if (bytes.size() < sizeof(model_magic) || bytes.substr(0, sizeof(model_magic)) != std::string_view(model_magic, sizeof(model_magic)))
      return fail("bad magic");
    std::string_view body = bytes;
    if (!detail::unseal(body)) return fail("bad checksum");
    detail::reader rd(body.substr(sizeof(model_magic)));
    auto m = std::make_unique<impl>();
    uint32_t format = 0;
    if (!rd.get(format) || format != model_format) return fail("unsupported format");
    uint8_t cell = 0, ptr = 0, budget = 0;
    bool ok = rd.get(m->version) && rd.get(m->sh.vocab) && rd.get(cell) && rd.get(m->sh.embed)
              && rd.get(m->sh.context_embed) && rd.get(m->sh.hidden) && rd.get(m->sh.window)
              && rd.get(m->sh.pointer_window) && rd.get(m->sh.device_buckets) && rd.get(ptr);
    if (!ok) return fail("truncated header");
    m->sh.cell = cell_kind(cell);
    m->sh.pointer = ptr != 0;
    if (cell > 1 || ptr > 1 || !valid(m->sh)) return fail("bad model shape");
    // The embeddings and the output layer alone must fit in the bytes we got.
    if (uint64_t(m->sh.vocab) * uint64_t(m->sh.embed + m->sh.hidden) * sizeof(float) > bytes.size())
      return fail("shape larger than the data");
    train_options& o = m->opts;
    o.cell = m->sh.cell; o.embed = m->sh.embed; o.context_embed = m->sh.context_embed;
    o.hidden = m->sh.hidden; o.window = m->sh.window; o.pointer_window = m->sh.pointer_window;
    o.device_buckets = m->sh.device_buckets;
    o.pointer = m->sh.pointer;
    uint64_t seed = 0, max_steps = 0;
    ok = rd.get(o.batch) && rd.get(o.epochs) && rd.get(o.lr) && rd.get(o.weight_decay) && rd.get(o.dropout)
         && rd.get(o.clip_norm) && rd.get(o.min_app_count) && rd.get(seed) && rd.get(max_steps)
         && rd.get(o.time_budget_s) && rd.get(o.threads);
    o.seed = seed;
    o.max_steps = size_t(max_steps);
    training_report& r = m->report;
    uint64_t sq = 0, ev = 0, wn = 0, st = 0;
    ok = ok && rd.get(sq) && rd.get(ev) && rd.get(wn) && rd.get(st) && rd.get(r.epochs_done)
         && rd.get(r.seconds) && rd.get(r.final_loss) && rd.get(budget);
    if (!ok) return fail("truncated options");
    r.sequences = size_t(sq); r.events = size_t(ev); r.windows = size_t(wn); r.steps = size_t(st);
    r.stopped_by_budget = budget != 0;
    const uint32_t V = m->sh.vocab;
    m->known.resize(V);
    m->unigram.resize(V);
    if (!rd.get_bytes(m->known.data(), V) || !rd.get_bytes(m->unigram.data(), size_t(V) * sizeof(float)))
      return fail("truncated tables");
    if (!m->known[0]) return fail("bad tables");
    for (uint32_t i = 0; i < V; ++i)
      if (m->known[i] > 1 || !std::isfinite(m->unigram[i]) || m->unigram[i] < 0) return fail("bad tables");
    m->model = std::make_shared<net>(m->sh);
    auto params = m->model->named_parameters();
    uint32_t np = 0;
    if (!rd.get(np) || np != params.size()) return fail("parameter count mismatch");
    torch::NoGradGuard ng;
    std::string name;
    for (auto& p : params) {
      uint32_t dim = 0;
      if (!rd.get_str(name, 1024) || name != p.key()) return fail("parameter name mismatch");
      if (!rd.get(dim) || int64_t(dim) != p.value().dim()) return fail("parameter rank mismatch: " + name);
      for (uint32_t d = 0; d < dim; ++d) {
        int64_t size = 0;
        if (!rd.get(size) || size != p.value().size(int64_t(d))) return fail("parameter shape mismatch: " + name);
      }
      auto& t = p.value();
      size_t n = size_t(t.numel());
      if (rd.remaining() / sizeof(float) < n) return fail("truncated parameters");
      if (!rd.get_bytes(t.data_ptr<float>(), n * sizeof(float))) return fail("truncated parameters");
      if (!torch::isfinite(t).all().item<bool>()) return fail("non-finite parameter: " + name);
    }
    if (rd.remaining() != 0) return fail("trailing bytes");
    m->finish();
    return std::shared_ptr<const next_app_model>(new next_app_model(std::move(m)));
  } catch (const std::exception& e) {
    return fail(std::string("error: ") + e.what());
  } catch (...) {
    return fail("unknown error");
  }
}

} // namespace prescient::learned
