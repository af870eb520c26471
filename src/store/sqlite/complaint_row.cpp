// One complaint read from a result row (complaint_row.hpp): for complaints.cpp's look-ups, the
// outbox's take and the operator's lists.
#include "store/sqlite/complaint_row.hpp"

namespace lapord::store::sqlite {

complaint read_complaint(const query& q) {
  complaint c;
  c.ref = q.text(0);
  c.channel = q.text(1);
  c.carrier = q.text(2);
  c.service_number = q.text(3);
  c.reporter = q.text(4);
  c.confidential = q.int64(5) != 0;
  if (!q.is_null(6)) {
    c.institution = institution{q.text(6), q.text(7), q.text(8), q.int64(9) != 0, q.text(18)};
  }
  c.text = q.text(10);
  c.segments = static_cast<int>(q.int64(11));
  c.incomplete = q.int64(12) != 0;
  c.status = q.text(13);
  c.status_at = q.time(14);
  c.created_at = q.time(15);
  c.updated_at = q.time(16);
  c.tracking_id = q.opt_text(17);
  return c;
}

}  // namespace lapord::store::sqlite
