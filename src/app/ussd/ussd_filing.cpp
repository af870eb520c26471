// ussd_path's filings and status lookups: one store transaction each, then the result back to
// the gateway that holds the dialogue.
#include <spdlog/logger.h>
#include <boost/asio/post.hpp>

#include "app/ussd/ussd_path_impl.hpp"
#include "lapord/app/mo/pipeline_metrics.hpp"
#include "lapord/lapor/msisdn.hpp"

namespace lapord::app {
namespace {

// The number the citizen dialled, as the service knows it ("1708" for "*1708#"): the complaint's
// service number and the source of its SMS acknowledgement.
std::string service_number_of(const lapor::decision& d, std::string_view dialled) {
  for (const auto& [key, value] : d.params) {
    if (key == "number" && !value.empty()) return value;
  }
  return std::string(dialled);
}

}  // namespace

void ussd_path::impl::answer(const origin& o,
                             const std::function<ussd::action(ussd::gateway&)>& call) {
  if (stopping) return;
  auto it = gateways.find(o.carrier);
  slot* s = it == gateways.end() ? nullptr : it->second.gens.find(o.generation);
  if (s != nullptr) {  // else every dialogue of that menu ended meanwhile
    const std::shared_ptr<const ussd_menu> menu = s->menu;
    handle(o, menu, call(*s->gateway));
    settle(o.carrier, it->second);
  }
  release(o.key);
}

void ussd_path::impl::file(const origin& o, std::shared_ptr<const ussd_menu> m,
                           ussd::dialogue_ticket ticket, lapor::decision filing) {
  auto self = shared_from_this();
  ingest_context ctx = context;
  ctx.service = m->service.get();  // the service of the menu that began this dialogue
  std::string number = service_number_of(filing, o.dialled);
  std::string reporter = filing.reporter;  // serialized with its SMS on any instance
  db.submit_for(
      std::move(reporter),
      [ctx, m, filing = std::move(filing), o, number](store::transaction& tx) {
        tx.erase_ussd_dialogue(o.key);  // the dialogue ends with its complaint, atomically
        const lapor::store_facts facts = facts_for(tx, filing, *ctx.service, o.received_at);
        const lapor::decision d = m->engine.complaint_decision(filing, facts.complaint);
        complaint_origin where;
        where.channel = lapor::channel::ussd;
        where.carrier = o.carrier;
        where.service_number = number;
        where.received_at = o.received_at;
        return record_decision(tx, d, where, ctx);
      },
      [self, o, ticket](store::result<ingest_outcome> r) {
        // Writer thread: tell the senders, then back to the gateway's thread.
        ussd::filing_result result;
        if (!r) {
          self->log->warn(
              "ussd {} {}: complaint not stored ({}); the citizen is told to try "
              "again",
              o.carrier, lapor::mask_msisdn(o.citizen), r.detail);
        } else {
          const ingest_outcome& out = *r.value;
          if (self->hooks.metrics != nullptr)
            self->hooks.metrics->committed(lapor::channel::ussd, o.carrier, out);
          if (out.complaint_created || !out.ref.empty()) {
            self->access(o, out.complaint_created ? "ussd_complaint" : "ussd_duplicate",
                         out.complaint_created
                             ? (out.forward_queued ? "created" : "held_rate_limited")
                             : "answered_first_ref",
                         out.ref, out.institution_code);
          }
          if (out.complaint_created) {
            result = {ussd::filing_outcome::created, out.ref};
            self->log->info("ussd {} {}: complaint {} filed ({}{})", o.carrier,
                            lapor::mask_msisdn(o.citizen), out.ref, out.reason,
                            out.forward_queued ? "" : ", held by the hourly limit");
          } else if (!out.ref.empty()) {
            result = {ussd::filing_outcome::duplicate, out.ref};
            self->log->info("ussd {} {}: same text as complaint {}: not filed again", o.carrier,
                            lapor::mask_msisdn(o.citizen), out.ref);
          }
          try {
            if (out.forward_queued && self->hooks.forward_queued) self->hooks.forward_queued();
            if (out.reply_queued && self->hooks.reply_queued) self->hooks.reply_queued();
          } catch (...) {  // NOLINT(bugprone-empty-catch): the pollers find the work later
          }
        }
        boost::asio::post(self->executor, [self, o, ticket, result] {
          self->answer(
              o, [&](ussd::gateway& gw) { return gw.filed(ticket, result, ussd::clock::now()); });
        });
      });
}

void ussd_path::impl::look_up(const origin& o, const std::shared_ptr<const ussd_menu>& m,
                              ussd::dialogue_ticket ticket, lapor::decision status) {
  auto self = shared_from_this();
  ingest_context ctx = context;
  ctx.service = m->service.get();  // m is kept alive by its gateway while the dialogue waits
  db.submit(
      [ctx, status = std::move(status), at = o.received_at, key = o.key](store::transaction& tx) {
        tx.erase_ussd_dialogue(key);  // its last screen is the answer
        return facts_for(tx, status, *ctx.service, at);
      },
      [self, o, ticket](store::result<lapor::store_facts> r) {
        lapor::store_facts facts;
        if (r) {
          facts = std::move(*r.value);
        } else {
          self->log->warn("ussd {} {}: status lookup failed ({}); answered as not found", o.carrier,
                          lapor::mask_msisdn(o.citizen), r.detail);
        }
        boost::asio::post(self->executor, [self, o, ticket, facts = std::move(facts)] {
          self->answer(o, [&](ussd::gateway& gw) {
            return gw.looked_up(ticket, facts, ussd::clock::now());
          });
        });
      });
}

}  // namespace lapord::app
