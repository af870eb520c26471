#include "store_sim.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "lapord/net/http/tcp_listener.hpp"
#include "lapord/net/http/timestamp.hpp"

namespace lapord::tools {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);

std::string now_text() {
  return net::http::format_rfc3339(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string error_body(std::string_view code, std::string_view message) {
  return json::serialize(json::object{{"error", code}, {"message", message}});
}

}  // namespace

struct store_sim::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, store_sim_faults f, std::string path, bool keep,
       std::uint64_t seed)
      : strand(asio::make_strand(ex)),
        acceptor(strand),
        faults(std::move(f)),
        records_path(std::move(path)),
        keep_records(keep),
        rng(seed) {
    if (!records_path.empty()) {
      load_taken();
      file = std::fopen(records_path.c_str(), "a");
      if (file == nullptr) {
        throw std::system_error(errno, std::generic_category(), "cannot open " + records_path);
      }
    }
  }
  ~impl() {
    if (file != nullptr) std::fclose(file);
  }

  asio::strand<asio::any_io_executor> strand;
  tcp::acceptor acceptor;
  std::atomic<std::uint16_t> bound_port{0};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool stopped = false;
  std::unordered_set<beast::tcp_stream*> sessions;

  mutable std::mutex mu;  // guards everything below (tests read while it runs)
  store_sim_faults faults;
  std::string records_path;
  bool keep_records;
  std::FILE* file = nullptr;
  std::mt19937_64 rng;
  std::unordered_set<std::string> taken;
  std::uint64_t next_tracking = 1;
  std::uint64_t complaint_posts = 0;
  std::vector<store_sim_record> records;
  store_sim_stats counters;

  void load_taken() {
    std::ifstream in(records_path);
    std::string line;
    while (std::getline(in, line)) {
      boost::system::error_code ec;
      auto v = json::parse(line, ec);
      if (ec || !v.is_object()) continue;
      const auto& o = v.as_object();
      const auto* status = o.if_contains("status");
      const auto* ref = o.if_contains("ref");
      if (status && ref && status->is_int64() && status->as_int64() == 201 && ref->is_string()) {
        taken.insert(std::string(ref->as_string()));
      }
    }
  }

  struct verdict {
    unsigned status = 0;  // 0: hang
    std::string body;
    std::optional<unsigned> retry_after;
    bool close = false;
  };

  verdict decide(const bhttp::request<bhttp::string_body>& req) {
    store_sim_record rec;
    rec.at = now_text();
    if (auto it = req.find("Idempotency-Key"); it != req.end()) rec.ref = std::string(it->value());
    if (auto it = req.find(bhttp::field::user_agent); it != req.end()) {
      rec.user_agent = std::string(it->value());
    }
    if (auto it = req.find(bhttp::field::content_type); it != req.end()) {
      rec.content_type = std::string(it->value());
    }
    rec.body = req.body();
    std::string authorization;
    if (auto it = req.find(bhttp::field::authorization); it != req.end()) {
      authorization = std::string(it->value());
    }

    std::lock_guard lock(mu);
    const std::uint64_t n = complaint_posts++;
    ++counters.requests;
    rec.auth_ok = !faults.require_token || authorization == "Bearer " + *faults.require_token;
    verdict v;
    v.close = faults.close_after_answer;
    const auto since_start = std::chrono::steady_clock::now() - started;
    if (n < faults.hang_first || since_start < faults.hang_for) {
      v.status = 0;
    } else if (!rec.auth_ok) {
      v.status = 401;
      v.body = error_body("unauthorized", "missing or wrong bearer token");
    } else if (n < faults.hang_first + faults.fail_first ||
               (faults.fail_rate > 0 &&
                std::uniform_real_distribution<double>(0, 1)(rng) < faults.fail_rate)) {
      v.status = faults.fail_status;
      v.body = error_body("simulated_failure", "store-sim was told to fail this one");
      v.retry_after = faults.retry_after;
    } else if (rec.ref.empty()) {
      v.status = 400;
      v.body = error_body("missing_idempotency_key", "Idempotency-Key is required");
    } else if (faults.reject_refs.count(rec.ref) != 0) {
      v.status = 400;
      v.body = error_body("rejected", "store-sim was told to reject ref " + rec.ref);
    } else {
      boost::system::error_code ec;
      const auto body = json::parse(rec.body, ec);
      if (ec || !body.is_object()) {
        v.status = 400;
        v.body = error_body("malformed_json", "the body is not a JSON object");
      } else if (!taken.insert(rec.ref).second) {
        v.status = 409;
        v.body = error_body("duplicate", "ref " + rec.ref + " was taken before");
        ++counters.duplicates;
      } else {
        v.status = 201;
        v.body = json::serialize(
            json::object{{"tracking_id", "SIM-" + std::to_string(next_tracking++)}});
        ++counters.unique_refs;
      }
    }
    rec.status = v.status;
    if (v.status == 0) {
      ++counters.hung;
    } else {
      ++counters.answered[v.status];
    }
    if (file != nullptr) {
      json::object line{
          {"ref", rec.ref}, {"status", rec.status},         {"auth_ok", rec.auth_ok},
          {"at", rec.at},   {"user_agent", rec.user_agent}, {"content_type", rec.content_type}};
      boost::system::error_code ec;
      auto body = json::parse(rec.body, ec);
      line["body"] = ec ? json::value(rec.body) : std::move(body);
      const auto text = json::serialize(line) + "\n";
      std::fwrite(text.data(), 1, text.size(), file);
      std::fflush(file);  // tests read the file while store-sim runs
    }
    if (keep_records) records.push_back(std::move(rec));
    return v;
  }

  // One request, read as beast::http::async_read would (eager parser, the same read sizes), but
  // with the answers to earlier requests (`out`) written first whenever the buffer holds no
  // whole request: pipelined requests that came in one read are answered in one write, in
  // order, and nothing waits on an answer not yet sent.
  static awaitable<beast::error_code> read_request(
      beast::tcp_stream& stream, beast::flat_buffer& buffer,
      bhttp::request_parser<bhttp::string_body>& parser, std::string& out) {
    parser.eager(true);
    beast::error_code ec;
    while (!parser.is_done()) {
      if (buffer.size() != 0) {
        buffer.consume(parser.put(buffer.data(), ec));
        if (ec != bhttp::error::need_more) {
          if (ec) co_return ec;
          continue;
        }
        ec = {};
      }
      if (!out.empty()) {
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), no_throw);
        out.clear();
        if (wec) co_return wec;
      }
      // At least 16 KiB: a run of pipelined requests in one read (read_size asks for the free
      // capacity, which a buffer consumed request by request keeps at about one request's).
      const std::size_t limit = buffer.max_size() - buffer.size();
      const std::size_t room = std::min<std::size_t>(
          std::max<std::size_t>(16384, buffer.capacity() - buffer.size()), limit);
      if (room == 0) co_return bhttp::error::buffer_overflow;
      auto [rec, n] = co_await stream.async_read_some(buffer.prepare(room), no_throw);
      buffer.commit(n);
      if (rec == asio::error::eof) {
        if (!parser.got_some()) co_return bhttp::error::end_of_stream;
        parser.put_eof(ec);
        co_return ec;
      }
      if (rec) co_return rec;
    }
    co_return ec;
  }

  // The answer to `req`, or nullopt to hang.
  std::optional<bhttp::response<bhttp::string_body>> answer(
      const bhttp::request<bhttp::string_body>& req) {
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, "application/json");
    bool close = !req.keep_alive();
    const std::string_view target(req.target().data(), req.target().size());
    if (req.method() == bhttp::verb::post && ends_with(target, "/complaints")) {
      auto v = decide(req);
      if (v.status == 0) return std::nullopt;
      res.result(v.status);
      res.body() = std::move(v.body);
      if (v.retry_after) res.set(bhttp::field::retry_after, std::to_string(*v.retry_after));
      close = close || v.close;
    } else if (req.method() == bhttp::verb::get && target == "/stats") {
      res.body() = stats_json();
    } else {
      res.result(bhttp::status::not_found);
      res.body() = error_body("not_found", "store-sim takes POST .../complaints");
    }
    res.keep_alive(!close);
    res.prepare_payload();
    return res;
  }

  bool cut_here(std::uint64_t answered) {
    std::lock_guard lock(mu);
    return faults.answers_per_connection != 0 && answered >= faults.answers_per_connection;
  }
  bool take_unanswered() {
    std::lock_guard lock(mu);
    return faults.take_unanswered;
  }

  awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.socket().set_option(tcp::no_delay(true));
    sessions.insert(&stream);
    // At most one request (body limit + header) and one read more; the answers not yet written
    // are to requests in it, so they are bounded too.
    beast::flat_buffer buffer{2 * 1024 * 1024};
    std::string out;
    bool hang = false;
    for (std::uint64_t answered = 0; !stopped; ++answered) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(1024 * 1024);
      const auto ec = co_await read_request(stream, buffer, parser, out);
      if (ec) break;
      if (!out.empty()) {
        std::lock_guard lock(mu);
        ++counters.pipelined;
      }
      if (cut_here(answered)) {
        if (take_unanswered()) (void)decide(parser.get());
        break;
      }
      auto res = answer(parser.get());
      if (!res) {
        hang = true;
        break;
      }
      std::ostringstream text;
      text << *res;
      out += text.str();
      if (!res->keep_alive()) break;
    }
    if (!out.empty()) (void)co_await asio::async_write(stream, asio::buffer(out), no_throw);
    // Hang: answer nothing more on this connection (pipelined requests behind the hung one
    // included) until the client gives up and closes it (or stop()).
    while (hang && !stopped) {
      buffer.clear();
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(65536), no_throw);
      if (ec) break;
    }
    sessions.erase(&stream);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
  }

  awaitable<void> accept_loop() {
    while (!stopped) {
      auto [ec, socket] = co_await acceptor.async_accept(no_throw);
      if (ec) {
        if (ec == asio::error::operation_aborted || stopped) break;
        continue;
      }
      asio::co_spawn(strand, session(std::move(socket)),
                     [self = shared_from_this()](const std::exception_ptr&) {});
    }
  }

  std::string stats_json() const {
    std::lock_guard lock(mu);
    json::object answered;
    for (const auto& [status, count] : counters.answered)
      answered[std::to_string(status)] = count;
    return json::serialize(json::object{{"requests", counters.requests},
                                        {"unique_refs", counters.unique_refs},
                                        {"duplicates", counters.duplicates},
                                        {"hung", counters.hung},
                                        {"pipelined", counters.pipelined},
                                        {"answered", std::move(answered)}});
  }
};

store_sim::store_sim(boost::asio::any_io_executor executor, store_sim_faults faults,
                     std::string records_path, bool keep_records, std::uint64_t seed)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(faults), std::move(records_path),
                                   keep_records, seed)) {}

store_sim::~store_sim() {
  stop();
}

void store_sim::start(std::uint16_t port) {
  const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
  impl_->bound_port = net::http::listen_on(impl_->acceptor, endpoint);  // throws: e.g. in use
  impl_->started = std::chrono::steady_clock::now();
  asio::co_spawn(impl_->strand, impl_->accept_loop(), [self = impl_](const std::exception_ptr&) {});
}

std::uint16_t store_sim::port() const {
  return impl_->bound_port;
}

void store_sim::stop() {
  asio::post(impl_->strand, [i = impl_] {
    if (i->stopped) return;
    i->stopped = true;
    net::http::close_listener(i->acceptor, i->sessions);
  });
}

void store_sim::set_faults(store_sim_faults faults) {
  std::lock_guard lock(impl_->mu);
  impl_->faults = std::move(faults);
  impl_->started = std::chrono::steady_clock::now();
}

void store_sim::take(const std::string& ref) {
  std::lock_guard lock(impl_->mu);
  impl_->taken.insert(ref);
}

std::vector<store_sim_record> store_sim::records() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records;
}

store_sim_stats store_sim::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

std::string store_sim::stats_json() const {
  return impl_->stats_json();
}

}  // namespace lapord::tools
