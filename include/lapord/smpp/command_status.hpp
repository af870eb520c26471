#pragma once
// SMPP 3.4 command_status values (specification section 5.1.3) as a std::error_category, so a
// status travels as a std::error_code. Any 32-bit value is accepted: carriers use vendor codes
// (0x400-0x4FF) and others; those get a generic readable name.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace lapord::smpp {

enum class command_status : std::uint32_t {
  esme_rok = 0x00000000,
  esme_rinvmsglen = 0x00000001,
  esme_rinvcmdlen = 0x00000002,
  esme_rinvcmdid = 0x00000003,
  esme_rinvbndsts = 0x00000004,
  esme_ralybnd = 0x00000005,
  esme_rinvprtflg = 0x00000006,
  esme_rinvregdlvflg = 0x00000007,
  esme_rsyserr = 0x00000008,
  esme_rinvsrcadr = 0x0000000A,
  esme_rinvdstadr = 0x0000000B,
  esme_rinvmsgid = 0x0000000C,
  esme_rbindfail = 0x0000000D,
  esme_rinvpaswd = 0x0000000E,
  esme_rinvsysid = 0x0000000F,
  esme_rcancelfail = 0x00000011,
  esme_rreplacefail = 0x00000013,
  esme_rmsgqful = 0x00000014,
  esme_rinvsertyp = 0x00000015,
  esme_rinvnumdests = 0x00000033,
  esme_rinvdlname = 0x00000034,
  esme_rinvdestflag = 0x00000040,
  esme_rinvsubrep = 0x00000042,
  esme_rinvesmclass = 0x00000043,
  esme_rcntsubdl = 0x00000044,
  esme_rsubmitfail = 0x00000045,
  esme_rinvsrcton = 0x00000048,
  esme_rinvsrcnpi = 0x00000049,
  esme_rinvdstton = 0x00000050,
  esme_rinvdstnpi = 0x00000051,
  esme_rinvsystyp = 0x00000053,
  esme_rinvrepflag = 0x00000054,
  esme_rinvnummsgs = 0x00000055,
  esme_rthrottled = 0x00000058,
  esme_rinvsched = 0x00000061,
  esme_rinvexpiry = 0x00000062,
  esme_rinvdftmsgid = 0x00000063,
  esme_rx_t_appn = 0x00000064,
  esme_rx_p_appn = 0x00000065,
  esme_rx_r_appn = 0x00000066,
  esme_rqueryfail = 0x00000067,
  esme_rinvoptparstream = 0x000000C0,
  esme_roptparnotallwd = 0x000000C1,
  esme_rinvparlen = 0x000000C2,
  esme_rmissingoptparam = 0x000000C3,
  esme_rinvoptparamval = 0x000000C4,
  esme_rdeliveryfailure = 0x000000FE,
  esme_runknownerr = 0x000000FF,
};

const std::error_category& command_status_category() noexcept;

inline std::error_code make_error_code(command_status s) noexcept {
  return {static_cast<int>(static_cast<std::uint32_t>(s)), command_status_category()};
}

// "ESME_RINVPASWD" for a defined code, "vendor status" for 0x400-0x4FF, else "reserved status".
std::string_view name(command_status s);
// "ESME_RINVPASWD (invalid password)", "vendor status 0x00000401": the category's message().
std::string describe(command_status s);

// True for the two statuses that ask the sender to slow down (ESME_RTHROTTLED, ESME_RMSGQFUL).
constexpr bool asks_back_off(command_status s) {
  return s == command_status::esme_rthrottled || s == command_status::esme_rmsgqful;
}

}  // namespace lapord::smpp

template <>
struct std::is_error_code_enum<lapord::smpp::command_status> : std::true_type {};
