// Benchmark (not a test): MO-like work items through the writer with group commit and
// synchronous=FULL on a real file. Each item does what the daemon does for a new complaint:
// record the MO, draw a ref, check the duplicate and hourly rules, create the complaint,
// queue its forward and its acknowledgement. A bounded number of items is in flight, like
// the SMSC windows of several binds.
//
//   store_bench [--items N] [--window W] [--max-batch B] [--dir DIR] [--sync overlap|full]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <semaphore>
#include <string>
#include <vector>

#include "lapord/store/database.hpp"

using namespace lapord::store;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  int items = 200000;
  int window = 4000;
  std::size_t max_batch = 1024;
  std::string dir = "/tmp";
  int page_size = 4096;
  std::string work = "mo";  // "mo": the whole MO path; "received": record_received only; "empty"
  sqlite_sync_mode sync = sqlite_sync_mode::full;  // --sync overlap|full
};

// One MO: its octets live here so the work item allocates nothing but what SQLite does.
struct mo_item final : work_item {
  std::string source;
  std::string reporter;
  std::string text;
  std::string ref;
  clock_type::time_point submitted;
  std::int64_t* latency_ns = nullptr;
  std::counting_semaphore<>* window = nullptr;
  std::atomic<int>* failed = nullptr;
  wall_time now{};
  int work = 0;  // 0 mo, 1 received only, 2 empty
  int steps = 99;

  void run(transaction& tx) override {
    if (work == 2) return;
    mo_pdu mo;
    mo.carrier = "telkomsel";
    mo.source = source;
    mo.source_ton = 1;
    mo.source_npi = 1;
    mo.destination = "1708";
    mo.short_message = text;
    mo.received_at = now;
    auto r = tx.record_received(mo);
    if (r.duplicate || work == 1) return;
    if (steps == 1) return;
    auto counter = tx.next_ref_counter();
    if (steps == 2) return;
    ref = std::to_string(10000000 + counter);
    if (tx.recent_complaint_with_key(reporter, text, now - std::chrono::hours(24))) return;
    (void)tx.complaints_since(reporter, now - std::chrono::hours(1));
    if (steps == 3) return;
    new_complaint c;
    c.ref = ref;
    c.carrier = "telkomsel";
    c.service_number = "1708";
    c.reporter = reporter;
    c.institution = institution_view{"36.03", "Kabupaten Tangerang", "TANGKAB", false};
    c.text = text;
    c.duplicate_key = text;  // stands in for lapor::duplicate_key(text): the same bytes to store
    c.created_at = now;
    c.received_id = r.id;
    tx.create_complaint(c);
    if (steps == 4) return;
    tx.enqueue_forward(ref, now);  // no body stored (schema 8)
    if (steps == 5) return;
    tx.enqueue_reply({"telkomsel", "1708", source,
                      "LAPOR! Laporan diterima, tiket 48219375 utk Kab. Tangerang. Cek status: "
                      "ketik CEK 48219375 kirim ke 1708",
                      "ack", ref, now});
  }
  void done(std::error_code ec, std::string_view) noexcept override {
    *latency_ns = (clock_type::now() - submitted).count();
    if (ec) failed->fetch_add(1, std::memory_order_relaxed);
    window->release();
  }
};

double percentile(std::vector<std::int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return static_cast<double>(v[i]);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--items"))
      o.items = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--window"))
      o.window = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--max-batch"))
      o.max_batch = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--dir"))
      o.dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--page-size"))
      o.page_size = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--work"))
      o.work = argv[i + 1];
    else if (!std::strcmp(argv[i], "--sync") && !std::strcmp(argv[i + 1], "overlap"))
      o.sync = sqlite_sync_mode::overlap;
    else if (!std::strcmp(argv[i], "--sync") && !std::strcmp(argv[i + 1], "full"))
      o.sync = sqlite_sync_mode::full;
    else {
      std::fprintf(stderr,
                   "usage: %s [--items N] [--window W] [--max-batch B] [--dir DIR] [--page-size P] "
                   "[--work mo|received|empty] [--sync overlap|full]\n",
                   argv[0]);
      return 2;
    }
  }
  const auto path =
      std::filesystem::path(o.dir) / ("lapord-store-bench-" + std::to_string(::getpid()) + ".db");
  std::vector<std::int64_t> commit_ns;
  std::vector<std::size_t> batch_sizes;
  commit_ns.reserve(1 << 20);
  batch_sizes.reserve(1 << 20);

  // Items prepared up front: the measurement is the store, not string formatting.
  std::vector<mo_item> items(static_cast<std::size_t>(o.items));
  std::vector<std::int64_t> ack_ns(items.size());
  std::counting_semaphore<> window(o.window);
  std::atomic<int> failed{0};
  const wall_time now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto& it = items[i];
    it.source = "62812" + std::to_string(10000000 + i % 50000);
    it.reporter = "+" + it.source;
    it.text = "Jalan rusak di Desa Suka Maju sudah 3 bulan, nomor " + std::to_string(i);
    it.latency_ns = &ack_ns[i];
    it.window = &window;
    it.failed = &failed;
    it.now = now;
    if (const char* st = std::getenv("BENCH_STEPS")) it.steps = std::atoi(st);
    it.work = o.work == "empty" ? 2 : o.work == "received" ? 1 : 0;
  }

  double seconds = 0;
  writer_stats s;
  {
    database_options d;
    d.path = path.string();
    // Its refs are 10000000 + the counter: read back as such.
    d.ref_number = [](std::string_view ref) -> std::optional<std::uint64_t> {
      std::uint64_t n = 0;
      for (char c : ref) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      return ref.empty() ? std::nullopt : std::optional<std::uint64_t>(n);
    };
    d.max_batch = o.max_batch;
    d.page_size = o.page_size;
    d.sqlite_sync = o.sync;
    d.on_commit = [&](std::size_t n, std::chrono::nanoseconds t, bool) {
      commit_ns.push_back(t.count());
      batch_sizes.push_back(n);
    };
    database db(d);
    auto start = clock_type::now();
    for (auto& it : items) {
      window.acquire();
      it.submitted = clock_type::now();
      db.submit(it);
    }
    for (int i = 0; i < o.window; ++i)
      window.acquire();
    seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    s = db.stats();
  }
  std::size_t total = 0;
  for (auto b : batch_sizes)
    total += b;
  std::printf("file: %s (WAL, sqlite_sync %s)\n", path.c_str(),
              o.sync == sqlite_sync_mode::overlap ? "overlap" : "full");
  std::printf("work: %s, items: %d, window: %d, max_batch: %zu, failed: %d\n", o.work.c_str(),
              o.items, o.window, o.max_batch, failed.load());
  std::printf("items/s: %.0f\n", o.items / seconds);
  std::printf("commits: %llu, commits/s: %.0f, mean batch: %.1f, largest batch: %llu\n",
              static_cast<unsigned long long>(s.commits), static_cast<double>(s.commits) / seconds,
              batch_sizes.empty()
                  ? 0.0
                  : static_cast<double>(total) / static_cast<double>(batch_sizes.size()),
              static_cast<unsigned long long>(s.largest_batch));
  std::printf(
      "commit (COMMIT+fsync; overlap: COMMIT+its fdatasync) latency: p50 %.2f ms, p99 %.2f ms\n",
      percentile(commit_ns, 0.50) / 1e6, percentile(commit_ns, 0.99) / 1e6);
  std::printf("ack latency (submit -> completion): p50 %.2f ms, p99 %.2f ms\n",
              percentile(ack_ns, 0.50) / 1e6, percentile(ack_ns, 0.99) / 1e6);
  std::printf("file size: %.1f MB\n", static_cast<double>(std::filesystem::file_size(path)) / 1e6);
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  return failed.load() == 0 ? 0 : 1;
}
