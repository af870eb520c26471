#include "lapord/app/admin/ops_routes.hpp"

#include "lapord/app/ops/health.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"

namespace lapord::app {

using net::http::api_answer;
using net::http::api_reply;
using net::http::api_request;
using net::http::route_access;

void add_ops_routes(net::http::api_router& router, const daemon_hooks& hooks,
                    std::function<void()> before_scrape) {
  if (ops::lapord_metrics* metrics = hooks.metrics) {
    router.add(
        "GET", "/metrics", route_access::public_route,
        [metrics, before = std::move(before_scrape)](const api_request&, const api_reply& reply) {
          if (before) before();
          reply(
              {200, std::string(ops::registry::content_type), metrics->registry.write_text(), {}});
        });
  }
  if (ops::health_state* health = hooks.health) {
    router.add("GET", "/healthz", route_access::public_route,
               [health](const api_request&, const api_reply& reply) {
                 auto a = ops::liveness(health->facts());
                 reply({a.status, std::string(ops::health_content_type), std::move(a.body), {}});
               });
    router.add("GET", "/readyz", route_access::public_route,
               [health](const api_request&, const api_reply& reply) {
                 auto a = ops::readiness(health->facts());
                 reply({a.status, std::string(ops::health_content_type), std::move(a.body), {}});
               });
  }
}

}  // namespace lapord::app
