#include "lapord/app/ussd/ussd_state_store.hpp"

#include "lapord/lapor/ussd/dialogue_state.hpp"

namespace lapord::app {
namespace {

using std::chrono::milliseconds;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

store::ussd_dialogue_record to_record(std::string key, const lapor::ussd::dialogue_table::entry& e,
                                      lapor::ussd::instant now, std::chrono::seconds timeout) {
  lapor::ussd::dialogue_state s;
  s.state = e.state;
  s.context = e.context;
  s.heard_at_ms =
      wall_ms() - std::chrono::duration_cast<milliseconds>(now - e.state.last_input).count();
  store::ussd_dialogue_record r;
  r.key = std::move(key);
  r.state = lapor::ussd::encode(s);
  r.expires_at = store::wall_time(milliseconds(s.heard_at_ms) + timeout);
  return r;
}

bool adopt_record(lapor::ussd::gateway& g, const lapor::service& service,
                  const lapor::ussd::session_key& key, const store::ussd_dialogue_record& r,
                  lapor::ussd::instant now, std::string& why) {
  auto s = lapor::ussd::decode_state(r.state);
  if (!s) {
    why = "not a dialogue state this lapord wrote";
    return false;
  }
  const auto institutions = service.dir().institutions().size();
  if (s->state.institution >= 0 && static_cast<std::size_t>(s->state.institution) >= institutions) {
    why = "an institution this instance's directory does not have";
    return false;
  }
  // Heard that long ago by the wall clock; another instance's clock a little ahead counts as now.
  const auto ago = std::max<std::int64_t>(0, wall_ms() - s->heard_at_ms);
  s->state.last_input = now - milliseconds(ago);
  if (!g.adopt(key, std::move(s->state), s->context, now)) {
    why = "the dialogue table is full";
    return false;
  }
  return true;
}

}  // namespace lapord::app
