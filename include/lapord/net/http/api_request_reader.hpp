#pragma once
// The step between Beast's parser and the router: a parsed HTTP request as the router's
// api_request (target split at '?', the two headers the routes read, the body). Shared by
// api_server and the fuzz target fuzz_http_request, so the fuzzer runs the server's own code.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "lapord/net/http/api_router.hpp"

namespace lapord::net::http {

using beast_request = boost::beast::http::request<boost::beast::http::string_body>;

// Moves the body out of `req`.
[[nodiscard]] api_request to_api_request(beast_request& req);

}  // namespace lapord::net::http
