// Hub diagnostics over USP: the OperationComplete subscription, the Operate of the command and the
// notifications that end a run.
#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "diagnostics/diagnostics_internal.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/genieacs_model.hpp"

namespace cpe::hub::diagnostics {

namespace {

constexpr const char* kSubscriptionId = "cpe-hub-diagnostics";
// OperationComplete of any command (TR-369: a ReferenceList entry names a command or an object above it).
// "Device." rather than the diagnostics objects: an agent refuses a ReferenceList naming an object its data
// model lacks (cpe-agent checks each entry against its schema), and the hub tells its diagnostics apart by
// CommandKey.
constexpr const char* kSubscriptionRefs = "Device.";

}  // namespace

void Diagnostics::run_agent(const std::shared_ptr<Run>& run) {
    if (subscribed_.count(run->device)) return operate(run);
    usp::Add add;
    add.allow_partial = true;
    usp::Add::CreateObject obj;
    obj.obj_path = "Device.LocalAgent.Subscription.";
    obj.param_settings = {{"Enable", "true", true},
                          {"ID", kSubscriptionId, true},
                          {"NotifType", "OperationComplete", true},
                          {"ReferenceList", kSubscriptionRefs, true},
                          {"Persistent", "false", false}};
    add.create_objs.push_back(std::move(obj));
    progress(run, "subscribing to OperationComplete");
    std::weak_ptr<void> alive = life_.token();
    std::weak_ptr<Run> weak = run;
    run->msg_id = hub_.controller()->request(
        run->device, add,
        [this, alive, weak](Result<usp::Msg> r) {
            auto cur = weak.lock();
            if (alive.expired() || !cur || cur->status != "running") return;
            cur->msg_id.clear();
            if (!r) {
                if (r.error().code == Errc::unavailable || r.error().code == Errc::timeout)
                    return finish(cur, false, "subscription: " + r.error().message);
                // A USP error (e.g. the ID exists already from an earlier connection): the Operate may still
                // be answered; its OperationComplete reaches us if the subscription is there.
                LOG_INFO("diagnostics", "'%s': subscription not added: %s", cur->device.c_str(),
                         r.error().message.c_str());
            } else if (auto resp = r->add_resp()) {
                for (const auto& res : resp->created_obj_results)
                    if (const auto* f = std::get_if<usp::OperFailure>(&res.oper_status))
                        LOG_INFO("diagnostics", "'%s': subscription not created: %u %s", cur->device.c_str(),
                                 f->err_code, f->err_msg.c_str());
            }
            subscribed_.insert(cur->device);
            operate(cur);
        },
        options_.usp_request_ms);
}

void Diagnostics::operate(const std::shared_ptr<Run>& run) {
    usp::Operate op;
    op.command = run->request.command;
    op.command_key = run->id;
    op.send_resp = true;
    for (const auto& [k, v] : run->request.inputs) op.input_args[k] = v;
    progress(run, "sending " + run->request.command);
    std::weak_ptr<void> alive = life_.token();
    std::weak_ptr<Run> weak = run;
    run->msg_id = hub_.controller()->request(
        run->device, op,
        [this, alive, weak](Result<usp::Msg> r) {
            auto cur = weak.lock();
            if (alive.expired() || !cur || cur->status != "running") return;
            cur->msg_id.clear();
            if (!r) {
                auto code = r.error().usp_error();
                if (code && *code == 7005)
                    return finish(cur, false,
                                  "the device is busy with another diagnostic of this kind (USP 7005)");
                // The controller's text names the endpoint and msg_id first; the device's own words are
                // enough.
                const std::string& m = r.error().message;
                size_t at = code ? m.find("USP error") : std::string::npos;
                return finish(cur, false,
                              at == std::string::npos ? m : "the device answered " + m.substr(at));
            }
            auto resp = r->operate_resp();
            if (!resp) return finish(cur, false, resp.error().message);
            if (resp->operation_results.empty()) return finish(cur, false, "OperateResp without a result");
            const auto& result = resp->operation_results.front();
            if (const auto* f = std::get_if<usp::CommandFailure>(&result.operation_resp))
                return finish(cur, false, "USP " + std::to_string(f->err_code) + " " + f->err_msg);
            if (const auto* out = std::get_if<usp::OutputArgs>(&result.operation_resp)) {
                std::map<std::string, std::string> o(out->output_args.begin(), out->output_args.end());
                return finish(cur, true, "", std::move(o));
            }
            const auto& path = std::get<usp::OperateResp::ReqObjPath>(result.operation_resp).path;
            cur->request_path = path;
            progress(cur, "running on the device (" + path + ")");
        },
        options_.usp_request_ms);
}

void Diagnostics::on_notification(const controller::Notification& n) {
    if (runs_.empty()) return;
    if (const auto* oc = std::get_if<usp::Notify::OperationComplete>(&n.notify.notification)) {
        auto it = runs_.find(oc->command_key);
        if (it == runs_.end() || it->second->device != n.endpoint_id) return;
        auto run = it->second;
        if (const auto* f = std::get_if<usp::CommandFailure>(&oc->operation_resp))
            return finish(run, false, "USP " + std::to_string(f->err_code) + " " + f->err_msg);
        const auto& out = std::get<usp::OutputArgs>(oc->operation_resp).output_args;
        return finish(run, true, "", std::map<std::string, std::string>(out.begin(), out.end()));
    }
    if (const auto* ev = std::get_if<usp::Notify::Event>(&n.notify.notification)) {
        if (ev->event_name != "Boot!") return;
        std::vector<std::shared_ptr<Run>> hit;
        for (auto& [id, run] : runs_)
            if (run->device == n.endpoint_id && run->route == "usp") hit.push_back(run);
        for (auto& run : hit) finish(run, false, "the device restarted while the diagnostic ran (Boot!)");
    }
}

}  // namespace cpe::hub::diagnostics
