#pragma once
// laporctl top: a live view of the running daemon (top_view.hpp holds its computing).
#include "app/laporctl/admin_client.hpp"

namespace lapord::app::laporctl {

struct top_options {
  int interval_ms = 1000;  // between refreshes (at least 200)
  bool once = false;       // two scrapes, one plain frame (no ANSI), then exit
};

// Runs until `q`, Ctrl-C or SIGTERM (or one frame with `once`). Exit 0; with `once`, 3 when
// /metrics could not be read. An unreachable daemon is shown on the screen, not an exit.
int run_top(const admin_endpoint& endpoint, const top_options& options);

}  // namespace lapord::app::laporctl
