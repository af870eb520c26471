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

struct status_row {
  command_status status;
  std::string_view name;
  std::string_view description;
};

using cs = command_status;

// Names and descriptions from SMPP 3.4 table 5-2.
constexpr status_row status_table[] = {
    {cs::esme_rok, "ESME_ROK", "no error"},
    {cs::esme_rinvmsglen, "ESME_RINVMSGLEN", "message length is invalid"},
    {cs::esme_rinvcmdlen, "ESME_RINVCMDLEN", "command length is invalid"},
    {cs::esme_rinvcmdid, "ESME_RINVCMDID", "invalid command ID"},
    {cs::esme_rinvbndsts, "ESME_RINVBNDSTS", "incorrect bind status for given command"},
    {cs::esme_ralybnd, "ESME_RALYBND", "ESME already in bound state"},
    {cs::esme_rinvprtflg, "ESME_RINVPRTFLG", "invalid priority flag"},
    {cs::esme_rinvregdlvflg, "ESME_RINVREGDLVFLG", "invalid registered delivery flag"},
    {cs::esme_rsyserr, "ESME_RSYSERR", "system error"},
    {cs::esme_rinvsrcadr, "ESME_RINVSRCADR", "invalid source address"},
    {cs::esme_rinvdstadr, "ESME_RINVDSTADR", "invalid destination address"},
    {cs::esme_rinvmsgid, "ESME_RINVMSGID", "message ID is invalid"},
    {cs::esme_rbindfail, "ESME_RBINDFAIL", "bind failed"},
    {cs::esme_rinvpaswd, "ESME_RINVPASWD", "invalid password"},
    {cs::esme_rinvsysid, "ESME_RINVSYSID", "invalid system ID"},
    {cs::esme_rcancelfail, "ESME_RCANCELFAIL", "cancel SM failed"},
    {cs::esme_rreplacefail, "ESME_RREPLACEFAIL", "replace SM failed"},
    {cs::esme_rmsgqful, "ESME_RMSGQFUL", "message queue full"},
    {cs::esme_rinvsertyp, "ESME_RINVSERTYP", "invalid service type"},
    {cs::esme_rinvnumdests, "ESME_RINVNUMDESTS", "invalid number of destinations"},
    {cs::esme_rinvdlname, "ESME_RINVDLNAME", "invalid distribution list name"},
    {cs::esme_rinvdestflag, "ESME_RINVDESTFLAG", "destination flag is invalid (submit_multi)"},
    {cs::esme_rinvsubrep, "ESME_RINVSUBREP", "invalid 'submit with replace' request"},
    {cs::esme_rinvesmclass, "ESME_RINVESMCLASS", "invalid esm_class field data"},
    {cs::esme_rcntsubdl, "ESME_RCNTSUBDL", "cannot submit to distribution list"},
    {cs::esme_rsubmitfail, "ESME_RSUBMITFAIL", "submit_sm or submit_multi failed"},
    {cs::esme_rinvsrcton, "ESME_RINVSRCTON", "invalid source address TON"},
    {cs::esme_rinvsrcnpi, "ESME_RINVSRCNPI", "invalid source address NPI"},
    {cs::esme_rinvdstton, "ESME_RINVDSTTON", "invalid destination address TON"},
    {cs::esme_rinvdstnpi, "ESME_RINVDSTNPI", "invalid destination address NPI"},
    {cs::esme_rinvsystyp, "ESME_RINVSYSTYP", "invalid system_type field"},
    {cs::esme_rinvrepflag, "ESME_RINVREPFLAG", "invalid replace_if_present flag"},
    {cs::esme_rinvnummsgs, "ESME_RINVNUMMSGS", "invalid number of messages"},
    {cs::esme_rthrottled, "ESME_RTHROTTLED",
     "throttling error (ESME has exceeded allowed message limits)"},
    {cs::esme_rinvsched, "ESME_RINVSCHED", "invalid scheduled delivery time"},
    {cs::esme_rinvexpiry, "ESME_RINVEXPIRY", "invalid message validity period (expiry time)"},
    {cs::esme_rinvdftmsgid, "ESME_RINVDFTMSGID", "predefined message invalid or not found"},
    {cs::esme_rx_t_appn, "ESME_RX_T_APPN", "ESME receiver temporary app error code"},
    {cs::esme_rx_p_appn, "ESME_RX_P_APPN", "ESME receiver permanent app error code"},
    {cs::esme_rx_r_appn, "ESME_RX_R_APPN", "ESME receiver reject message error code"},
    {cs::esme_rqueryfail, "ESME_RQUERYFAIL", "query_sm request failed"},
    {cs::esme_rinvoptparstream, "ESME_RINVOPTPARSTREAM",
     "error in the optional part of the PDU body"},
    {cs::esme_roptparnotallwd, "ESME_ROPTPARNOTALLWD", "optional parameter not allowed"},
    {cs::esme_rinvparlen, "ESME_RINVPARLEN", "invalid parameter length"},
    {cs::esme_rmissingoptparam, "ESME_RMISSINGOPTPARAM", "expected optional parameter missing"},
    {cs::esme_rinvoptparamval, "ESME_RINVOPTPARAMVAL", "invalid optional parameter value"},
    {cs::esme_rdeliveryfailure, "ESME_RDELIVERYFAILURE", "delivery failure (data_sm_resp)"},
    {cs::esme_runknownerr, "ESME_RUNKNOWNERR", "unknown error"},
};

std::optional<status_text> lookup(command_status s) {
  for (const auto& row : status_table) {
    if (row.status == s) return status_text{row.name, row.description};
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
