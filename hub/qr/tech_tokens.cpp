// Technicians' token links: POST/GET/DELETE /qr/tokens and the sign-in page GET /t/<token>. docs/qr.md.
#include <algorithm>
#include <cctype>
#include <optional>

#include "api/access.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "qr/pages.hpp"
#include "qr/qr_api.hpp"
#include "qr/qr_internal.hpp"

namespace cpe::hub::qr {

namespace {
net::Response json_error(int status, std::string_view message) {
    net::Response r = net::Response::error(status, message);
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
}
}  // namespace

// ---- token links
// ---------------------------------------------------------------------------------------------

void QrApi::post_token(const net::Request& req, net::Responder res) {
    api::Principal who;
    if (auto refused = api::check_access(api_access_, req, &who)) return res.send(*refused);
    auto doc = json::parse(req.body, "request body");
    if (!doc || !cJSON_IsObject(doc->get()))
        return res.send(json_error(400, "body: expected a JSON object {\"tech\": …}"));
    auto tech = json::opt_string(doc->get(), "tech").value_or("");
    bool tech_ok = !tech.empty() && tech.size() <= 64;
    for (char c : tech)
        tech_ok = tech_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                              c == '.' || c == '@');
    if (!tech_ok) return res.send(json_error(400, "tech: 1 to 64 characters of A-Z a-z 0-9 - _ . @"));
    int64_t days = json::opt_int(doc->get(), "days").value_or(config_.token_days);
    if (days < 1 || days > 366) return res.send(json_error(400, "days: expected 1..366"));
    auto raw = random_bytes(32);
    auto idr = random_bytes(6);
    if (!raw || !idr) return res.send(json_error(500, "no randomness from the kernel"));
    std::string token = base64url(*raw);
    TechToken t{"tok_" + hex(*idr), tech, who.who, now_ms(), now_ms() + days * 86'400'000, 0};
    if (auto st = store_->add_token(t, sha256_hex(token)); !st)
        return res.send(json_error(500, st.error().message));
    LOG_INFO("qr", "token link %s issued for technician %s by %s", t.id.c_str(), tech.c_str(),
             who.who.c_str());
    auto out = json::make_object();
    json::add_string(out.get(), "id", t.id);
    json::add_string(out.get(), "tech", tech);
    json::add_number(out.get(), "expiresMs", static_cast<double>(t.expires_ms));
    json::add_string(out.get(), "token", token);
    json::add_string(out.get(), "url", config_.public_url + "/t/" + token);
    net::Response r = net::Response::json(201, json::print(out.get()));
    r.headers.push_back({"Cache-Control", "no-store"});
    res.send(std::move(r));
}

void QrApi::list_tokens(const net::Request& req, net::Responder res) {
    if (auto refused = api::check_access(api_access_, req)) return res.send(*refused);
    auto list = store_->tokens();
    if (!list) return res.send(json_error(500, list.error().message));
    auto arr = json::make_array();
    for (const auto& t : *list) {
        auto o = json::make_object();
        json::add_string(o.get(), "id", t.id);
        json::add_string(o.get(), "tech", t.tech);
        json::add_string(o.get(), "createdBy", t.created_by);
        json::add_number(o.get(), "createdMs", static_cast<double>(t.created_ms));
        json::add_number(o.get(), "expiresMs", static_cast<double>(t.expires_ms));
        if (t.revoked_ms) json::add_number(o.get(), "revokedMs", static_cast<double>(t.revoked_ms));
        json::append(arr.get(), std::move(o));
    }
    auto out = json::make_object();
    json::add(out.get(), "tokens", std::move(arr));
    res.json(200, json::print(out.get()));
}

void QrApi::delete_token(const net::Request& req, net::Responder res) {
    api::Principal who;
    if (auto refused = api::check_access(api_access_, req, &who)) return res.send(*refused);
    auto r = store_->revoke_token(req.param("id"), now_ms());
    if (!r) return res.send(json_error(500, r.error().message));
    auto t = store_->token_by_id(req.param("id"));
    if (!t || !*t) return res.send(json_error(404, "no token link '" + req.param("id") + "'"));
    LOG_INFO("qr", "token link %s revoked by %s", req.param("id").c_str(), who.who.c_str());
    res.json(200, std::string("{\"id\":\"") + (*t)->id + "\",\"revoked\":true}");
}

void QrApi::page_token(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    const std::string& token = req.param("token");
    auto t = token.size() <= 128 ? store_->token_by_hash(sha256_hex(token), now_ms())
                                 : Result<std::optional<TechToken>>(std::optional<TechToken>());
    if (!t || !*t) {
        // The same answer for an unknown, expired or revoked link.
        return res.send(html_response(
            404,
            message_page(
                l, tr(l, "Lien invalide", "Link not valid"),
                tr(l, "Ce lien de technicien n’est pas valide (expiré ou révoqué). Demandez-en un nouveau.",
                   "This technician link is not valid (expired or revoked). Ask for a new one."),
                "", "", "/t/-"),
            req));
    }
    const TechToken& tok = **t;
    int64_t exp = std::min<int64_t>(tok.expires_ms, now_ms() + int64_t{config_.tech_session_s} * 1000);
    Session s{'t', tok.id, "", exp};
    std::string b = std::string("<div class=\"card\"><h1 id=\"tech-ready\">") + tr(l, "Bonjour", "Hello") +
                    " " + e(tok.tech) + "</h1><p>" +
                    tr(l,
                       "Ce téléphone est connecté comme technicien. Scannez l’autocollant d’un modem avec "
                       "l’appareil photo.",
                       "This phone is signed in as a technician. Scan a modem's sticker with the camera.") +
                    "</p></div>";
    // The page's own URL holds the token: never in a Referer (html_response: no-referrer), never cached.
    net::Response r = html_response(200,
                                    page_html(l, tr(l, "Technicien", "Technician"), b, "/t/" + token, "",
                                              tr(l, "Technicien", "Technician")),
                                    req);
    r.headers.push_back({"Set-Cookie", "qr_t=" + sign_session(config_.session_key, s) +
                                           "; Path=/; Max-Age=" + std::to_string((exp - now_ms()) / 1000) +
                                           "; HttpOnly; SameSite=Strict" +
                                           (config_.cookie_secure ? "; Secure" : "")});
    LOG_INFO("qr", "technician %s signed in with token link %s", tok.tech.c_str(), tok.id.c_str());
    res.send(std::move(r));
}

}  // namespace cpe::hub::qr
