#include "store/sync_order.hpp"

#include <stdexcept>

namespace lapord::store {

sync_order::ticket sync_order::committed() noexcept {
  ++committed_;
  if (failed_) {
    // Released at once, with an error: nothing after a failed sync is ever acknowledged.
    released_ = committed_;
    return {committed_, true};
  }
  return {committed_, false};
}

bool sync_order::sync_due() const noexcept {
  return !failed_ && !syncing_ && covered_ < committed_;
}

sync_order::batch_id sync_order::sync_started() {
  if (!sync_due()) throw std::logic_error("sync_order: a sync started while none was due");
  syncing_ = true;
  covered_ = committed_;
  return covered_;
}

sync_order::release sync_order::sync_done(bool ok) {
  if (!syncing_) throw std::logic_error("sync_order: a sync ended that had not started");
  syncing_ = false;
  if (ok) {
    released_ = covered_;
    return {release::action::complete, covered_};
  }
  // The batches committed while this sync ran were not covered by it, but they may rest on
  // what it failed to make durable: they fail too.
  failed_ = true;
  covered_ = committed_;
  released_ = committed_;
  return {release::action::fail, committed_};
}

}  // namespace lapord::store
