#pragma once
// One complaint read from a result row, for every query that lists complaints (the MO path's
// look-ups and the operator's lists): columns 0..18 in the order of the complaint SELECTs in
// complaints.cpp (ref, channel, carrier, ... tracking_id, routed_by). Further columns are the
// caller's.
#include "lapord/store/records.hpp"
#include "store/sqlite/connection.hpp"

// The columns read_complaint() reads, in its order (SELECT and RETURNING lists).
#define LAPORD_SQLITE_COMPLAINT_COLUMNS                                               \
  "ref, channel, carrier, service_number, reporter, confidential, institution_code, " \
  "institution_name, institution_keyword, institution_corrected, text, segments, "    \
  "incomplete, status, status_at, created_at, updated_at, tracking_id, routed_by"

namespace lapord::store::sqlite {

[[nodiscard]] complaint read_complaint(const query& q);

}  // namespace lapord::store::sqlite
