#pragma once
// The gateway's small HTTP API as plain data: requests in, answers out, routes by method and
// path pattern. Pure, so every route is tested without a socket; the Beast shell (api_server)
// only moves bytes. Later routes (/metrics, /healthz, /readyz, the admin API) are added the
// same way, with or without the bearer token.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lapord/net/http/bearer_token.hpp"

namespace lapord::net::http {

struct api_request {
  std::string method;         // "GET", "POST", ...
  std::string path;           // the target without its query, still percent-encoded
  std::string query;          // after '?', without it
  std::string authorization;  // the header value, "" when absent
  std::string content_type;   // the header value, "" when absent
  std::string body;
  std::map<std::string, std::string, std::less<>> params;  // {name} segments, set by the router
};

struct api_answer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Retry-After
};

// Call exactly once, from any thread.
using api_reply = std::function<void(api_answer)>;
using api_handler = std::function<void(api_request, api_reply)>;

// {"error": code, "message": message} with that status.
[[nodiscard]] api_answer error_answer(unsigned status, std::string_view code,
                                      std::string_view message);

enum class route_access { public_route, token_required };

class api_router {
 public:
  explicit api_router(bearer_token token) : token_(std::move(token)) {}

  // `pattern` is a path such as "/v1/complaints/{ref}/events": a {name} segment matches one
  // non-empty segment of [A-Za-z0-9._~-] (nothing percent-encoded) and lands in params[name].
  void add(std::string method, std::string pattern, route_access access, api_handler handler);

  // Finds the route and calls it; otherwise answers 404 (no such path), 405 (path exists, not
  // with this method; with an Allow header) or 401 (a token route without the right token; with
  // WWW-Authenticate: Bearer). HEAD is not special: routes name their methods.
  void handle(api_request request, const api_reply& reply) const;

 private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    route_access access;
    api_handler handler;
  };
  bearer_token token_;
  std::vector<route> routes_;
};

}  // namespace lapord::net::http
