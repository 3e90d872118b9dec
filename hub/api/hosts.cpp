// GET /devices/:id/hosts: an agent's hosts (its snapshot when fresh, else a live Get); a TR-069 device's from
// the bridge when it manages the modem, else from GenieACS (?refresh: refreshObject tasks first).
// docs/api.md.
#include <algorithm>

#include "api/devices_api.hpp"
#include "api/reply.hpp"
#include "diag/hosts.hpp"
#include "json/json.hpp"
#include "sources/genieacs_model.hpp"

namespace cpe::hub::api {

void DevicesApi::hosts(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    bool refresh = req.has_query("refresh");
    if (const auto* e = hub_.registry().find(id); e && e->admitted) {
        const AgentSnapshot* s = agents_.snapshot(id);
        bool has_hosts = s && s->params.lower_bound("Device.Hosts.") != s->params.end();
        bool fresh_enough = has_hosts && now_ms() - s->time_ms < config_.poller.stale_after_s * 1000LL;
        if (!refresh && fresh_enough)
            return res.json(200, with_source(diag::hosts_json(diag::hosts_view(s->params, now_ms())), "agent",
                                             diag::SourceState::fresh, s->time_ms, "", id));
        auto fallback = [this, id, res](const std::string& why) {
            const AgentSnapshot* snap = agents_.snapshot(id);
            if (snap)
                return res.json(200, with_source(diag::hosts_json(diag::hosts_view(snap->params, now_ms())),
                                                 "agent", diag::SourceState::stale, snap->time_ms, why, id));
            res.json(503, error_body(503, "hosts of '" + id + "': " + why + "; no earlier snapshot"));
        };
        if (!e->record.online || !hub_.controller()) return fallback("agent is offline");
        agent_get(id, kHostsPaths, config_.agent_budget_ms,
                  lifetime_.guard([this, id, res, fallback](Result<diag::Params> r) {
                      if (!r) return fallback(r.error().message);
                      int64_t now = now_ms();
                      std::string body = diag::hosts_json(diag::hosts_view(*r, now));
                      remember(id, std::move(r).value(), now, false);
                      res.json(200,
                               with_source(std::move(body), "agent", diag::SourceState::fresh, now, "", id));
                  }));
        return;
    }
    if (!genieacs_.configured()) return res.json(404, error_body(404, "device '" + id + "' is not known"));
    if (!bridge_.configured() || !erpnext_.configured())
        return hosts_genieacs(id, refresh, "", nullptr, std::move(res));
    hosts_tr069(id, refresh, std::move(res));
}

// The bridge knows TP-Link modems by their ERPNext equipment name (docs/bridge.md), as the lookup asks it:
// the device's serial and first MAC (the poller's brief, else one GenieACS read that also carries its hosts)
// → ERPNext (the lookup cache's entry when fresh) → GET /modems/<name>/hosts. Any miss or failure falls back
// to GenieACS with the reason in source.error; the whole attempt is bounded by lookup_budget_ms.
void DevicesApi::hosts_tr069(const std::string& id, bool refresh, net::Responder res) {
    struct Attempt {
        bool done = false;
        net::TimerHandle deadline;
        std::shared_ptr<const GenieHit> doc;
    };
    auto at = std::make_shared<Attempt>();
    std::weak_ptr<void> alive = lifetime_.token();
    // Ends the attempt once: true when the caller is the one to answer.
    auto claim = [alive, at]() {
        if (alive.expired() || at->done) return false;
        at->done = true;
        at->deadline.cancel();
        return true;
    };
    auto fallback = [this, id, refresh, res, at, claim](const std::string& why) {
        if (claim()) hosts_genieacs(id, refresh, "bridge not used: " + why, at->doc, res);
    };
    at->deadline = hub_.loop().add_timer(
        config_.lookup_budget_ms,
        [fallback, late = "no answer within the lookup budget of " +
                          std::to_string(config_.lookup_budget_ms) + " ms"] { fallback(late); });

    auto ask_bridge = [this, id, refresh, res, claim, fallback](const std::string& modem) {
        bridge_.hosts(modem, refresh,
                      lifetime_.guard([this, id, res, claim, fallback,
                                       modem](Result<std::optional<sources::BridgeHosts>> r) {
                          int64_t t = now_ms();
                          if (r)
                              seen_bridge_.ok(t);
                          else
                              seen_bridge_.failed(t, r.error().message);
                          if (!r) return fallback(r.error().message);
                          if (!*r) return fallback("the bridge does not know modem '" + modem + "'");
                          if (!claim()) return;
                          res.json(200, with_source(diag::hosts_json((*r)->view), "bridge",
                                                    diag::SourceState::fresh, (*r)->data_ms, "", id, modem));
                      }));
    };
    auto use_erp = [at, ask_bridge, fallback](const std::shared_ptr<const ErpData>& data,
                                              const std::string& asked) {
        if (at->done) return;
        if (!data || !data->equipment) return fallback("ERPNext knows no equipment for " + asked);
        const cJSON* name = cJSON_GetObjectItemCaseSensitive(data->equipment.get(), "name");
        if (!cJSON_IsString(name) || !*name->valuestring)
            return fallback("ERPNext's equipment for " + asked + " has no name");
        ask_bridge(name->valuestring);
    };
    // The equipment name changes far less often than hosts: ?refresh reuses a fresh ERPNext entry too.
    auto ask_erp = [this, use_erp, fallback](const std::string& serial,
                                             const std::vector<std::string>& macs) {
        std::string mac = macs.empty() ? std::string() : macs.front();
        std::string asked = "serial '" + serial + "'" + (mac.empty() ? "" : " or MAC " + mac);
        if (serial.empty() && mac.empty())
            return fallback("the device has no serial or MAC to ask ERPNext by");
        std::string key = serial + "\n" + mac;  // the lookup's key (Lookup::start_phase2)
        if (const SourceAnswer<ErpData>* c = cache_.erpnext(key, now_ms())) return use_erp(c->value, asked);
        erpnext_.equipment(
            serial, macs,
            lifetime_.guard([this, use_erp, fallback, key, asked](Result<std::optional<ErpData>> r) {
                int64_t t = now_ms();
                std::shared_ptr<const ErpData> data;
                if (r && *r) data = std::make_shared<const ErpData>(std::move(**r));
                if (r) {
                    cache_.put_erpnext(key, data, t);
                    seen_erp_.ok(t);
                } else {
                    seen_erp_.failed(t, r.error().message);
                    return fallback("ERPNext: " + r.error().message);
                }
                use_erp(data, asked);
            }));
    };

    const auto& briefs = poller_.genie_briefs();
    auto b = briefs.find(id);
    if (b != briefs.end() && !b->second.serial.empty()) return ask_erp(b->second.serial, b->second.macs);
    // Not polled yet: one GenieACS read gives the identity and, for the fallback, the hosts.
    genieacs_.get(
        id, kGenieHostsIdentity, [alive, id, res, at, claim, ask_erp](Result<std::optional<GenieHit>> r) {
            if (alive.expired() || at->done) return;
            if (!r) {
                if (claim())
                    res.json(
                        status_for(r.error()),
                        error_body(status_for(r.error()), "hosts of '" + id + "': " + r.error().message));
                return;
            }
            if (!*r) {
                if (claim()) res.json(404, error_body(404, "device '" + id + "' is not known"));
                return;
            }
            at->doc = std::make_shared<const GenieHit>(std::move(**r));
            ask_erp(diag::get(at->doc->params, "_deviceId._SerialNumber").value_or(""),
                    diag::identity_of(at->doc->params).macs);
        });
}

void DevicesApi::hosts_genieacs(const std::string& id, bool refresh, const std::string& why,
                                std::shared_ptr<const GenieHit> doc, net::Responder res) {
    // The age shown is the age of the values shown: the oldest _timestamp of the hosts and association leaves
    // (the record's own paths, by its data model), not _lastInform (an inform does not re-read them).
    auto answer = [id, res, why](const GenieHit& hit, const std::string& task_error,
                                 const std::string& task_json) {
        const auto& mp = sources::model_paths(sources::model_of(hit.params));
        std::vector<std::string> shown = {mp.hosts};
        for (const auto& a : mp.associations) shown.push_back(a);
        for (const auto& m : mp.mesh_if_present) shown.push_back(m);
        std::string body = diag::hosts_json(diag::hosts_view(hit.params, now_ms()));
        auto state = task_error.empty() ? diag::SourceState::fresh : diag::SourceState::stale;
        std::string out = with_source(std::move(body), "genieacs", state, oldest_value_ms(hit, shown),
                                      join(why, task_error), id);
        if (!task_json.empty()) {
            out.pop_back();
            out += ",\"task\":" + task_json + "}";
        }
        res.json(200, out);
    };
    auto fetch = [this, id, res, why, answer](const std::string& task_error, const std::string& task_json) {
        genieacs_.get(
            id, kGenieHosts,
            lifetime_.guard([id, res, why, answer, task_error, task_json](Result<std::optional<GenieHit>> r) {
                if (!r)
                    return res.json(status_for(r.error()),
                                    error_body(status_for(r.error()),
                                               "hosts of '" + id + "': " + join(r.error().message, why)));
                if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
                answer(**r, task_error, task_json);
            }));
    };
    if (!refresh) {
        if (doc) return answer(*doc, "", "");
        return fetch("", "");
    }
    // ?refresh on a TR-069 device: the record first (its data model and whether it has DataElements), then
    // the refreshObject tasks of its hosts and Wi-Fi/mesh associations (GenieTasks::run), then read. A task
    // still running at genieacs.task_answer_ms: the hosts as GenieACS holds them now, with the task to
    // follow.
    auto run = [this, id, fetch](const GenieHit& record) {
        tasks_.run(id, "refreshHosts", false, record, lifetime_.guard([fetch](const TrackedTask& t) {
            std::string tj = tracked_json(t);
            if (t.status == "done") return fetch("", tj);
            if (t.status == "running") return fetch("refresh still running (task " + t.task_id + ")", tj);
            if (t.status == "faulted")
                return fetch("refresh faulted: " + t.fault_code + " " + t.fault_message, tj);
            if (t.status == "queued") return fetch("refresh task not run now (" + t.reason + ")", tj);
            fetch("refresh failed: " + t.error, tj);
        }));
    };
    genieacs_.get(id, kGenieModelProbe, lifetime_.guard([id, res, run](Result<std::optional<GenieHit>> r) {
        if (!r)
            return res.json(status_for(r.error()),
                            error_body(status_for(r.error()), "hosts of '" + id + "': " + r.error().message));
        if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
        run(**r);
    }));
}

}  // namespace cpe::hub::api
