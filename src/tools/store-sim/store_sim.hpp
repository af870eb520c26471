#pragma once
// store-sim: a stand-in for the national complaint store on loopback, for tests, the demo and
// benchmarks. It takes POST .../complaints as the real store would (201 with a tracking_id,
// 409 for a ref taken before), records every request, and can misbehave on purpose: 5xx for a
// while or at random, hang without answering, Retry-After, 400 for chosen refs, 401 without the
// right token. One thread; the in-process API is used by lapord's loopback tests.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace lapord::tools {

struct store_sim_faults {
  std::uint64_t hang_first = 0;           // the first N complaint POSTs are never answered
  std::chrono::milliseconds hang_for{0};  // POSTs in this long after start are never answered
  std::uint64_t fail_first = 0;           // the first N (after any hung ones) get fail_status
  double fail_rate = 0.0;                 // then each POST fails with this probability
  unsigned fail_status = 500;
  std::optional<unsigned> retry_after;       // seconds, sent with every failure
  std::set<std::string> reject_refs;         // answered 400: never to be taken
  std::optional<std::string> require_token;  // else 401
  bool close_after_answer = false;           // Connection: close on every answer
  // Answer this many requests on a connection, then close it with no Connection: close and
  // without answering what else came on it (0: no limit). With take_unanswered, the first
  // request not answered is taken all the same (recorded 201, a resend gets 409): the store
  // that stored a complaint and lost the connection before its answer went out.
  std::uint64_t answers_per_connection = 0;
  bool take_unanswered = false;
};

struct store_sim_record {
  std::string ref;   // the Idempotency-Key header ("" when missing)
  std::string body;  // as received
  bool auth_ok = false;
  unsigned status = 0;  // answered; 0 = hung (never answered)
  std::string at;       // RFC 3339 with milliseconds, when the request was read
  std::string user_agent;
  std::string content_type;
};

struct store_sim_stats {
  std::uint64_t requests = 0;     // complaint POSTs
  std::uint64_t unique_refs = 0;  // refs taken (201)
  std::uint64_t duplicates = 0;   // answered 409
  std::uint64_t hung = 0;
  std::uint64_t pipelined = 0;  // requests read while an answer before them was still unsent
  std::map<unsigned, std::uint64_t> answered;  // by status
};

class store_sim {
 public:
  // `records_path`: a JSON line per request is appended there ("" = none). Refs recorded there
  // as taken (201) by an earlier run count as taken, so a restarted store-sim still answers 409.
  // `keep_records`: also keep them in memory for records() (tests; not for floods).
  store_sim(boost::asio::any_io_executor executor, store_sim_faults faults,
            std::string records_path = {}, bool keep_records = true, std::uint64_t seed = 1);
  ~store_sim();
  store_sim(const store_sim&) = delete;
  store_sim& operator=(const store_sim&) = delete;

  // Listens on 127.0.0.1:port (0 = a free one). Throws boost::system::system_error if it cannot.
  void start(std::uint16_t port = 0);
  [[nodiscard]] std::uint16_t port() const;
  void stop();  // thread-safe

  // Thread-safe: change the behaviour while running (tests: "the store comes back").
  void set_faults(store_sim_faults faults);
  // Thread-safe: mark a ref as already taken (answered 409 from now on).
  void take(const std::string& ref);

  [[nodiscard]] std::vector<store_sim_record> records() const;
  [[nodiscard]] store_sim_stats stats() const;
  [[nodiscard]] std::string stats_json() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lapord::tools
