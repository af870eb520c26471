#pragma once
// The real complaint service (shipped directory, templates, Debian's hunspell-id), a real
// SQLite store in a temp dir, and deliver_sm builders, for the MO path's tests.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "lapor/fixture.hpp"
#include "lapord/app/mo/incoming_mo.hpp"
#include "lapord/app/mo/mo_ingest.hpp"
#include "lapord/lapor/policy.hpp"
#include "lapord/lapor/ref.hpp"
#include "lapord/smpp/codec.hpp"
#include "lapord/store/database.hpp"
#include "store/temp_dir.hpp"

namespace lapord::app::test {

inline const lapor::ref_generator& test_refs() {
  static const lapor::ref_generator refs("pipeline-test-key-0123456789");
  return refs;
}

inline ingest_context test_context() {
  return ingest_context{&lapor::testing::real_service(), &test_refs(), {}};
}

inline std::chrono::system_clock::time_point at_s(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

// A deliver_sm of plain GSM text (one septet per octet: ASCII letters map to themselves).
inline net::mo_message deliver(const std::string& from, const std::string& text,
                               std::int64_t when_s = 1'800'000'000, std::uint8_t esm_class = 0,
                               std::uint8_t data_coding = 0) {
  smpp::deliver_sm d;
  d.source_addr = from;
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.destination_addr = "1708";
  d.esm_class = esm_class;
  d.data_coding = data_coding;
  d.short_message = text;
  net::mo_message m;
  m.carrier = "tsel";
  m.bind = "trx";
  m.pdu.body = d;
  m.pdu.sequence_number = 7;
  m.received_at = at_s(when_s);
  return m;
}

inline smpp::deliver_sm& body(net::mo_message& m) {
  return std::get<smpp::deliver_sm>(m.pdu.body);
}

// `m` as it arrives from a carrier: its PDU encoded and decoded again, so the codec's record of
// the TLV section (tlv_set::wire) is there, as in the daemon.
inline net::mo_message& as_received(net::mo_message& m) {
  std::vector<std::uint8_t> wire;
  REQUIRE(!smpp::encode(m.pdu, wire));
  REQUIRE(!smpp::decode(wire, m.pdu));
  return m;
}

struct store_under_test {
  store::test::temp_dir dir;
  store::database db{[this] {
    store::database_options o;
    o.path = dir.file("lapord.db");
    o.ref_number = [](std::string_view ref) { return test_refs().number_of(ref); };
    o.duplicate_key = lapor::duplicate_key;  // as the daemon
    return o;
  }()};

  ingest_outcome ingest_one(const net::mo_message& m,
                            text::receipt_id_form receipt_id = text::receipt_id_form::automatic) {
    incoming_mo mo = read_incoming(m);
    ingest_context ctx = test_context();
    ctx.receipt_id = receipt_id;
    auto out = db.call([&](store::transaction& tx) { return ingest(tx, mo, ctx); });
    settle_receipt(out);
    return out;
  }
};

}  // namespace lapord::app::test
