// The qr section of the hub config and the QR_* environment (parse_qr_config). docs/qr.md "Configuration".
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "json/json.hpp"
#include "qr/qr_api.hpp"

namespace cpe::hub::qr {

namespace {
std::string env(const char* name) {
    const char* v = std::getenv(name);
    std::string s = v ? v : "";
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

// Config reader: unknown keys are errors naming the key.
struct Reader {
    std::string what;
    Error bad(const std::string& field, const std::string& why) const {
        return make_error(Errc::invalid_argument, what + ": qr." + field + ": " + why);
    }
    Status only(const cJSON* obj, const std::string& where, std::initializer_list<const char*> keys) const {
        for (const cJSON* c = obj->child; c; c = c->next) {
            bool known = false;
            for (const char* k : keys) known = known || (c->string && std::string(c->string) == k);
            if (!known)
                return bad(where.empty() ? std::string(c->string) : where + "." + c->string, "unknown field");
        }
        return Status();
    }
    Status boolean(const cJSON* obj, const char* key, const std::string& where, bool& out) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return Status();
        if (!cJSON_IsBool(c)) return bad(where + key, "expected true or false");
        out = cJSON_IsTrue(c);
        return Status();
    }
    Status uint(const cJSON* obj, const char* key, const std::string& where, unsigned& out, unsigned lo,
                unsigned hi) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return Status();
        if (!cJSON_IsNumber(c) ||
            c->valuedouble != static_cast<double>(static_cast<long long>(c->valuedouble)) ||
            c->valuedouble < lo || c->valuedouble > hi)
            return bad(where + key,
                       "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
        out = static_cast<unsigned>(c->valuedouble);
        return Status();
    }
    Status str(const cJSON* obj, const char* key, const std::string& where, std::string& out) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return Status();
        if (!cJSON_IsString(c)) return bad(where + key, "expected a string");
        out = c->valuestring;
        return Status();
    }
    Status strings(const cJSON* obj, const char* key, const std::string& where,
                   std::vector<std::string>& out) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return Status();
        if (!cJSON_IsArray(c)) return bad(where + key, "expected an array of strings");
        out.clear();
        for (const cJSON* e = c->child; e; e = e->next) {
            if (!cJSON_IsString(e)) return bad(where + key, "expected an array of strings");
            out.push_back(e->valuestring);
        }
        return Status();
    }
    const cJSON* object(const cJSON* obj, const char* key, const std::string& where, Status& st) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (c && !cJSON_IsObject(c)) st = bad(where + key, "expected an object");
        return cJSON_IsObject(c) ? c : nullptr;
    }
};

#define QR_TRY(expr)                                     \
    do {                                                 \
        if (auto _st = (expr); !_st) return _st.error(); \
    } while (0)
}  // namespace

Result<QrConfig> parse_qr_config(std::string_view text, std::string_view what) {
    QrConfig c;
    auto doc = json::parse(text, what);
    if (!doc) return doc.error();
    Reader r{std::string(what)};
    const cJSON* qr = cJSON_GetObjectItemCaseSensitive(doc->get(), "qr");
    if (qr) {
        if (!cJSON_IsObject(qr)) return r.bad("", "expected an object");
        QR_TRY(r.only(qr, "",
                      {"enabled", "cookie_secure", "otp", "customer_session_s", "tech_session_s",
                       "token_days", "restart_min_interval_s", "public_url", "hub_url", "budget_ms", "sms",
                       "customer_sso", "install_check"}));
        QR_TRY(r.boolean(qr, "enabled", "", c.enabled));
        QR_TRY(r.boolean(qr, "cookie_secure", "", c.cookie_secure));
        QR_TRY(r.uint(qr, "customer_session_s", "", c.customer_session_s, 60, 86400));
        QR_TRY(r.uint(qr, "tech_session_s", "", c.tech_session_s, 60, 7 * 86400));
        QR_TRY(r.uint(qr, "token_days", "", c.token_days, 1, 366));
        QR_TRY(r.uint(qr, "restart_min_interval_s", "", c.restart_min_interval_s, 0, 86400));
        unsigned budget = static_cast<unsigned>(c.budget_ms);
        QR_TRY(r.uint(qr, "budget_ms", "", budget, 500, 60000));
        c.budget_ms = budget;
        QR_TRY(r.str(qr, "public_url", "", c.public_url));
        QR_TRY(r.str(qr, "hub_url", "", c.hub_url));
        Status st;
        if (const cJSON* o = r.object(qr, "otp", "", st)) {
            QR_TRY(r.only(o, "otp",
                          {"ttl_s", "max_tries", "per_mac_per_hour", "per_phone_per_day",
                           "per_address_per_hour", "global_per_day"}));
            QR_TRY(r.uint(o, "ttl_s", "otp.", c.otp.ttl_s, 60, 3600));
            QR_TRY(r.uint(o, "max_tries", "otp.", c.otp.max_tries, 1, 10));
            QR_TRY(r.uint(o, "per_mac_per_hour", "otp.", c.otp.per_mac_per_hour, 1, 100));
            QR_TRY(r.uint(o, "per_phone_per_day", "otp.", c.otp.per_phone_per_day, 1, 100));
            QR_TRY(r.uint(o, "per_address_per_hour", "otp.", c.otp.per_address_per_hour, 1, 10000));
            QR_TRY(r.uint(o, "global_per_day", "otp.", c.otp.global_per_day, 1, 1000000));
        }
        QR_TRY(st);
        if (const cJSON* s = r.object(qr, "install_check", "", st)) {
            auto& ic = c.install_check;
            QR_TRY(r.only(s, "install_check",
                          {"dns_name", "download_url", "download_duration_s", "pass_mbps", "warn_mbps",
                           "budget_s", "poll_ms"}));
            QR_TRY(r.str(s, "dns_name", "install_check.", ic.dns_name));
            QR_TRY(r.str(s, "download_url", "install_check.", ic.download_url));
            QR_TRY(r.uint(s, "download_duration_s", "install_check.", ic.download_duration_s, 0, 60));
            QR_TRY(r.uint(s, "pass_mbps", "install_check.", ic.pass_mbps, 1, 100000));
            QR_TRY(r.uint(s, "warn_mbps", "install_check.", ic.warn_mbps, 0, 100000));
            QR_TRY(r.uint(s, "budget_s", "install_check.", ic.budget_s, 5, 300));
            QR_TRY(r.uint(s, "poll_ms", "install_check.", ic.poll_ms, 100, 10000));
            if (ic.dns_name.empty() || ic.dns_name.size() > 253)
                return r.bad("install_check.dns_name", "expected a host name");
            if (ic.warn_mbps > ic.pass_mbps)
                return r.bad("install_check.warn_mbps", "larger than install_check.pass_mbps");
            if (!ic.download_url.empty() && ic.download_url.rfind("http://", 0) != 0 &&
                ic.download_url.rfind("https://", 0) != 0)
                return r.bad("install_check.download_url", "expected an http:// or https:// URL");
        }
        QR_TRY(st);
        if (const cJSON* s = r.object(qr, "sms", "", st)) {
            QR_TRY(r.only(s, "sms", {"url", "budget_ms"}));
            QR_TRY(r.str(s, "url", "sms.", c.sms.base_url));
            unsigned b = static_cast<unsigned>(c.sms.budget_ms);
            QR_TRY(r.uint(s, "budget_ms", "sms.", b, 500, 60000));
            c.sms.budget_ms = b;
        }
        QR_TRY(st);
        if (const cJSON* s = r.object(qr, "customer_sso", "", st)) {
            QR_TRY(r.only(s, "customer_sso", {"trusted_proxies", "header", "field"}));
            QR_TRY(r.strings(s, "trusted_proxies", "customer_sso.", c.customer_sso.trusted_proxies));
            QR_TRY(r.str(s, "header", "customer_sso.", c.customer_sso.header));
            QR_TRY(r.str(s, "field", "customer_sso.", c.customer_sso.field));
            for (auto& ch : c.customer_sso.header)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            // Only headers the HTTP server captures (net::HttpServerOptions::capture_headers of the hub).
            if (c.customer_sso.header != "x-authentik-email" &&
                c.customer_sso.header != "x-authentik-username" && c.customer_sso.header != "x-authentik-uid")
                return r.bad("customer_sso.header",
                             "expected x-authentik-email, x-authentik-username or x-authentik-uid");
            if (c.customer_sso.field.empty())
                return r.bad("customer_sso.field", "expected a Customer field name");
        }
        QR_TRY(st);
    }
    c.sms.account_sid = env("QR_TWILIO_ACCOUNT_SID");
    c.sms.auth_token = env("QR_TWILIO_AUTH_TOKEN");
    c.sms.from = env("QR_TWILIO_FROM");
    c.session_key = env("QR_SESSION_KEY");
    if (!c.session_key.empty() && c.session_key.size() < 32)
        return make_error(Errc::invalid_argument, "QR_SESSION_KEY: expected at least 32 characters");
    return c;
}

Result<QrConfig> qr_config_from_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::io_error, path + ": cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_qr_config(ss.str(), path);
}

}  // namespace cpe::hub::qr
