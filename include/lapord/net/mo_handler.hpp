#pragma once
// Where an MO goes: every deliver_sm or data_sm a carrier sends (citizens' messages, delivery
// receipts, USSD) is handed to one mo_handler with the carrier and bind it came on. The
// deliver_sm_resp / data_sm_resp is sent only when the handler calls the completion, so a
// handler can answer after its durable commit (the carrier redelivers what was never acked).
#include <chrono>
#include <functional>
#include <string>
#include <utility>

#include "lapord/smpp/command_status.hpp"
#include "lapord/smpp/pdu.hpp"

namespace lapord::net {

struct mo_message {
  std::string carrier;  // the [[carrier]] name
  std::string bind;     // "trx" (transceiver) or "rx" (the receiver of a pair)
  smpp::pdu pdu;        // a deliver_sm or data_sm body, with its header fields
  std::chrono::system_clock::time_point received_at;
};

// Answers one MO. Call exactly once, from any thread: the answer is posted back to the bind's
// own executor. ESME_ROK acknowledges; any other status makes the carrier keep the message and
// redeliver it later (use ESME_RX_T_APPN for "temporarily cannot take it").
// If it is destroyed without being called, the MO is answered ESME_RX_T_APPN, so an MO is never
// left hanging. If the bind dropped meanwhile, the answer is discarded: the carrier redelivers.
class mo_completion {
 public:
  mo_completion() = default;
  explicit mo_completion(std::function<void(smpp::command_status)> answer)
      : answer_(std::move(answer)) {}
  mo_completion(mo_completion&& other) noexcept : answer_(std::exchange(other.answer_, nullptr)) {}
  mo_completion& operator=(mo_completion&& other) noexcept {
    if (this != &other) {
      finish_unanswered();
      answer_ = std::exchange(other.answer_, nullptr);
    }
    return *this;
  }
  mo_completion(const mo_completion&) = delete;
  mo_completion& operator=(const mo_completion&) = delete;
  ~mo_completion() { finish_unanswered(); }

  void operator()(smpp::command_status status) {
    if (auto answer = std::exchange(answer_, nullptr)) answer(status);
  }
  [[nodiscard]] bool pending() const { return static_cast<bool>(answer_); }

 private:
  void finish_unanswered() noexcept {
    if (auto answer = std::exchange(answer_, nullptr)) {
      try {
        answer(smpp::command_status::esme_rx_t_appn);
      } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
      }
    }
  }
  std::function<void(smpp::command_status)> answer_;
};

class mo_handler {
 public:
  virtual ~mo_handler() = default;
  // Called on the bind's executor (lapord's network thread): do not block here; hand the work
  // to another thread and call `done` from there. The handler may keep `done` as long as it
  // needs; while the daemon drains at SIGTERM it waits (up to shutdown_timeout_s) for it.
  // By rvalue reference: a message (a PDU of eight strings) passes through a chain of
  // handlers, and by value each would move it once more.
  virtual void on_mo(mo_message&& message, mo_completion done) = 0;
};

}  // namespace lapord::net
