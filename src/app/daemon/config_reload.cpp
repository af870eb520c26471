#include "app/daemon/config_reload.hpp"

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "lapord/net/log_flood.hpp"

namespace lapord::app {
namespace {

const net::carrier_settings* find(const std::vector<net::carrier_settings>& list,
                                  const std::string& name) {
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& c) { return c.name == name; });
  return it == list.end() ? nullptr : &*it;
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += separator;
    out += i;
  }
  return out;
}

}  // namespace

std::vector<std::string> changes_needing_restart(const daemon_config& running,
                                                 const daemon_config& fresh,
                                                 std::span<const std::string_view> reloaded) {
  std::vector<std::string> out;
  if (!(running.daemon == fresh.daemon)) out.emplace_back("[daemon]");
  if (running.log.format != fresh.log.format) out.emplace_back("log.format");
  if (running.log.file != fresh.log.file) out.emplace_back("log.file");
  if (running.log.access != fresh.log.access) out.emplace_back("log.access");
  for (auto table : delegated_tables) {
    if (std::find(reloaded.begin(), reloaded.end(), table) != reloaded.end()) continue;
    const auto* a = running.document.get(table);
    const auto* b = fresh.document.get(table);
    const bool same =
        (a == nullptr && b == nullptr) || (a != nullptr && b != nullptr && a->is_table() &&
                                           b->is_table() && *a->as_table() == *b->as_table());
    if (!same) out.push_back(fmt::format("[{}]", table));
  }
  return out;
}

std::vector<std::string> describe_carrier_changes(const std::vector<net::carrier_settings>& running,
                                                  const std::vector<net::carrier_settings>& fresh,
                                                  const net::carrier_diff& applied) {
  std::vector<std::string> out;
  for (const auto& name : applied.removed) {
    out.push_back(fmt::format("[[carrier]] \"{}\" removed: draining, then unbinding", name));
  }
  for (const auto& name : applied.changed) {
    const auto* a = find(running, name);
    const auto* b = find(fresh, name);
    const auto keys =
        a != nullptr && b != nullptr ? net::changed_keys(*a, *b) : std::vector<std::string>{};
    out.push_back(fmt::format(
        "[[carrier]] \"{}\" changed ({}): draining, then binding again with the new settings", name,
        join(keys)));
  }
  for (const auto& name : applied.added) {
    const auto* c = find(fresh, name);
    if (c == nullptr) continue;
    out.push_back(fmt::format("[[carrier]] \"{}\" added: binding to {}:{} as {}{}", name, c->host,
                              c->port, net::bind_name(*c), c->tls.enabled ? " over TLS" : ""));
  }
  return out;
}

std::string summarize(const reload_outcome& o) {
  std::vector<std::string> parts;
  parts.emplace_back(o.logs_reopened ? "logs reopened" : "logs NOT reopened");
  if (!o.read) {
    parts.push_back(fmt::format("configuration not re-read ({}), running on as before", o.error));
    return join(parts, "; ");
  }
  parts.push_back(o.applied.empty() ? std::string("nothing changed")
                                    : "applied: " + join(o.applied));
  if (!o.need_restart.empty()) parts.push_back("needs a restart: " + join(o.need_restart));
  return join(parts, "; ");
}

struct config_reloader::loaded {
  daemon_config fresh;
  reload_plan plan;
  std::optional<std::string> error;
};

config_reloader::config_reloader(std::string path, config_reader read, network_post post,
                                 daemon_config& running, log_output& logs,
                                 net::carrier_links& links, reloadable* handler)
    : path_(std::move(path)),
      read_(std::move(read)),
      post_(std::move(post)),
      running_(running),
      logs_(logs),
      links_(links),
      handler_(handler) {}

config_reloader::~config_reloader() {
  if (loader_.joinable()) loader_.join();
}

void config_reloader::reload(std::string why, done_callback done) {
  queue_.push_back(request{std::move(why), std::move(done)});
  if (!busy_) next();
}

void config_reloader::next() {
  if (queue_.empty()) return;
  busy_ = true;
  request r = std::move(queue_.front());
  queue_.pop_front();
  reload_outcome out;
  auto log = logs_.logger("lapord");
  out.logs_reopened = logs_.reopen();
  if (out.logs_reopened) {
    log->info("{}: logs reopened", r.why);
  } else {
    log->warn(
        "{}: logs NOT reopened (the file cannot be opened again): still writing to the old one",
        r.why);
  }
  // The previous loader posted its result before it ended: this join does not wait long.
  if (loader_.joinable()) loader_.join();
  loader_ = std::thread([this, r = std::move(r), out]() mutable {
    auto l = std::make_shared<loaded>();
    try {
      l->fresh = read_(path_);
      // Only this thread and the network thread's apply() (which runs after it) touch the
      // handler's reload state: one reload at a time.
      if (handler_ != nullptr) l->plan = handler_->prepare_reload(l->fresh.document, path_);
    } catch (const std::exception& e) {
      l->error = e.what();
    }
    post_([this, r = std::move(r), out = std::move(out), l]() mutable {
      apply(r, std::move(out), *l);
      busy_ = false;
      next();
    });
  });
}

void config_reloader::apply(const request& r, reload_outcome out, loaded& l) {
  auto log = logs_.logger("lapord");
  const auto& why = r.why;
  const auto refuse = [&](const std::string& error) {
    out.error = error;
    log->error("{}: configuration not re-read ({}), running on as before", why, out.error);
    if (r.done) r.done(out);
  };
  if (l.error) return refuse(*l.error);
  daemon_config& fresh = l.fresh;
  reload_plan& plan = l.plan;
  net::carrier_diff carriers;
  try {
    // The last step that may fail (a TLS file): it throws before changing anything.
    carriers = links_.apply(fresh.carriers, running_.daemon.shutdown_timeout);
  } catch (const std::exception& e) {
    return refuse(e.what());
  }
  out.read = true;

  // From here on nothing fails: the reload is all or nothing.
  out.applied = describe_carrier_changes(running_.carriers, fresh.carriers, carriers);
  running_.carriers = fresh.carriers;
  if (plan.commit) plan.commit();
  out.applied.insert(out.applied.end(), plan.applied.begin(), plan.applied.end());
  if (fresh.log.level != running_.log.level) {
    logs_.set_level(fresh.log.level);
    running_.log.level = fresh.log.level;
    out.applied.push_back(fmt::format("log level is now {}", fresh.log.level));
  }
  if (fresh.log.repeat_lines != running_.log.repeat_lines ||
      fresh.log.repeat_window != running_.log.repeat_window) {
    net::log_flood::shared().configure(repeat_settings(fresh.log));
    running_.log.repeat_lines = fresh.log.repeat_lines;
    running_.log.repeat_window = fresh.log.repeat_window;
    out.applied.push_back(fmt::format("repeated lines: {} per {} s", fresh.log.repeat_lines,
                                      fresh.log.repeat_window.count() / 1000.0));
  }
  // The pipeline reloads these itself (and says what needs a restart).
  static constexpr std::string_view service_table[] = {"service", "ussd"};
  out.need_restart =
      changes_needing_restart(running_, fresh,
                              handler_ != nullptr ? std::span<const std::string_view>(service_table)
                                                  : std::span<const std::string_view>());
  out.need_restart.insert(out.need_restart.end(), plan.need_restart.begin(),
                          plan.need_restart.end());

  for (const auto& line : out.applied)
    log->info("{}: applied: {}", why, line);
  if (out.need_restart.empty()) {
    if (out.applied.empty()) {
      log->info("{}: nothing changed", why);
    } else {
      log->info("{}: {} change(s) applied, nothing needs a restart", why, out.applied.size());
    }
  } else {
    log->warn("{}: {} change(s) applied; these changes need a restart to take effect: {}", why,
              out.applied.size(), join(out.need_restart));
  }
  if (r.done) r.done(out);
}

}  // namespace lapord::app
