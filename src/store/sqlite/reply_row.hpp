#pragma once
// A reply's ref and text as SQL expressions, for every statement that reads them (schema 15,
// docs/store.md "A reply names its complaint by number"): a reply to a stored complaint keeps
// neither its ref (NULL) nor the ref within its text (each occurrence is the byte 0x01); both
// are its complaint's ref, found by its number (`complaint`). A row that keeps its ref (a reply
// stored before schema 15, one with no complaint, or one whose text holds a 0x01 itself) is read
// as it is. `r` is the table's name or alias with its dot ("replies.", "r.").
#define LAPORD_SQLITE_COMPLAINT_REF_OF(r) \
  "(SELECT c_.ref FROM complaints c_ WHERE c_.number=" r "complaint)"
#define LAPORD_SQLITE_REPLY_REF(r) "coalesce(" r "ref, " LAPORD_SQLITE_COMPLAINT_REF_OF(r) ")"
#define LAPORD_SQLITE_REPLY_TEXT(r)                                           \
  "CASE WHEN " r "ref IS NULL AND " r "complaint IS NOT NULL THEN replace(" r \
  "text, "                                                                    \
  "char(1), " LAPORD_SQLITE_COMPLAINT_REF_OF(r) ") ELSE " r "text END"
