#pragma once
// Where an MO goes: every deliver_sm or data_sm a carrier sends (citizens' messages, delivery
// receipts, USSD) is handed to one mo_handler with the carrier and bind it came on. The
// deliver_sm_resp / data_sm_resp is sent only when the handler calls the completion, so a
// handler can answer after its durable commit (the carrier redelivers what was never acked).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
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
// The answer is kept in the completion itself (up to `inline_size` bytes), not in a
// std::function: the bind's (a shared_ptr, the epoch, the sequence) does not fit
// std::function's 16 bytes, and each MO's was one allocation on the network thread freed on
// another thread. A larger answer is allocated.
class mo_completion {
 public:
  static constexpr std::size_t inline_size = 48;

  mo_completion() = default;
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, mo_completion> &&
           std::is_invocable_v<std::remove_cvref_t<F>&,
                               smpp::command_status>) explicit mo_completion(F&& answer) {
    using T = std::remove_cvref_t<F>;
    if constexpr (stored_inline<T>) {
      ::new (static_cast<void*>(storage_)) T(std::forward<F>(answer));
      ops_ = &inline_ops<T>;
    } else {
      ::new (static_cast<void*>(storage_)) T*(new T(std::forward<F>(answer)));
      ops_ = &allocated_ops<T>;
    }
  }
  mo_completion(mo_completion&& other) noexcept { take(other); }
  mo_completion& operator=(mo_completion&& other) noexcept {
    if (this != &other) {
      finish_unanswered();
      take(other);
    }
    return *this;
  }
  mo_completion(const mo_completion&) = delete;
  mo_completion& operator=(const mo_completion&) = delete;
  ~mo_completion() { finish_unanswered(); }

  void operator()(smpp::command_status status) {
    // Empty before the call, as a second call (from within the answer, too) must do nothing.
    if (const ops* o = std::exchange(ops_, nullptr)) o->call_once(storage_, status);
  }
  [[nodiscard]] bool pending() const { return ops_ != nullptr; }

 private:
  struct ops {
    // Moves the answer out of `storage`, which is left empty, then calls it.
    void (*call_once)(void* storage, smpp::command_status status);
    void (*relocate)(void* to, void* from) noexcept;  // `from` left empty
  };
  template <class T>
  static constexpr bool stored_inline =
      sizeof(T) <= inline_size &&
      alignof(T) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<T>;
  template <class T>
  static constexpr ops inline_ops{[](void* storage, smpp::command_status status) {
                                    T* held = std::launder(static_cast<T*>(storage));
                                    T answer(std::move(*held));
                                    held->~T();
                                    answer(status);
                                  },
                                  [](void* to, void* from) noexcept {
                                    T* held = std::launder(static_cast<T*>(from));
                                    ::new (to) T(std::move(*held));
                                    held->~T();
                                  }};
  template <class T>
  static constexpr ops allocated_ops{
      [](void* storage, smpp::command_status status) {
        const std::unique_ptr<T> answer(*std::launder(static_cast<T**>(storage)));
        (*answer)(status);
      },
      [](void* to, void* from) noexcept { ::new (to) T*(*std::launder(static_cast<T**>(from))); }};

  void take(mo_completion& other) noexcept {
    if (const ops* o = std::exchange(other.ops_, nullptr)) {
      o->relocate(storage_, other.storage_);
      ops_ = o;
    }
  }
  void finish_unanswered() noexcept {
    try {
      (*this)(smpp::command_status::esme_rx_t_appn);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  }

  alignas(std::max_align_t) unsigned char storage_[inline_size];
  const ops* ops_ = nullptr;
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
