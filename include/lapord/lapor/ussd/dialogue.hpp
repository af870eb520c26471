#pragma once
// One citizen's USSD dialogue between two screens: where in the menu they are and what they
// chose so far. Kept small (a few dozen octets plus the typed text) because many thousands are
// open at once; nothing in it is stored anywhere, so a dialogue that is dropped (timeout,
// abort, restart) leaves nothing half-made behind.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace lapord::lapor::ussd {

// The dialogue clock: monotonic, so a wall-clock step never expires or revives dialogues.
using clock = std::chrono::steady_clock;
using instant = clock::time_point;

enum class stage : std::uint8_t {
  menu,             // the first screen: 1 Buat laporan, 2 Cek status laporan, 3 Bantuan
  keyword,          // "Kata kunci daerah ..., 0 = nasional"
  confirm_keyword,  // "Maksud Anda Kab. Tangerang? 1 Ya 2 Ulangi" (a corrected typo)
  text,             // "Tulis laporan Anda:"
  confirm,          // "Kirim ke Kab. Tangerang? 1 Kirim 2 Batal"
  filing,           // waiting for the daemon to file the complaint (engine::filed)
  ref,              // "Nomor tiket:"
  looking_up,       // waiting for the daemon's status lookup (engine::looked_up)
  ended,            // the last screen went out; nothing more is accepted
};

[[nodiscard]] std::string_view to_string(stage s);

struct dialogue {
  instant last_input{};           // the last time the citizen (or the dial) was heard
  std::string reporter;           // E.164 ("+6281234567890")
  std::string service_number;     // the number dialled, as the carrier gave it
  std::string input;              // the complaint text (from stage text on), or the ref typed
  std::int32_t institution = -1;  // index into the directory's institutions; -1 national desk
  std::uint16_t keyword = 0;      // which of that institution's keywords matched
  stage at = stage::menu;
  std::uint8_t wrong = 0;  // wrong answers on the current screen
  bool corrected = false;  // the keyword was a corrected typo
};

}  // namespace lapord::lapor::ussd
