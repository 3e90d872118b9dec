#include "app/config.hpp"

#include <cctype>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "controller/ws_server.hpp"
#include "json/json.hpp"
#include "tr181/vendor.hpp"

namespace cpe::hub::app {

namespace {
struct Reader {
    std::string what;
    std::string base_dir;

    Error bad(const std::string& field, const std::string& why) const {
        return make_error(Errc::invalid_argument, what + ": " + field + ": " + why);
    }

    // Unknown keys are errors: a typo must not silently fall back to a default.
    Status only(const cJSON* obj, const std::string& where, std::initializer_list<const char*> keys) const {
        for (const cJSON* c = obj ? obj->child : nullptr; c; c = c->next) {
            bool known = false;
            for (const char* k : keys) known = known || (c->string && std::strcmp(c->string, k) == 0);
            if (!known)
                return bad(where.empty() ? std::string(c->string) : where + "." + c->string, "unknown field");
        }
        return {};
    }

    Result<const cJSON*> object(const cJSON* parent, const char* key, const std::string& field) const {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(parent, key);
        if (!v) return static_cast<const cJSON*>(nullptr);
        if (!cJSON_IsObject(v)) return bad(field, "expected an object");
        return v;
    }

    Status str(const cJSON* obj, const char* key, const std::string& field, std::string& out) const {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!v) return {};
        if (!cJSON_IsString(v)) return bad(field, "expected a string");
        out = v->valuestring;
        return {};
    }

    Status path(const cJSON* obj, const char* key, const std::string& field, std::string& out) const {
        if (auto st = str(obj, key, field, out); !st) return st;
        if (!out.empty() && out.front() != '/' && !base_dir.empty()) out = base_dir + "/" + out;
        return {};
    }

    Status boolean(const cJSON* obj, const char* key, const std::string& field, bool& out) const {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!v) return {};
        if (!cJSON_IsBool(v)) return bad(field, "expected true or false");
        out = cJSON_IsTrue(v);
        return {};
    }

    template <typename T>
    Status integer(const cJSON* obj, const char* key, const std::string& field, T& out, int64_t lo,
                   int64_t hi) const {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!v) return {};
        const std::string range = "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
        if (!cJSON_IsNumber(v)) return bad(field, range);
        double d = v->valuedouble;
        if (d != static_cast<double>(static_cast<int64_t>(d)) || d < static_cast<double>(lo) ||
            d > static_cast<double>(hi))
            return bad(field, range);
        out = static_cast<T>(d);
        return {};
    }
};

Result<log::Level> level_named(const std::string& name) {
    if (name == "debug") return log::Level::debug;
    if (name == "info") return log::Level::info;
    if (name == "warn") return log::Level::warn;
    if (name == "error") return log::Level::error;
    if (name == "off") return log::Level::off;
    return make_error(Errc::invalid_argument, "'" + name + "' is not one of debug, info, warn, error, off");
}
}  // namespace

Result<HubConfig> parse_config(std::string_view text, std::string_view what, const std::string& base_dir) {
    auto doc = json::parse(text, what);
    if (!doc) return doc.error();
    Reader r{std::string(what), base_dir};
    const cJSON* root = doc->get();
    if (!cJSON_IsObject(root)) return make_error(Errc::invalid_argument, r.what + ": expected a JSON object");
    HubConfig c;
    // devices: the device API's section (api::parse_devices_section); qr, diagnostics: hub/qr and
    // hub/diagnostics read theirs (qr_config_from_file, diagnostics_config).
    if (auto st = r.only(root, "", {"http", "usp", "store", "log", "devices", "qr", "diagnostics"}); !st)
        return st.error();

    auto http = r.object(root, "http", "http");
    if (!http) return http.error();
    if (*http) {
        if (auto st = r.only(*http, "http", {"bind", "port", "capture_headers"}); !st) return st.error();
        if (auto st = r.str(*http, "bind", "http.bind", c.http.bind); !st) return st.error();
        if (auto st = r.integer(*http, "port", "http.port", c.http.port, 0, 65535); !st) return st.error();
        if (const cJSON* h = cJSON_GetObjectItemCaseSensitive(*http, "capture_headers")) {
            if (!cJSON_IsArray(h)) return r.bad("http.capture_headers", "expected an array of header names");
            c.http.capture_headers.clear();
            int i = 0;
            for (const cJSON* e = h->child; e; e = e->next, ++i) {
                const std::string f = "http.capture_headers[" + std::to_string(i) + "]";
                if (!cJSON_IsString(e) || !*e->valuestring) return r.bad(f, "expected a header name");
                std::string name = e->valuestring;
                for (char ch : name)
                    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'))
                        return r.bad(f, "'" + name + "' is not a header name");
                for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                c.http.capture_headers.push_back(std::move(name));
            }
        }
    }

    auto usp = r.object(root, "usp", "usp");
    if (!usp) return usp.error();
    if (*usp) {
        const cJSON* u = *usp;
        if (auto st =
                r.only(u, "usp",
                       {"enabled", "bind", "port", "tls", "endpoint_id", "request_timeout_ms",
                        "max_record_bytes", "notifications_per_endpoint", "notification_bytes_per_endpoint",
                        "admission", "max_connections_per_address", "descriptor_reserve", "identify",
                        "subscribe", "subscriptions", "vendor_prefix", "cert_renewal"});
            !st)
            return st.error();
        if (auto st = r.boolean(u, "enabled", "usp.enabled", c.usp.enabled); !st) return st.error();
        if (auto st = r.str(u, "bind", "usp.bind", c.usp.bind); !st) return st.error();
        if (auto st = r.integer(u, "port", "usp.port", c.usp.port, 0, 65535); !st) return st.error();
        if (auto st = r.str(u, "endpoint_id", "usp.endpoint_id", c.usp.endpoint_id); !st) return st.error();
        if (c.usp.endpoint_id.empty()) return r.bad("usp.endpoint_id", "must not be empty");
        if (auto st = r.str(u, "vendor_prefix", "usp.vendor_prefix", c.usp.vendor_prefix); !st)
            return st.error();
        if (!c.usp.vendor_prefix.empty())
            if (auto st = tr181::check_vendor_prefix(c.usp.vendor_prefix,
                                                     std::string(what) + ": usp.vendor_prefix");
                !st)
                return st.error();
        if (auto st = r.integer(u, "request_timeout_ms", "usp.request_timeout_ms", c.usp.request_timeout_ms,
                                1, 3600000);
            !st)
            return st.error();
        if (auto st = r.integer(u, "max_record_bytes", "usp.max_record_bytes", c.usp.max_record_bytes, 1024,
                                64 << 20);
            !st)
            return st.error();
        if (auto st = r.integer(u, "notifications_per_endpoint", "usp.notifications_per_endpoint",
                                c.usp.notifications_per_endpoint, 0, 100000);
            !st)
            return st.error();
        if (auto st = r.integer(u, "notification_bytes_per_endpoint", "usp.notification_bytes_per_endpoint",
                                c.usp.notification_bytes_per_endpoint, 0, 1LL << 30);
            !st)
            return st.error();
        auto adm = r.object(u, "admission", "usp.admission");
        if (!adm) return adm.error();
        if (*adm) {
            if (auto st = r.only(*adm, "usp.admission",
                                 {"mode", "allow", "unidentified_ttl_s", "refused_statuses",
                                  "check_timeout_ms", "check_cache_s", "retry_min_ms", "retry_max_s"});
                !st)
                return st.error();
            std::string mode = "identified";
            if (auto st = r.str(*adm, "mode", "usp.admission.mode", mode); !st) return st.error();
            if (mode == "identified")
                c.usp.admission.mode = controller::Admission::identified;
            else if (mode == "allow_list")
                c.usp.admission.mode = controller::Admission::allow_list;
            else if (mode == "erpnext")
                c.usp.admission.mode = controller::Admission::erpnext;
            else if (mode == "provisioning")
                c.usp.admission.mode = controller::Admission::provisioning;
            else
                return r.bad("usp.admission.mode",
                             "'" + mode + "' is not one of identified, allow_list, erpnext, provisioning");
            if (const cJSON* rs = cJSON_GetObjectItemCaseSensitive(*adm, "refused_statuses")) {
                if (!cJSON_IsArray(rs))
                    return r.bad("usp.admission.refused_statuses", "expected an array of statuses");
                c.usp.admission.refused_statuses.clear();
                int i = 0;
                for (const cJSON* a = rs->child; a; a = a->next, ++i) {
                    const std::string f = "usp.admission.refused_statuses[" + std::to_string(i) + "]";
                    if (!cJSON_IsString(a) || !*a->valuestring)
                        return r.bad(f, "expected a non-empty status");
                    c.usp.admission.refused_statuses.push_back(a->valuestring);
                }
            }
            if (auto st = r.integer(*adm, "check_timeout_ms", "usp.admission.check_timeout_ms",
                                    c.usp.admission.check_timeout_ms, 100, 600000);
                !st)
                return st.error();
            if (auto st = r.integer(*adm, "check_cache_s", "usp.admission.check_cache_s",
                                    c.usp.admission.check_cache_s, 0, 7 * 86400);
                !st)
                return st.error();
            if (auto st = r.integer(*adm, "retry_min_ms", "usp.admission.retry_min_ms",
                                    c.usp.admission.retry_min_ms, 10, 3600000);
                !st)
                return st.error();
            if (auto st = r.integer(*adm, "retry_max_s", "usp.admission.retry_max_s",
                                    c.usp.admission.retry_max_s, 1, 86400);
                !st)
                return st.error();
            const cJSON* allow = cJSON_GetObjectItemCaseSensitive(*adm, "allow");
            if (allow) {
                if (!cJSON_IsArray(allow))
                    return r.bad("usp.admission.allow", "expected an array of endpoint ids");
                int i = 0;
                for (const cJSON* a = allow->child; a; a = a->next, ++i) {
                    const std::string f = "usp.admission.allow[" + std::to_string(i) + "]";
                    if (!cJSON_IsString(a) || !*a->valuestring)
                        return r.bad(f, "expected a non-empty endpoint id");
                    c.usp.admission.allow.insert(a->valuestring);
                }
            }
            if (c.usp.admission.mode == controller::Admission::allow_list && c.usp.admission.allow.empty())
                return r.bad("usp.admission.allow", "mode allow_list needs at least one endpoint id");
            if (c.usp.admission.mode != controller::Admission::allow_list && !c.usp.admission.allow.empty())
                return r.bad("usp.admission.allow", "only used with mode allow_list");
            if (auto st = r.integer(*adm, "unidentified_ttl_s", "usp.admission.unidentified_ttl_s",
                                    c.usp.admission.unidentified_ttl_s, 0, 365LL * 86400);
                !st)
                return st.error();
        }
        if (auto st = r.integer(u, "max_connections_per_address", "usp.max_connections_per_address",
                                c.usp.max_connections_per_address, 0, 1000000);
            !st)
            return st.error();
        if (auto st = r.integer(u, "descriptor_reserve", "usp.descriptor_reserve", c.usp.descriptor_reserve,
                                0, 100000);
            !st)
            return st.error();
        if (auto st = r.boolean(u, "identify", "usp.identify", c.usp.identify); !st) return st.error();
        if (auto st = r.boolean(u, "subscribe", "usp.subscribe", c.usp.subscribe); !st) return st.error();
        auto tls = r.object(u, "tls", "usp.tls");
        if (!tls) return tls.error();
        if (*tls) {
            if (auto st =
                    r.only(*tls, "usp.tls",
                           {"cert_file", "key_file", "ca_file", "require_client_cert", "cert", "key", "ca"});
                !st)
                return st.error();
            // The one spelling (net::TlsFiles); the older short keys are still read, with a warning.
            for (auto [key, old_key, out] : {std::tuple{"cert_file", "cert", &c.usp.tls.cert_file},
                                             std::tuple{"key_file", "key", &c.usp.tls.key_file},
                                             std::tuple{"ca_file", "ca", &c.usp.tls.ca_file}}) {
                const bool has_new = cJSON_GetObjectItemCaseSensitive(*tls, key) != nullptr;
                const bool has_old = cJSON_GetObjectItemCaseSensitive(*tls, old_key) != nullptr;
                if (has_new && has_old)
                    return r.bad(std::string("usp.tls.") + old_key,
                                 std::string("given together with usp.tls.") + key + ": keep " + key);
                if (has_old)
                    LOG_WARN("config",
                             "%s: usp.tls.%s is the old spelling, read for this release: write usp.tls.%s",
                             r.what.c_str(), old_key, key);
                const char* use = has_old ? old_key : key;
                if (auto st = r.path(*tls, use, std::string("usp.tls.") + use, *out); !st) return st.error();
            }
            if (auto st = r.boolean(*tls, "require_client_cert", "usp.tls.require_client_cert",
                                    c.usp.tls.require_client_cert);
                !st)
                return st.error();
            if (c.usp.tls.cert_file.empty() != c.usp.tls.key_file.empty())
                return r.bad(c.usp.tls.cert_file.empty() ? "usp.tls.cert_file" : "usp.tls.key_file",
                             "TLS needs both a certificate and a key");
            if (c.usp.tls.require_client_cert && (c.usp.tls.cert_file.empty() || c.usp.tls.ca_file.empty()))
                return r.bad("usp.tls.require_client_cert",
                             "needs usp.tls.cert_file, usp.tls.key_file and usp.tls.ca_file");
        }
        if (c.usp.admission.mode == controller::Admission::provisioning && !c.usp.tls.require_client_cert)
            return r.bad("usp.admission.mode",
                         "provisioning admits the endpoints whose client certificate names them: "
                         "it needs usp.tls.require_client_cert");
        if (c.usp.enabled && !controller::is_loopback_address(c.usp.bind) && !c.usp.tls.require_client_cert)
            return r.bad("usp.bind",
                         "'" + c.usp.bind +
                             "' is reachable from other hosts: without usp.tls.require_client_cert nothing "
                             "proves an agent's endpoint id there; bind 127.0.0.1 (or ::1) or require "
                             "client certificates");
        auto renew = r.object(u, "cert_renewal", "usp.cert_renewal");
        if (!renew) return renew.error();
        if (*renew) {
            auto& cr = c.usp.cert_renewal;
            cr.enabled = true;
            if (auto st = r.only(*renew, "usp.cert_renewal",
                                 {"days_before_expiry", "validity_days", "retry_after_s", "check_interval_s",
                                  "ca_cert_file", "ca_key_file"});
                !st)
                return st.error();
            if (auto st = r.integer(*renew, "days_before_expiry", "usp.cert_renewal.days_before_expiry",
                                    cr.days_before_expiry, 1, 3650);
                !st)
                return st.error();
            if (auto st = r.integer(*renew, "validity_days", "usp.cert_renewal.validity_days",
                                    cr.validity_days, 1, 3650);
                !st)
                return st.error();
            if (auto st = r.integer(*renew, "retry_after_s", "usp.cert_renewal.retry_after_s",
                                    cr.retry_after_s, 1, 30LL * 86400);
                !st)
                return st.error();
            if (auto st = r.integer(*renew, "check_interval_s", "usp.cert_renewal.check_interval_s",
                                    cr.check_interval_s, 1, 86400);
                !st)
                return st.error();
            if (auto st = r.path(*renew, "ca_cert_file", "usp.cert_renewal.ca_cert_file", cr.ca_cert_file);
                !st)
                return st.error();
            if (auto st = r.path(*renew, "ca_key_file", "usp.cert_renewal.ca_key_file", cr.ca_key_file); !st)
                return st.error();
            if (cr.ca_cert_file.empty() || cr.ca_key_file.empty())
                return r.bad(cr.ca_cert_file.empty() ? "usp.cert_renewal.ca_cert_file"
                                                     : "usp.cert_renewal.ca_key_file",
                             "the fleet CA's certificate and key are both required");
            if (cr.validity_days <= cr.days_before_expiry)
                return r.bad("usp.cert_renewal.validity_days",
                             "must be more than days_before_expiry (" +
                                 std::to_string(cr.days_before_expiry) +
                                 "), or every new certificate would be renewed at once");
            if (!c.usp.tls.require_client_cert)
                return r.bad("usp.cert_renewal",
                             "renews client certificates: it needs usp.tls.require_client_cert");
            if (c.usp.vendor_prefix.empty())
                return r.bad(
                    "usp.cert_renewal",
                    "the renewal commands carry the agents' vendor prefix: it needs usp.vendor_prefix");
        }
        const cJSON* subs = cJSON_GetObjectItemCaseSensitive(u, "subscriptions");
        if (subs) {
            if (!cJSON_IsArray(subs)) return r.bad("usp.subscriptions", "expected an array");
            c.usp.subscriptions.clear();
            std::set<std::string> ids;
            int i = 0;
            for (const cJSON* s = subs->child; s; s = s->next, ++i) {
                const std::string f = "usp.subscriptions[" + std::to_string(i) + "]";
                if (!cJSON_IsObject(s)) return r.bad(f, "expected an object");
                if (auto st = r.only(s, f, {"id", "notif_type", "reference_list"}); !st) return st.error();
                controller::SubscriptionSpec spec;
                if (auto st = r.str(s, "id", f + ".id", spec.id); !st) return st.error();
                if (auto st = r.str(s, "notif_type", f + ".notif_type", spec.notif_type); !st)
                    return st.error();
                if (auto st = r.str(s, "reference_list", f + ".reference_list", spec.reference_list); !st)
                    return st.error();
                if (spec.id.empty()) return r.bad(f + ".id", "must not be empty");
                if (!ids.insert(spec.id).second) return r.bad(f + ".id", "'" + spec.id + "' is used twice");
                static const std::set<std::string> kinds = {"ValueChange", "ObjectCreation", "ObjectDeletion",
                                                            "Event", "OperationComplete"};
                if (!kinds.count(spec.notif_type))
                    return r.bad(f + ".notif_type",
                                 "'" + spec.notif_type +
                                     "' is not ValueChange, ObjectCreation, ObjectDeletion, "
                                     "Event or OperationComplete");
                if (spec.reference_list.rfind("Device.", 0) != 0)
                    return r.bad(f + ".reference_list", "expected a path starting with 'Device.'");
                c.usp.subscriptions.push_back(std::move(spec));
            }
        }
    }

    auto store = r.object(root, "store", "store");
    if (!store) return store.error();
    if (*store) {
        if (auto st = r.only(*store, "store", {"path"}); !st) return st.error();
        if (auto st = r.path(*store, "path", "store.path", c.store.path); !st) return st.error();
        if (c.store.path.empty()) return r.bad("store.path", "must not be empty");
    } else if (!base_dir.empty()) {
        c.store.path = base_dir + "/" + c.store.path;
    }

    auto devices = r.object(root, "devices", "devices");
    if (!devices) return devices.error();
    if (*devices) {
        auto d = api::parse_devices_section(*devices, r.what, "devices.");
        if (!d) return d.error();
        c.devices = std::move(d).value();
        c.devices_given = true;
    }

    auto lg = r.object(root, "log", "log");
    if (!lg) return lg.error();
    if (*lg) {
        if (auto st = r.only(*lg, "log", {"level"}); !st) return st.error();
        std::string level = "info";
        if (auto st = r.str(*lg, "level", "log.level", level); !st) return st.error();
        auto lv = level_named(level);
        if (!lv) return r.bad("log.level", lv.error().message);
        c.log_level = *lv;
    }
    return c;
}

Result<HubConfig> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::not_found, "config '" + path + "': cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > (1 << 20))
        return make_error(Errc::too_large, "config '" + path + "': over 1 MiB");
    std::string dir;
    auto slash = path.rfind('/');
    dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash == 0 ? 1 : slash);
    return parse_config(text.str(), path, dir);
}

}  // namespace cpe::hub::app
