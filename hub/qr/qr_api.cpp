// QrApi's wiring: routes, who is asking (viewer), the hub and ERPNext calls behind the pages. docs/qr.md.
#include "qr/qr_api.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "api/access.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "qr/pages.hpp"
#include "qr/qr_internal.hpp"
#include "sources/provenance.hpp"

namespace cpe::hub::qr {

QrApi::QrApi(app::Hub& hub, QrConfig config, const api::DevicesConfig& devices,
             std::unique_ptr<QrStore> store)
    : hub_(hub),
      config_(std::move(config)),
      api_access_(devices.access),
      staff_access_(devices.access),
      service_token_(devices.access.service_token),
      store_(std::move(store)),
      http_(hub.loop()),
      sms_(http_, config_.sms) {
    staff_access_.service_token
        .clear();  // on /q/ only the SSO headers make a technician, never a bearer token
    staff_access_.protected_prefixes = {"/q"};
    api_access_.protected_prefixes = {"/qr"};
    if (devices.erpnext.url.empty()) {
        erp_error_ = "ERPNext is not configured (erpnext.url)";
    } else {
        sources::ErpNextOptions o;
        o.base_url = devices.erpnext.url;
        o.fields = devices.erpnext.fields;
        o.budget_ms = devices.erpnext.budget_ms;
        auto creds = sources::parse_erp_token(devices.erpnext.token, "ERP_SERVICE_TOKEN");
        if (creds) o.credentials = *creds;
        writer_ =
            std::make_unique<ErpWriter>(http_, devices.erpnext.url, o.credentials, devices.erpnext.budget_ms);
        erp_ = std::make_unique<sources::ErpNextClient>(hub.loop(), http_, std::move(o));
    }
    if (config_.session_key.empty()) {
        auto k = random_bytes(32);
        config_.session_key = k ? *k : std::string(32, 'x');
        LOG_WARN("qr", "QR_SESSION_KEY is not set: a random key for this run (sessions end at restart)");
    }
    if (!sms_.configured()) LOG_WARN("qr", "SMS provider not configured: customers cannot get a code");
}

QrApi::~QrApi() = default;

void QrApi::start() {
    auto bind = [this](void (QrApi::*fn)(const net::Request&, net::Responder)) {
        return [this, fn](const net::Request& req, net::Responder res) { (this->*fn)(req, std::move(res)); };
    };
    hub_.route("GET", "/q/:mac", bind(&QrApi::page_q));
    hub_.route("POST", "/q/:mac/code", bind(&QrApi::post_code));
    hub_.route("GET", "/q/:mac/code", [](const net::Request& req, net::Responder res) {
        res.send(redirect("/q/" + req.param("mac")));
    });
    hub_.route("GET", "/q/:mac/verify", bind(&QrApi::page_verify));
    hub_.route("POST", "/q/:mac/verify", bind(&QrApi::post_verify));
    hub_.route("GET", "/q/:mac/portal", bind(&QrApi::page_portal));
    hub_.route("GET", "/q/:mac/status", bind(&QrApi::get_status));
    hub_.route("POST", "/q/:mac/restart", bind(&QrApi::post_restart));
    hub_.route("POST", "/q/:mac/bind", bind(&QrApi::post_bind));
    hub_.route("POST", "/q/:mac/check", bind(&QrApi::post_check));
    hub_.route("GET", "/t/:token", bind(&QrApi::page_token));
    hub_.route("POST", "/qr/tokens", bind(&QrApi::post_token));
    hub_.route("GET", "/qr/tokens", bind(&QrApi::list_tokens));
    hub_.route("DELETE", "/qr/tokens/:id", bind(&QrApi::delete_token));
}

// ---- who is asking
// -----------------------------------------------------------------------------------------

QrApi::Viewer QrApi::viewer(const net::Request& req, const std::string& mac) {
    Viewer v;
    // Staff SSO headers, only from the staff proxy (api::check_access: the same rules as the device API).
    if (req.header("x-authentik-email")) {
        api::Principal p;
        if (!api::check_access(staff_access_, req, &p) && p.who.rfind("staff:", 0) == 0) {
            v.kind = Viewer::tech;
            v.who = p.who;
            return v;
        }
    }
    auto cookies = req.header("cookie").value_or("");
    if (auto t = cookie_value(cookies, "qr_t")) {
        if (auto s = verify_session(config_.session_key, *t, now_ms()); s && s->kind == 't') {
            auto tok = store_->token_by_id(s->subject);
            if (tok && *tok && !(*tok)->revoked_ms && (*tok)->expires_ms > now_ms()) {
                v.kind = Viewer::tech;
                v.who = "token:" + (*tok)->id + " (" + (*tok)->tech + ")";
                v.tech_id = (*tok)->tech;
                return v;
            }
        }
    }
    if (auto c = cookie_value(cookies, "qr_c")) {
        if (auto s = verify_session(config_.session_key, *c, now_ms());
            s && s->kind == 'c' && s->mac == mac) {
            v.kind = Viewer::customer;
            v.who = s->subject;
            return v;
        }
    }
    return v;
}

// ---- data
// --------------------------------------------------------------------------------------------------

void QrApi::hub_call(const std::string& method, const std::string& path, std::string body,
                     std::function<void(Result<net::HttpResponse>)> done) {
    std::string base = config_.hub_url;
    if (base.empty()) {
        std::string host = hub_.config().http.bind;
        if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
        if (host == "::") host = "[::1]";
        base = "http://" + host + ":" + std::to_string(hub_.http().port());
    }
    net::HttpRequest r;
    r.method = method;
    r.url = base + path;
    r.headers = {{"Authorization", "Bearer " + service_token_}, {"Accept", "application/json"}};
    if (!body.empty()) r.headers.push_back({"Content-Type", "application/json"});
    r.body = std::move(body);
    r.total_timeout_ms = config_.budget_ms;
    r.connect_timeout_ms = 2000;
    http_.request(std::move(r), std::move(done));
}

void QrApi::device_data(const std::string& mac, bool with_hosts,
                        std::function<void(std::shared_ptr<DeviceData>)> done) {
    auto d = std::make_shared<DeviceData>();
    if (!erp_) {
        d->erp_error = erp_error_;
        done(d);
        return;
    }
    std::weak_ptr<void> alive = life_.token();
    erp_->subscriber_by_mac(
        colon_mac(mac), [this, alive, d, with_hosts, done](sources::Fetched<sources::ErpSubscriber> f) {
            if (alive.expired()) return;
            if (!f.ok()) {
                d->erp_error = f.provenance.error;
                done(d);
                return;
            }
            d->erp_ok = true;
            d->sub = std::move(f.value);
            d->known = !d->sub.equipment.empty();
            if (!d->known) {
                done(d);
                return;
            }
            std::string serial;
            for (char c : d->sub.equipment.front().serial_number)
                if (!std::isspace(static_cast<unsigned char>(c))) serial += c;
            hub_call("GET", "/devices/lookup?serial=" + pct_encode(serial), "",
                     [this, alive, d, with_hosts, done](Result<net::HttpResponse> r) {
                         if (alive.expired()) return;
                         if (!r) {
                             d->view_error = r.error().message;
                             done(d);
                             return;
                         }
                         auto doc = json::parse(r->body, "device view");
                         if (r->status != 200 || !doc) {
                             d->view_error = "device API: HTTP " + std::to_string(r->status);
                             done(d);
                             return;
                         }
                         d->view = std::move(doc).value();
                         auto id = json::opt_string(d->view.get(), "id");
                         if (!with_hosts || !id) {
                             done(d);
                             return;
                         }
                         hub_call("GET", "/devices/" + pct_encode(*id) + "/hosts", "",
                                  [this, alive, d, done, id = *id](Result<net::HttpResponse> h) {
                                      if (alive.expired()) return;
                                      if (h && h->status == 200)
                                          if (auto hd = json::parse(h->body, "hosts"); hd)
                                              d->hosts = std::move(hd).value();
                                      // The recent diagnostics: the portal's last speed test.
                                      hub_call("GET", "/devices/" + pct_encode(id) + "/diagnostics?limit=20",
                                               "", life_.guard([d, done](Result<net::HttpResponse> g) {
                                                   if (g && g->status == 200)
                                                       if (auto gd = json::parse(g->body, "diagnostics"); gd)
                                                           d->diagnostics = std::move(gd).value();
                                                   done(d);
                                               }));
                                  });
                     });
        });
}

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

Result<std::unique_ptr<QrApi>> install(app::Hub& hub, QrConfig config, const api::DevicesConfig& devices) {
    for (const auto& p : config.customer_sso.trusted_proxies)
        for (const auto& staff : devices.access.trusted_proxies)
            if (p == staff)
                return make_error(
                    Errc::invalid_argument,
                    "qr.customer_sso.trusted_proxies: " + p +
                        " is also a staff proxy (access.trusted_proxies): the two lists must be separate");
    auto store = QrStore::open(hub.config().store.path, config.otp);
    if (!store) return store.error();
    auto api = std::make_unique<QrApi>(hub, std::move(config), devices, std::move(store).value());
    if (api->enabled()) api->start();
    return api;
}

}  // namespace cpe::hub::qr
