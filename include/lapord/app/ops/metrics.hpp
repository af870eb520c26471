#pragma once
// Counters, gauges and histograms for /metrics, written in the Prometheus text format 0.0.4.
// Registering a family (at start) takes a lock; an update is one relaxed atomic add on a series
// found in the family's lock-free, append-only list (or on a handle kept by the caller).
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::app::ops {

enum class metric_type { counter, gauge, histogram };

namespace detail {
// One labelled series. Never freed before its family, so handles to it stay valid.
struct series {
  series(std::uint64_t label_hash, std::vector<std::string> label_values, std::size_t buckets);
  std::uint64_t hash;
  std::vector<std::string> labels;
  std::atomic<std::int64_t> value{0};  // counter, gauge
  // Histogram: observations per bucket, NOT cumulative; the last one is +Inf.
  std::unique_ptr<std::atomic<std::uint64_t>[]> bucket_counts;
  std::atomic<double> sum{0};
  series* next = nullptr;
};
}  // namespace detail

// Label values of a series that would exceed a family's series cap are replaced by this, so a
// runaway label (a peer-chosen value) costs one series, not memory without bound.
inline constexpr std::string_view overflow_label_value = "overflow";

// One metric family: name, help, label names, (histogram) bucket upper bounds, its series.
class family {
 public:
  // Throws std::invalid_argument for a name or label name Prometheus refuses, a histogram
  // label named "le", or bounds that are not finite and strictly increasing.
  family(metric_type type, std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds, std::size_t max_series);
  ~family();
  family(const family&) = delete;
  family& operator=(const family&) = delete;

  // The series with these label values (one per label name, else std::invalid_argument),
  // created on first use. Lock-free; safe from any thread.
  detail::series& find(std::span<const std::string_view> values);

  // Appends HELP, TYPE and every series (sorted by label values) to `out`.
  void write_text(std::string& out) const;

  [[nodiscard]] metric_type type() const { return type_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<double>& bounds() const { return bounds_; }
  [[nodiscard]] std::size_t series_count() const { return count_.load(); }

 private:
  // `seen` is the list head the caller scanned from: the insert only succeeds if nothing was
  // added since, otherwise it scans what was added first.
  detail::series& insert(std::span<const std::string_view> values, std::uint64_t hash,
                         detail::series* seen);

  metric_type type_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  std::size_t max_series_;
  std::atomic<detail::series*> head_{nullptr};
  std::atomic<std::size_t> count_{0};
};

// Handles: cheap to copy, valid as long as the registry. Keep one on a hot path to skip the
// label lookup.
class counter {
 public:
  explicit counter(detail::series& s) : s_(&s) {}
  void inc(std::uint64_t n = 1) const noexcept {
    s_->value.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
  }
  // For a total counted elsewhere (forwarder::stats().forwarded): copy it in from
  // registry::on_collect. The source must only grow, as a counter does.
  void mirror(std::uint64_t total) const noexcept {
    s_->value.store(static_cast<std::int64_t>(total), std::memory_order_relaxed);
  }
  [[nodiscard]] std::int64_t value() const noexcept { return s_->value.load(); }

 private:
  detail::series* s_;
};

class gauge {
 public:
  explicit gauge(detail::series& s) : s_(&s) {}
  void set(std::int64_t v) const noexcept { s_->value.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) const noexcept { s_->value.fetch_add(d, std::memory_order_relaxed); }
  void inc() const noexcept { add(1); }
  void dec() const noexcept { add(-1); }
  [[nodiscard]] std::int64_t value() const noexcept { return s_->value.load(); }

 private:
  detail::series* s_;
};

class histogram {
 public:
  histogram(detail::series& s, const std::vector<double>& bounds) : s_(&s), bounds_(&bounds) {}
  // A NaN is ignored (it would poison _sum for good).
  void observe(double v) const noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept;
  [[nodiscard]] double sum() const noexcept { return s_->sum.load(); }
  // Observations <= bounds[i] (cumulative, as exposed); i == bounds.size() is +Inf.
  [[nodiscard]] std::uint64_t cumulative(std::size_t i) const noexcept;

 private:
  detail::series* s_;
  const std::vector<double>* bounds_;
};

// Typed views of a family: N label values per call, checked at compile time.
//   metrics.mo_received.inc({carrier});   metrics.carrier_bind_up.set({carrier, "trx"}, 1);
template <std::size_t N>
class counter_family {
 public:
  using labels = std::array<std::string_view, N>;
  explicit counter_family(family& f) : f_(&f) {}
  [[nodiscard]] counter with(const labels& l) const { return counter(f_->find(l)); }
  void inc(const labels& l, std::uint64_t n = 1) const { with(l).inc(n); }
  void inc(std::uint64_t n = 1) const requires(N == 0) { with({}).inc(n); }
  void mirror(const labels& l, std::uint64_t total) const { with(l).mirror(total); }
  void mirror(std::uint64_t total) const requires(N == 0) { with({}).mirror(total); }
  [[nodiscard]] std::int64_t value(const labels& l = {}) const { return with(l).value(); }

 private:
  family* f_;
};

template <std::size_t N>
class gauge_family {
 public:
  using labels = std::array<std::string_view, N>;
  explicit gauge_family(family& f) : f_(&f) {}
  [[nodiscard]] gauge with(const labels& l) const { return gauge(f_->find(l)); }
  void set(const labels& l, std::int64_t v) const { with(l).set(v); }
  void add(const labels& l, std::int64_t d) const { with(l).add(d); }
  void set(std::int64_t v) const requires(N == 0) { with({}).set(v); }
  [[nodiscard]] std::int64_t value(const labels& l = {}) const { return with(l).value(); }

 private:
  family* f_;
};

template <std::size_t N>
class histogram_family {
 public:
  using labels = std::array<std::string_view, N>;
  explicit histogram_family(family& f) : f_(&f) {}
  [[nodiscard]] histogram with(const labels& l) const {
    return histogram(f_->find(l), f_->bounds());
  }
  void observe(const labels& l, double v) const { with(l).observe(v); }
  void observe(double v) const requires(N == 0) { with({}).observe(v); }

 private:
  family* f_;
};

// All families of a process. Register at start; update from any thread; write_text() for
// GET /metrics (any thread, concurrently with updates).
class registry {
 public:
  // Series per family at most; further label combinations count in one "overflow" series.
  explicit registry(std::size_t max_series_per_family = 1000)
      : max_series_(max_series_per_family) {}

  template <std::size_t N>
  counter_family<N> add_counter(std::string name, std::string help,
                                const std::string_view (&label_names)[N]) {
    return counter_family<N>(add(metric_type::counter, std::move(name), std::move(help),
                                 {std::begin(label_names), std::end(label_names)}, {}));
  }
  counter_family<0> add_counter(std::string name, std::string help) {
    return counter_family<0>(add(metric_type::counter, std::move(name), std::move(help), {}, {}));
  }
  template <std::size_t N>
  gauge_family<N> add_gauge(std::string name, std::string help,
                            const std::string_view (&label_names)[N]) {
    return gauge_family<N>(add(metric_type::gauge, std::move(name), std::move(help),
                               {std::begin(label_names), std::end(label_names)}, {}));
  }
  gauge_family<0> add_gauge(std::string name, std::string help) {
    return gauge_family<0>(add(metric_type::gauge, std::move(name), std::move(help), {}, {}));
  }
  template <std::size_t N>
  histogram_family<N> add_histogram(std::string name, std::string help,
                                    const std::string_view (&label_names)[N],
                                    std::vector<double> bounds) {
    return histogram_family<N>(add(metric_type::histogram, std::move(name), std::move(help),
                                   {std::begin(label_names), std::end(label_names)},
                                   std::move(bounds)));
  }
  histogram_family<0> add_histogram(std::string name, std::string help,
                                    std::vector<double> bounds) {
    return histogram_family<0>(
        add(metric_type::histogram, std::move(name), std::move(help), {}, std::move(bounds)));
  }

  // Called at the start of every write_text(), e.g. to copy forwarder::stats() into gauges.
  // Must be quick and must not block (it runs on the HTTP server's thread).
  void on_collect(std::function<void()> collect);

  // The exposition, families in registration order.
  [[nodiscard]] std::string write_text() const;

  // The Content-Type of write_text()'s body.
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  family& add(metric_type type, std::string name, std::string help,
              std::vector<std::string> label_names, std::vector<double> bounds);

  std::size_t max_series_;
  mutable std::mutex mutex_;  // families_ and collectors_; never taken by an update
  std::vector<std::unique_ptr<family>> families_;
  std::vector<std::function<void()>> collectors_;
};

}  // namespace lapord::app::ops
