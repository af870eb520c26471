#include "lapord/app/ops/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "app/ops/exposition.hpp"

namespace lapord::app::ops {
namespace {

// FNV-1a over the values with a separator, so ("ab","c") and ("a","bc") differ.
std::uint64_t label_hash(std::span<const std::string_view> values) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const auto v : values) {
    for (const char c : v) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    h ^= 0xFF;  // never a byte of valid UTF-8, so a clean separator
    h *= 1099511628211ULL;
  }
  return h;
}

bool same_labels(const detail::series& s, std::uint64_t hash,
                 std::span<const std::string_view> values) {
  if (s.hash != hash) return false;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (s.labels[i] != values[i]) return false;
  }
  return true;
}

// Looks from `from` up to (not including) `until`: the list only ever grows at its head.
detail::series* scan(detail::series* from, const detail::series* until, std::uint64_t hash,
                     std::span<const std::string_view> values) {
  for (auto* s = from; s != until; s = s->next) {
    if (same_labels(*s, hash, values)) return s;
  }
  return nullptr;
}

std::string_view type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

namespace detail {
series::series(std::uint64_t label_hash_value, std::vector<std::string> label_values,
               std::size_t buckets)
    : hash(label_hash_value), labels(std::move(label_values)) {
  if (buckets > 0) {
    bucket_counts = std::make_unique<std::atomic<std::uint64_t>[]>(buckets);
    for (std::size_t i = 0; i < buckets; ++i)
      bucket_counts[i].store(0);
  }
}
}  // namespace detail

family::family(metric_type type, std::string name, std::string help,
               std::vector<std::string> label_names, std::vector<double> bounds,
               std::size_t max_series)
    : type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)),
      max_series_(std::max<std::size_t>(max_series, 1)) {
  if (!exposition::valid_metric_name(name_)) {
    throw std::invalid_argument("metric name \"" + name_ + "\" is not a Prometheus name");
  }
  for (std::size_t i = 0; i < label_names_.size(); ++i) {
    const auto& l = label_names_[i];
    if (!exposition::valid_label_name(l)) {
      throw std::invalid_argument(name_ + ": label name \"" + l + "\" is not a Prometheus name");
    }
    if (type_ == metric_type::histogram && l == "le") {
      throw std::invalid_argument(name_ + ": a histogram cannot have a label named \"le\"");
    }
    if (std::find(label_names_.begin(), label_names_.begin() + static_cast<std::ptrdiff_t>(i), l) !=
        label_names_.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw std::invalid_argument(name_ + ": label name \"" + l + "\" given twice");
    }
  }
  if (type_ == metric_type::histogram) {
    if (bounds_.empty()) throw std::invalid_argument(name_ + ": a histogram needs buckets");
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i] > bounds_[i - 1]))) {
        throw std::invalid_argument(name_ +
                                    ": bucket bounds must be finite and strictly increasing "
                                    "(+Inf is added by the writer)");
      }
    }
  } else if (!bounds_.empty()) {
    throw std::invalid_argument(name_ + ": only a histogram has buckets");
  }
  // An unlabelled family has exactly one series: show it (as 0) from the start.
  if (label_names_.empty()) find({});
}

family::~family() {
  auto* s = head_.load();
  while (s != nullptr) {
    auto* next = s->next;
    delete s;
    s = next;
  }
}

detail::series& family::find(std::span<const std::string_view> values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument(name_ + ": wrong number of label values");
  }
  const auto hash = label_hash(values);
  auto* seen = head_.load(std::memory_order_acquire);
  if (auto* s = scan(seen, nullptr, hash, values)) return *s;
  if (count_.load(std::memory_order_relaxed) >= max_series_) {
    const std::vector<std::string_view> overflow(values.size(), overflow_label_value);
    const auto overflow_hash = label_hash(overflow);
    seen = head_.load(std::memory_order_acquire);
    if (auto* s = scan(seen, nullptr, overflow_hash, overflow)) return *s;
    return insert(overflow, overflow_hash, seen);
  }
  return insert(values, hash, seen);
}

detail::series& family::insert(std::span<const std::string_view> values, std::uint64_t hash,
                               detail::series* seen) {
  auto fresh =
      std::make_unique<detail::series>(hash, std::vector<std::string>(values.begin(), values.end()),
                                       type_ == metric_type::histogram ? bounds_.size() + 1 : 0);
  // Starting from the head the caller scanned (not a fresh load) closes the gap in which
  // another thread could add the same labels unseen: then the exchange fails and we scan them.
  auto* head = seen;
  for (;;) {
    fresh->next = head;
    if (head_.compare_exchange_weak(head, fresh.get(), std::memory_order_release,
                                    std::memory_order_acquire)) {
      count_.fetch_add(1, std::memory_order_relaxed);
      return *fresh.release();
    }
    // Another thread got in first: it may have added these very labels.
    if (auto* s = scan(head, fresh->next, hash, values)) return *s;
  }
}

void family::write_text(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  exposition::append_help(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_name(type_);
  out += '\n';

  std::vector<const detail::series*> all;
  for (auto* s = head_.load(std::memory_order_acquire); s != nullptr; s = s->next) {
    all.push_back(s);
  }
  std::sort(all.begin(), all.end(),
            [](const detail::series* a, const detail::series* b) { return a->labels < b->labels; });

  // name{l1="v1",l2="v2"[,le="x"]} — `extra` is the le pair of a bucket line.
  const auto head = [&](const detail::series& s, std::string_view suffix, std::string_view le) {
    out += name_;
    out += suffix;
    if (label_names_.empty() && le.empty()) {
      out += ' ';
      return;
    }
    out += '{';
    for (std::size_t i = 0; i < label_names_.size(); ++i) {
      if (i > 0) out += ',';
      out += label_names_[i];
      out += "=\"";
      exposition::append_label_value(out, s.labels[i]);
      out += '"';
    }
    if (!le.empty()) {
      if (!label_names_.empty()) out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += "} ";
  };

  for (const auto* s : all) {
    if (type_ != metric_type::histogram) {
      head(*s, "", "");
      out += std::to_string(s->value.load(std::memory_order_relaxed));
      out += '\n';
      continue;
    }
    // One read per bucket; _count is their sum, so +Inf and _count always agree.
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s->bucket_counts[i].load(std::memory_order_relaxed);
      std::string le;
      if (i < bounds_.size()) {
        exposition::append_double(le, bounds_[i]);
      } else {
        le = "+Inf";
      }
      head(*s, "_bucket", le);
      out += std::to_string(cumulative);
      out += '\n';
    }
    head(*s, "_sum", "");
    exposition::append_double(out, s->sum.load(std::memory_order_relaxed));
    out += '\n';
    head(*s, "_count", "");
    out += std::to_string(cumulative);
    out += '\n';
  }
}

void histogram::observe(double v) const noexcept {
  if (std::isnan(v)) return;
  const auto& b = *bounds_;
  std::size_t i = 0;
  while (i < b.size() && v > b[i])
    ++i;  // le is inclusive
  s_->bucket_counts[i].fetch_add(1, std::memory_order_relaxed);
  s_->sum.fetch_add(v, std::memory_order_relaxed);
}

std::uint64_t histogram::count() const noexcept {
  return cumulative(bounds_->size());
}

std::uint64_t histogram::cumulative(std::size_t i) const noexcept {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k <= i && k <= bounds_->size(); ++k)
    n += s_->bucket_counts[k].load();
  return n;
}

void registry::on_collect(std::function<void()> collect) {
  const std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collect));
}

std::string registry::write_text() const {
  const std::lock_guard lock(mutex_);
  for (const auto& c : collectors_)
    c();
  std::string out;
  for (const auto& f : families_)
    f->write_text(out);
  return out;
}

family& registry::add(metric_type type, std::string name, std::string help,
                      std::vector<std::string> label_names, std::vector<double> bounds) {
  const std::lock_guard lock(mutex_);
  for (const auto& f : families_) {
    if (f->name() == name) throw std::invalid_argument("metric \"" + name + "\" registered twice");
  }
  families_.push_back(std::make_unique<family>(type, std::move(name), std::move(help),
                                               std::move(label_names), std::move(bounds),
                                               max_series_));
  return *families_.back();
}

}  // namespace lapord::app::ops
