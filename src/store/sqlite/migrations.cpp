// The SQLite schema as a list of migrations, their SQL texts (schema.cpp applies them). A
// migration once released is never edited: a change is a new entry at the end. PRAGMA
// user_version holds how many have been applied.
//
// CHECKs are written as OR chains, not IN lists: an IN list of more than two constants makes
// SQLite build an ephemeral table on every INSERT, which was a quarter of the writer's CPU.
#include "store/sqlite/migrations.hpp"

namespace lapord::store::sqlite {
namespace {
// Version 1: ingest. What came in (for audit and redelivery), parts of long messages,
// complaints with their status history, reporters' choices and the ref counter.
constexpr const char* v1 = R"sql(
CREATE TABLE received (
  id              INTEGER PRIMARY KEY,
  dedup_hash      INTEGER NOT NULL,
  carrier         TEXT NOT NULL,
  source          TEXT NOT NULL,
  source_ton      INTEGER NOT NULL,
  source_npi      INTEGER NOT NULL,
  destination     TEXT NOT NULL,
  destination_ton INTEGER NOT NULL,
  destination_npi INTEGER NOT NULL,
  service_type    TEXT NOT NULL,
  esm_class       INTEGER NOT NULL,
  data_coding     INTEGER NOT NULL,
  short_message   BLOB NOT NULL,
  tlvs            BLOB NOT NULL,
  received_at     INTEGER NOT NULL,
  ref             TEXT
) STRICT;
CREATE INDEX received_dedup ON received(dedup_hash);

CREATE TABLE parts (
  carrier     TEXT NOT NULL,
  source      TEXT NOT NULL,
  destination TEXT NOT NULL,
  reference   INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  total       INTEGER NOT NULL,
  text        TEXT NOT NULL,
  replaced    INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (carrier, source, destination, reference, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE complaints (
  ref                   TEXT PRIMARY KEY,
  channel               TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'ussd'),
  carrier               TEXT NOT NULL,
  service_number        TEXT NOT NULL,
  reporter              TEXT NOT NULL,
  confidential          INTEGER NOT NULL,
  institution_code      TEXT,
  institution_name      TEXT,
  institution_keyword   TEXT,
  institution_corrected INTEGER,
  text                  TEXT NOT NULL,
  segments              INTEGER NOT NULL,
  incomplete            INTEGER NOT NULL,
  status                TEXT NOT NULL CHECK (status = 'received' OR status = 'verified'
                          OR status = 'dispatched' OR status = 'responded' OR status = 'closed'
                          OR status = 'rejected'),
  status_at             INTEGER NOT NULL,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  tracking_id           TEXT,
  received_id           INTEGER
) STRICT;
CREATE INDEX complaints_reporter ON complaints(reporter, created_at);

CREATE TABLE events (
  ref         TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status = 'received' OR status = 'verified'
                OR status = 'dispatched' OR status = 'responded' OR status = 'closed'
                OR status = 'rejected'),
  at          INTEGER NOT NULL,
  institution TEXT,
  message     TEXT,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (ref, status, at)
) STRICT, WITHOUT ROWID;

CREATE TABLE reporters (
  msisdn              TEXT PRIMARY KEY,
  opted_out           INTEGER NOT NULL DEFAULT 0,
  opt_changed_at      INTEGER,
  last_rate_notice_at INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('ref', 0);
)sql";

// Version 2: what goes out. The outbox to the national store and the replies and
// notifications to citizens, with the SMSC's message id of every segment for receipts.
constexpr const char* v2 = R"sql(
CREATE TABLE outbox (
  ref             TEXT PRIMARY KEY,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state = 'pending' OR state = 'forwarded'
                    OR state = 'parked'),
  leased          INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  enqueued_at     INTEGER NOT NULL,
  next_attempt_at INTEGER,
  http_status     INTEGER,
  last_error      TEXT,
  answer          TEXT,
  done_at         INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_parked ON outbox(ref) WHERE state = 'parked';

CREATE TABLE replies (
  id              INTEGER PRIMARY KEY,
  carrier         TEXT NOT NULL,
  source          TEXT NOT NULL,
  destination     TEXT NOT NULL,
  text            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  ref             TEXT,
  state           TEXT NOT NULL CHECK (state = 'queued' OR state = 'submitted'
                    OR state = 'delivered' OR state = 'failed'),
  leased          INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER,
  submitted_at    INTEGER,
  done_at         INTEGER,
  last_error      TEXT,
  receipt         TEXT
) STRICT;
CREATE INDEX replies_due ON replies(next_attempt_at) WHERE state = 'queued';
CREATE INDEX replies_failed ON replies(id) WHERE state = 'failed';

CREATE TABLE reply_segments (
  carrier    TEXT NOT NULL,
  message_id TEXT NOT NULL,
  reply_id   INTEGER NOT NULL,
  segment    INTEGER NOT NULL,
  receipt    TEXT,
  receipt_at INTEGER,
  PRIMARY KEY (carrier, message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX reply_segments_reply ON reply_segments(reply_id, segment);
)sql";

// Version 3: the duplicate rule compares the complaint text folded as the complaint service
// folds it (lapor::duplicate_key: ASCII letters lower-cased, runs of white space one space,
// the ends trimmed; empty: NULL), no longer the text exactly as typed. The service computes the
// key; the migration fills it in for the complaints already stored with the same folding in SQL, so
// a complaint sent before the upgrade is still found after it. SQLite's lower() folds ASCII only
// (no ICU), as the service does. A run of n spaces becomes ceil(n/2) per pass: 17 passes
// fold runs of up to 2^17 bytes, longer than any message (a message_payload is at most 64 KiB).
// The reporter index gains the key as its last column: the probe (reporter, created_at >=,
// duplicate_key =) then reads only the index until it finds the match, and the hourly count
// still uses it; no second index to maintain on every insert.
constexpr const char* v3 = R"sql(
ALTER TABLE complaints ADD COLUMN duplicate_key TEXT;
UPDATE complaints SET duplicate_key = nullif(trim(lower(
  replace(replace(replace(replace(replace(text, char(9), ' '), char(10), ' '), char(11), ' '),
          char(12), ' '), char(13), ' ')), ' ' || char(160)), '');
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
UPDATE complaints SET duplicate_key = replace(duplicate_key, '  ', ' ')
  WHERE instr(duplicate_key, '  ') > 0;
DROP INDEX complaints_reporter;
CREATE INDEX complaints_reporter ON complaints(reporter, created_at, duplicate_key);
)sql";

// Version 4: what operators need. A dropped forward moves out of the outbox into its own table
// (kept whole, for audit): a new state in the outbox's CHECK would mean copying the whole
// outbox, every complaint ever forwarded, at upgrade. Replies get an index by ref, so that
// showing one complaint does not scan every reply on the writer thread.
constexpr const char* v4 = R"sql(
CREATE TABLE dropped_forwards (
  ref         TEXT PRIMARY KEY,
  payload     TEXT NOT NULL,
  attempts    INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  http_status INTEGER,
  last_error  TEXT,
  answer      TEXT,
  parked_at   INTEGER,
  dropped_at  INTEGER NOT NULL,
  reason      TEXT
) STRICT;
CREATE INDEX replies_ref ON replies(ref) WHERE ref IS NOT NULL;
)sql";

// Version 5: repeats, restarts and reused message ids (issue 12).
// - Leases name their owner: the instance (`[store] instance`, default the host name) and its
//   epoch, a counter incremented at every start (`counters.epoch`). At start an instance takes
//   back at once the leases its own name holds from earlier epochs (it died holding them);
//   other instances' leases are only taken over when they expire. Plain columns, no trigger.
// - Replies get an index by destination and time: the per-reporter limit on answers counts
//   the replies of the last hour in the store (several instances may share one store).
// - reply_segments is keyed by carrier + message id + submit time: an SMSC that restarts its
//   ids no longer overwrites the older rows. SQLite cannot change a primary key in place, so
//   the table is copied once (one row per segment ever submitted) at the first start.
constexpr const char* v5 = R"sql(
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_epoch INTEGER;
ALTER TABLE replies ADD COLUMN lease_owner TEXT;
ALTER TABLE replies ADD COLUMN lease_epoch INTEGER;
INSERT INTO counters (name, value) VALUES ('epoch', 0);
CREATE INDEX replies_to ON replies(destination, created_at, kind);
CREATE TABLE reply_segments_v5 (
  carrier      TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  reply_id     INTEGER NOT NULL,
  segment      INTEGER NOT NULL,
  receipt      TEXT,
  receipt_at   INTEGER,
  PRIMARY KEY (carrier, message_id, submitted_at, reply_id, segment)
) STRICT, WITHOUT ROWID;
INSERT INTO reply_segments_v5 (carrier, message_id, submitted_at, reply_id, segment, receipt,
                               receipt_at)
  SELECT s.carrier, s.message_id, coalesce(r.submitted_at, 0), s.reply_id, s.segment,
         s.receipt, s.receipt_at
  FROM reply_segments s LEFT JOIN replies r ON r.id = s.reply_id;
DROP TABLE reply_segments;
ALTER TABLE reply_segments_v5 RENAME TO reply_segments;
CREATE INDEX reply_segments_reply ON reply_segments(reply_id, segment);
)sql";

// Version 6: how a complaint found its institution: 'keyword' (`SLEMAN ...`), 'addressee' (a
// title and a place's name, `Yth Bupati Sleman, ...`) or 'national' (no institution: the national
// desk). Every complaint before this version was routed by keyword or went to the national desk.
constexpr const char* v6 = R"sql(
ALTER TABLE complaints ADD COLUMN routed_by TEXT NOT NULL DEFAULT 'national'
  CHECK (routed_by = 'national' OR routed_by = 'keyword' OR routed_by = 'addressee');
UPDATE complaints SET routed_by = 'keyword' WHERE institution_code IS NOT NULL;
)sql";

// Version 7: USSD dialogues between two screens (issue 13): kept in the store so that a dialogue
// goes on on whichever instance the carrier sends the next message to. Expiry is a column with
// an index, for the sweep.
constexpr const char* v7 = R"sql(
CREATE TABLE ussd_dialogues (
  key        TEXT PRIMARY KEY,
  state      TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX ussd_dialogues_expiry ON ussd_dialogues(expires_at);
)sql";

// Version 8: one copy of each thing, and no index entry nothing reads (issue 14; docs/store.md
// "What a complaint costs on disk"). No table is copied: every step is cheap on a large file.
// - The outbox keeps no JSON body: a forward is rendered from its complaint when it is sent
//   (payload '' from now on; a row queued before keeps its body and is sent with it).
// - received_dedup holds only the MOs the redelivery check looks up (parts and receipts): a
//   whole message is stored with dedup_hash 0 and has no entry.
// - The reporter index ends with an 8-byte hash of the duplicate key instead of the key itself
//   (the key, in the row, confirms a match); NULL for the complaints already stored, which the
//   probe then confirms by reading the row.
// - replies_to counts only the answers it is read for (not acks, notifications, rate notices).
// received rows expire after [store] received_retention_hours (transaction::expire_received).
constexpr const char* v8 = R"sql(
DROP INDEX received_dedup;
CREATE INDEX received_dedup ON received(dedup_hash) WHERE dedup_hash <> 0;
ALTER TABLE complaints ADD COLUMN duplicate_hash INTEGER;
DROP INDEX complaints_reporter;
CREATE INDEX complaints_reporter ON complaints(reporter, created_at, duplicate_hash);
DROP INDEX replies_to;
CREATE INDEX replies_to ON replies(destination, created_at) WHERE kind <> 'ack'
  AND kind <> 'ack_national' AND kind <> 'notification' AND kind <> 'rate_limited';
)sql";

// Version 9: storage parameters of PostgreSQL's tables only (fillfactor, so that rows updated
// in place keep their index entries; identity sequences cached: src/store/postgresql/schema.cpp).
// SQLite has no such thing (a b-tree row is rewritten in place, its indexes touched only for
// changed columns): nothing to do, the number keeps the two backends' versions in step.
constexpr const char* v9 = R"sql(
-- nothing: see above
)sql";

// Version 10: the reporter index leads with the complaint's UTC day (issue 14, the store flat
// as it grows). Ordered by reporter first, every new complaint's entry went into a random leaf
// of an index of the whole history: past the page cache (2,000,000 complaints), each MO read a
// cold page and wrote it whole to the WAL at its commit. By day first, the entries of today are
// a small hot part of it. The duplicate rule and the hourly count look up each day of their
// window (two, and one or two): docs/store.md, "The reporter index by day". An index rebuild,
// no table copied.
constexpr const char* v10 = R"sql(
DROP INDEX complaints_reporter;
CREATE INDEX complaints_reporter
  ON complaints(created_at/86400000, reporter, created_at, duplicate_hash);
)sql";

// Version 11: the forward's state lives in its complaint's row (issue 14; docs/store.md "The
// forward in the complaint row"). The outbox cost every complaint a second row and a random-key
// index entry (its ref), and its outcome two UPDATEs; now enqueueing, taking and recording a
// forward update the complaint row, and only the partial indexes (pending forwards, parked ones)
// hold entries: a forwarded complaint has none for its forward. Columns are NULL for a complaint
// never queued (and again after an operator dropped its forward: dropped_forwards keeps it).
// forward_enqueued_at is NULL when the forward was queued at the complaint's created_at (the MO
// path always): 7 bytes less a row; readers take coalesce(forward_enqueued_at, created_at).
// forward_payload is the JSON body of a forward queued before version 8 (NULL since: rendered
// from the complaint). ADD COLUMN and one UPDATE: no table is copied. An outbox row without its
// complaint (the MO path never writes one) moves to dropped_forwards, named, rather than be lost.
constexpr const char* v11 = R"sql(
ALTER TABLE complaints ADD COLUMN forward_state TEXT CHECK (forward_state = 'pending'
  OR forward_state = 'forwarded' OR forward_state = 'parked');
ALTER TABLE complaints ADD COLUMN forward_leased INTEGER;
ALTER TABLE complaints ADD COLUMN forward_attempts INTEGER;
ALTER TABLE complaints ADD COLUMN forward_enqueued_at INTEGER;
ALTER TABLE complaints ADD COLUMN forward_next_at INTEGER;
ALTER TABLE complaints ADD COLUMN forward_lease_owner TEXT;
ALTER TABLE complaints ADD COLUMN forward_lease_epoch INTEGER;
ALTER TABLE complaints ADD COLUMN forward_http_status INTEGER;
ALTER TABLE complaints ADD COLUMN forward_error TEXT;
ALTER TABLE complaints ADD COLUMN forward_answer TEXT;
ALTER TABLE complaints ADD COLUMN forward_done_at INTEGER;
ALTER TABLE complaints ADD COLUMN forward_payload TEXT;
UPDATE complaints SET forward_state = o.state, forward_leased = o.leased,
  forward_attempts = o.attempts, forward_enqueued_at = nullif(o.enqueued_at, complaints.created_at),
  forward_next_at = o.next_attempt_at,
  forward_lease_owner = CASE WHEN o.state = 'pending' THEN o.lease_owner END,
  forward_lease_epoch = CASE WHEN o.state = 'pending' THEN o.lease_epoch END,
  forward_http_status = o.http_status, forward_error = o.last_error, forward_answer = o.answer,
  forward_done_at = o.done_at, forward_payload = nullif(o.payload, '')
  FROM outbox o WHERE o.ref = complaints.ref;
INSERT INTO dropped_forwards (ref, payload, attempts, enqueued_at, http_status, last_error,
                              answer, parked_at, dropped_at, reason)
  SELECT ref, payload, attempts, enqueued_at, http_status, last_error, answer, done_at,
         coalesce(done_at, enqueued_at), 'schema 11: an outbox row without its complaint'
  FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM complaints c WHERE c.ref = o.ref)
  ON CONFLICT DO NOTHING;
DROP TABLE outbox;
CREATE INDEX complaints_forward_due ON complaints(forward_next_at)
  WHERE forward_state = 'pending';
CREATE INDEX complaints_forward_parked ON complaints(ref) WHERE forward_state = 'parked';
)sql";

// Version 12: complaints keyed by the number their ref was made from (issue 14, the store flat
// as it grows; docs/store.md "Complaints keyed by their number"). Refs are a keyed permutation of
// the ref counter, random by design: keyed by ref, every MO wrote an entry into a random leaf of
// the complaints' key and of replies_ref, a cold page each once the store outgrew the cache.
// Keyed by the number (the counter, in creation order) both are appended at their end. `ref`
// stays a column (what citizens, operators and the national store see) with no index: a look-up
// by ref goes by its number and then confirms the stored ref is the one asked for, so a ref of
// the wrong length or key never finds another citizen's complaint. The number comes from the
// ref key, which only the daemon holds: lapord_ref_number(ref) is a function the connection
// registers at open (database_options::ref_number; the open refuses a store without it) and
// raises an error for a ref that is no ref, which fails the migration (the file stays at 11).
// SQLite cannot change a table's key in place: the complaints table is copied once (in the order
// it was written, which is the counter's), its indexes built again. Replies point at their
// complaint by that number too (`complaint`; `ref` kept for display), an index that grows at its
// end for a new complaint's acknowledgement.
constexpr const char* v12 = R"sql(
CREATE TABLE complaints_v12 (
  number                INTEGER PRIMARY KEY,
  ref                   TEXT NOT NULL,
  channel               TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'ussd'),
  carrier               TEXT NOT NULL,
  service_number        TEXT NOT NULL,
  reporter              TEXT NOT NULL,
  confidential          INTEGER NOT NULL,
  institution_code      TEXT,
  institution_name      TEXT,
  institution_keyword   TEXT,
  institution_corrected INTEGER,
  text                  TEXT NOT NULL,
  segments              INTEGER NOT NULL,
  incomplete            INTEGER NOT NULL,
  status                TEXT NOT NULL CHECK (status = 'received' OR status = 'verified'
                          OR status = 'dispatched' OR status = 'responded' OR status = 'closed'
                          OR status = 'rejected'),
  status_at             INTEGER NOT NULL,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  tracking_id           TEXT,
  received_id           INTEGER,
  duplicate_key         TEXT,
  routed_by             TEXT NOT NULL DEFAULT 'national'
                          CHECK (routed_by = 'national' OR routed_by = 'keyword'
                          OR routed_by = 'addressee'),
  duplicate_hash        INTEGER,
  forward_state         TEXT CHECK (forward_state = 'pending' OR forward_state = 'forwarded'
                          OR forward_state = 'parked'),
  forward_leased        INTEGER,
  forward_attempts      INTEGER,
  forward_enqueued_at   INTEGER,
  forward_next_at       INTEGER,
  forward_lease_owner   TEXT,
  forward_lease_epoch   INTEGER,
  forward_http_status   INTEGER,
  forward_error         TEXT,
  forward_answer        TEXT,
  forward_done_at       INTEGER,
  forward_payload       TEXT
) STRICT;
INSERT INTO complaints_v12 (number, ref, channel, carrier, service_number, reporter,
  confidential, institution_code, institution_name, institution_keyword, institution_corrected,
  text, segments, incomplete, status, status_at, created_at, updated_at, tracking_id,
  received_id, duplicate_key, routed_by, duplicate_hash, forward_state, forward_leased,
  forward_attempts, forward_enqueued_at, forward_next_at, forward_lease_owner,
  forward_lease_epoch, forward_http_status, forward_error, forward_answer, forward_done_at,
  forward_payload)
  SELECT lapord_ref_number(ref), ref, channel, carrier, service_number, reporter, confidential,
    institution_code, institution_name, institution_keyword, institution_corrected, text,
    segments, incomplete, status, status_at, created_at, updated_at, tracking_id, received_id,
    duplicate_key, routed_by, duplicate_hash, forward_state, forward_leased, forward_attempts,
    forward_enqueued_at, forward_next_at, forward_lease_owner, forward_lease_epoch,
    forward_http_status, forward_error, forward_answer, forward_done_at, forward_payload
  FROM complaints ORDER BY rowid;
DROP TABLE complaints;
ALTER TABLE complaints_v12 RENAME TO complaints;
CREATE INDEX complaints_reporter
  ON complaints(created_at/86400000, reporter, created_at, duplicate_hash);
CREATE INDEX complaints_forward_due ON complaints(forward_next_at)
  WHERE forward_state = 'pending';
CREATE INDEX complaints_forward_parked ON complaints(ref) WHERE forward_state = 'parked';
ALTER TABLE replies ADD COLUMN complaint INTEGER;
UPDATE replies SET complaint = lapord_ref_number(ref) WHERE ref IS NOT NULL;
DROP INDEX replies_ref;
CREATE INDEX replies_complaint ON replies(complaint) WHERE complaint IS NOT NULL;
)sql";

// Version 13: a reply of one segment keeps its message id (and its receipt's time) in its own
// row (issue 14; docs/store.md "A reply of one segment"). A reply_segments row and its
// reply_segments_reply entry cost every complaint's ack 63 bytes and its submit an INSERT into
// two b-trees; now the submit's UPDATE of the reply writes the id, and replies_message (partial:
// only a reply with an id in its row) finds it for a receipt. Only a reply's first submit of one
// segment goes in the row; several segments, or a submit again (its in-row id then moves to
// reply_segments), go to reply_segments as before, so a reply has either an in-row id or
// segment rows, never both. The rows already stored stay where they are: no row is moved.
constexpr const char* v13 = R"sql(
ALTER TABLE replies ADD COLUMN message_id TEXT;
ALTER TABLE replies ADD COLUMN receipt_at INTEGER;
CREATE INDEX replies_message ON replies(message_id, submitted_at) WHERE message_id IS NOT NULL;
)sql";

// Version 14: what a complaint keeps besides its text (issue 14; docs/store.md "What a
// complaint costs on disk"). No statement: what changes is what lapord writes, and the number
// keeps a lapord of 13, which would not read it so, from opening the file.
// - A complaint whose duplicate key is its text folded (every one the MO path files) stores no
//   duplicate_key: the probe confirms a match of the reporter index's hash by folding the
//   candidate's text (lapord_duplicate_key(), registered on the connection from
//   database_options::duplicate_key). The keys already stored stay and are compared as before:
//   no row is rewritten.
// - A whole message's received row names no ref (its complaint names the row: received_id);
//   a part's or a receipt's still does (the redelivery check reads it).
// - A complaint filed with its forward writes forward_enqueued_at (= created_at, as NULL says),
//   room in its row for the outcome, which clears it (a row grown on a full page splits it).
constexpr const char* v14 = R"sql(
-- nothing: see above
)sql";

// Version 15: a reply to a stored complaint names it by number alone (issue 14; docs/store.md
// "A reply names its complaint by number"): no ref (NULL with `complaint` set, a state no reply
// had before) and the byte 0x01 in its text where the ref was, both read back as its complaint's
// ref (reply_row.hpp). No statement: the number keeps a lapord of 14, which would read such a
// text wrongly, from opening the file. The rows already stored stay as they are.
constexpr const char* v15 = R"sql(
-- nothing: see above
)sql";

}  // namespace

const std::array<const char*, migration_count> migrations{v1, v2,  v3,  v4,  v5,  v6,  v7, v8,
                                                          v9, v10, v11, v12, v13, v14, v15};

}  // namespace lapord::store::sqlite
