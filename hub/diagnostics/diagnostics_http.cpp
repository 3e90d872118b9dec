// The hub diagnostics' HTTP API: POST a diagnostic for a device, GET one run, list the runs.
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

using detail::genie_spec;

namespace {

std::string error_body(int status, const std::string& message) {
    auto o = json::make_object();
    json::add_string(o.get(), "error", message);
    json::add_number(o.get(), "status", status);
    return json::print(o.get());
}

}  // namespace

void Diagnostics::post(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    auto parsed = parse_request(req.body, options_.limits, options_.default_url);
    if (!parsed) {
        int status = parsed.error().code == Errc::too_large ? 413 : 400;
        return res.json(status, error_body(status, parsed.error().message));
    }
    // A test its arguments let run longer than the hub ever waits would only end at the budget: refused now.
    if (parsed->expected_ms > options_.max_budget_ms) {
        static const std::map<Kind, const char*> kWhat = {
            {Kind::ping, "'count' × 'timeoutMs'"},
            {Kind::traceroute, "'maxHops' × 'tries' × 'timeoutMs'"},
            {Kind::nslookup, "'count' × 'timeoutMs'"},
            {Kind::download, "'durationS'"},
            {Kind::upload, "'durationS'"},
            {Kind::wifi_scan, "the scan"}};
        return res.json(400, error_body(400, std::string(kWhat.at(parsed->kind)) + " may take " +
                                                 std::to_string(parsed->expected_ms / 1000) +
                                                 " s, more than the hub waits for a diagnostic (" +
                                                 std::to_string(options_.max_budget_ms / 1000) + " s)"));
    }
    std::string busy_key = id + "\n" + kind_name(parsed->kind);
    if (auto b = busy_.find(busy_key); b != busy_.end())
        return res.json(
            409, error_body(409, std::string("a ") + kind_name(parsed->kind) + " diagnostic of '" + id +
                                     "' is already running: " + b->second));
    if (runs_.size() >= options_.max_running)
        return res.json(503, error_body(503, "the hub runs " + std::to_string(runs_.size()) +
                                                 " diagnostics already (its limit): try again later"));
    if (const auto* e = hub_.registry().find(id); e && e->admitted) {
        if (!hub_.controller())
            return res.json(503,
                            error_body(503, "USP is disabled in this hub's configuration (usp.enabled)"));
        if (!e->record.online)
            return res.json(409,
                            error_body(409, "device '" + id + "' is offline: the diagnostic cannot be sent"));
        auto run = begin(id, std::move(parsed).value(), "usp");
        res.json(202, record_json(*run));
        return run_agent(run);
    }
    if (!genie_) return res.json(404, error_body(404, "device '" + id + "' is not known"));
    auto request = std::make_shared<Request>(std::move(parsed).value());
    std::weak_ptr<void> alive = life_.token();
    genie_->get_device(
        id, {"InternetGatewayDevice.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.SoftwareVersion"},
        [this, alive, id, res, request](sources::Fetched<std::optional<sources::GenieDevice>> f) {
            if (alive.expired()) return;
            if (!f.ok()) return res.json(502, error_body(502, "GenieACS: " + f.provenance.error));
            if (!f.value) return res.json(404, error_body(404, "device '" + id + "' is not known"));
            std::string key = id + "\n" + kind_name(request->kind);
            if (busy_.count(key))
                return res.json(409, error_body(409, "a diagnostic of this kind is already running"));
            auto model = sources::model_of(f.value->params);
            auto spec = genie_spec(request->kind, model);
            if (!spec)
                return res.json(501, error_body(501, std::string("'type': ") + kind_name(request->kind) +
                                                         " has no standard object in a " +
                                                         sources::data_model_name(model) +
                                                         " device's data model (TR-069 through GenieACS)"));
            auto run = begin(id, std::move(*request), "genieacs");
            run->genie_object = spec->object;
            run->genie_inputs = spec->inputs;
            res.json(202, record_json(*run));
            run_genieacs(run, *f.value);
        });
}

void Diagnostics::get_one(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id"), did = req.param("did");
    if (auto it = runs_.find(did); it != runs_.end() && it->second->device == id)
        return res.json(200, record_json(*it->second));
    auto row = store_.get(id, did);
    if (!row) return res.json(500, error_body(500, row.error().message));
    if (!*row)
        return res.json(404, error_body(404, "diagnostic '" + did + "' of device '" + id +
                                                 "' is not known (the hub keeps the last " +
                                                 std::to_string(options_.keep_per_device) + " per device)"));
    if ((*row)->status == "failed" && (*row)->json.find("\"status\":\"running\"") != std::string::npos) {
        // Left running by an earlier run of the hub (DiagnosticsStore::open marked the row failed).
        auto doc = json::parse((*row)->json, "stored diagnostic");
        if (doc) {
            cJSON_ReplaceItemInObjectCaseSensitive(doc->get(), "status", cJSON_CreateString("failed"));
            json::add_string(doc->get(), "reason", "the hub stopped while the diagnostic ran");
            return res.json(200, json::print(doc->get()));
        }
    }
    res.json(200, (*row)->json);
}

void Diagnostics::list(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    unsigned limit = options_.keep_per_device;
    if (auto l = req.query_value("limit")) {
        if (l->empty() || l->size() > 4 || l->find_first_not_of("0123456789") != std::string::npos)
            return res.json(400, error_body(400, "query parameter 'limit': expected an integer 0..9999"));
        limit = static_cast<unsigned>(std::stoul(*l));
    }
    auto rows = store_.list(id, limit);
    if (!rows) return res.json(500, error_body(500, rows.error().message));
    std::string body =
        "{\"device\":" + json::print(json::Ptr(cJSON_CreateString(id.c_str())).get()) + ",\"diagnostics\":[";
    for (size_t i = 0; i < rows->size(); ++i) {
        const auto& r = (*rows)[i];
        auto live = runs_.find(r.id);
        body += (i ? "," : "") + (live != runs_.end() ? record_json(*live->second) : r.json);
    }
    body += "]}";
    res.json(200, std::move(body));
}

}  // namespace cpe::hub::diagnostics
