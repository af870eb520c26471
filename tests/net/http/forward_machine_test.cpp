// The forwarder's decisions with scripted time and no socket: when the pump takes from the
// outbox and sleeps, which complaint goes next, what each answer reports to the outbox, the
// retry delay (jittered back-off, the store's Retry-After), the circuit breaker (open, probe,
// close) and stopping. The HTTP itself is covered by forwarder_loopback_test.
#include "lapord/net/http/forward_machine.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace lapord::net::http;
using namespace std::chrono_literals;

namespace {

const forward_machine::time_point t0 = forward_machine::time_point{} + 1000s;

forward_machine_settings plain() {
  forward_machine_settings s;
  s.in_flight = 2;
  s.batch = 4;
  s.poll_interval = 1s;
  s.backoff = {1s, 8s};
  s.retry_after_max = 1h;
  s.breaker = {3, 30s};
  return s;
}

std::vector<outbox_item> items(std::initializer_list<const char*> refs, unsigned attempts = 0) {
  std::vector<outbox_item> out;
  for (const char* r : refs)
    out.push_back({r, std::string("{\"ref\":\"") + r + "\"}", attempts});
  return out;
}

forward_outcome answer(unsigned status, std::optional<std::string> retry_after = std::nullopt) {
  std::optional<std::string_view> ra;
  if (retry_after) ra = *retry_after;
  return classify_store_answer(status, R"({"tracking_id":"T-1"})", ra,
                               std::chrono::system_clock::time_point{} + 1000s);
}

// Sends the next item and returns its ref ("" when the worker would not send).
std::string send_next(forward_machine& m, forward_machine::time_point now, outbox_item* sent) {
  auto step = m.next_send(now);
  if (step.what != worker_step::kind::send) return "";
  *sent = *step.item;
  return step.item->ref;
}

}  // namespace

TEST_CASE("forward_machine: the pump takes a batch, sleeps after a short one unless notified") {
  forward_machine m(plain(), 7);
  auto step = m.next_take(t0);
  CHECK(step.take == 4);
  CHECK_FALSE(step.sleep_until);
  auto after = m.on_taken(items({"a"}), t0 + 5ms);
  CHECK(after.wake_workers);
  REQUIRE(after.sleep_until);
  CHECK(*after.sleep_until == t0 + 1005ms);  // a short batch: look again at the poll interval
  // A notify while the take was out: take again at once.
  CHECK(m.next_take(t0 + 10ms).take == 4);
  m.notify();
  after = m.on_taken({}, t0 + 20ms);
  CHECK_FALSE(after.wake_workers);
  CHECK_FALSE(after.sleep_until);
  // A full batch: there may be more due, take again at once.
  CHECK(m.next_take(t0 + 30ms).take == 4);
  after = m.on_taken(items({"b", "c", "d", "e"}), t0 + 40ms);
  CHECK_FALSE(after.sleep_until);
  // The queue holds in_flight or more: no take, sleep (a worker taking one wakes it sooner).
  step = m.next_take(t0 + 50ms);
  CHECK(step.take == 0);
  REQUIRE(step.sleep_until);
  CHECK(*step.sleep_until == t0 + 1050ms);
  CHECK(m.queued() == 5);
}

TEST_CASE("forward_machine: a ref still in flight is not queued a second time") {
  forward_machine m(plain(), 7);
  (void)m.next_take(t0);
  (void)m.on_taken(items({"a", "b"}), t0);
  outbox_item sent;
  CHECK(send_next(m, t0, &sent) == "a");
  // Its lease ran out in the outbox and it came back while the request is out.
  (void)m.next_take(t0 + 1s);
  const auto after = m.on_taken(items({"a", "b", "c"}), t0 + 1s);
  CHECK(after.wake_workers);  // "c" is fresh
  CHECK(m.queued() == 2);     // "b" and "c"
  auto done = m.on_outcome(sent, answer(201), t0 + 2s);
  CHECK(done.report.verdict == forward_verdict::taken);
  CHECK(done.report.tracking_id == "T-1");
  CHECK(m.reports_pending() == 1);
  // Until the outbox confirms, "a" stays busy; then it may be taken again.
  (void)m.on_taken(items({"a"}), t0 + 3s);
  CHECK(m.queued() == 2);
  m.on_reported("a");
  CHECK(m.reports_pending() == 0);
  (void)m.on_taken(items({"a"}), t0 + 4s);
  CHECK(m.queued() == 3);
}

TEST_CASE("forward_machine: workers send in order and wake the pump when the queue runs low") {
  forward_machine m(plain(), 7);
  CHECK(m.next_send(t0).what == worker_step::kind::wait);  // nothing queued
  (void)m.on_taken(items({"a", "b", "c"}), t0);
  auto step = m.next_send(t0);
  REQUIRE(step.what == worker_step::kind::send);
  CHECK(step.item->ref == "a");
  CHECK_FALSE(step.wake_pump);  // two left: in_flight
  step = m.next_send(t0);
  CHECK(step.item->ref == "b");
  CHECK(step.wake_pump);
}

TEST_CASE("forward_machine: a 4xx parks with the store's answer and is no store failure") {
  forward_machine m(plain(), 7);
  (void)m.on_taken(items({"a", "b", "c", "d"}), t0);
  for (int i = 0; i < 4; ++i) {
    outbox_item sent;
    REQUIRE_FALSE(send_next(m, t0, &sent).empty());
    const auto done = m.on_outcome(sent, answer(400), t0);
    CHECK(done.report.verdict == forward_verdict::parked);
    CHECK(done.report.http_status == 400);
    CHECK(done.report.detail.find("T-1") != std::string::npos);
    CHECK_FALSE(done.circuit_changed);
  }
  CHECK(m.circuit(t0) == circuit_state::closed);
}

TEST_CASE("forward_machine: retries back off with full jitter under a doubling, capped ceiling") {
  auto settings = plain();
  settings.breaker.failure_threshold = 1000;  // the circuit is another test's
  forward_machine m(settings, 7);
  // attempts: failures before this one. The ceiling: 1 s, 2 s, 4 s, 8 s, then 8 s (the cap).
  const std::vector<std::pair<unsigned, std::chrono::milliseconds>> cases{
      {0, 1s}, {1, 2s}, {2, 4s}, {3, 8s}, {9, 8s}};
  for (const auto& [attempts, ceiling] : cases) {
    std::chrono::milliseconds longest{};
    for (int i = 0; i < 50; ++i) {
      (void)m.on_taken(items({"r"}, attempts), t0);
      outbox_item sent;
      REQUIRE(send_next(m, t0, &sent) == "r");
      const auto done = m.on_outcome(sent, answer(500), t0);
      m.on_reported("r");
      CHECK(done.report.verdict == forward_verdict::retry);
      CHECK(done.report.http_status == 500);
      CHECK(done.report.detail.find("HTTP 500") != std::string::npos);
      CHECK(done.report.retry_in >= 0ms);
      CHECK(done.report.retry_in <= ceiling);
      longest = std::max(longest, done.report.retry_in);
    }
    CHECK(longest > ceiling / 2);  // drawn over the whole range, not pinned low
  }
}

TEST_CASE("forward_machine: the store's Retry-After wins over a shorter back-off, capped") {
  auto settings = plain();
  settings.retry_after_max = 30s;
  forward_machine m(settings, 7);
  (void)m.on_taken(items({"a", "b", "c"}), t0);
  outbox_item sent;
  REQUIRE(send_next(m, t0, &sent) == "a");
  auto done = m.on_outcome(sent, answer(503, "20"), t0);
  CHECK(done.report.retry_in == 20s);  // the back-off (at most 1 s) is shorter
  REQUIRE(send_next(m, t0, &sent) == "b");
  done = m.on_outcome(sent, answer(503, "86400"), t0);
  CHECK(done.report.retry_in == 30s);  // a day asked, retry_after_max given
  REQUIRE(send_next(m, t0, &sent) == "c");
  done = m.on_outcome(sent, classify_transport_failure("timeout"), t0);
  CHECK(done.report.verdict == forward_verdict::retry);
  CHECK(done.report.http_status == 0);
  CHECK(done.report.detail == "timeout");
  CHECK(done.report.retry_in <= 1s);
}

TEST_CASE("forward_machine: the circuit opens after a run of failures, probes once, then closes") {
  forward_machine m(plain(), 7);
  (void)m.on_taken(items({"a", "b", "c", "d", "e", "f"}), t0);
  outbox_item sent;
  for (const char* ref : {"a", "b"}) {
    REQUIRE(send_next(m, t0, &sent) == ref);
    CHECK_FALSE(m.on_outcome(sent, answer(500), t0).circuit_changed);
  }
  REQUIRE(send_next(m, t0, &sent) == "c");
  CHECK(m.on_outcome(sent, classify_transport_failure("timeout"), t0 + 1s).circuit_changed);
  CHECK(m.circuit(t0 + 1s) == circuit_state::open);
  CHECK(m.times_opened() == 1);
  // While open: the pump sleeps until the probe time, a worker hands the queue back to the
  // outbox, due when the circuit may let a probe out; nothing is sent.
  auto take = m.next_take(t0 + 2s);
  CHECK(take.take == 0);
  CHECK(take.circuit_open);
  CHECK(take.sleep_until == t0 + 31s);
  auto step = m.next_send(t0 + 2s);
  REQUIRE(step.what == worker_step::kind::release);
  REQUIRE(step.released.size() == 3);
  CHECK(step.released[0].ref == "d");
  CHECK(step.released[2].ref == "f");
  CHECK(step.released[0].verdict == forward_verdict::retry);
  CHECK(step.released[0].retry_in == 29s);
  CHECK(step.released[0].detail == "circuit open: the store is failing");
  CHECK(m.next_send(t0 + 2s).what == worker_step::kind::wait);
  // Released items stay busy until the outbox confirms.
  (void)m.on_taken(items({"d"}), t0 + 3s);
  CHECK(m.queued() == 0);
  for (const char* ref : {"a", "b", "c", "d", "e", "f"})
    m.on_reported(ref);
  CHECK(m.reports_pending() == 0);

  // At the probe time one request goes out; the other worker waits for its outcome.
  (void)m.on_taken(items({"d", "e"}), t0 + 31s);
  CHECK(m.circuit(t0 + 31s) == circuit_state::half_open);
  REQUIRE(send_next(m, t0 + 31s, &sent) == "d");
  CHECK(m.next_send(t0 + 31s).what == worker_step::kind::wait);
  // The probe fails: open again for open_for.
  CHECK(m.on_outcome(sent, answer(502), t0 + 32s).circuit_changed);
  CHECK(m.circuit(t0 + 32s) == circuit_state::open);
  CHECK(m.times_opened() == 2);
  CHECK(m.next_take(t0 + 32s).sleep_until == t0 + 62s);
  step = m.next_send(t0 + 40s);
  REQUIRE(step.what == worker_step::kind::release);
  CHECK(step.released.at(0).retry_in == 22s);
  m.on_reported("d");
  m.on_reported("e");

  // The next probe succeeds: closed, and everything flows again.
  (void)m.on_taken(items({"e", "f", "g"}), t0 + 62s);
  REQUIRE(send_next(m, t0 + 62s, &sent) == "e");
  CHECK(m.next_send(t0 + 62s).what == worker_step::kind::wait);
  const auto done = m.on_outcome(sent, answer(201), t0 + 63s);
  CHECK(done.circuit_changed);
  CHECK(m.circuit(t0 + 63s) == circuit_state::closed);
  CHECK(send_next(m, t0 + 63s, &sent) == "f");
  CHECK(send_next(m, t0 + 63s, &sent) == "g");
  CHECK(m.next_take(t0 + 63s).take == 4);
}

TEST_CASE("forward_machine: a stop hands nothing more to the workers and frees the queue") {
  forward_machine m(plain(), 7);
  (void)m.on_taken(items({"a", "b", "c"}), t0);
  outbox_item sent;
  REQUIRE(send_next(m, t0, &sent) == "a");
  m.stop();
  CHECK(m.stopping());
  CHECK(m.queued() == 0);
  CHECK(m.next_send(t0).what == worker_step::kind::stop);
  // The request in flight is still reported; what comes from a take still out is not queued.
  const auto after = m.on_taken(items({"d"}), t0 + 1s);
  CHECK_FALSE(after.wake_workers);
  CHECK_FALSE(after.sleep_until);
  CHECK(m.queued() == 0);
  const auto done = m.on_outcome(sent, answer(201), t0 + 1s);
  CHECK(done.report.ref == "a");
  CHECK(m.reports_pending() == 1);
  m.on_reported("a");
  CHECK(m.reports_pending() == 0);
}

TEST_CASE("forward_machine: a complaint handed from its commit is sent like a taken one, once") {
  forward_machine m(plain(), 7);
  CHECK(m.on_handed(items({"a"}).front()));
  CHECK(m.queued() == 1);
  // A take that still returns it (its lease ran out meanwhile) does not queue it again.
  (void)m.on_taken(items({"a", "b"}), t0);
  CHECK(m.queued() == 2);
  CHECK_FALSE(m.on_handed(items({"b"}).front()));
  outbox_item sent;
  REQUIRE(send_next(m, t0, &sent) == "a");
  REQUIRE(send_next(m, t0, &sent) == "b");
  const auto done = m.on_outcome(sent, answer(201), t0);
  CHECK(done.report.verdict == forward_verdict::taken);
  m.on_reported("b");
  // Reported: the ref may come again (a redelivered MO cannot make one, an operator may).
  CHECK(m.on_handed(items({"b"}).front()));
  // Stopping: nothing more is queued; what was handed over keeps its lease in the store.
  m.stop();
  CHECK_FALSE(m.on_handed(items({"c"}).front()));
  CHECK(m.queued() == 0);
}

TEST_CASE("forward_machine: the circuit open hands handed-over complaints back to the outbox") {
  forward_machine m(plain(), 7);
  outbox_item sent;
  for (const char* r : {"x1", "x2", "x3"}) {
    REQUIRE(m.on_handed(items({r}).front()));
    REQUIRE(send_next(m, t0, &sent) == r);
    const auto done = m.on_outcome(sent, answer(503), t0);
    m.on_reported(done.report.ref);
  }
  CHECK(m.circuit(t0) == circuit_state::open);
  REQUIRE(m.on_handed(items({"h"}).front()));
  const auto step = m.next_send(t0);
  REQUIRE(step.what == worker_step::kind::release);
  REQUIRE(step.released.size() == 1);
  CHECK(step.released[0].ref == "h");
  CHECK(step.released[0].verdict == forward_verdict::retry);
  CHECK(m.queued() == 0);
}

// --- pipelining: several requests unanswered on one connection -----------------------------

namespace {

forward_machine_settings piped(unsigned pipeline) {
  auto s = plain();
  s.pipeline = pipeline;
  s.batch = 16;
  return s;
}

std::vector<std::string> refs_of(const forward_pipe& pipe) {
  std::vector<std::string> out;
  for (const auto& i : pipe.unanswered)
    out.push_back(i.ref);
  return out;
}

}  // namespace

TEST_CASE("forward_machine: a pipe takes up to pipeline requests and reads answers in order") {
  forward_machine m(piped(3), 7);
  forward_pipe pipe;
  CHECK(m.next_sends(pipe, t0).what == pipe_step::kind::wait);
  (void)m.on_taken(items({"a", "b", "c", "d", "e"}), t0);
  auto step = m.next_sends(pipe, t0);
  REQUIRE(step.what == pipe_step::kind::send);
  CHECK(step.added == 3);
  CHECK(refs_of(pipe) == std::vector<std::string>{"a", "b", "c"});
  CHECK(m.queued() == 2);
  CHECK_FALSE(step.wake_pump);  // two left: in_flight
  // Full: read.
  CHECK(m.next_sends(pipe, t0).what == pipe_step::kind::read);
  // Answers by position: the first answer is a's.
  auto done = m.on_answer(pipe, answer(201), true, t0 + 1ms);
  CHECK(done.report.ref == "a");
  CHECK(done.report.verdict == forward_verdict::taken);
  CHECK_FALSE(done.close);
  // Room for one more: d goes behind b and c.
  step = m.next_sends(pipe, t0 + 1ms);
  REQUIRE(step.what == pipe_step::kind::send);
  CHECK(step.added == 1);
  CHECK(refs_of(pipe) == std::vector<std::string>{"b", "c", "d"});
  CHECK(step.wake_pump);  // one left
  done = m.on_answer(pipe, answer(409), true, t0 + 2ms);
  CHECK(done.report.ref == "b");
  CHECK(done.report.verdict == forward_verdict::taken);
  CHECK(m.on_answer(pipe, answer(201), true, t0 + 2ms).report.ref == "c");
  CHECK(m.on_answer(pipe, answer(400), true, t0 + 2ms).report.verdict == forward_verdict::parked);
  CHECK(pipe.unanswered.empty());
  CHECK(m.reports_pending() == 4);
}

TEST_CASE("forward_machine: pipeline 1 is one request at a time, as before") {
  forward_machine m(piped(1), 7);
  forward_pipe pipe;
  (void)m.on_taken(items({"a", "b"}), t0);
  auto step = m.next_sends(pipe, t0);
  CHECK(step.added == 1);
  CHECK(m.next_sends(pipe, t0).what == pipe_step::kind::read);
  (void)m.on_answer(pipe, answer(201), true, t0);
  CHECK(m.next_sends(pipe, t0).added == 1);
  CHECK(refs_of(pipe) == std::vector<std::string>{"b"});
}

TEST_CASE("forward_machine: answers then Connection: close hand the rest back to the queue") {
  forward_machine m(piped(4), 7);
  forward_pipe pipe;
  (void)m.on_taken(items({"a", "b", "c", "d", "e"}), t0);
  REQUIRE(m.next_sends(pipe, t0).added == 4);
  CHECK(m.on_answer(pipe, answer(201), true, t0).report.ref == "a");
  // The store answers b, says close: c and d were never answered.
  const auto done = m.on_answer(pipe, answer(201), false, t0);
  CHECK(done.report.ref == "b");
  CHECK(done.report.verdict == forward_verdict::taken);
  CHECK(done.close);
  CHECK(done.requeued == 2);
  CHECK(pipe.unanswered.empty());
  // Back at the front, in order, ahead of e; no attempt counted, no report for them.
  CHECK(m.queued() == 3);
  CHECK(m.reports_pending() == 2);
  CHECK(m.failures_in_a_row() == 0);
  forward_pipe next;
  REQUIRE(m.next_sends(next, t0).added == 3);
  CHECK(refs_of(next) == std::vector<std::string>{"c", "d", "e"});
  CHECK(next.unanswered[0].attempts == 0);
  // Still busy while re-queued and sent: a take cannot queue them twice.
  (void)m.on_taken(items({"c", "d"}), t0);
  CHECK(m.queued() == 0);
}

TEST_CASE("forward_machine: a 503 in the middle drains the connection, then it carries more") {
  forward_machine m(piped(3), 7);
  forward_pipe pipe;
  (void)m.on_taken(items({"a", "b", "c", "d", "e"}), t0);
  REQUIRE(m.next_sends(pipe, t0).added == 3);
  CHECK(m.on_answer(pipe, answer(201), true, t0).report.verdict == forward_verdict::taken);
  auto done = m.on_answer(pipe, answer(503, "7"), true, t0);
  CHECK(done.report.ref == "b");
  CHECK(done.report.verdict == forward_verdict::retry);
  CHECK(done.report.retry_in == 7s);
  CHECK_FALSE(done.close);
  // Draining: c's answer is still read, nothing new is written meanwhile.
  auto step = m.next_sends(pipe, t0);
  CHECK(step.what == pipe_step::kind::read);
  CHECK(step.added == 0);
  CHECK(m.queued() == 2);
  done = m.on_answer(pipe, answer(201), true, t0);
  CHECK(done.report.ref == "c");
  CHECK(done.report.verdict == forward_verdict::taken);
  // Its answers are in: it carries requests again.
  step = m.next_sends(pipe, t0);
  CHECK(step.what == pipe_step::kind::send);
  CHECK(refs_of(pipe) == std::vector<std::string>{"d", "e"});
}

TEST_CASE("forward_machine: a timeout fails the oldest request once and re-queues the rest") {
  forward_machine m(piped(4), 7);
  forward_pipe pipe;
  (void)m.on_taken(items({"a", "b", "c", "d"}, 2), t0);
  REQUIRE(m.next_sends(pipe, t0).added == 4);
  CHECK(m.on_answer(pipe, answer(201), true, t0).report.ref == "a");
  const auto done = m.on_broken(pipe, classify_transport_failure("timeout"), false, t0 + 10s);
  REQUIRE(done);
  CHECK(done->report.ref == "b");
  CHECK(done->report.verdict == forward_verdict::retry);
  CHECK(done->report.detail == "timeout");
  CHECK(done->report.retry_in <= 4s);  // attempts 2: the third failure's ceiling
  CHECK(m.failures_in_a_row() == 1);   // one broken connection, one failure
  CHECK(pipe.unanswered.empty());
  CHECK(m.queued() == 2);
  forward_pipe next;
  REQUIRE(m.next_sends(next, t0 + 10s).added == 2);
  CHECK(refs_of(next) == std::vector<std::string>{"c", "d"});
  CHECK(next.unanswered[0].attempts == 2);  // unchanged: not a failed attempt of theirs
}

TEST_CASE("forward_machine: a stale kept-alive connection re-queues everything, no failure") {
  forward_machine m(piped(2), 7);
  forward_pipe pipe;
  (void)m.on_taken(items({"a", "b"}), t0);
  REQUIRE(m.next_sends(pipe, t0).added == 2);
  CHECK_FALSE(m.on_broken(pipe, classify_transport_failure("connection: eof"), true, t0));
  CHECK(m.failures_in_a_row() == 0);
  CHECK(m.reports_pending() == 0);
  CHECK(m.queued() == 2);
  CHECK_FALSE(m.on_broken(pipe, classify_transport_failure("timeout"), false, t0));  // empty
}

TEST_CASE("forward_machine: the breaker opening drains pipes and the probe goes alone") {
  forward_machine m(piped(4), 7);  // opens after 3 failures in a row
  forward_pipe pipe;
  (void)m.on_taken(items({"a", "b", "c", "d", "e", "f"}), t0);
  REQUIRE(m.next_sends(pipe, t0).added == 4);
  for (const char* ref : {"a", "b"})
    CHECK(m.on_answer(pipe, answer(500), true, t0).report.ref == ref);
  CHECK(m.on_answer(pipe, answer(500), true, t0).circuit_changed);
  CHECK(m.circuit(t0) == circuit_state::open);
  // d is still answered on the draining connection; another worker hands e and f back.
  CHECK(m.next_sends(pipe, t0 + 1s).what == pipe_step::kind::read);
  forward_pipe other;
  auto step = m.next_sends(other, t0 + 1s);
  REQUIRE(step.what == pipe_step::kind::release);
  CHECK(step.released.size() == 2);
  // A late failure keeps it open (a late success would close it, as without pipelining).
  CHECK(m.on_answer(pipe, answer(503), true, t0 + 1s).report.ref == "d");
  CHECK(m.circuit(t0 + 1s) == circuit_state::open);
  for (const char* ref : {"a", "b", "c", "d", "e", "f"})
    m.on_reported(ref);
  // Half-open: one probe on one connection, however much room the pipe has.
  (void)m.on_taken(items({"e", "f"}), t0 + 31s);
  step = m.next_sends(pipe, t0 + 31s);
  CHECK(step.added == 1);
  CHECK(refs_of(pipe) == std::vector<std::string>{"e"});
  CHECK(m.next_sends(other, t0 + 31s).what == pipe_step::kind::wait);
  CHECK(m.on_answer(pipe, answer(201), true, t0 + 32s).circuit_changed);
  CHECK(m.next_sends(pipe, t0 + 32s).added == 1);
}

TEST_CASE("forward_machine: stopping reads what a pipe carries, then leaves the rest leased") {
  forward_machine m(piped(3), 7);
  forward_pipe pipe;
  (void)m.on_taken(items({"a", "b", "c"}), t0);
  REQUIRE(m.next_sends(pipe, t0).added == 3);
  m.stop();
  CHECK(m.next_sends(pipe, t0).what == pipe_step::kind::read);
  CHECK(m.on_answer(pipe, answer(201), true, t0).report.ref == "a");
  const auto done = m.on_broken(pipe, classify_transport_failure("timeout"), false, t0);
  REQUIRE(done);
  CHECK(done->report.ref == "b");
  CHECK(m.queued() == 0);  // c: not queued, not busy (its lease brings it back)
  CHECK(m.next_sends(pipe, t0).what == pipe_step::kind::stop);
  m.on_reported("a");
  m.on_reported("b");
  CHECK(m.reports_pending() == 0);
}
