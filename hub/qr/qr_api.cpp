// QrApi's wiring: routes, who is asking (viewer), the hub and ERPNext calls behind the pages. docs/qr.md.
#include "qr/qr_api.hpp"

#include <cctype>

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
