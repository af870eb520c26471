#pragma once
// The operator's public routes on the admin listener: GET /metrics (Prometheus text),
// /healthz (live) and /readyz (ready), no token (docs/operations.md).
#include <functional>

#include "lapord/app/wiring/daemon_hooks.hpp"
#include "lapord/net/http/api_router.hpp"

namespace lapord::app {

// Adds /metrics when hooks.metrics is set and /healthz, /readyz when hooks.health is set.
// `before_scrape` (may be empty) runs on the HTTP thread before each /metrics answer, to copy
// totals kept elsewhere (the forwarder's) into their series. The hooks' objects and whatever
// `before_scrape` uses must outlive the router's server.
void add_ops_routes(net::http::api_router& router, const daemon_hooks& hooks,
                    std::function<void()> before_scrape = {});

}  // namespace lapord::app
