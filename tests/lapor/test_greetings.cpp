// Greetings and addressees before everything else (sms-commands.md): the table of every rule
// and trap of the paragraph through the real service (shipped directory, templates and
// config/greetings-id.txt), then the checks of the greetings file at load.
#include <doctest/doctest.h>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;
using namespace lapord::lapor::testing;

namespace {

struct expected {
  const char* message;
  const char* kind;       // decision kind
  const char* code;       // institution code, "-" for none
  const char* flags;      // c = confidential, ~ = corrected, - = none
  const char* routed_by;  // complaint: keyword / addressee / national; else "-"
  const char* text;       // complaint: its text; status: the ref; else ""
  const char* set_aside;  // what was set aside at the start
};

// NOLINTNEXTLINE(cppcoreguidelines-avoid-c-arrays)
const expected table[] = {
    // The four openings.
    {"Selamat pagi, LAPOR SLEMAN jalan berlubang dekat pasar", "complaint", "34.04", "-", "keyword",
     "jalan berlubang dekat pasar", "Selamat pagi"},
    {"Assalamualaikum pak, TANGKAB sampah menumpuk di pasar", "complaint", "36.03", "-", "keyword",
     "sampah menumpuk di pasar", "Assalamualaikum pak"},
    {"Pak, CEK 48219375", "status", "-", "-", "-", "48219375", "Pak"},
    {"Yth Bupati Sleman, jembatan di dusun kami putus", "complaint", "34.04", "-", "addressee",
     "jembatan di dusun kami putus", "Yth Bupati Sleman"},
    // Greetings and forms of address: any number, any order, compared by letters and digits.
    {"Assalamu'alaikum, SLEMAN jalan rusak parah", "complaint", "34.04", "-", "keyword",
     "jalan rusak parah", "Assalamu'alaikum"},
    {"Yth. Bapak Bupati Kulon Progo: jalan rusak parah", "complaint", "34.01", "-", "addressee",
     "jalan rusak parah", "Yth. Bapak Bupati Kulon Progo"},
    {"Kepada Yth Ibu Bupati Kulon Progo di tempat, jalan rusak parah", "complaint", "34.01", "-",
     "addressee", "jalan rusak parah", "Kepada Yth Ibu Bupati Kulon Progo di tempat"},
    {"Yth Bupati Sleman ditempat. Jembatan putus total", "complaint", "34.04", "-", "addressee",
     "Jembatan putus total", "Yth Bupati Sleman ditempat"},
    {"Mohon maaf mengganggu, Om Swastiastu, Denpasar sampah plastik di pantai", "complaint",
     "51.71", "-", "keyword", "sampah plastik di pantai", "Mohon maaf mengganggu, Om Swastiastu"},
    {"Halo min, Salam. Permisi bu, MEDAN drainase tersumbat banjir", "complaint", "12.71", "-",
     "keyword", "drainase tersumbat banjir", "Halo min, Salam. Permisi bu"},
    {"Ass bpk, Askum, slemna jalan berlubang dekat pasar", "complaint", "34.04", "~", "keyword",
     "jalan berlubang dekat pasar", "Ass bpk, Askum"},
    // Line breaks after the greeting.
    {"Selamat pagi\nSLEMAN\njalan berlubang\ndekat pasar", "complaint", "34.04", "-", "keyword",
     "jalan berlubang\ndekat pasar", "Selamat pagi"},
    {"Assalamualaikum\r\nYth Bupati Sleman\r\njembatan putus total", "complaint", "34.04", "-",
     "addressee", "jembatan putus total", "Assalamualaikum\r\nYth Bupati Sleman"},
    {"Selamat malam pak\nSTOP", "stop", "-", "-", "-", "", "Selamat malam pak"},
    // Greetings before STOP / INFO / RAHASIA / MULAI: the command still works.
    {"Selamat pagi, STOP", "stop", "-", "-", "-", "", "Selamat pagi"},
    {"Maaf pak, UNREG LAPOR", "stop", "-", "-", "-", "", "Maaf pak"},
    {"Halo admin, MULAI", "start", "-", "-", "-", "", "Halo admin"},
    {"Pak, INFO", "help", "-", "-", "-", "", "Pak"},
    {"Halo ?", "help", "-", "-", "-", "", "Halo"},
    {"Maaf, RAHASIA kepala desa minta uang pungli", "complaint", "-", "c", "national",
     "kepala desa minta uang pungli", "Maaf"},
    {"Permisi, RAHASIA LAPOR TANGKAB kepala desa minta uang", "complaint", "36.03", "c", "keyword",
     "kepala desa minta uang", "Permisi"},
    // An addressee names the institution of its kind, whatever the bare base says.
    {"Bupati Tangerang banjir lagi di perumahan kami", "complaint", "36.03", "-", "addressee",
     "banjir lagi di perumahan kami", "Bupati Tangerang"},
    {"Wali Kota Tangerang banjir lagi di perumahan kami", "complaint", "36.71", "-", "addressee",
     "banjir lagi di perumahan kami", "Wali Kota Tangerang"},
    {"Walikota Bandung, jalan rusak parah sekali", "complaint", "32.73", "-", "addressee",
     "jalan rusak parah sekali", "Walikota Bandung"},
    {"Gubernur Gorontalo jalan provinsi rusak parah", "complaint", "75", "-", "addressee",
     "jalan provinsi rusak parah", "Gubernur Gorontalo"},
    {"Pak Bupati Gorontalo, jalan desa rusak parah", "complaint", "75.01", "-", "addressee",
     "jalan desa rusak parah", "Pak Bupati Gorontalo"},
    {"Yth Gubernur Jabar, jalan provinsi rusak parah", "complaint", "32", "-", "addressee",
     "jalan provinsi rusak parah", "Yth Gubernur Jabar"},
    {"Gubernur Jawa Barat jalan provinsi rusak parah", "complaint", "32", "-", "addressee",
     "jalan provinsi rusak parah", "Gubernur Jawa Barat"},
    {"Gubernur DKI Jakarta banjir rob di muara angke", "complaint", "31", "-", "addressee",
     "banjir rob di muara angke", "Gubernur DKI Jakarta"},
    // LAPOR and RAHASIA still work after it; an addressee may stand right after them.
    {"Yth Walikota Yogyakarta, RAHASIA pungli di kantor kelurahan", "complaint", "34.71", "c",
     "addressee", "pungli di kantor kelurahan", "Yth Walikota Yogyakarta"},
    {"LAPOR Bupati Sleman, jalan di depan pasar rusak", "complaint", "34.04", "-", "addressee",
     "jalan di depan pasar rusak", ""},
    {"Selamat siang, RAHASIA Wali Kota Yogyakarta pungli parkir di malioboro", "complaint", "34.71",
     "c", "addressee", "pungli parkir di malioboro", "Selamat siang"},
    // A keyword after it wins over it, and so does a command.
    {"Yth Bupati Sleman, KULONPROGO jalan rusak parah", "complaint", "34.01", "-", "keyword",
     "jalan rusak parah", "Yth Bupati Sleman"},
    {"Yth Bupati Sleman, CEK 48219375", "status", "-", "-", "-", "48219375", "Yth Bupati Sleman"},
    {"Yth Bupati Sleman, STOP", "stop", "-", "-", "-", "", "Yth Bupati Sleman"},
    {"Yth Bupati Sleman, INFO", "help", "-", "-", "-", "", "Yth Bupati Sleman"},
    {"Yth Bupati Sleman, cek jalan di dusun kami rusak", "complaint", "34.04", "-", "addressee",
     "cek jalan di dusun kami rusak", "Yth Bupati Sleman"},
    // The wrong title for the kind: the title alone is set aside and routes nothing; a keyword
    // after it still routes (Sleman has no kota, Medan no kabupaten).
    {"Walikota Sleman jalan berlubang dekat pasar", "complaint", "34.04", "-", "keyword",
     "jalan berlubang dekat pasar", "Walikota"},
    {"Bupati Medan drainase tersumbat banjir", "complaint", "12.71", "-", "keyword",
     "drainase tersumbat banjir", "Bupati"},
    {"Bupati Yogyakarta parkir liar di malioboro", "complaint", "-", "-", "national",
     "Bupati Yogyakarta parkir liar di malioboro", "Bupati"},
    {"Yth Bapak Bupati, kami warga desa menunggu perbaikan jalan", "complaint", "-", "-",
     "national", "Yth Bapak Bupati, kami warga desa menunggu perbaikan jalan", "Yth Bapak Bupati"},
    // A typo in the addressee: one edit, 5+ letters, among the names of its kind.
    {"Bupati Slemna jalan berlubang dekat pasar", "complaint", "34.04", "~", "addressee",
     "jalan berlubang dekat pasar", "Bupati Slemna"},
    {"Yth Bupati Bandng, jalan rusak parah sekali", "complaint", "32.04", "~", "addressee",
     "jalan rusak parah sekali", "Yth Bupati Bandng"},
    {"Bupati Kulon Progi jalan rusak parah sekali", "complaint", "-", "-", "national",
     "Bupati Kulon Progi jalan rusak parah sekali", "Bupati"},
    // Nothing recognised after the opening: the national desk, the whole message.
    {"Pak RT minta uang untuk surat pindah", "complaint", "-", "-", "national",
     "Pak RT minta uang untuk surat pindah", "Pak"},
    {"Selamat pagi pak jalan rusak parah", "complaint", "-", "-", "national",
     "Selamat pagi pak jalan rusak parah", "Selamat pagi pak"},
    {"Pak, cek jalan di desa kami rusak parah", "complaint", "-", "-", "national",
     "Pak, cek jalan di desa kami rusak parah", "Pak"},
    // Only the start is read this way: Tolong / Mohon are not on the list; a greeting after
    // the first command or keyword is text.
    {"Tolong jalan di desa kami diperbaiki", "complaint", "-", "-", "national",
     "Tolong jalan di desa kami diperbaiki", ""},
    {"Mohon jalan di desa kami diperbaiki", "complaint", "-", "-", "national",
     "Mohon jalan di desa kami diperbaiki", ""},
    {"SLEMAN Selamat pagi, jalan berlubang dekat pasar", "complaint", "34.04", "-", "keyword",
     "Selamat pagi, jalan berlubang dekat pasar", ""},
    {"LAPOR Selamat pagi, SLEMAN jalan rusak", "complaint", "-", "-", "national",
     "Selamat pagi, SLEMAN jalan rusak", ""},
    // Too little after what was set aside: the help reply.
    {"Selamat pagi", "help", "-", "-", "-", "", "Selamat pagi"},
    {"Selamat pagi, tes", "help", "-", "-", "-", "", "Selamat pagi"},
    {"Selamat pagi pak, jalan rusak", "help", "-", "-", "-", "", "Selamat pagi pak"},
    {"Yth Bupati Sleman", "help", "-", "-", "-", "", "Yth Bupati Sleman"},
    {"Yth Bupati Sleman di tempat", "help", "-", "-", "-", "", "Yth Bupati Sleman di tempat"},
    {"Pak, CEK", "help", "-", "-", "-", "", "Pak"},
    {"Halo, LAPOR SLEMAN", "help", "-", "-", "-", "", "Halo"},
};

}  // namespace

TEST_CASE("greetings and addressees: every rule and trap of the paragraph") {
  for (const expected& e : table) {
    INFO("message: " << e.message);
    inbound in;
    in.from = "081234567890";
    in.to = "1708";
    in.text = e.message;
    const parsed_message p = real_service().parse(in.text);
    const decision d = real_service().decide(in, p, {});
    CHECK(to_string(d.kind) == e.kind);
    CHECK(in.text.substr(p.set_aside_begin, p.set_aside_end - p.set_aside_begin) == e.set_aside);
    if (std::string_view(e.code) == "-") {
      CHECK_FALSE(d.institution.has_value());
    } else {
      REQUIRE(d.institution.has_value());
      CHECK(d.institution->code == e.code);
      CHECK(d.institution->corrected == (std::string_view(e.flags).find('~') != std::string::npos));
      CHECK(to_string(d.institution->via) == e.routed_by);
      // The store and the forward body get a real keyword of the institution.
      CHECK(real_directory().find_keyword(d.institution->keyword)->code == e.code);
    }
    CHECK(d.confidential == (std::string_view(e.flags).find('c') != std::string::npos));
    if (d.kind == decision_kind::complaint) {
      CHECK(to_string(p.routed_by()) == e.routed_by);
      CHECK(d.text == e.text);
      CHECK(in.text.substr(p.text_offset, p.text.size()) == p.text);
      CHECK(d.reason.starts_with(e.routed_by));
    } else if (d.kind == decision_kind::status) {
      CHECK(d.ref == e.text);
    } else {
      CHECK(d.text.empty());
    }
  }
}

TEST_CASE("greetings: without a list nothing is set aside (the parser's old reading)") {
  auto p = parse_message("Yth Bupati Sleman, jembatan di dusun kami putus", real_directory(),
                         real_dictionary());
  CHECK(p.what == command::complaint);
  CHECK_FALSE(p.keyword);
  CHECK(p.text == "Yth Bupati Sleman, jembatan di dusun kami putus");
  CHECK(p.set_aside_end == p.set_aside_begin);
}

TEST_CASE("greetings file: the shipped one loads, entries match word for word") {
  const greeting_list& g = real_greetings();
  CHECK(g.size() >= 30u);
  auto words = split_words("Mohon maaf mengganggu pak");
  const lead_phrase* p = g.match(words, {lead_kind::greeting});
  REQUIRE(p != nullptr);
  CHECK(p->keys.size() == 3u);  // the longest entry
  CHECK(g.match(split_words("Mohon segera"), {lead_kind::greeting}) == nullptr);
  CHECK(g.match(split_words("Selamat datang"), {lead_kind::greeting}) == nullptr);
  CHECK(g.match(split_words("di tempat"), {lead_kind::greeting, lead_kind::address}) == nullptr);
  const lead_phrase* t = g.match(split_words("Wali Kota Tangerang"), {lead_kind::title});
  REQUIRE(t != nullptr);
  CHECK(t->title_of == institution_kind::kota);
  REQUIRE(g.find_name(institution_kind::kabupaten, "TANGERANG") != nullptr);
  CHECK(*g.find_name(institution_kind::kabupaten, "TANGERANG") == "36.03");
  CHECK(*g.find_name(institution_kind::kabupaten, "TANGKAB") == "36.03");  // an alias
  CHECK(*g.find_name(institution_kind::provinsi, "JABAR") == "32");
  CHECK(g.find_name(institution_kind::kota, "SLEMAN") == nullptr);
  CHECK(g.find_name(institution_kind::kabupaten, "KABSLEMAN") == nullptr);
}

TEST_CASE("greetings file: errors name the file and line") {
  auto load = [](std::string_view text) {
    return greeting_list::load(text, "greetings.txt", real_directory());
  };
  CHECK_THROWS_WITH_AS(load("# c\ngreeting Halo\naddress Sleman\n"),
                       doctest::Contains("greetings.txt:3: word SLEMAN is a keyword of 34.04"),
                       data_error);
  CHECK_THROWS_WITH_AS(load("greeting Halo LAPOR\n"),
                       "greetings.txt:1: word LAPOR is a command word: it would never work",
                       data_error);
  CHECK_THROWS_WITH_AS(load("\n\naddress Kulon Progo\n"),
                       doctest::Contains("greetings.txt:3: entry KULONPROGO is a keyword of 34.01"),
                       data_error);
  CHECK_THROWS_WITH_AS(load("greeting Halo\ngreeting halo!\n"),
                       "greetings.txt:2: entry HALO is already on line 1", data_error);
  CHECK_THROWS_WITH_AS(load("salutation Halo\n"),
                       doctest::Contains("greetings.txt:1: 'salutation' is not one of"),
                       data_error);
  CHECK_THROWS_WITH_AS(load("greeting\n"), "greetings.txt:1: no words after greeting", data_error);
  CHECK_THROWS_WITH_AS(load("greeting 🙏\n"), doctest::Contains("greetings.txt:1:"), data_error);
  CHECK(load("").empty());
  CHECK(load("# only comments\r\n\r\ngreeting Halo\r\n").size() == 1u);
}
