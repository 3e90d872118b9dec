// POST /devices/:id/tasks (an agent: USP Operate Device.Reboot() or a Get; a TR-069 device: GenieTasks) and
// GET /devices/:id/tasks/:taskId. docs/api.md.
#include <algorithm>

#include "api/devices_api.hpp"
#include "api/reply.hpp"
#include "json/json.hpp"

namespace cpe::hub::api {

void DevicesApi::tasks(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    auto task = parse_task_body(req.body);
    if (!task) return res.json(400, error_body(400, task.error().message));
    auto reply = [res, id](int status, const std::string& t, const std::string& outcome,
                           const std::string& detail) {
        auto o = json::make_object();
        json::add_string(o.get(), "id", id);
        json::add_string(o.get(), "task", t);
        json::add_string(o.get(), "status", outcome);
        if (!detail.empty()) json::add_string(o.get(), "detail", detail);
        res.json(status, json::print(o.get()));
    };
    if (const auto* e = hub_.registry().find(id); e && e->admitted) {
        if (!e->record.online || !hub_.controller())
            return res.json(409, error_body(409, "device '" + id + "' is offline: the task cannot be sent"));
        if (*task == "reboot") {
            usp::Operate op;
            op.command = "Device.Reboot()";
            op.command_key = "cpe-hub-" + std::to_string(now_ms());
            op.send_resp = true;
            hub_.controller()->request(id, op, lifetime_.guard([this, id, res, reply](Result<usp::Msg> r) {
                if (!r)
                    return res.json(status_for(r.error()),
                                    error_body(status_for(r.error()), r.error().message));
                auto resp = r->operate_resp();
                if (!resp) return res.json(502, error_body(502, resp.error().message));
                for (const auto& result : resp->operation_results)
                    if (const auto* f = std::get_if<usp::CommandFailure>(&result.operation_resp))
                        return res.json(502, error_body(502, "Device.Reboot() failed: " + f->err_msg));
                invalidate(id, true);  // rebooting: nothing cached about it stands
                if (const auto* ep = hub_.registry().find(id)) {
                    diag::DeviceIdentity me = agents_.identity(*ep);
                    cache_.drop_genieacs_if([&](const GenieHit& h) {
                        return diag::same_device(me, diag::identity_of(h.params));
                    });
                }
                reply(202, "reboot", "accepted", "USP Operate Device.Reboot()");
            }),
                                       config_.agent_budget_ms);
            return;
        }
        const auto& paths = *task == "refresh" ? kFullPaths : kHostsPaths;
        agent_get(
            id, paths, config_.agent_budget_ms,
            lifetime_.guard([this, id, res, reply, t = *task](Result<diag::Params> r) {
                if (!r)
                    return res.json(status_for(r.error()),
                                    error_body(status_for(r.error()), r.error().message));
                remember(id, std::move(r).value(), now_ms(), t == "refresh");
                reply(200, t, "done",
                      "USP Get of " + std::string(t == "refresh" ? "the device view" : "hosts and Wi-Fi"));
            }));
        return;
    }
    if (!genieacs_.configured()) return res.json(404, error_body(404, "device '" + id + "' is not known"));
    // TR-069: the device's record first (its data model chooses the task's paths; its last inform says
    // online), then only tasks built here, validated by construction (genieacs-nbi.md: a bad shape crashes
    // the NBI).
    bool schedule = req.has_query("schedule");
    if (const TrackedTask* t =
            tasks_.running(id, *task))  // a retry while it runs: the same task, never a second one
        return res.json(t->http, tracked_json(*t));
    genieacs_.get(id, kGenieModelProbe,
                  lifetime_.guard([this, id, res, schedule, kind = *task](Result<std::optional<GenieHit>> r) {
                      if (!r)
                          return res.json(status_for(r.error()),
                                          error_body(status_for(r.error()),
                                                     "task for '" + id + "': " + r.error().message));
                      if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
                      const GenieHit& doc = **r;
                      // A reboot never waits in a queue for a device that is offline: it would run whenever
                      // the device comes back, long after the CSR asked. The NBI says whether it reached the
                      // device (202 "Device is offline", "Connection request error"): then the task is
                      // deleted and the answer is 409 "device offline", unless ?schedule asked to queue it
                      // (it keeps its expiry).
                      tasks_.run(id, kind, schedule, doc,
                                 [res](const TrackedTask& t) { res.json(t.http, tracked_json(t)); });
                  }));
}

void DevicesApi::task_status(const net::Request& req, net::Responder res) {
    const TrackedTask* t = tasks_.find(req.param("taskId"));
    if (!t || t->device != req.param("id"))
        return res.json(404,
                        error_body(404, "task '" + req.param("taskId") + "' of device '" + req.param("id") +
                                            "' is not known (the hub keeps its last tasks only)"));
    res.json(200, tracked_json(*t));
}

}  // namespace cpe::hub::api
