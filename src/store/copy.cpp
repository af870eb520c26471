// copy_store: a whole store from one backend to another (docs/store.md, "Copying a store").
// Backend-neutral: the tables as both schemas have them, read from a source and written to a
// sink (copy_rows.hpp); the engines' code is in sqlite/copy_source.cpp and
// postgresql/copy_sink.cpp.
#include "lapord/store/copy.hpp"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "lapord/store/backend.hpp"
#include "store/copy_rows.hpp"
#include "store/sqlite/reply_row.hpp"

namespace lapord::store {
namespace {

using copying::column;
using copying::table_spec;

// Columns by name, each selected as itself but those in `selected_as` (name, expression).
std::vector<column> named(std::initializer_list<const char*> names,
                          std::initializer_list<column> selected_as = {}) {
  std::vector<column> out;
  out.reserve(names.size());
  for (const char* name : names) {
    column c{name};
    for (const column& s : selected_as) {
      if (std::string_view(s.name) == name) c.source_expr = s.source_expr;
    }
    out.push_back(c);
  }
  return out;
}

// Every table of the schema (version 15) but `counters` (copied by name). A migration that adds
// a table or a column adds it here too: copy_store refuses a source with a table or a column it
// does not know (a unit test copies a store of the latest schema).
//
// What is copied and why: everything, including the audit of received MO (`received`: the
// redelivery check of parts and receipts looks back over the dedup window, and complaints point
// at their received row) and the parts of long messages still waiting for their other parts (a
// citizen's message split over the switch is reassembled once, not filed incomplete). Leases
// are released (`leased` 0): the process that held them is stopped; a leased forward or reply
// is due again when its lease would have ended, as after a restart.
const std::vector<table_spec>& tables() {
  static const std::vector<table_spec> specs = {
      {"received",
       named({"id", "dedup_hash", "carrier", "source", "source_ton", "source_npi", "destination",
              "destination_ton", "destination_npi", "service_type", "esm_class", "data_coding",
              "short_message", "tlvs", "received_at", "ref"}),
       "id"},
      {"parts",
       named({"carrier", "source", "destination", "reference", "seq", "total", "text", "replaced",
              "received_at"}),
       "carrier, source, destination, reference, seq"},
      {"complaints",
       named({"ref",
              "channel",
              "carrier",
              "service_number",
              "reporter",
              "confidential",
              "institution_code",
              "institution_name",
              "institution_keyword",
              "institution_corrected",
              "text",
              "segments",
              "incomplete",
              "status",
              "status_at",
              "created_at",
              "updated_at",
              "tracking_id",
              "received_id",
              "duplicate_key",
              "routed_by",
              "duplicate_hash",
              "forward_state",
              "forward_leased",
              "forward_attempts",
              "forward_enqueued_at",
              "forward_next_at",
              "forward_lease_owner",
              "forward_lease_epoch",
              "forward_http_status",
              "forward_error",
              "forward_answer",
              "forward_done_at",
              "forward_payload"},
             // A leased forward is released (NULL stays NULL: never queued). A complaint whose
             // key is its text folded keeps none on SQLite (schema 14): PostgreSQL gets it.
             {{"forward_leased", "CASE WHEN forward_leased IS NULL THEN NULL ELSE 0 END"},
              {"duplicate_key", "coalesce(duplicate_key, lapord_duplicate_key(text))"}}),
       "rowid"},
      {"events", named({"ref", "status", "at", "institution", "message", "received_at"}),
       "ref, status, at"},
      {"reporters", named({"msisdn", "opted_out", "opt_changed_at", "last_rate_notice_at"}),
       "msisdn"},
      {"dropped_forwards",
       named({"ref", "payload", "attempts", "enqueued_at", "http_status", "last_error", "answer",
              "parked_at", "dropped_at", "reason"}),
       "rowid"},
      {"replies",
       named({"id",           "carrier",     "source",     "destination",
              "text",         "kind",        "ref",        "state",
              "leased",       "attempts",    "created_at", "next_attempt_at",
              "submitted_at", "done_at",     "last_error", "receipt",
              "lease_owner",  "lease_epoch", "message_id", "receipt_at"},
             // SQLite's reply may name its ref by its complaint (schema 15): PostgreSQL's not.
             {{"leased", "0"},
              {"ref", LAPORD_SQLITE_REPLY_REF("")},
              {"text", LAPORD_SQLITE_REPLY_TEXT("")}}),
       "id"},
      {"reply_segments",
       named({"carrier", "message_id", "submitted_at", "reply_id", "segment", "receipt",
              "receipt_at"}),
       "carrier, message_id, submitted_at, reply_id, segment"},
      // USSD dialogues between two screens (version 7): copied like the rest, so that those
      // still open go on after the switch (an expired one is never read, and swept).
      {"ussd_dialogues", named({"key", "state", "expires_at"}), "key"},
  };
  return specs;
}

constexpr const char* counters_table = "counters";

// SQLite's keys by a ref's number (schema 12: complaints.number, replies.complaint), which
// PostgreSQL does not have: it finds a complaint by its ref, its key there. Not copied: they are
// the ref key's function of `ref`, which is copied.
bool sqlite_only(std::string_view table, std::string_view column) {
  return (table == "complaints" && column == "number") ||
         (table == "replies" && column == "complaint");
}

void check_source(copying::source& src) {
  const int version = src.schema_version();
  if (version == 0)
    throw store_error(errc::schema, "store copy: the source is not a lapord store (no schema)");
  if (version != latest_schema_version())
    throw store_error(
        errc::schema,
        "store copy: the source store has schema version " + std::to_string(version) +
            " but this laporctl copies version " + std::to_string(latest_schema_version()) + ": " +
            (version < latest_schema_version()
                 ? "start this release's lapord on the file once (it migrates it), stop it, "
                   "then copy"
                 : "use the laporctl of the release that wrote it") +
            " (the source is never changed by a copy)");
  for (const auto& [name, columns] : src.tables()) {
    if (name == counters_table) continue;
    auto spec = std::find_if(tables().begin(), tables().end(),
                             [&](const table_spec& t) { return name == t.name; });
    if (spec == tables().end())
      throw store_error(errc::schema, "store copy: the source has a table '" + name +
                                          "' this laporctl does not know how to copy");
    for (const auto& c : columns) {
      if (c == "seq") continue;  // PostgreSQL's insertion order; SQLite has none
      if (sqlite_only(name, c)) continue;
      if (std::none_of(spec->columns.begin(), spec->columns.end(),
                       [&](const column& k) { return c == k.name; }))
        throw store_error(errc::schema, "store copy: the source's table '" + name +
                                            "' has a column '" + c +
                                            "' this laporctl does not know how to copy");
    }
  }
}

void check_empty(copying::sink& dst) {
  std::string held;
  for (const auto& t : tables()) {
    if (auto n = dst.count(t); n > 0)
      held += (held.empty() ? "" : ", ") + std::to_string(n) + " " + t.name;
  }
  if (auto ref = dst.counter("ref"); ref > 0)
    held += (held.empty() ? "" : ", ") + std::string("ref counter at ") + std::to_string(ref);
  if (!held.empty())
    throw store_error(errc::item_failed,
                      "store copy: the target store is not empty (" + held +
                          "): copy only into a new, empty database; nothing was written");
}

}  // namespace

copy_report copy_store(const database_options& from, const database_options& to,
                       const copy_progress& progress) {
  if (from.backend != store_backend::sqlite || to.backend != store_backend::postgresql)
    throw store_error(errc::internal, "store copy: only from SQLite to PostgreSQL");
  // Without the folding, a complaint of schema 14 would reach PostgreSQL with no key (and
  // never be found as the first of a duplicate).
  if (!from.duplicate_key)
    throw store_error(errc::internal,
                      "store copy: no duplicate-key folding (database_options::duplicate_key)");
  auto src = copying::open_sqlite_source(from.path, from.duplicate_key);
  check_source(*src);
  auto dst = copying::open_postgresql_sink(to);
  check_empty(*dst);

  copy_report report;
  report.schema_version = src->schema_version();
  for (const auto& t : tables()) {
    const std::int64_t expected = src->count(t);
    copied_table done{t.name, 0};
    dst->begin_table(t);
    src->read(t, [&](const copying::row& r) {
      dst->put(r);
      ++done.rows;
    });
    dst->end_table();
    const std::int64_t in_target = dst->count(t);
    if (done.rows != expected || in_target != expected)
      throw store_error(errc::internal, "store copy: table " + done.name + ": the source has " +
                                            std::to_string(expected) + " rows, " +
                                            std::to_string(done.rows) + " were read and " +
                                            std::to_string(in_target) +
                                            " are in the target; nothing was committed");
    if (progress) progress(done);
    report.tables.push_back(std::move(done));
  }
  for (const auto& [name, value] : src->counters()) {
    dst->set_counter(name, value);
    if (dst->counter(name) != value)
      throw store_error(errc::internal, "store copy: the counter " + name +
                                            " did not take its value; nothing was committed");
    if (name == "ref") report.ref_counter = static_cast<std::uint64_t>(value);
  }
  dst->finish();
  dst->commit();
  return report;
}

}  // namespace lapord::store
