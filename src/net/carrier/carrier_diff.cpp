#include "lapord/net/carrier_diff.hpp"

#include <algorithm>

namespace lapord::net {
namespace {

const carrier_settings* find(const std::vector<carrier_settings>& list, const std::string& name) {
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const carrier_settings& c) { return c.name == name; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

carrier_diff diff_carriers(const std::vector<carrier_settings>& running,
                           const std::vector<carrier_settings>& fresh) {
  carrier_diff d;
  for (const auto& c : running) {
    if (find(fresh, c.name) == nullptr) d.removed.push_back(c.name);
  }
  for (const auto& f : fresh) {
    const carrier_settings* r = find(running, f.name);
    if (r == nullptr) {
      d.added.push_back(f.name);
    } else if (*r == f) {
      d.untouched.push_back(f.name);
    } else {
      d.changed.push_back(f.name);
    }
  }
  return d;
}

std::vector<std::string> changed_keys(const carrier_settings& a, const carrier_settings& b) {
  std::vector<std::string> out;
  const auto key = [&out](bool differs, const char* name) {
    if (differs) out.emplace_back(name);
  };
  key(a.host != b.host, "host");
  key(a.port != b.port, "port");
  key(a.system_id != b.system_id, "system_id");
  key(a.password != b.password, "password");
  key(a.system_type != b.system_type, "system_type");
  key(a.mode != b.mode || a.bind_written != b.bind_written, "bind");
  key(a.addr_ton != b.addr_ton, "addr_ton");
  key(a.addr_npi != b.addr_npi, "addr_npi");
  key(a.address_range != b.address_range, "address_range");
  key(a.connect_timeout != b.connect_timeout, "connect_timeout_s");
  key(a.enquire_link_interval != b.enquire_link_interval, "enquire_link_interval_s");
  key(a.response_timeout != b.response_timeout, "response_timeout_s");
  key(a.window != b.window, "window");
  key(a.max_mo_in_flight != b.max_mo_in_flight, "max_mo_in_flight");
  key(a.submit_rate != b.submit_rate, "submit_rate");
  key(a.submit_burst != b.submit_burst, "submit_burst");
  key(a.throttle_pause != b.throttle_pause, "throttle_pause_s");
  key(a.reconnect_min != b.reconnect_min, "reconnect_min_s");
  key(a.reconnect_max != b.reconnect_max, "reconnect_max_s");
  key(a.tls.enabled != b.tls.enabled, "tls");
  key(a.tls.ca_file != b.tls.ca_file, "tls_ca_file");
  key(a.tls.cert_file != b.tls.cert_file, "tls_cert_file");
  key(a.tls.key_file != b.tls.key_file, "tls_key_file");
  key(a.tls.server_name != b.tls.server_name, "tls_server_name");
  key(a.service_numbers != b.service_numbers, "service_numbers");
  key(a.receipt_id != b.receipt_id, "receipt_id");
  key(a.source_addr != b.source_addr, "source_addr");
  key(a.source_ton != b.source_ton, "source_ton");
  key(a.source_npi != b.source_npi, "source_npi");
  return out;
}

}  // namespace lapord::net
