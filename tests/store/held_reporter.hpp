#pragma once
// Two instances on one PostgreSQL store: an item of one held inside its transaction (its
// batch's reporter locks held) while the test looks at the other (test_instances.cpp,
// test_pg_real_time.cpp).
#include <future>
#include <string>

#include "store/store_fixture.hpp"

namespace lapord::store::test {

// Holds an item of instance `db` inside its transaction (its batch's locks held) until
// released. run() may be called again when a batch is isolated: only the first call waits.
struct held_item {
  std::promise<void> running;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<bool> committed;
  bool first = true;
};

inline void hold_reporter(database& db, held_item& h, std::string reporter, std::string ref) {
  db.submit_for(
      reporter,
      [&h, reporter, ref](transaction& tx) {
        tx.create_complaint(sample_complaint(ref, reporter, "jalan rusak", at(100)));
        if (h.first) {
          h.first = false;
          h.running.set_value();
          h.released.wait();
        }
      },
      [&h](result<std::monostate> r) { h.committed.set_value(static_cast<bool>(r)); });
}

}  // namespace lapord::store::test
