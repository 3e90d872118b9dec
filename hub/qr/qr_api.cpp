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

// ---- customer pages
// ----------------------------------------------------------------------------------------

namespace {
// The canonical path for a MAC typed another way (the session cookie's Path is /q/<bare mac>).
bool canonical_or_redirect(const net::Request& req, const std::string& mac, const std::string& rest,
                           const net::Responder& res) {
    if (req.param("mac") == mac) return true;
    res.send(redirect("/q/" + mac + rest));
    return false;
}
}  // namespace

void QrApi::page_q(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.send(html_response(404, not_found_page(l, req.path), req));
    if (!canonical_or_redirect(req, *mac, "", res)) return;
    Viewer v = viewer(req, *mac);
    if (v.kind == Viewer::tech) return tech_page(req, *mac, v, std::move(res));
    if (v.kind == Viewer::customer) return res.send(redirect("/q/" + *mac + "/portal"));
    auto sso = customer_sso_identity(req, config_.customer_sso.trusted_proxies, config_.customer_sso.header);
    if (!sso || !erp_) return res.send(html_response(200, customer_start_page(l, *mac), req));
    // A customer signed in through the customer SSO: no code when that identity owns the device (its
    // Customer's field equals it); otherwise the same start page as anyone.
    std::weak_ptr<void> alive = life_.token();
    erp_->subscriber_by_mac(colon_mac(*mac), [this, alive, req, res, l, mac = *mac,
                                              id = *sso](sources::Fetched<sources::ErpSubscriber> f) {
        if (alive.expired()) return;
        auto start = [&] { res.send(html_response(200, customer_start_page(l, mac), req)); };
        if (!f.ok() || !f.value.customer) return start();
        erp_->get(
            erp_->fields().customer.doctype, f.value.customer->name,
            [this, alive, req, res, l, mac, id](sources::Fetched<std::optional<sources::FrappeRecord>> c) {
                if (alive.expired()) return;
                if (!c.ok() || !c.value || !sso_owns((*c.value)[config_.customer_sso.field], id))
                    return res.send(html_response(200, customer_start_page(l, mac), req));
                Session s{'c', "sso", mac, now_ms() + int64_t{config_.customer_session_s} * 1000};
                net::Response r = redirect("/q/" + mac + "/portal");
                r.headers.push_back(
                    {"Set-Cookie", "qr_c=" + sign_session(config_.session_key, s) + "; Path=/q/" + mac +
                                       "; Max-Age=" + std::to_string(config_.customer_session_s) +
                                       "; HttpOnly; SameSite=Strict" +
                                       (config_.cookie_secure ? "; Secure" : "")});
                LOG_INFO("qr", "/q/%s: customer signed in through the customer SSO", mac.c_str());
                res.send(std::move(r));
            });
    });
}

void QrApi::post_code(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.send(html_response(404, not_found_page(l, req.path), req));
    const std::string self = "/q/" + *mac;
    const std::string address = api::normalize_peer(req.peer);
    // By value: it also runs from the asynchronous callbacks below, after this function returned.
    auto refuse = [req, res, l, self](const Refusal& why) {
        std::string wait = std::to_string((why.retry_after_s + 59) / 60);
        std::string text =
            why.limit == "locked"
                ? std::string(tr(l, "Trop d’essais pour ce code. Vous pourrez demander un nouveau code dans ",
                                 "Too many tries for this code. You can ask for a new code in ")) +
                      wait + " min."
                : std::string(tr(l, "Trop de codes ont été demandés. Réessayez dans ",
                                 "Too many codes were asked for. Try again in ")) +
                      wait + " min.";
        net::Response r = html_response(429,
                                        message_page(l, tr(l, "Veuillez patienter", "Please wait"), text,
                                                     self, tr(l, "Retour", "Back"), self),
                                        req);
        r.headers.push_back({"Retry-After", std::to_string(why.retry_after_s)});
        res.send(std::move(r));
    };
    // Counted limits that need no ERPNext answer first: a flood never reaches ERPNext.
    auto pre = store_->may_send(*mac, "", address, now_ms());
    if (!pre) {
        LOG_ERROR("qr", "%s", pre.error().message.c_str());
        return res.send(html_response(
            500,
            message_page(l, tr(l, "Erreur", "Error"), tr(l, "Réessayez plus tard.", "Try again later."), self,
                         tr(l, "Retour", "Back"), self),
            req));
    }
    if (*pre) return refuse(**pre);
    if (sending_.count(*mac)) return refuse(Refusal{"mac", 10});
    sending_.insert(*mac);
    std::weak_ptr<void> alive = life_.token();
    device_data(
        *mac, false,
        [this, alive, req, res, l, mac = *mac, self, address, refuse](std::shared_ptr<DeviceData> d) {
            if (alive.expired()) return;
            auto later = [&](const char* why) {
                sending_.erase(mac);
                LOG_WARN("qr", "/q/%s: no code sent: %s", mac.c_str(), why);
                res.send(html_response(
                    503,
                    message_page(
                        l, tr(l, "Service momentanément indisponible", "Service temporarily unavailable"),
                        tr(l,
                           "Nous ne pouvons pas vous envoyer de code pour le moment. Réessayez un peu plus "
                           "tard ; aucun code n’a été envoyé.",
                           "We cannot send you a code right now. Please try again a little later; no code "
                           "was sent."),
                        self, tr(l, "Réessayer", "Try again"), self),
                    req));
            };
            if (!d->erp_ok) return later(d->erp_error.c_str());
            std::optional<std::string> phone;
            if (d->known && d->sub.customer) phone = e164(d->sub.customer->mobile_no);
            if (!phone) {
                // Unknown device (or no usable phone): the same next page as for a known one, with stable
                // digits derived from the MAC, and no SMS. The code stored can never match (a random hash).
                std::string h = hmac_sha256(config_.session_key, "decoy:" + mac);
                std::string masked = "\u2022\u2022" + std::to_string(static_cast<unsigned char>(h[0]) % 10) +
                                     std::to_string(static_cast<unsigned char>(h[1]) % 10);
                auto rnd = random_bytes(32);
                auto st = store_->record_send(mac, "", address, hex(rnd ? *rnd : h), masked, now_ms());
                sending_.erase(mac);
                if (!st) LOG_ERROR("qr", "%s", st.error().message.c_str());
                return res.send(redirect(self + "/verify"));
            }
            auto limit = store_->may_send(mac, *phone, address, now_ms());
            if (!limit || *limit) {
                sending_.erase(mac);
                if (!limit) return later(limit.error().message.c_str());
                return refuse(**limit);
            }
            auto code = random_code();
            if (!code) return later(code.error().message.c_str());
            std::string body =
                std::string(
                    tr(l, "Votre code pour le diagnostic de votre modem : ", "Your modem check-up code: ")) +
                *code +
                tr(l, " (valide 10 min). Ne le communiquez à personne.", " (valid 10 min). Do not share it.");
            std::string hash = hex(hmac_sha256(config_.session_key, mac + ":" + *code));
            std::string masked = mask_phone(*phone);
            sms_.send(*phone, body,
                      [this, alive, req, res, l, mac, self, address, phone = *phone, hash,
                       masked](Result<SmsSent> s) {
                          if (alive.expired()) return;
                          sending_.erase(mac);
                          if (!s) {
                              LOG_WARN("qr", "/q/%s: SMS not sent: %s", mac.c_str(),
                                       s.error().message.c_str());
                              return res.send(html_response(
                                  503,
                                  message_page(l, tr(l, "SMS non envoyé", "Text message not sent"),
                                               tr(l,
                                                  "Nous n’avons pas pu envoyer le SMS pour le moment. Aucun "
                                                  "code n’a été utilisé : réessayez dans quelques minutes.",
                                                  "We could not send the text message right now. No code was "
                                                  "used: try again in a few minutes."),
                                               self, tr(l, "Réessayer", "Try again"), self),
                                  req));
                          }
                          if (auto st = store_->record_send(mac, phone, address, hash, masked, now_ms()); !st)
                              LOG_ERROR("qr", "%s", st.error().message.c_str());
                          LOG_INFO("qr", "/q/%s: code sent (%s)", mac.c_str(), s->sid.c_str());
                          res.send(redirect(self + "/verify"));
                      });
        });
}

void QrApi::page_verify(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.send(html_response(404, not_found_page(l, req.path), req));
    if (!canonical_or_redirect(req, *mac, "/verify", res)) return;
    auto p = store_->pending(*mac, now_ms());
    if (!p || !*p) return res.send(redirect("/q/" + *mac));
    res.send(html_response(200, customer_code_page(l, *mac, (*p)->masked, ""), req));
}

void QrApi::post_verify(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.send(html_response(404, not_found_page(l, req.path), req));
    const std::string self = "/q/" + *mac;
    auto p = store_->pending(*mac, now_ms());
    if (!p || !*p) return res.send(redirect(self));
    std::string typed = req.body.size() <= 4096 ? form_value(req.body, "code").value_or("") : "";
    auto code = parse_code(typed);
    if (!code)
        return res.send(
            html_response(400,
                          customer_code_page(l, *mac, (*p)->masked,
                                             tr(l, "Le code a 6 chiffres.", "The code has 6 digits.")),
                          req));
    auto v = store_->verify(*mac, hex(hmac_sha256(config_.session_key, *mac + ":" + *code)), now_ms());
    if (!v) {
        LOG_ERROR("qr", "%s", v.error().message.c_str());
        return res.send(html_response(
            500, customer_code_page(l, *mac, (*p)->masked, tr(l, "Réessayez.", "Try again.")), req));
    }
    switch (v->verdict) {
        case Verdict::ok: {
            Session s{'c', "otp", *mac, now_ms() + int64_t{config_.customer_session_s} * 1000};
            net::Response r = redirect(self + "/portal");
            r.headers.push_back({"Set-Cookie", "qr_c=" + sign_session(config_.session_key, s) +
                                                   "; Path=" + self +
                                                   "; Max-Age=" + std::to_string(config_.customer_session_s) +
                                                   "; HttpOnly; SameSite=Strict" +
                                                   (config_.cookie_secure ? "; Secure" : "")});
            LOG_INFO("qr", "/q/%s: customer signed in with a code", mac->c_str());
            return res.send(std::move(r));
        }
        case Verdict::wrong:
            return res.send(html_response(
                401,
                customer_code_page(
                    l, *mac, (*p)->masked,
                    std::string(tr(l, "Code incorrect. Essais restants : ", "Wrong code. Tries left: ")) +
                        std::to_string(v->tries_left)),
                req));
        case Verdict::locked:
            return res.send(html_response(
                429,
                customer_code_page(
                    l, *mac, (*p)->masked,
                    std::string(tr(l, "Trop d’essais : ce code est bloqué. Demandez un nouveau code dans ",
                                   "Too many tries: this code is locked. Ask for a new code in ")) +
                        std::to_string((v->wait_s + 59) / 60) + " min."),
                req));
        case Verdict::expired:
        case Verdict::none:
            return res.send(redirect(self));
    }
}

void QrApi::page_portal(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.send(html_response(404, not_found_page(l, req.path), req));
    if (!canonical_or_redirect(req, *mac, "/portal", res)) return;
    if (viewer(req, *mac).kind != Viewer::customer) return res.send(redirect("/q/" + *mac));
    res.send(html_response(200, customer_portal_page(l, *mac), req));
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
