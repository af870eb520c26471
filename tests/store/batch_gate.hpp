#pragma once
// Holds the writer in an item of its own until released, so that everything submitted
// meanwhile is taken as one batch (group commit): for tests of what items of one batch do to
// each other.
#include <future>

#include "lapord/store/database.hpp"

namespace lapord::store::test {

class batch_gate {
 public:
  explicit batch_gate(database& db) {
    db.submit(
        [this, first = true](transaction&) mutable {
          if (!first) return;
          first = false;
          holding_.set_value();
          open_.wait();
        },
        [](result<std::monostate>) {});
    holding_.get_future().wait();
  }
  void open() { go_.set_value(); }

 private:
  std::promise<void> holding_;
  std::promise<void> go_;
  std::shared_future<void> open_ = go_.get_future().share();
};

}  // namespace lapord::store::test
