#include "lapord/net/http/api_router.hpp"

#include <algorithm>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace lapord::net::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool param_value_ok(std::string_view v) {
  if (v.empty() || v.size() > 128) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '-';
  });
}

}  // namespace

api_answer error_answer(unsigned status, std::string_view code, std::string_view message) {
  api_answer a;
  a.status = status;
  a.body = boost::json::serialize(boost::json::object{{"error", code}, {"message", message}});
  return a;
}

void api_router::add(std::string method, std::string pattern, route_access access,
                     api_handler handler) {
  route r;
  r.method = std::move(method);
  for (const auto seg : split_path(pattern))
    r.segments.emplace_back(seg);
  r.access = access;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

void api_router::handle(api_request request, const api_reply& reply) const {
  const auto segments = split_path(request.path);
  std::string allowed;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      if (is_param(r.segments[i])) {
        match = param_value_ok(segments[i]);
        if (match) {
          params[r.segments[i].substr(1, r.segments[i].size() - 2)] = std::string(segments[i]);
        }
      } else {
        match = r.segments[i] == segments[i];
      }
    }
    if (!match) continue;
    if (r.method != request.method) {
      if (allowed.find(r.method) == std::string::npos) {
        allowed += allowed.empty() ? r.method : ", " + r.method;
      }
      continue;
    }
    if (r.access == route_access::token_required && !token_.configured()) {
      // Nothing could ever pass: say so, rather than ask for a token no one can have.
      reply(error_answer(403, "forbidden", "no admin token configured"));
      return;
    }
    if (r.access == route_access::token_required && !token_.accepts(request.authorization)) {
      auto a = error_answer(401, "unauthorized", "missing or wrong bearer token");
      a.headers.emplace_back("WWW-Authenticate", "Bearer");
      reply(std::move(a));
      return;
    }
    request.params = std::move(params);
    r.handler(std::move(request), reply);
    return;
  }
  if (!allowed.empty()) {
    auto a = error_answer(405, "method_not_allowed",
                          "this path does not take " + request.method.substr(0, 16));
    a.headers.emplace_back("Allow", allowed);
    reply(std::move(a));
    return;
  }
  reply(error_answer(404, "not_found", "no such path"));
}

}  // namespace lapord::net::http
