#include "lapord/smpp/command_status.hpp"

#include <cstdio>
#include <optional>
#include <string>

namespace lapord::smpp {
namespace {

struct status_text {
  std::string_view name;
  std::string_view description;
};

// Names and descriptions from SMPP 3.4 table 5-2.
std::optional<status_text> lookup(command_status s) {
  using cs = command_status;
  switch (s) {
    case cs::esme_rok:
      return status_text{"ESME_ROK", "no error"};
    case cs::esme_rinvmsglen:
      return status_text{"ESME_RINVMSGLEN", "message length is invalid"};
    case cs::esme_rinvcmdlen:
      return status_text{"ESME_RINVCMDLEN", "command length is invalid"};
    case cs::esme_rinvcmdid:
      return status_text{"ESME_RINVCMDID", "invalid command ID"};
    case cs::esme_rinvbndsts:
      return status_text{"ESME_RINVBNDSTS", "incorrect bind status for given command"};
    case cs::esme_ralybnd:
      return status_text{"ESME_RALYBND", "ESME already in bound state"};
    case cs::esme_rinvprtflg:
      return status_text{"ESME_RINVPRTFLG", "invalid priority flag"};
    case cs::esme_rinvregdlvflg:
      return status_text{"ESME_RINVREGDLVFLG", "invalid registered delivery flag"};
    case cs::esme_rsyserr:
      return status_text{"ESME_RSYSERR", "system error"};
    case cs::esme_rinvsrcadr:
      return status_text{"ESME_RINVSRCADR", "invalid source address"};
    case cs::esme_rinvdstadr:
      return status_text{"ESME_RINVDSTADR", "invalid destination address"};
    case cs::esme_rinvmsgid:
      return status_text{"ESME_RINVMSGID", "message ID is invalid"};
    case cs::esme_rbindfail:
      return status_text{"ESME_RBINDFAIL", "bind failed"};
    case cs::esme_rinvpaswd:
      return status_text{"ESME_RINVPASWD", "invalid password"};
    case cs::esme_rinvsysid:
      return status_text{"ESME_RINVSYSID", "invalid system ID"};
    case cs::esme_rcancelfail:
      return status_text{"ESME_RCANCELFAIL", "cancel SM failed"};
    case cs::esme_rreplacefail:
      return status_text{"ESME_RREPLACEFAIL", "replace SM failed"};
    case cs::esme_rmsgqful:
      return status_text{"ESME_RMSGQFUL", "message queue full"};
    case cs::esme_rinvsertyp:
      return status_text{"ESME_RINVSERTYP", "invalid service type"};
    case cs::esme_rinvnumdests:
      return status_text{"ESME_RINVNUMDESTS", "invalid number of destinations"};
    case cs::esme_rinvdlname:
      return status_text{"ESME_RINVDLNAME", "invalid distribution list name"};
    case cs::esme_rinvdestflag:
      return status_text{"ESME_RINVDESTFLAG", "destination flag is invalid (submit_multi)"};
    case cs::esme_rinvsubrep:
      return status_text{"ESME_RINVSUBREP", "invalid 'submit with replace' request"};
    case cs::esme_rinvesmclass:
      return status_text{"ESME_RINVESMCLASS", "invalid esm_class field data"};
    case cs::esme_rcntsubdl:
      return status_text{"ESME_RCNTSUBDL", "cannot submit to distribution list"};
    case cs::esme_rsubmitfail:
      return status_text{"ESME_RSUBMITFAIL", "submit_sm or submit_multi failed"};
    case cs::esme_rinvsrcton:
      return status_text{"ESME_RINVSRCTON", "invalid source address TON"};
    case cs::esme_rinvsrcnpi:
      return status_text{"ESME_RINVSRCNPI", "invalid source address NPI"};
    case cs::esme_rinvdstton:
      return status_text{"ESME_RINVDSTTON", "invalid destination address TON"};
    case cs::esme_rinvdstnpi:
      return status_text{"ESME_RINVDSTNPI", "invalid destination address NPI"};
    case cs::esme_rinvsystyp:
      return status_text{"ESME_RINVSYSTYP", "invalid system_type field"};
    case cs::esme_rinvrepflag:
      return status_text{"ESME_RINVREPFLAG", "invalid replace_if_present flag"};
    case cs::esme_rinvnummsgs:
      return status_text{"ESME_RINVNUMMSGS", "invalid number of messages"};
    case cs::esme_rthrottled:
      return status_text{"ESME_RTHROTTLED",
                         "throttling error (ESME has exceeded allowed message limits)"};
    case cs::esme_rinvsched:
      return status_text{"ESME_RINVSCHED", "invalid scheduled delivery time"};
    case cs::esme_rinvexpiry:
      return status_text{"ESME_RINVEXPIRY", "invalid message validity period (expiry time)"};
    case cs::esme_rinvdftmsgid:
      return status_text{"ESME_RINVDFTMSGID", "predefined message invalid or not found"};
    case cs::esme_rx_t_appn:
      return status_text{"ESME_RX_T_APPN", "ESME receiver temporary app error code"};
    case cs::esme_rx_p_appn:
      return status_text{"ESME_RX_P_APPN", "ESME receiver permanent app error code"};
    case cs::esme_rx_r_appn:
      return status_text{"ESME_RX_R_APPN", "ESME receiver reject message error code"};
    case cs::esme_rqueryfail:
      return status_text{"ESME_RQUERYFAIL", "query_sm request failed"};
    case cs::esme_rinvoptparstream:
      return status_text{"ESME_RINVOPTPARSTREAM", "error in the optional part of the PDU body"};
    case cs::esme_roptparnotallwd:
      return status_text{"ESME_ROPTPARNOTALLWD", "optional parameter not allowed"};
    case cs::esme_rinvparlen:
      return status_text{"ESME_RINVPARLEN", "invalid parameter length"};
    case cs::esme_rmissingoptparam:
      return status_text{"ESME_RMISSINGOPTPARAM", "expected optional parameter missing"};
    case cs::esme_rinvoptparamval:
      return status_text{"ESME_RINVOPTPARAMVAL", "invalid optional parameter value"};
    case cs::esme_rdeliveryfailure:
      return status_text{"ESME_RDELIVERYFAILURE", "delivery failure (data_sm_resp)"};
    case cs::esme_runknownerr:
      return status_text{"ESME_RUNKNOWNERR", "unknown error"};
  }
  return std::nullopt;
}

bool is_vendor(command_status s) {
  const auto v = static_cast<std::uint32_t>(s);
  return v >= 0x400 && v <= 0x4FF;
}

std::string hex(command_status s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(s));
  return buf;
}

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "smpp.command_status"; }
  std::string message(int value) const override {
    return describe(static_cast<command_status>(static_cast<std::uint32_t>(value)));
  }
};

}  // namespace

const std::error_category& command_status_category() noexcept {
  static const category instance;
  return instance;
}

std::string_view name(command_status s) {
  if (auto t = lookup(s)) return t->name;
  return is_vendor(s) ? "vendor status" : "reserved status";
}

std::string describe(command_status s) {
  if (auto t = lookup(s)) return std::string(t->name) + " (" + std::string(t->description) + ")";
  return std::string(name(s)) + " " + hex(s);
}

}  // namespace lapord::smpp
