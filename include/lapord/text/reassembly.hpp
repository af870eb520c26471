#pragma once
// Reassembly of concatenated MO messages (UDH 0x00/0x08 or SAR TLVs) into one text.
//
// Pure logic over a small storage interface: the daemon keeps parts durably (the store layer
// implements part_store on SQLite), tests use memory_part_store. Nothing here reads a clock:
// the caller passes the time a part arrived and the time "now" for expiry.
#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lapord::text {

// Wall-clock time in milliseconds: parts must survive a restart, so no steady clock here.
using wall_time = std::chrono::sys_time<std::chrono::milliseconds>;

// What identifies one long message. An 8-bit UDH reference is widened to 16 bits; carriers'
// 8-bit and 16-bit references for the same sender never collide in practice, and the
// reference alone is never trusted without carrier, source and destination.
struct part_key {
  std::string carrier;      // the configured carrier (profile) name
  std::string source;       // source_addr as received (the citizen's number)
  std::string destination;  // destination_addr (the short code)
  std::uint16_t reference = 0;

  friend auto operator<=>(const part_key&, const part_key&) = default;
  friend bool operator==(const part_key&, const part_key&) = default;
};

// One decoded segment of a long message.
struct message_part {
  part_key key;
  std::uint8_t total = 0;     // number of parts the sender announced (1..255)
  std::uint8_t sequence = 0;  // this part's number, 1-based (1..total)
  std::string text;           // this part's text, already decoded to UTF-8
  bool replaced = false;      // decoding put U+FFFD for invalid input in `text`
  wall_time received_at{};    // when the part arrived (drives the timeout)
};

// The text of a long message, ready for the command parser.
struct assembled_message {
  part_key key;
  std::string text;                   // the parts' texts joined in sequence order
  bool complete = false;              // false: released by timeout (or malformed), parts missing
  bool replaced = false;              // some part held U+FFFD replacements
  std::uint8_t total = 0;             // parts announced
  std::vector<std::uint8_t> missing;  // sequence numbers that never arrived, ascending
  wall_time first_received_at{};      // earliest arrival among the parts kept
};

// Where parts wait for their siblings. The daemon's implementation must be durable (parts
// survive a restart) and may throw on a storage failure; the reassembler lets that propagate
// and has then changed nothing but what the store itself committed.
class part_store {
 public:
  virtual ~part_store() = default;

  // Keeps `part` unless a part with the same key and sequence is kept already (a duplicate:
  // the first one wins). Returns true when the part was new.
  virtual bool put(const message_part& part) = 0;

  // Every part kept for `key`, in any order (empty when none).
  virtual std::vector<message_part> parts(const part_key& key) = 0;

  // Forgets every part of `key` (no-op when none).
  virtual void erase(const part_key& key) = 0;

  // Keys whose earliest kept part arrived strictly before `cutoff`.
  virtual std::vector<part_key> keys_older_than(wall_time cutoff) = 0;
};

// A part_store in memory, for tests and for a daemon run without durability.
class memory_part_store final : public part_store {
 public:
  bool put(const message_part& part) override;
  std::vector<message_part> parts(const part_key& key) override;
  void erase(const part_key& key) override;
  std::vector<part_key> keys_older_than(wall_time cutoff) override;

  std::size_t key_count() const { return parts_.size(); }

 private:
  std::map<part_key, std::map<std::uint8_t, message_part>> parts_;
};

struct reassembly_options {
  std::chrono::milliseconds timeout = std::chrono::minutes(10);
};

// Joins parts kept in a part_store. Not thread-safe: use one reassembler (and store) from one
// thread or strand.
//
// The reassembler never erases a key by itself: a message it returns must first be kept by the
// caller (e.g. appended to the store in a transaction), and only then is the key released with
// release() -- ideally in that same transaction -- so that a crash in between loses nothing.
class reassembler {
 public:
  explicit reassembler(part_store& store, reassembly_options options = {});

  // Adds one part. Returns the whole message once every part 1..total is kept (a duplicate
  // part changes nothing and returns nothing unless the set was already complete). A part
  // announcing total <= 1 is returned at once as a complete message of its own, and a part
  // with sequence 0 or sequence > total as an incomplete message of its own (never dropped);
  // neither touches the store.
  std::optional<assembled_message> add(const message_part& part);

  // Messages whose first part arrived before now - timeout, with what arrived, in order,
  // marked incomplete (or complete if the last part came in but was never released).
  std::vector<assembled_message> expire(wall_time now);

  // Forgets the parts of a message the caller has kept.
  void release(const part_key& key);

  const reassembly_options& options() const { return options_; }

 private:
  part_store& store_;
  reassembly_options options_;
};

// Joins parts (any order, duplicates by sequence ignored) into a message; `complete` is true
// when every sequence 1..total is present. Exposed for stores that load parts in bulk.
assembled_message assemble(const part_key& key, std::vector<message_part> parts);

}  // namespace lapord::text
