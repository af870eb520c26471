#pragma once
// One complaint read from a result row, for every query that lists complaints: columns 0..18
// in the order of the complaint SELECTs in complaints.cpp (ref, channel, carrier, ...
// tracking_id, routed_by). Further columns are the caller's.
#include "lapord/store/records.hpp"
#include "store/postgresql/pq.hpp"

namespace lapord::store::postgresql {

[[nodiscard]] complaint read_complaint(const result& r, int row);

}  // namespace lapord::store::postgresql
