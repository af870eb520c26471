#include <doctest/doctest.h>

#include <map>
#include <set>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;
using namespace lapord::lapor::testing;

namespace {
std::string csv(const std::string& name) {
  return read_file(source_path("config/directory/idn-area/" + name));
}
}  // namespace

TEST_CASE("directory: the shipped file is what the generator makes of the shipped data") {
  // Fails while config/directory/institutions.tsv is stale: rebuild it with the
  // lapord_directory target.
  CHECK(generate_directory(csv("provinces.csv"), csv("regencies.csv")) ==
        read_file(source_path("config/directory/institutions.tsv")));
}

TEST_CASE("directory: all 552 governments, each with KAB/KOTA/PROV<base>, keywords unique") {
  const directory& dir = real_directory();
  CHECK(dir.count(institution_kind::provinsi) == 38);
  CHECK(dir.count(institution_kind::kabupaten) == 416);
  CHECK(dir.count(institution_kind::kota) == 98);
  std::map<std::string, std::string> owner;
  std::map<std::string, int> base_count;
  for (auto& i : dir.institutions())
    ++base_count[keyword_base(i.name)];
  for (auto& i : dir.institutions()) {
    INFO(i.code << " " << i.name);
    REQUIRE_FALSE(i.keywords.empty());
    std::string base = keyword_base(i.name);
    std::string prefix = i.kind == institution_kind::kabupaten ? "KAB"
                         : i.kind == institution_kind::kota    ? "KOTA"
                                                               : "PROV";
    CHECK(dir.find_keyword(prefix + base) == &i);
    if (base_count[base] == 1) {
      CHECK(dir.find_keyword(base) == &i);
    } else {
      CHECK(dir.find_keyword(base) == nullptr);
      CHECK(dir.is_shared_base(base));
    }
    for (auto& k : i.keywords) {
      CHECK(owner.emplace(k, i.code).second);  // no keyword twice
      CHECK(dir.find_keyword(k) == &i);
    }
  }
  // Every area code of the official data is in the directory.
  std::size_t codes = 0;
  for (const std::string& name : {std::string("provinces.csv"), std::string("regencies.csv")}) {
    std::string data = csv(name);
    std::size_t start = data.find('\n') + 1;
    while (start < data.size()) {
      std::size_t end = data.find('\n', start);
      std::string code = data.substr(start, data.find(',', start) - start);
      CHECK(dir.find_code(code) != nullptr);
      ++codes;
      start = end == std::string::npos ? data.size() : end + 1;
    }
  }
  CHECK(codes == 552);
}

TEST_CASE("directory: the spec's examples") {
  const directory& dir = real_directory();
  CHECK(keyword_base("Kabupaten Kulon Progo") == "KULONPROGO");
  CHECK(keyword_base("Kabupaten Toli-Toli") == "TOLITOLI");
  CHECK(keyword_base("Kota Administrasi Jakarta Selatan") == "JAKARTASELATAN");
  CHECK(keyword_base("Daerah Istimewa Yogyakarta") == "YOGYAKARTA");
  CHECK(dir.find_keyword("TANGKAB")->code == "36.03");
  CHECK(dir.find_keyword("SLEMAN")->short_name == "Kab. Sleman");
  CHECK(dir.find_keyword("KOTABANDUNG")->short_name == "Kota Bandung");
  CHECK(dir.find_keyword("JAWABARAT")->short_name == "Prov. Jawa Barat");
  CHECK(dir.find_keyword("TANGERANG") == nullptr);
  CHECK(dir.find_keyword("GORONTALO") == nullptr);
  CHECK(dir.is_shared_base("BANDUNG"));
  const std::map<std::string, std::string> abbreviations = {
      {"SUMUT", "12"},  {"SUMBAR", "13"},  {"SUMSEL", "16"}, {"BABEL", "19"},   {"KEPRI", "21"},
      {"DKI", "31"},    {"JABAR", "32"},   {"JATENG", "33"}, {"DIY", "34"},     {"JATIM", "35"},
      {"NTB", "52"},    {"NTT", "53"},     {"KALBAR", "61"}, {"KALTENG", "62"}, {"KALSEL", "63"},
      {"KALTIM", "64"}, {"KALTARA", "65"}, {"SULUT", "71"},  {"SULTENG", "72"}, {"SULSEL", "73"},
      {"SULTRA", "74"}, {"SULBAR", "76"},  {"MALUT", "82"}};
  for (auto& [keyword, code] : abbreviations) {
    INFO(keyword);
    REQUIRE(dir.find_keyword(keyword) != nullptr);
    CHECK(dir.find_keyword(keyword)->code == code);
  }
}

TEST_CASE("directory: load errors name the file, the line and both institutions") {
  const std::string gen =
      "# comment\n"
      "36.03\tkabupaten\tKabupaten Tangerang\tKab. Tangerang\tKABTANGERANG\n"
      "36.71\tkota\tKota Tangerang\tKota Tangerang\tKOTATANGERANG\n";
  auto d = directory::load(gen, "gen.tsv", "TANGKAB\t36.03\n", "aliases.tsv");
  CHECK(d.find_keyword("TANGKAB")->code == "36.03");
  CHECK(d.is_shared_base("TANGERANG"));

  auto error_of = [&](const std::string& g, const std::string& a) -> std::string {
    try {
      (void)directory::load(g, "gen.tsv", a, "aliases.tsv");
    } catch (const directory_error& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error_of(gen, "TANGKAB\t36.71\nTANGKAB\t36.03\n") ==
        "aliases.tsv:2: keyword TANGKAB names both 36.71 (Kota Tangerang, aliases.tsv:1) and "
        "36.03 (Kabupaten Tangerang)");
  CHECK(error_of(gen, "KOTATANGERANG\t36.03\n") ==
        "aliases.tsv:1: keyword KOTATANGERANG names both 36.71 (Kota Tangerang, gen.tsv:3) and "
        "36.03 (Kabupaten Tangerang)");
  CHECK(error_of(gen, "TANGKAB\t99.99\n") ==
        "aliases.tsv:1: alias TANGKAB points to unknown institution code 99.99");
  CHECK(error_of(gen, "CEK\t36.03\n") == "aliases.tsv:1: keyword CEK is a command word");
  CHECK(error_of(gen, "tangkab!\t36.03\n") ==
        "aliases.tsv:1: keyword 'tangkab!' must be upper-case letters and digits");
  CHECK(error_of(gen, "TANGKAB 36.03\n").starts_with("aliases.tsv:1: expected `KEYWORD<TAB>code`"));
  CHECK(error_of(gen + "36.04\tkabupaten\tKabupaten Serang\tKab. Serang\t\n", "") ==
        "gen.tsv:4: institution 36.04 has no keyword");
  CHECK(error_of(gen + "36.04\tdesa\tDesa X\tDesa X\tDESAX\n", "") ==
        "gen.tsv:4: kind 'desa' is not one of provinsi, kabupaten, kota, lembaga");
  CHECK(error_of(gen + "36.03\tkabupaten\tKabupaten Y\tKab. Y\tKABY\n", "") ==
        "gen.tsv:4: institution code 36.03 appears twice");
  CHECK(error_of(gen,
                 "KEMENSOS\tlembaga\tKementerian Sosial\tKemensos\tKEMENSOS\nSOSIAL\tKEMENSOS\n") ==
        "no error");
  CHECK(error_of("36.03\tkabupaten\tKabupaten Tangerang\n", "")
            .starts_with("gen.tsv:1: expected 5 tab-separated fields"));
}

TEST_CASE("directory: a government line lost from the generated file stops the load") {
  std::string gen = read_file(source_path("config/directory/institutions.tsv"));
  std::size_t sleman = gen.find("34.04\tkabupaten");
  REQUIRE(sleman != std::string::npos);
  std::string lost = gen.substr(0, sleman) + gen.substr(gen.find('\n', sleman) + 1);
  try {
    (void)directory::load(lost, "institutions.tsv", "", "aliases.tsv");
    FAIL("loaded a directory with 551 governments");
  } catch (const directory_error& e) {
    CHECK(std::string(e.what()) ==
          "institutions.tsv:6: the file holds 551 governments, it was generated with 552 (a line "
          "removed or added by hand?)");
  }
}

TEST_CASE("directory: the generator refuses data that breaks the rule") {
  std::string provinces = "code,name\n36,Banten\n";
  CHECK_THROWS_WITH_AS(
      (void)generate_directory(provinces, "code,province_code,name\n36.03,36,Desa X\n"),
      "regencies.csv:2: name is neither Kabupaten nor Kota: Desa X", directory_error);
  CHECK_THROWS_WITH_AS((void)generate_directory(provinces, "code,province_code,name\n36.03,36\n"),
                       "regencies.csv:2: expected 3 columns, found 2", directory_error);
  // Two kabupaten of one name cannot both have KAB<base>.
  CHECK_THROWS_AS((void)generate_directory(provinces,
                                           "code,province_code,name\n36.03,36,Kabupaten Serang\n"
                                           "36.04,36,Kabupaten Serang\n"),
                  directory_error);
}

TEST_CASE("directory: one-edit neighbours") {
  const directory& dir = real_directory();
  auto near = dir.keywords_one_edit_from("SLEMN");
  REQUIRE(near.size() == 1);
  CHECK(near[0] == "SLEMAN");
  for (auto k : dir.keywords_one_edit_from("SLEMAN"))
    CHECK(k != "SLEMAN");
  CHECK(dir.keywords_one_edit_from("BANDUNG").size() == 1);  // BADUNG: refused by the parser
}
