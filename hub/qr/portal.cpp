// The customer portal's data: GET /q/<mac>/status and POST /q/<mac>/restart. docs/qr.md "The portal".
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "json/json.hpp"
#include "log/log.hpp"
#include "qr/pages.hpp"
#include "qr/qr_api.hpp"
#include "qr/qr_internal.hpp"

namespace cpe::hub::qr {

void QrApi::get_status(const net::Request& req, net::Responder res) {
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.error(404, "not a sticker MAC");
    if (viewer(req, *mac).kind != Viewer::customer) return res.error(401, "sign in with a code first");
    device_data(*mac, true, [res](std::shared_ptr<DeviceData> d) {
        if (!d->erp_ok || !d->known || !d->view)
            return res.error(503, "the modem's state cannot be read right now");
        // Only what the customer may see: no account, no OLT, no ids, no addresses.
        const cJSON* v = d->view.get();
        auto out = json::make_object();
        json::add_bool(out.get(), "online", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "online")));
        const cJSON* opt = cJSON_GetObjectItemCaseSensitive(v, "opticalStatus");
        auto grade = json::opt_string(opt, "grade");
        json::add_string(out.get(), "opticalGrade", grade.value_or("unknown"));
        auto onu = json::opt_string(opt, "onuStatus");
        auto reason = json::opt_string(opt, "onuOfflineReason");
        if (onu && *onu != "online" && reason)
            json::add_string(out.get(), "offlineReason", *reason);
        else
            cJSON_AddNullToObject(out.get(), "offlineReason");
        if (auto model = json::opt_string(v, "model")) json::add_string(out.get(), "model", *model);
        // The newest download diagnostic that measured something: its Mb/s and when (nothing else of it).
        json::Ptr speed;
        const cJSON* diags =
            d->diagnostics ? cJSON_GetObjectItemCaseSensitive(d->diagnostics.get(), "diagnostics") : nullptr;
        for (const cJSON* g = diags ? diags->child : nullptr; g && !speed; g = g->next) {
            const cJSON* result = cJSON_GetObjectItemCaseSensitive(g, "result");
            const cJSON* mbps = cJSON_GetObjectItemCaseSensitive(result, "mbps");
            const cJSON* at = cJSON_GetObjectItemCaseSensitive(g, "ended_ms");
            if (json::opt_string(g, "type").value_or("") != "download" ||
                json::opt_string(g, "status").value_or("") != "complete" ||
                !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "ok")) || !cJSON_IsNumber(mbps) ||
                !cJSON_IsNumber(at))
                continue;
            speed = json::make_object();
            json::add_number(speed.get(), "downMbps", std::round(mbps->valuedouble * 10) / 10);
            json::add_number(speed.get(), "atMs", at->valuedouble);
        }
        if (speed)
            json::add(out.get(), "speedTest", std::move(speed));
        else
            cJSON_AddNullToObject(out.get(), "speedTest");
        auto nodes = json::make_array();
        std::vector<std::pair<std::string, json::Ptr>> by_node;
        const cJSON* hosts = d->hosts ? cJSON_GetObjectItemCaseSensitive(d->hosts.get(), "hosts") : nullptr;
        for (const cJSON* h = hosts ? hosts->child : nullptr; h; h = h->next) {
            auto type = json::opt_string(h, "interfaceType").value_or("");
            auto band = json::opt_string(h, "band").value_or("");
            if (type != "Wi-Fi" && band.empty()) continue;
            if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "active"))) continue;
            std::string node = json::opt_string(h, "attachedNode").value_or("");
            if (node.empty() || node == "wired/other") node = "Modem";
            auto it = std::find_if(by_node.begin(), by_node.end(), [&](auto& p) { return p.first == node; });
            if (it == by_node.end()) {
                by_node.emplace_back(node, json::make_array());
                it = by_node.end() - 1;
            }
            auto c = json::make_object();
            json::add_string(c.get(), "name", json::opt_string(h, "name").value_or(""));
            const cJSON* sig = cJSON_GetObjectItemCaseSensitive(h, "signal");
            json::add_string(c.get(), "signal",
                             cJSON_IsNumber(sig) ? signal_grade(sig->valuedouble) : "unknown");
            json::add_string(c.get(), "band", band);
            json::append(it->second.get(), std::move(c));
        }
        for (auto& [name, clients] : by_node) {
            auto n = json::make_object();
            json::add_string(n.get(), "name", name);
            json::add(n.get(), "clients", std::move(clients));
            json::append(nodes.get(), std::move(n));
        }
        json::add(out.get(), "nodes", std::move(nodes));
        net::Response r = net::Response::json(200, json::print(out.get()));
        r.headers.push_back({"Cache-Control", "no-store"});
        res.send(std::move(r));
    });
}

void QrApi::post_restart(const net::Request& req, net::Responder res) {
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.error(404, "not a sticker MAC");
    if (viewer(req, *mac).kind != Viewer::customer) return res.error(401, "sign in with a code first");
    auto wait = store_->hit("restart:" + *mac, int64_t{config_.restart_min_interval_s} * 1000, 1, now_ms());
    if (!wait) return res.error(500, "restart limit could not be read");
    if (*wait) {
        net::Response r = net::Response::json(
            429, "{\"error\":\"a restart was asked for recently\",\"status\":429,\"retryAfterS\":" +
                     std::to_string(**wait) + "}");
        r.headers.push_back({"Retry-After", std::to_string(**wait)});
        return res.send(std::move(r));
    }
    std::weak_ptr<void> alive = life_.token();
    device_data(*mac, false, [this, alive, res, mac = *mac](std::shared_ptr<DeviceData> d) {
        if (alive.expired()) return;
        auto id = d->view ? json::opt_string(d->view.get(), "id") : std::nullopt;
        if (!id) return res.error(503, "the modem cannot be reached right now");
        hub_call("POST", "/devices/" + pct_encode(*id) + "/tasks", "{\"task\":\"reboot\"}",
                 [res, mac](Result<net::HttpResponse> r) {
                     if (!r) return res.error(503, "the restart could not be asked for");
                     LOG_INFO("qr", "/q/%s: customer restart: HTTP %ld", mac.c_str(), r->status);
                     if (r->status == 200 || r->status == 202)
                         return res.json(202, "{\"status\":\"restarting\"}");
                     res.error(r->status == 409 ? 409 : 503, "the modem could not be restarted now");
                 });
    });
}

}  // namespace cpe::hub::qr
