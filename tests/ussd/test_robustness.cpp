// Any USSD message the network can send, in any order, with the daemon's answers arriving late or
// never: the gateway never throws, every reply is a well-formed USSD screen within the limit,
// and the table stays within its cap. A seeded generator, so a failure repeats.
#include <doctest/doctest.h>

#include <array>
#include <random>
#include <vector>

#include "lapord/lapor/ref.hpp"
#include "lapord/lapor/ussd/gateway.hpp"
#include "ussd/fixture.hpp"

namespace lapord::lapor::ussd {
namespace {

const std::string& test_ref() {
  static const std::string ref = ref_generator("ussd-test-key-0123456789").make(1);
  return ref;
}

const std::vector<std::string> numbers = {"6281200000001",
                                          "6281200000002",
                                          "6281200000003",
                                          "081200000004",
                                          "+6281200000005",
                                          "TELKOMSEL",
                                          "",
                                          "1708",
                                          std::string(30, '9')};
const std::vector<std::string> typed = {"*1708#",   "1",
                                        "2",        "3",
                                        "0",        "TANGKAB",
                                        "TANGKAV",  "kota bandung",
                                        test_ref(), "Jalan berlubang dekat pasar sudah lama",
                                        "",         "9",
                                        "x"};
// Walks that reach the deep screens; the generator follows one for a citizen most of the
// time and sends noise in between.
const std::vector<std::vector<std::string>> walks = {
    {"*1708#", "1", "TANGKAB", "Jalan berlubang dekat pasar sudah lama", "1"},
    {"*1708#", "1", "TANGKAV", "1", "Lampu jalan mati sejak bulan lalu", "1"},
    {"*1708#", "1", "0", "Pungutan liar di kantor desa kami", "1"},
    {"*1708#", "2", test_ref()},
    {"*1708#", "3"}};

// One seeded run: a gateway fed a random mix of sensible walks, noise and late answers.
class random_run {
 public:
  random_run(const profile& p, std::uint32_t seed)
      : p_(p), g_(testing::real_engine(), p, 10), rng_(seed) {}

  void run(int messages) {
    for (int m = 0; m < messages; ++m) {
      t_ += pick(20) == 0 ? pick(200) : pick(3);
      const instant now = testing::at(t_);
      const int what = pick(10);
      if (what == 0 && !pending_.empty()) {
        answer_one(now);
      } else if (what == 1) {
        (void)g_.expire(now);
      } else if (pick(3) != 0) {
        walk_step(now);
      } else {
        deliver(noise(), now);
      }
    }
    MESSAGE("replies " << kinds_[0] << ", filings " << kinds_[1] << ", lookups " << kinds_[2]
                       << ", none " << kinds_[3] << ", busy " << g_.stats().refused_busy);
    CHECK(kinds_[0] > 0);
    CHECK(kinds_[1] > 0);
    CHECK(kinds_[2] > 0);
    CHECK(kinds_[3] > 0);
    if (p_.session_key != session_key_source::msisdn) CHECK(g_.stats().refused_busy > 0);
    // Whatever is left expires.
    (void)g_.expire(testing::at(t_ + 181));
    CHECK(g_.open_dialogues() == 0);
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }

  void check_action(const action& a) {
    CHECK(g_.open_dialogues() <= 10);
    ++kinds_[static_cast<std::size_t>(a.kind)];
    if (a.kind != action_kind::reply) {
      CHECK_FALSE(a.reply);
      return;
    }
    REQUIRE(a.reply);
    const message_out& r = *a.reply;
    CHECK(r.octets.size() <= 254);
    CHECK(r.octets.size() <= p_.max_screen);  // gsm7 unpacked: one septet per octet
    CHECK_FALSE(r.octets.empty());
    CHECK(r.ussd_service_op == (a.ended ? p_.reply_end_op : p_.reply_continue_op));
    if (r.its_session_info) CHECK(((*r.its_session_info & 1U) == 1U) == a.ended);
    CHECK(r.service_type == p_.service_type);
  }

  // A late answer (filing or look-up) to one of the waiting dialogues.
  void answer_one(instant now) {
    const std::size_t i = static_cast<std::size_t>(pick(static_cast<int>(pending_.size())));
    auto [ticket, filing] = pending_[i];
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    if (filing) {
      const auto outcome = static_cast<filing_outcome>(pick(3));
      check_action(g_.filed(ticket, filing_result{outcome, test_ref()}, now));
    } else {
      store_facts facts;
      if (pick(2) == 0) facts.status = status_facts{complaint_state::ditolak, "36.03", 0};
      check_action(g_.looked_up(ticket, facts, now));
    }
  }

  // The next step of a sensible walk for one of three citizens (session = citizen).
  void walk_step(instant now) {
    message_in d;
    const std::size_t c = static_cast<std::size_t>(pick(3));
    auto& [w, pos] = walking_[c];
    if (pos == 0) w = static_cast<std::size_t>(pick(static_cast<int>(walks.size())));
    d.service_type = "USSD";
    d.source_addr = numbers[c];
    d.source_addr_ton = 1;
    d.destination_addr = "1708";
    d.short_message = walks[w][pos];  // ASCII: the same octets in GSM one-septet-per-octet
    d.ussd_service_op = pos == 0 ? 1 : 18;
    d.its_session_info = static_cast<std::uint16_t>(c << 8 | (pos + 1) << 1);
    d.user_message_reference = static_cast<std::uint16_t>(c);
    pos = (pos + 1) % walks[w].size();
    deliver(d, now);
  }

  // Anything: random addresses, coding, bytes, operation and session fields.
  message_in noise() {
    message_in d;
    d.service_type = pick(4) == 0 ? "" : "USSD";
    d.source_addr = numbers[static_cast<std::size_t>(pick(static_cast<int>(numbers.size())))];
    d.source_addr_ton = static_cast<std::uint8_t>(pick(7));
    d.destination_addr = pick(5) == 0 ? "*1708#" : "1708";
    d.data_coding = static_cast<std::uint8_t>(
        std::array<int, 6>{0, 0, 1, 3, 8, pick(256)}[static_cast<std::size_t>(pick(6))]);
    if (pick(4) == 0) {
      const int len = pick(300);
      for (int i = 0; i < len; ++i)
        d.short_message += static_cast<char>(pick(256));
    } else {
      d.short_message = typed[static_cast<std::size_t>(pick(static_cast<int>(typed.size())))];
    }
    if (pick(10) == 0) {
      d.message_payload = d.short_message;
      d.short_message.clear();
    }
    const int op_pick = pick(10);
    if (op_pick < 3) {
      d.ussd_service_op = 1;
    } else if (op_pick < 8) {
      d.ussd_service_op = 18;
    } else if (op_pick == 8) {
      d.ussd_service_op = static_cast<std::uint8_t>(pick(256));
    }
    if (pick(3) != 0) d.its_session_info = static_cast<std::uint16_t>(pick(64) << 8 | pick(256));
    if (pick(3) == 0) d.user_message_reference = static_cast<std::uint16_t>(pick(64));
    return d;
  }

  void deliver(const message_in& d, instant now) {
    action a;
    CHECK_NOTHROW(a = g_.on_deliver(d, now));
    check_action(a);
    if (a.kind == action_kind::file) pending_.emplace_back(a.ticket, true);
    if (a.kind == action_kind::look_up) pending_.emplace_back(a.ticket, false);
  }

  const profile& p_;
  gateway g_;
  std::mt19937 rng_;
  int t_ = 0;
  std::vector<std::pair<std::size_t, std::size_t>> walking_ =
      std::vector<std::pair<std::size_t, std::size_t>>(3);  // per citizen: walk, position
  std::vector<std::pair<dialogue_ticket, bool>> pending_;   // ticket, is a filing
  std::array<int, 4> kinds_{};  // how often each action kind came: the run must reach them all
};

void run(const profile& p, std::uint32_t seed, int messages) {
  random_run(p, seed).run(messages);
}

}  // namespace

TEST_CASE("random deliver_sm and late answers: no throw, replies well-formed, table bounded") {
  profile keyed;
  run(keyed, 1, 20'000);
  profile by_msisdn;
  by_msisdn.session_key = session_key_source::msisdn;
  by_msisdn.sequence = session_sequence::increment;
  run(by_msisdn, 2, 20'000);
  profile umr;
  umr.session_key = session_key_source::user_message_reference;
  umr.unknown_op_aborts = false;
  umr.service_type = "";
  run(umr, 3, 20'000);
}

}  // namespace lapord::lapor::ussd
