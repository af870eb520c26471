#pragma once
// What facts_about needs about the batch's citizens, read for all of them by one statement
// (the first facts_about of a batch) instead of one statement per complaint MO.
//
// Why it is exact: the batch holds every one of those citizens' advisory locks from before any
// item ran (reporter_locks.cpp), so no other instance adds their complaints or rate notices
// until this batch commits; what this batch adds is added here as it goes: the complaints when
// their kept-back rows are written (deferred_rows::flush), the rest through facts_about's own
// look at the rows still kept back. The batch's reporters are known as their MOs' sources in
// whatever form the carrier wrote them; the complaints name them in E.164 with '+'. The cache
// asks for both forms (as written, and with '+'); a reporter it does not hold, or an older
// `since` than it read, is asked for by facts_about's own statement, as before. Used only in
// the batch's first pass: isolating a failed item (savepoints) drops it.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lapord/store/records.hpp"
#include "store/postgresql/deferred_rows.hpp"

namespace lapord::store::postgresql {

class facts_cache {
 public:
  // A new batch: these reporters (work_item::reporter) are locked; nothing read yet.
  void begin(std::span<const std::string_view> reporters);
  // Forgets everything until the next begin() (a rollback, savepoints).
  void drop() noexcept;
  // The facts from the cache, or nullopt when it cannot answer (reporter not held, `since`
  // older than read); reads the batch's reporters first if not done yet. The rows kept back
  // are not in it: the caller adds them.
  std::optional<reporter_facts> lookup(pq_connection& pq, std::string_view reporter,
                                       std::string_view duplicate_key, wall_time duplicate_since,
                                       wall_time hour_since);
  // Kept-back complaints just written, and rate notices: from now on part of what it holds.
  void written(const std::vector<pending_complaint>& complaints);
  void rate_notice(std::string_view reporter, wall_time at);

 private:
  void load(pq_connection& pq, wall_time since);
  struct stored {
    wall_time created_at;
    std::string duplicate_key;
    std::string ref;
  };
  struct entry {
    std::vector<stored> complaints;
    std::optional<wall_time> rate_notice_at;
  };
  std::vector<std::string> reporters_;  // the batch's, as locked
  bool active_ = false;                 // a batch's first pass
  bool loaded_ = false;
  wall_time since_{};  // complaints created at or after it are all in entries_
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace lapord::store::postgresql
