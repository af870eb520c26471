#include "lapord/net/http/bearer_token.hpp"

#include <cstdlib>
#include <stdexcept>

#include "net/http/sha256.hpp"

namespace lapord::net::http {
namespace {

// Every byte looked at whatever differs (OpenSSL's CRYPTO_memcmp in C): no early exit.
bool same_digest(const std::array<unsigned char, 32>& a, const std::array<unsigned char, 32>& b) {
  unsigned char differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const volatile unsigned char x = a[i] ^ b[i];
    differ = static_cast<unsigned char>(differ | x);
  }
  return differ == 0;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bearer_token::bearer_token(std::string_view token)
    : digest_(sha256(token)), configured_(!token.empty()) {}

bool bearer_token::accepts(std::string_view authorization) const {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() < scheme.size() ||
      !iequals(authorization.substr(0, scheme.size()), scheme)) {
    return false;
  }
  auto presented = authorization.substr(scheme.size());
  while (!presented.empty() && presented.front() == ' ')
    presented.remove_prefix(1);
  while (!presented.empty() && (presented.back() == ' ' || presented.back() == '\t')) {
    presented.remove_suffix(1);
  }
  // Digests of equal length whatever was presented, compared without an early exit.
  const auto d = sha256(presented);
  const bool same = same_digest(d, digest_);
  return same && configured_ && !presented.empty();
}

std::string resolve_secret(std::string_view value, std::string_view env_name) {
  if (!value.empty()) return std::string(value);
  if (env_name.empty()) return {};
  const char* v = std::getenv(std::string(env_name).c_str());
  if (v == nullptr || *v == '\0') {
    throw std::invalid_argument("environment variable " + std::string(env_name) +
                                " (named by token_env) is not set");
  }
  return v;
}

}  // namespace lapord::net::http
