// The MO path inside the store's transaction, against a real SQLite file: what each kind of
// message leaves in the store (received, complaints, outbox, replies, parts, reporters).
#include <doctest/doctest.h>

#include <atomic>
#include <future>

#include <spdlog/logger.h>

#include "lapord/app/wiring/store_adapters.hpp"
#include "lapord/net/http/complaint_event.hpp"
#include "pipeline/pipeline_fixture.hpp"
#include "store/store_fixture.hpp"

namespace lapord::app {
namespace {

using test::body;
using test::deliver;
using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1'800'000'000;

store::wall_time wall_s(std::int64_t s) {
  return store::wall_time(std::chrono::seconds(s));
}

std::vector<store::reply> due_replies(store::database& db, std::int64_t at = t0 + 3600) {
  return db.call(
      [&](store::transaction& tx) { return tx.take_due_replies(wall_s(at), 1000, 1min); });
}

std::int64_t rows(test::store_under_test& s, const std::string& table) {
  store::test::raw_db raw(s.dir.file("lapord.db"));
  return raw.integer("SELECT count(*) FROM " + table);
}

}  // namespace

TEST_CASE("a complaint with a keyword: complaint, forward payload and ack in one commit") {
  test::store_under_test s;
  auto out =
      s.ingest_one(deliver("6281234567890", "LAPOR TANGKAB jalan rusak di Desa Suka Maju", t0));
  CHECK(out.effect == ingest_effect::decided);
  REQUIRE(out.decision == lapor::decision_kind::complaint);
  CHECK(out.complaint_created);
  CHECK(out.forward_queued);
  CHECK(out.reply_queued);
  CHECK(lapor::is_valid_ref(out.ref));

  auto c = s.db.call([&](store::transaction& tx) { return tx.complaint_by_ref(out.ref); });
  REQUIRE(c);
  CHECK(c->reporter == "+6281234567890");
  CHECK(c->carrier == "tsel");
  CHECK(c->service_number == "1708");
  CHECK(c->text == "jalan rusak di Desa Suka Maju");
  REQUIRE(c->institution);
  CHECK(c->institution->code == "36.03");
  CHECK(c->institution->keyword == "TANGKAB");
  CHECK(c->status == "received");

  auto forwards = s.db.call(
      [&](store::transaction& tx) { return tx.take_due_forwards(wall_s(t0 + 1), 10, 1min); });
  REQUIRE(forwards.size() == 1);
  CHECK(forwards[0].ref == out.ref);
  // No body is stored (schema 8): it is rendered from the complaint when sent, byte for byte
  // the body built from the MO and the decision when the complaint was created.
  CHECK(forwards[0].payload.empty());
  net::http::complaint_record expected;
  expected.ref = out.ref;
  expected.channel = lapor::channel::sms;
  expected.received_at = wall_s(t0);
  expected.carrier = "tsel";
  expected.service_number = "1708";
  expected.reporter_msisdn = "+6281234567890";
  expected.institution =
      net::http::complaint_institution{"TANGKAB", "36.03", c->institution->name, false};
  expected.text = "jalan rusak di Desa Suka Maju";
  CHECK(forward_body(forwards[0]) == net::http::complaint_body(expected));
  CHECK(forward_body(forwards[0]).find("\"msisdn\":\"+6281234567890\"") != std::string::npos);

  auto replies = due_replies(s.db);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].kind == "ack");
  CHECK(replies[0].carrier == "tsel");
  CHECK(replies[0].source == "1708");
  CHECK(replies[0].destination == "6281234567890");
  CHECK(replies[0].text.find(out.ref) != std::string::npos);
  CHECK(replies[0].text.find("Kab. Tangerang") != std::string::npos);
}

TEST_CASE("with a reply lease the ack comes back from the commit as stored - taken, not due") {
  test::store_under_test s;
  incoming_mo mo = read_incoming(deliver("6281234567890", "LAPOR TANGKAB jalan rusak parah", t0));
  ingest_context ctx = test::test_context();
  ctx.reply_lease = 5min;
  auto out = s.db.call([&](store::transaction& tx) { return ingest(tx, mo, ctx); });
  REQUIRE(out.complaint_created);
  CHECK(out.reply_queued);
  REQUIRE(out.reply);
  CHECK(out.reply->kind == "ack");
  CHECK(out.reply->carrier == "tsel");
  CHECK(out.reply->source == "1708");
  CHECK(out.reply->destination == "6281234567890");
  CHECK(out.reply->ref == std::optional<std::string>(out.ref));
  CHECK(out.reply->attempts == 1);
  CHECK(out.reply->text.find(out.ref) != std::string::npos);
  auto st = s.db.call([&](store::transaction& tx) { return tx.reply_status_of(out.reply->id); });
  REQUIRE(st);
  CHECK(st->state == store::reply_state::in_flight);
  // A poll within the lease does not hand it out a second time.
  CHECK(due_replies(s.db, t0 + 60).empty());
  // Without a lease (the other paths), the reply is stored due and not handed back.
  auto plain = s.ingest_one(deliver("6281234567891", "LAPOR TANGKAB lampu jalan mati", t0));
  CHECK(plain.reply_queued);
  CHECK_FALSE(plain.reply);
  CHECK(due_replies(s.db, t0 + 60).size() == 1);
}

TEST_CASE("a message read before the writer decides as one read in it - duplicates and status") {
  test::store_under_test s;
  ingest_context ctx = test::test_context();
  auto ingest_read = [&](const incoming_mo& mo) {
    const first_reading read = read_first(*ctx.service, mo);
    return s.db.call([&](store::transaction& tx) { return ingest(tx, mo, ctx, &read); });
  };
  const incoming_mo first =
      read_incoming(deliver("6281234567890", "LAPOR TANGKAB jalan rusak parah", t0));
  auto created = ingest_read(first);
  REQUIRE(created.complaint_created);
  // The reading made before knows no store: the second decision, with the facts, is made in
  // the transaction, so the same text again is a duplicate with the first ref.
  auto again = ingest_read(
      read_incoming(deliver("6281234567890", "lapor  tangkab JALAN rusak parah", t0 + 60)));
  CHECK_FALSE(again.complaint_created);
  CHECK(again.decision == lapor::decision_kind::complaint);
  CHECK(again.ref == created.ref);
  auto status =
      ingest_read(read_incoming(deliver("6281234567890", "CEK " + created.ref, t0 + 120)));
  CHECK(status.decision == lapor::decision_kind::status);
  CHECK(status.reply_queued);
  // The same messages read in the transaction (no reading given) come out the same.
  test::store_under_test t;
  auto created_here = t.ingest_one(deliver("6281234567890", "LAPOR TANGKAB jalan rusak parah", t0));
  auto again_here =
      t.ingest_one(deliver("6281234567890", "lapor  tangkab JALAN rusak parah", t0 + 60));
  CHECK(created_here.complaint_created);
  CHECK(again_here.ref == created_here.ref);
  CHECK(again_here.decision == again.decision);
  CHECK(again_here.reply_queued == again.reply_queued);
}

TEST_CASE(
    "with a forward lease the complaint comes back from the commit - taken, not due - its body "
    "byte for byte the one a take renders from the row") {
  test::store_under_test s;
  ingest_context ctx = test::test_context();
  ctx.forward_lease = 1min;
  // An institution corrected from a typo, a confidential one, the national desk, a long text.
  int n = 0;
  for (const char* text :
       {"LAPOR TANGKAB jalan rusak parah", "LAPOR TANGKAV jalan \"rusak\" \\ parah",
        "RAHASIA LAPOR SLEMAN pungli di kantor kelurahan", "LAPOR jalan berlubang di depan pasar",
        "LAPOR SLEMAN sampah\tdan baris\nbaru"}) {
    CAPTURE(text);
    const std::string from = "62812345678" + std::to_string(10 + n++);
    incoming_mo mo = read_incoming(deliver(from, text, t0));
    auto out = s.db.call([&](store::transaction& tx) { return ingest(tx, mo, ctx); });
    REQUIRE(out.complaint_created);
    CHECK(out.forward_queued);
    REQUIRE(out.forward);
    CHECK(out.forward->ref == out.ref);
    // Leased to this process: a poll within the lease leaves it ...
    CHECK(s.db.call([&](store::transaction& tx) {
                return tx.take_due_forwards(wall_s(t0) + 59s, 10, 1min);
              })
              .empty());
    // ... and the body from memory is the one a take after the lease renders from the row.
    auto taken = s.db.call(
        [&](store::transaction& tx) { return tx.take_due_forwards(wall_s(t0) + 60s, 10, 1min); });
    REQUIRE(taken.size() == 1);
    CHECK(taken[0].attempts == 2);
    CHECK(net::http::complaint_body(*out.forward) == forward_body(taken[0]));
    s.db.call([&](store::transaction& tx) { tx.mark_forwarded(out.ref, 201, {}, wall_s(t0)); });
  }
  // Without a lease (the other paths): stored due, nothing handed back.
  auto plain = s.ingest_one(deliver("6281234567891", "LAPOR TANGKAB lampu jalan mati", t0));
  CHECK(plain.forward_queued);
  CHECK_FALSE(plain.forward);
}

TEST_CASE(
    "forward outcomes reported meanwhile are recorded in one store item - an unknown ref "
    "fails alone") {
  test::store_under_test s;
  std::vector<std::string> refs;
  for (const char* to : {"6281234567890", "6281234567891", "6281234567892"}) {
    refs.push_back(s.ingest_one(deliver(to, "LAPOR TANGKAB jalan rusak parah sekali", t0)).ref);
  }
  REQUIRE(
      s.db.call([&](store::transaction& tx) { return tx.take_due_forwards(wall_s(t0), 10, 1min); })
          .size() == 3);
  store_outbox box(s.db, 1min, std::make_shared<spdlog::logger>("outbox"));
  // The writer is kept busy while the forwarder reports: the reports share one item.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  s.db.submit([released](store::transaction&) { released.wait(); }, [](auto) {});
  const auto items_before = s.db.stats().items;
  std::atomic<int> done{0};
  auto count = [&done] { ++done; };
  box.forwarded(refs[0], 201, std::string("T-1"), count);
  box.parked(refs[1], 422, "{\"error\":\"bad\"}", count);
  box.retry_later(refs[2], std::chrono::system_clock::now() + 1h, "timeout", 0, count);
  box.forwarded("99999999", 201, std::nullopt, count);  // no such outbox row
  release.set_value();
  s.db.call([](store::transaction&) {});
  CHECK(done == 4);
  CHECK(s.db.stats().items - items_before == 3);  // the busy item, one record item, the call
  auto state = [&](const std::string& ref) {
    return s.db.call(
        [&](store::transaction& tx) { return tx.complaint_view_by_ref(ref)->forwarding->state; });
  };
  CHECK(state(refs[0]) == store::forward_state::forwarded);
  CHECK(state(refs[1]) == store::forward_state::parked);
  CHECK(state(refs[2]) == store::forward_state::pending);
  CHECK(s.db.call([&](store::transaction& tx) { return tx.complaint_by_ref(refs[0]); })
            ->tracking_id == std::optional<std::string>("T-1"));
}

TEST_CASE("a redelivered whole MO is answered again: same ref, nothing created twice") {
  test::store_under_test s;
  auto m = deliver("6281234567890", "LAPOR SLEMAN sampah menumpuk di pasar Godean", t0);
  auto first = s.ingest_one(m);
  REQUIRE(first.complaint_created);
  m.pdu.sequence_number = 99;  // a redelivery has a new sequence number, the same body
  m.received_at += 5s;
  auto again = s.ingest_one(m);
  // The gateway cannot tell it from the citizen sending it again: the duplicate reply.
  CHECK(again.effect == ingest_effect::decided);
  CHECK(again.reason == "duplicate");
  CHECK(again.ref == first.ref);
  CHECK_FALSE(again.complaint_created);
  CHECK(rows(s, "complaints") == 1);
  CHECK(rows(s, "complaints WHERE forward_state IS NOT NULL") == 1);
  CHECK(rows(s, "replies") == 2);
  CHECK(rows(s, "received") == 2);
}

TEST_CASE("the same text again within 24 h: no second complaint, the first ref in the reply") {
  test::store_under_test s;
  auto first = s.ingest_one(deliver("6281234567890", "LAPOR SLEMAN sampah menumpuk di pasar", t0));
  // Typed differently (so not a redelivery of the same MO), the same complaint text.
  auto second =
      s.ingest_one(deliver("6281234567890", "Lapor Sleman: sampah menumpuk di pasar", t0 + 600));
  CHECK(second.effect == ingest_effect::decided);
  CHECK_FALSE(second.complaint_created);
  CHECK(second.reason == "duplicate");
  CHECK(second.ref == first.ref);
  CHECK(rows(s, "complaints") == 1);
  CHECK(rows(s, "received") == 2);  // both kept for audit
  auto replies = due_replies(s.db);
  REQUIRE(replies.size() == 2);
  CHECK(replies[1].kind == "duplicate");
  CHECK(replies[1].text.find(first.ref) != std::string::npos);
  // After the window it is a new complaint.
  auto later = s.ingest_one(
      deliver("6281234567890", "LAPOR sleman sampah menumpuk di pasar", t0 + 25 * 3600));
  CHECK(later.complaint_created);
  CHECK(later.ref != first.ref);
}

TEST_CASE("alphanumeric senders and our own numbers are stored, never answered") {
  test::store_under_test s;
  auto m = deliver("TELKOMSEL", "Promo paket data murah hanya hari ini", t0);
  body(m).source_addr_ton = 5;
  auto out = s.ingest_one(m);
  CHECK(out.decision == lapor::decision_kind::ignore);
  CHECK_FALSE(out.reply_queued);
  auto own = s.ingest_one(deliver("1708", "LAPOR TANGKAB balasan yang memantul kembali", t0));
  CHECK(own.decision == lapor::decision_kind::ignore);
  CHECK(rows(s, "received") == 2);
  CHECK(rows(s, "complaints") == 0);
  CHECK(rows(s, "replies") == 0);
}

TEST_CASE("help, and a too-short complaint, get the help reply and no complaint") {
  test::store_under_test s;
  auto help = s.ingest_one(deliver("6281234567890", "INFO", t0));
  CHECK(help.decision == lapor::decision_kind::help);
  auto short_one = s.ingest_one(deliver("6281234567890", "jalan rusak", t0 + 1));
  CHECK(short_one.decision == lapor::decision_kind::help);
  CHECK(rows(s, "complaints") == 0);
  auto replies = due_replies(s.db);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].kind == "help");
}

TEST_CASE("CEK answers from the store, and only to the complaint's own reporter") {
  test::store_under_test s;
  auto c =
      s.ingest_one(deliver("6281234567890", "LAPOR TANGKAB jalan rusak di Desa Suka Maju", t0));
  auto own = s.ingest_one(deliver("6281234567890", "CEK " + c.ref, t0 + 60));
  CHECK(own.decision == lapor::decision_kind::status);
  CHECK(own.reason == "found");
  auto other = s.ingest_one(deliver("6289999999999", "CEK " + c.ref, t0 + 61));
  CHECK(other.reason == "not_found");
  auto replies = due_replies(s.db);
  REQUIRE(replies.size() == 3);
  CHECK(replies[1].kind == "status");
  CHECK(replies[1].text.find("DITERIMA") != std::string::npos);
  CHECK(replies[2].kind == "not_found");
  CHECK(replies[2].destination == "6289999999999");
}

TEST_CASE("STOP opts the reporter out: a store event is then stored but not texted") {
  test::store_under_test s;
  auto c =
      s.ingest_one(deliver("6281234567890", "LAPOR TANGKAB jalan rusak di Desa Suka Maju", t0));
  net::http::complaint_event e;
  e.status = net::http::complaint_status::verified;
  e.at = wall_s(t0 + 100);
  e.message = "Sedang diperiksa";

  auto notified = s.db.call([&](store::transaction& tx) {
    return apply_event(tx, lapor::testing::real_service(), c.ref, e, wall_s(t0 + 101));
  });
  CHECK(notified.outcome == store::event_outcome::applied);
  CHECK(notified.notified);

  auto stop = s.ingest_one(deliver("6281234567890", "STOP", t0 + 200));
  CHECK(stop.decision == lapor::decision_kind::stop);
  CHECK(s.db.call([](store::transaction& tx) { return tx.opted_out("+6281234567890"); }));

  e.status = net::http::complaint_status::responded;
  e.at = wall_s(t0 + 300);
  auto silent = s.db.call([&](store::transaction& tx) {
    return apply_event(tx, lapor::testing::real_service(), c.ref, e, wall_s(t0 + 301));
  });
  CHECK(silent.outcome == store::event_outcome::applied);
  CHECK_FALSE(silent.notified);

  auto dup = s.db.call([&](store::transaction& tx) {
    return apply_event(tx, lapor::testing::real_service(), c.ref, e, wall_s(t0 + 302));
  });
  CHECK(dup.outcome == store::event_outcome::duplicate);
  auto unknown = s.db.call([&](store::transaction& tx) {
    return apply_event(tx, lapor::testing::real_service(), "12345678", e, wall_s(t0 + 303));
  });
  CHECK(unknown.outcome == store::event_outcome::unknown_ref);

  auto replies = due_replies(s.db);
  // ack, notification (verified), stop reply: nothing for the event after STOP.
  REQUIRE(replies.size() == 3);
  CHECK(replies[1].kind == "notification");
  CHECK(replies[1].text.find("DIVERIFIKASI") != std::string::npos);
  CHECK(replies[1].text.find("Sedang diperiksa") != std::string::npos);
  CHECK(replies[2].kind == "stop");

  auto view = s.db.call([&](store::transaction& tx) { return tx.complaint_view_by_ref(c.ref); });
  REQUIRE(view);
  auto api = to_api_view(*view);
  CHECK(api.status == "responded");
  CHECK(api.events.size() == 2);
  CHECK(api.forward.state == "pending");
  CHECK(api.complaint.find("\"ref\":\"" + c.ref + "\"") != std::string::npos);
}

TEST_CASE("a long message in UDH parts, out of order and with a duplicate part") {
  test::store_under_test s;
  auto part = [](int seq, const std::string& text, std::int64_t when) {
    std::string udh = std::string("\x05\x00\x03\x07\x03", 5) + static_cast<char>(seq);
    return deliver("6281234567890", udh + text, when, 0x40);
  };
  auto a = s.ingest_one(part(3, "bulan tidak diperbaiki", t0));
  CHECK(a.effect == ingest_effect::part_kept);
  auto b = s.ingest_one(part(1, "LAPOR KULONPROGO jembatan ", t0 + 1));
  CHECK(b.effect == ingest_effect::part_kept);
  // The same part again, byte for byte: the SMSC's redelivery, recognised as such.
  auto b2 = s.ingest_one(part(1, "LAPOR KULONPROGO jembatan ", t0 + 2));
  CHECK(b2.effect == ingest_effect::redelivery);
  CHECK(rows(s, "parts") == 2);
  auto c = s.ingest_one(part(2, "putus sudah tiga ", t0 + 3));
  REQUIRE(c.complaint_created);
  auto complaint = s.db.call([&](store::transaction& tx) { return tx.complaint_by_ref(c.ref); });
  REQUIRE(complaint);
  CHECK(complaint->text == "jembatan putus sudah tiga bulan tidak diperbaiki");
  CHECK(complaint->segments == 3);
  CHECK_FALSE(complaint->incomplete);
  CHECK(rows(s, "parts") == 0);  // released in the same transaction
}

TEST_CASE("a long message missing a part is released after the timeout, marked incomplete") {
  test::store_under_test s;
  std::string udh = std::string("\x05\x00\x03\x09\x02\x01", 6);
  auto a = s.ingest_one(
      deliver("6281234567890", udh + "LAPOR SLEMAN banjir setinggi lutut di jalan", t0, 0x40));
  CHECK(a.effect == ingest_effect::part_kept);
  auto early = s.db.call([](store::transaction& tx) {
    return release_expired_parts(tx, test::test_context(), wall_s(t0 + 60));
  });
  CHECK(early.empty());
  auto released = s.db.call([](store::transaction& tx) {
    return release_expired_parts(tx, test::test_context(), wall_s(t0 + 601));
  });
  REQUIRE(released.size() == 1);
  CHECK(released[0].complaint_created);
  auto c = s.db.call([&](store::transaction& tx) { return tx.complaint_by_ref(released[0].ref); });
  REQUIRE(c);
  CHECK(c->incomplete);
  CHECK(c->segments == 2);
  CHECK(c->text == "banjir setinggi lutut di jalan");
  CHECK(rows(s, "parts") == 0);
}

TEST_CASE("a delivery receipt updates the reply it confirms and is never a complaint") {
  test::store_under_test s;
  s.ingest_one(deliver("6281234567890", "LAPOR TANGKAB jalan rusak di Desa Suka Maju", t0));
  auto replies = due_replies(s.db, t0 + 1);
  REQUIRE(replies.size() == 1);
  const std::vector<std::string> ids{"5"};
  s.db.call(
      [&](store::transaction& tx) { tx.mark_reply_submitted(replies[0].id, ids, wall_s(t0 + 2)); });
  auto receipt = deliver("6281234567890",
                         "id:5 sub:001 dlvrd:001 submit date:2611280101 done date:2611280102 "
                         "stat:DELIVRD err:000 text:LAPOR! Laporan",
                         t0 + 3, 0x04);
  auto out = s.ingest_one(receipt);
  CHECK(out.effect == ingest_effect::receipt);
  auto status =
      s.db.call([&](store::transaction& tx) { return tx.reply_status_of(replies[0].id); });
  REQUIRE(status);
  CHECK(status->state == store::reply_state::delivered);

  auto stray = deliver("6281234567890",
                       "id:404 sub:001 dlvrd:001 submit date:2611280101 done date:2611280102 "
                       "stat:DELIVRD err:000 text:x",
                       t0 + 4, 0x04);
  CHECK(s.ingest_one(stray).effect == ingest_effect::receipt_unknown);
  CHECK(rows(s, "complaints") == 1);
}

TEST_CASE("a receipt whose text writes the hex submit_sm_resp id in decimal finds its reply") {
  // issue 12, item 3: submit_sm_resp "5A000001", receipt "id:1509949441" with no TLV.
  using form = lapord::text::receipt_id_form;
  for (const form f : {form::automatic, form::decimal}) {
    CAPTURE(lapord::text::to_string(f));
    test::store_under_test s;
    s.ingest_one(deliver("6281234567890", "LAPOR TANGKAB jalan rusak di Desa Suka Maju", t0));
    auto replies = due_replies(s.db, t0 + 1);
    REQUIRE(replies.size() == 1);
    const std::vector<std::string> ids{
        lapord::text::canonical_message_id("5A000001")};  // as the reply sender records it
    s.db.call([&](store::transaction& tx) {
      tx.mark_reply_submitted(replies[0].id, ids, wall_s(t0 + 2));
    });
    auto out = s.ingest_one(
        deliver("6281234567890", "id:1509949441 sub:001 dlvrd:001 stat:DELIVRD err:000 text:x",
                t0 + 3, 0x04),
        f);
    CHECK(out.effect == ingest_effect::receipt);
    CHECK(out.receipt_ids.back() == "5a000001");
    auto status =
        s.db.call([&](store::transaction& tx) { return tx.reply_status_of(replies[0].id); });
    REQUIRE(status);
    CHECK(status->state == store::reply_state::delivered);
  }
  // as_is (and hex) do not convert decimal to hex: the receipt matches nothing, and says what
  // it tried.
  for (const form f : {form::as_is, form::hex}) {
    CAPTURE(lapord::text::to_string(f));
    test::store_under_test s;
    s.ingest_one(deliver("6281234567890", "LAPOR TANGKAB jalan rusak di Desa Suka Maju", t0));
    auto replies = due_replies(s.db, t0 + 1);
    REQUIRE(replies.size() == 1);
    const std::vector<std::string> ids{"5a000001"};
    s.db.call([&](store::transaction& tx) {
      tx.mark_reply_submitted(replies[0].id, ids, wall_s(t0 + 2));
    });
    auto out =
        s.ingest_one(deliver("6281234567890", "id:1509949441 stat:DELIVRD", t0 + 3, 0x04), f);
    CHECK(out.effect == ingest_effect::receipt_unknown);
    CHECK_FALSE(out.receipt_ids.empty());
    CHECK(out.receipt_stat == "DELIVRD");
    auto status =
        s.db.call([&](store::transaction& tx) { return tx.reply_status_of(replies[0].id); });
    REQUIRE(status);
    CHECK(status->state == store::reply_state::submitted);
  }
}

TEST_CASE("over the hourly limit: stored, not forwarded, told once") {
  test::store_under_test s;
  for (int i = 0; i < 10; ++i) {
    auto out = s.ingest_one(
        deliver("6281234567890",
                "LAPOR SLEMAN keluhan nomor " + std::to_string(i) + " tentang jalan", t0 + i));
    REQUIRE(out.forward_queued);
  }
  auto eleventh = s.ingest_one(
      deliver("6281234567890", "LAPOR SLEMAN keluhan kesebelas tentang jalan", t0 + 20));
  CHECK(eleventh.complaint_created);
  CHECK_FALSE(eleventh.forward_queued);
  CHECK(eleventh.reply_queued);
  auto twelfth = s.ingest_one(
      deliver("6281234567890", "LAPOR SLEMAN keluhan kedua belas tentang jalan", t0 + 21));
  CHECK(twelfth.complaint_created);
  CHECK_FALSE(twelfth.reply_queued);
  CHECK(rows(s, "complaints WHERE forward_state IS NOT NULL") == 10);
  CHECK(rows(s, "complaints") == 12);
  auto replies = due_replies(s.db);
  CHECK(replies.back().kind == "rate_limited");
}

TEST_CASE("refs of consecutive complaints are valid, distinct and not sequential") {
  test::store_under_test s;
  std::vector<std::string> refs;
  for (int i = 0; i < 5; ++i) {
    auto out = s.ingest_one(deliver("62812000000" + std::to_string(10 + i),
                                    "LAPOR SLEMAN lampu jalan mati di dusun kami", t0 + i));
    REQUIRE(out.complaint_created);
    CHECK(lapor::is_valid_ref(out.ref));
    refs.push_back(out.ref);
  }
  std::sort(refs.begin(), refs.end());
  CHECK(std::adjacent_find(refs.begin(), refs.end()) == refs.end());
}

TEST_CASE("record_decision stores a USSD complaint like an SMS one, with channel ussd") {
  test::store_under_test s;
  const lapor::service& service = lapor::testing::real_service();
  lapor::decision first;
  first.kind = lapor::decision_kind::complaint;
  first.reporter = "+6281234567890";
  first.text = "jalan rusak di Desa Suka Maju sejak lama";
  first.duplicate_key = lapor::duplicate_key(first.text);
  first.create_complaint = true;
  first.forward = true;
  first.reply_template = lapor::reply::ack_national;
  first.params = {{"number", "1708"}};
  complaint_origin origin;
  origin.channel = lapor::channel::ussd;
  origin.carrier = "xl";
  origin.service_number = "1708";
  origin.received_at = wall_s(t0);

  auto out = s.db.call([&](store::transaction& tx) {
    const lapor::store_facts facts = facts_for(tx, first, service, origin.received_at);
    CHECK_FALSE(facts.complaint.duplicate_ref);
    return record_decision(tx, first, origin, test::test_context());
  });
  REQUIRE(out.complaint_created);
  CHECK(out.forward_queued);
  CHECK(out.reply_queued);
  auto c = s.db.call([&](store::transaction& tx) { return tx.complaint_by_ref(out.ref); });
  REQUIRE(c);
  CHECK(c->channel == "ussd");
  CHECK(c->carrier == "xl");
  CHECK(c->service_number == "1708");
  auto forwards = s.db.call(
      [&](store::transaction& tx) { return tx.take_due_forwards(wall_s(t0 + 1), 10, 1min); });
  REQUIRE(forwards.size() == 1);
  CHECK(forward_body(forwards[0]).find("\"channel\":\"ussd\"") != std::string::npos);
  auto replies = due_replies(s.db);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].carrier == "xl");
  CHECK(replies[0].source == "1708");
  CHECK(replies[0].text.find(out.ref) != std::string::npos);

  // The same text again: facts_for finds the first, nothing new is stored.
  auto again = s.db.call([&](store::transaction& tx) {
    const lapor::store_facts facts = facts_for(tx, first, service, wall_s(t0 + 60));
    REQUIRE(facts.complaint.duplicate_ref);
    CHECK(*facts.complaint.duplicate_ref == out.ref);
    return *facts.complaint.duplicate_ref;
  });
  CHECK(again == out.ref);
  CHECK(rows(s, "complaints") == 1);
}

TEST_CASE("a forward queued before schema 8 is sent with the body it stored then") {
  store::forward f;
  f.ref = "48219375";
  f.payload = "{\"ref\":\"48219375\",\"as\":\"stored\"}";
  f.row.ref = "48219375";
  f.row.text = "not this";
  CHECK(forward_body(f) == f.payload);
  f.payload.clear();
  f.row.ref.clear();  // no complaint row: nothing to send
  CHECK(forward_body(f).empty());
}

}  // namespace lapord::app
