#pragma once
// The shared secret the national store presents on callbacks (`Authorization: Bearer ...`),
// checked in constant time. Pure (SHA-256 digests compared without an early exit, so neither
// the content nor the length of the token leaks through timing).
#include <array>
#include <string>
#include <string_view>

namespace lapord::net::http {

class bearer_token {
 public:
  // An empty token accepts nothing: a gateway configured without one refuses every callback.
  explicit bearer_token(std::string_view token);

  // `authorization` is the whole header value: "Bearer <token>" (scheme case-insensitive).
  [[nodiscard]] bool accepts(std::string_view authorization) const;
  // Whether a (non-empty) token was given.
  [[nodiscard]] bool configured() const { return configured_; }

 private:
  std::array<unsigned char, 32> digest_{};
  bool configured_ = false;
};

// A secret from the configuration: `value` itself, or else the environment variable named
// `env_name` (so tokens stay out of config files). Throws std::invalid_argument naming the
// variable when `env_name` is given but unset or empty. Returns "" when both are empty.
[[nodiscard]] std::string resolve_secret(std::string_view value, std::string_view env_name);

}  // namespace lapord::net::http
