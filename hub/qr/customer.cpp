// The customers' /q/<mac> pages: start, code by SMS, code check and portal page. docs/qr.md.
#include <optional>
#include <string>

#include "api/access.hpp"
#include "log/log.hpp"
#include "qr/pages.hpp"
#include "qr/qr_api.hpp"
#include "qr/qr_internal.hpp"

namespace cpe::hub::qr {

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

}  // namespace cpe::hub::qr
