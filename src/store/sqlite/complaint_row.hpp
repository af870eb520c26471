#pragma once
// One complaint read from a result row, for every query that lists complaints (the MO path's
// look-ups and the operator's lists): columns 0..18 in the order of the complaint SELECTs in
// complaints.cpp (ref, channel, carrier, ... tracking_id, routed_by). Further columns are the
// caller's.
#include "lapord/store/records.hpp"
#include "store/sqlite/connection.hpp"

namespace lapord::store::sqlite {

[[nodiscard]] complaint read_complaint(const query& q);

}  // namespace lapord::store::sqlite
