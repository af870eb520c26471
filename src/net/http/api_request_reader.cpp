#include "lapord/net/http/api_request_reader.hpp"

#include <string>
#include <string_view>

namespace lapord::net::http {

namespace bhttp = boost::beast::http;

api_request to_api_request(beast_request& req) {
  api_request r;
  r.method = std::string(req.method_string());
  const std::string_view target(req.target().data(), req.target().size());
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  if (auto it = req.find(bhttp::field::authorization); it != req.end()) {
    r.authorization = std::string(it->value());
  }
  if (auto it = req.find(bhttp::field::content_type); it != req.end()) {
    r.content_type = std::string(it->value());
  }
  r.body = std::move(req.body());
  return r;
}

}  // namespace lapord::net::http
