#pragma once
// The national store's callback API on the gateway (shared/spec/store-api.md):
//   POST /v1/complaints/{ref}/events  -> 201 applied, 200 duplicate, 400, 401, 404, 503
//   GET  /v1/complaints/{ref}         -> 200 the complaint's view, 401, 404, 503
// Both need the bearer token. Pure: the answers are built from what complaint_events reports.
#include "lapord/net/http/api_router.hpp"
#include "lapord/net/http/complaint_events.hpp"

namespace lapord::net::http {

// Adds both routes to `router`. `events` must outlive the router.
void add_complaint_routes(api_router& router, complaint_events& events);

// The JSON a GET answers with (exposed for tests and laporctl).
[[nodiscard]] std::string complaint_view_json(const complaint_view& view);

}  // namespace lapord::net::http
