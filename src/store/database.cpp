// The writer thread and group commit, for every backend. Items queue in an intrusive list (no
// allocation per submit); the writer takes everything queued, runs them in one transaction
// (a failing item is isolated by running the batch again with one SAVEPOINT per item), commits
// once, and completes the items only after the COMMIT (and its fsync) returned. With a backend
// whose COMMIT does not fsync (SQLite, sqlite_sync = overlap) the writer hands the committed
// batch to the sync stage (sync_stage.hpp) and starts the next one; the items are completed
// there, after the fdatasync that covers them. The backend is driven through
// backend_connection and never seen as SQL here.
#include "lapord/store/database.hpp"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "lapord/store/backend.hpp"
#include "store/sync_stage.hpp"

namespace lapord::store {

struct database::impl {
  explicit impl(database_options o) : options(std::move(o)), conn(open_backend(options)) {}

  database_options options;
  std::unique_ptr<backend_connection> conn;

  std::mutex mutex;
  std::condition_variable wake;
  work_item* head = nullptr;  // oldest first
  work_item* tail = nullptr;
  std::size_t queued = 0;
  bool stopping = false;

  std::atomic<std::uint64_t> batches{0}, commits{0}, failed_batches{0}, items{0}, failed_items{0},
      largest_batch{0}, queued_now{0}, reruns{0};
  // steady_clock of the batch's start (busy_for); 0 while the writer waits for work.
  std::atomic<std::int64_t> batch_since{0};
  std::thread::id writer_id;
  std::thread writer;
  // Only when the backend's COMMIT does not fsync (overlap); started before the writer and
  // stopped after it.
  std::unique_ptr<sync_stage> stage;

  void run();
  void run_batch(work_item* first, std::size_t count);
  void fail_all(work_item* first, std::size_t count, std::error_code ec, const std::string& why);
  using item_errors = std::vector<std::pair<work_item*, std::string>>;
  // Completes a committed (and, with a sync stage, synced) batch: each item acknowledged
  // unless it failed alone.
  void complete(work_item* first, std::size_t count, const item_errors& errors);
  // The sync stage's verdict on a batch (on its completion thread, in commit order).
  void synced(sync_stage::batch& b, std::error_code ec, const std::string& why,
              std::chrono::nanoseconds sync_time);
  void start_sync_stage();
  void log(backend_log level, const std::string& line) noexcept {
    if (!options.on_log) return;
    try {
      options.on_log(level, line);
    } catch (...) {
    }
  }
  // Runs a frame step (BEGIN, SAVEPOINT, COMMIT ...) of the backend; on failure keeps its
  // code in last_error and its message in `error`.
  template <class Step>
  bool frame(Step step, std::string& error);
  std::error_code last_error;
  std::atomic<bool> stage_failed_logged{false};  // the failed fdatasync is logged once

  // The metrics hook; an exception from it must not take the writer down.
  void notify_commit(std::size_t n, std::chrono::nanoseconds t, bool ok) noexcept {
    if (!options.on_commit) return;
    try {
      options.on_commit(n, t, ok);
    } catch (...) {
    }
  }

  enum class pass { ok, item_failed, batch_failed };
  pass run_items(work_item* first, std::size_t count, bool isolate, item_errors& errors,
                 std::error_code& ec, std::string& why);
};

namespace {

bool batch_level(errc e) noexcept {
  return e != errc::item_failed && e != errc::ok;
}

}  // namespace

template <class Step>
bool database::impl::frame(Step step, std::string& error) {
  try {
    step(*conn);
    return true;
  } catch (const store_error& e) {
    error = e.what();
    last_error = e.code();
    return false;
  }
}

void database::impl::fail_all(work_item* first, std::size_t count, std::error_code ec,
                              const std::string& why) {
  items.fetch_add(count, std::memory_order_relaxed);  // before the completions, as below
  failed_items.fetch_add(count, std::memory_order_relaxed);
  for (std::size_t i = 0; i < count; ++i) {
    work_item* next = first->next_;
    first->next_ = nullptr;
    first->done(ec, why);  // may delete the item: read next_ first
    first = next;
  }
}

database::impl::pass database::impl::run_items(work_item* first, std::size_t count, bool isolate,
                                               item_errors& errors, std::error_code& ec,
                                               std::string& why) {
  std::string error;
  work_item* it = first;
  for (std::size_t i = 0; i < count; ++i, it = it->next_) {
    if (isolate && !frame(std::mem_fn(&backend_connection::savepoint), error)) {
      ec = last_error;
      why = error;
      return pass::batch_failed;
    }
    std::error_code item_ec;
    std::string item_why;
    conn->item_started();
    try {
      it->run(conn->tx());
      if (isolate || i + 1 == count) conn->settle_item();
    } catch (const store_error& e) {
      item_ec = e.code();
      item_why = e.what();
    } catch (const std::exception& e) {
      item_ec = make_error_code(errc::item_failed);
      item_why = e.what();
    } catch (...) {
      item_ec = make_error_code(errc::item_failed);
      item_why = "unknown exception";
    }
    // The engine may have ended the transaction itself (disk full, I/O error, connection
    // lost): then every item of the batch is lost with it.
    if (!conn->in_transaction()) {
      ec = item_ec ? item_ec : make_error_code(errc::internal);
      why = item_why.empty() ? "store: the transaction was rolled back" : item_why;
      return pass::batch_failed;
    }
    if (item_ec && item_ec.category() == store_category() &&
        batch_level(static_cast<errc>(item_ec.value()))) {
      ec = item_ec;
      why = item_why;
      return pass::batch_failed;
    }
    if (item_ec && !isolate) return pass::item_failed;
    if (item_ec) {
      // The item's refs go back with its rows: no gap in the counter.
      conn->item_rolled_back();
      if (!frame(std::mem_fn(&backend_connection::rollback_to_savepoint), error) ||
          !frame(std::mem_fn(&backend_connection::release_savepoint), error)) {
        ec = last_error;
        why = error;
        return pass::batch_failed;
      }
      errors.emplace_back(it, std::move(item_why));
    } else if (isolate && !frame(std::mem_fn(&backend_connection::release_savepoint), error)) {
      ec = last_error;
      why = error;
      return pass::batch_failed;
    }
  }
  return pass::ok;
}

void database::impl::run_batch(work_item* first, std::size_t count) {
  batches.fetch_add(1, std::memory_order_relaxed);
  if (count > largest_batch.load(std::memory_order_relaxed))
    largest_batch.store(count, std::memory_order_relaxed);

  std::string error;
  auto fail_batch = [&](std::error_code ec, const std::string& why) {
    conn->rollback();
    failed_batches.fetch_add(1, std::memory_order_relaxed);
    fail_all(first, count, ec, why);
  };
  // The batch's reporters, locked again at every begin (a rollback releases them).
  std::vector<std::string_view> reporters;
  for (work_item* it = first; it != nullptr; it = it->next_) {
    const std::string_view r = it->reporter();
    if (!r.empty()) reporters.push_back(r);
  }
  auto begin = [&] {
    if (frame(std::mem_fn(&backend_connection::begin), error) &&
        frame([&](backend_connection& c) { c.lock_reporters(reporters); }, error))
      return true;
    fail_batch(last_error, error);
    return false;
  };

  // First without savepoints: a savepoint copies every page an item touches into a
  // sub-journal, a third of the writer's CPU. Items rarely fail; when one does, the batch is
  // rolled back and run again with one savepoint per item, so that it fails alone.
  item_errors errors;
  std::error_code ec;
  std::string why;
  if (!begin()) return;
  pass p = run_items(first, count, false, errors, ec, why);
  if (p == pass::item_failed) {
    reruns.fetch_add(1, std::memory_order_relaxed);
    conn->rollback();
    if (!begin()) return;
    p = run_items(first, count, true, errors, ec, why);
  }
  if (p == pass::ok) {
    if (!frame(std::mem_fn(&backend_connection::before_commit), why)) {
      ec = last_error;
      p = pass::batch_failed;
    }
  }
  if (p == pass::batch_failed) {
    fail_batch(ec, why);
    return;
  }

  auto started = std::chrono::steady_clock::now();
  if (!frame(std::mem_fn(&backend_connection::commit), error)) {
    auto elapsed = std::chrono::steady_clock::now() - started;
    notify_commit(count, elapsed, false);
    fail_batch(last_error, error);
    return;
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  commits.fetch_add(1, std::memory_order_relaxed);
  if (stage) {
    // Acknowledged only after an fdatasync that begins after this COMMIT returned; reported
    // to on_commit then (in sync order, so that a later success never hides a failed sync).
    stage->committed({first, count, std::move(errors), 0, std::chrono::steady_clock::now(),
                      std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed)});
    return;
  }
  notify_commit(count, elapsed, true);
  complete(first, count, errors);
}

void database::impl::complete(work_item* first, std::size_t count, const item_errors& errors) {
  // Counted before the completions run, so whoever sees an item completed sees it counted.
  items.fetch_add(count, std::memory_order_relaxed);
  failed_items.fetch_add(errors.size(), std::memory_order_relaxed);
  std::size_t e = 0;
  work_item* it = first;
  for (std::size_t i = 0; i < count; ++i) {
    work_item* next = it->next_;
    it->next_ = nullptr;
    if (e < errors.size() && errors[e].first == it) {
      it->done(make_error_code(errc::item_failed), errors[e].second);
      ++e;
    } else {
      it->done({}, {});
    }
    it = next;
  }
}

void database::impl::synced(sync_stage::batch& b, std::error_code ec, const std::string& why,
                            std::chrono::nanoseconds sync_time) {
  if (!ec) {
    notify_commit(b.count, b.commit_time + sync_time, true);
    complete(b.first, b.count, b.errors);
    return;
  }
  // Committed but not durable: no acknowledgement (the sender will deliver it again), and the
  // store is failed like a failed COMMIT (metrics, /readyz).
  if (!stage_failed_logged.exchange(true)) {
    log(backend_log::error, why + "; every later batch fails until lapord is restarted");
  }
  failed_batches.fetch_add(1, std::memory_order_relaxed);
  notify_commit(b.count, sync_time, false);
  fail_all(b.first, b.count, ec, why);
}

void database::impl::start_sync_stage() {
  auto sync = conn->deferred_sync();
  if (!sync) return;
  stage = std::make_unique<sync_stage>(
      std::move(sync), [this](sync_stage::batch& b, std::error_code ec, const std::string& why,
                              std::chrono::nanoseconds t) { synced(b, ec, why, t); });
}

void database::impl::run() {
  for (;;) {
    work_item* first = nullptr;
    std::size_t count = 0;
    {
      std::unique_lock lock(mutex);
      wake.wait(lock, [&] { return head != nullptr || stopping; });
      if (!head) return;  // stopping and drained
      first = head;
      work_item* last = head;
      count = 1;
      while (count < options.max_batch && last->next_) {
        last = last->next_;
        ++count;
      }
      head = last->next_;
      if (!head) tail = nullptr;
      last->next_ = nullptr;
      queued -= count;
      queued_now.store(queued, std::memory_order_relaxed);
    }
    // Never 0 while busy: 0 means idle.
    batch_since.store(
        std::max<std::int64_t>(1, std::chrono::steady_clock::now().time_since_epoch().count()),
        std::memory_order_relaxed);
    if (stage && stage->failed()) {
      // After a failed fdatasync nothing is run: it could rest on what was lost (sync_order).
      batches.fetch_add(1, std::memory_order_relaxed);
      failed_batches.fetch_add(1, std::memory_order_relaxed);
      notify_commit(count, {}, false);
      fail_all(first, count, make_error_code(errc::io_error),
               "store: an fdatasync of the WAL failed; restart lapord");
    } else {
      run_batch(first, count);
    }
    batch_since.store(0, std::memory_order_relaxed);
  }
}

database::database(database_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  if (impl_->options.max_batch == 0) impl_->options.max_batch = 1;
  impl_->start_sync_stage();
  impl_->writer = std::thread([this] {
    // Named for top -H, perf and /proc/PID/task/*/comm (one lapord thread from another).
    pthread_setname_np(pthread_self(), "lapord-writer");
    impl_->run();
  });
  impl_->writer_id = impl_->writer.get_id();
}

database::~database() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_one();
  impl_->writer.join();
  impl_->stage.reset();  // syncs and completes what the writer committed last
}

void database::submit(work_item& item) noexcept {
  item.next_ = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopping) {
      if (impl_->tail)
        impl_->tail->next_ = &item;
      else
        impl_->head = &item;
      impl_->tail = &item;
      ++impl_->queued;
      impl_->queued_now.store(impl_->queued, std::memory_order_relaxed);
      // Only the first item of an idle queue needs to wake the writer; later ones ride along.
      if (impl_->queued == 1) {
        impl_->wake.notify_one();
      }
      return;
    }
  }
  item.done(make_error_code(errc::closed), "store: shutting down");
}

writer_stats database::stats() const noexcept {
  writer_stats s;
  s.batches = impl_->batches.load(std::memory_order_relaxed);
  s.commits = impl_->commits.load(std::memory_order_relaxed);
  s.failed_batches = impl_->failed_batches.load(std::memory_order_relaxed);
  s.items = impl_->items.load(std::memory_order_relaxed);
  s.failed_items = impl_->failed_items.load(std::memory_order_relaxed);
  s.largest_batch = impl_->largest_batch.load(std::memory_order_relaxed);
  s.queued = impl_->queued_now.load(std::memory_order_relaxed);
  s.isolated_reruns = impl_->reruns.load(std::memory_order_relaxed);
  return s;
}

std::chrono::nanoseconds database::busy_for() const noexcept {
  // A held batch waiting for its fdatasync counts as much as the writer's own batch.
  const auto syncing = impl_->stage ? impl_->stage->waiting_for() : std::chrono::nanoseconds(0);
  return std::max(syncing, elapsed_since(impl_->batch_since.load(std::memory_order_relaxed)));
}

int database::schema_version() const noexcept {
  return impl_->conn->schema_version();
}
int database::latest_schema_version() noexcept {
  return store::latest_schema_version();
}
const database_options& database::options() const noexcept {
  return impl_->options;
}

namespace detail {

bool on_writer_thread(const database& db) noexcept {
  // The sync stage's threads complete items too: waiting there for a completion would deadlock
  // alike.
  return std::this_thread::get_id() == db.impl_->writer_id ||
         (db.impl_->stage && db.impl_->stage->on_sync_thread());
}

void wait_for(database& db, work_item& inner, std::error_code& ec, std::string& detail) {
  if (on_writer_thread(db))
    throw store_error(errc::internal, "store: call() from the writer thread would deadlock");
  struct waiter final : work_item {
    explicit waiter(work_item& i) : inner(i) {}
    work_item& inner;
    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    std::error_code ec;
    std::string detail;
    void run(transaction& tx) override { inner.run(tx); }
    void done(std::error_code e, std::string_view d) noexcept override {
      std::lock_guard lock(m);
      ec = e;
      detail = std::string(d);
      finished = true;
      cv.notify_one();
    }
  } w(inner);
  db.submit(w);
  std::unique_lock lock(w.m);
  w.cv.wait(lock, [&] { return w.finished; });
  ec = w.ec;
  detail = std::move(w.detail);
}

}  // namespace detail

}  // namespace lapord::store
