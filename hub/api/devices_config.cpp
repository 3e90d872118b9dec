#include "api/devices_config.hpp"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "json/field_reader.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/erpnext_client.hpp"

namespace cpe::hub::api {

namespace {
// prefix: "devices." in the hub configuration, "" in the older file of its own.
struct Reader : json::FieldReader {
    Status only(const cJSON* obj, const std::string& where, std::initializer_list<const char*> keys) const {
        for (const cJSON* c = obj->child; c; c = c->next) {
            bool known = false;
            for (const char* k : keys) known = known || (c->string && std::strcmp(c->string, k) == 0);
            if (!known)
                return bad(where.empty() ? std::string(c->string) : where + "." + c->string, "unknown field");
        }
        return {};
    }
    const cJSON* object(const cJSON* obj, const char* key, const std::string& where, Status& st) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return nullptr;
        if (!cJSON_IsObject(c)) st = bad(where + key, "expected an object");
        return cJSON_IsObject(c) ? c : nullptr;
    }
    Status real(const cJSON* obj, const char* key, const std::string& where, double& out, double lo,
                double hi) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return {};
        if (!cJSON_IsNumber(c) || c->valuedouble < lo || c->valuedouble > hi)
            return bad(where + key, "expected a number in " + std::to_string(lo) + ".." + std::to_string(hi));
        out = c->valuedouble;
        return {};
    }
    Status boolean(const cJSON* obj, const char* key, const std::string& where, bool& out) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return {};
        if (!cJSON_IsBool(c)) return bad(where + key, "expected true or false");
        out = cJSON_IsTrue(c);
        return {};
    }
    Status strings(const cJSON* obj, const char* key, const std::string& where,
                   std::vector<std::string>& out) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return {};
        if (!cJSON_IsArray(c)) return bad(where + key, "expected an array of strings");
        out.clear();
        int i = 0;
        for (const cJSON* e = c->child; e; e = e->next, ++i) {
            if (!cJSON_IsString(e))
                return bad(where + key + "[" + std::to_string(i) + "]", "expected a string");
            out.push_back(e->valuestring);
        }
        return {};
    }
};

Status url_ok(const Reader& r, const std::string& key, const std::string& url) {
    if (url.empty() || url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) return {};
    return r.bad(key, "expected an http:// or https:// URL");
}

#define TRY(expr)                                        \
    do {                                                 \
        if (auto st_ = (expr); !st_) return st_.error(); \
    } while (0)
}  // namespace

Result<DevicesConfig> parse_devices_config(std::string_view text, std::string_view what) {
    auto doc = json::parse(text, what);
    if (!doc) return doc.error();
    return parse_devices_section(doc->get(), what, "");
}

Result<DevicesConfig> parse_devices_section(const cJSON* root, std::string_view what,
                                            std::string_view prefix) {
    Reader r{{std::string(what), std::string(prefix)}};
    if (!cJSON_IsObject(root)) return r.bad("(root)", "expected an object");
    DevicesConfig c;
    TRY(r.only(root, "",
               {"access", "genieacs", "erpnext", "bridge", "agent_budget_ms", "lookup_budget_ms", "optical",
                "history", "poller", "breaker", "cache", "model_families"}));
    Status st;
    if (const cJSON* a = r.object(root, "access", "", st)) {
        TRY(r.only(a, "access", {"trusted_proxies", "staff_groups", "protected_prefixes"}));
        TRY(r.strings(a, "trusted_proxies", "access.", c.access.trusted_proxies));
        TRY(r.strings(a, "staff_groups", "access.", c.access.staff_groups));
        TRY(r.strings(a, "protected_prefixes", "access.", c.access.protected_prefixes));
        for (const auto& p : c.access.protected_prefixes)
            if (p.empty() || p[0] != '/')
                return r.bad("access.protected_prefixes", "each prefix must start with '/'");
    }
    if (const cJSON* g = r.object(root, "genieacs", "", st)) {
        TRY(r.only(g, "genieacs",
                   {"url", "budget_ms", "task_timeout_ms", "task_answer_ms", "online_window_s", "gpon_paths",
                    "firmware_dir", "firmware_max_mb", "download_poll_ms", "download_follow_s"}));
        TRY(r.str(g, "url", "genieacs.", c.genieacs.url));
        TRY(url_ok(r, "genieacs.url", c.genieacs.url));
        TRY(r.uint(g, "budget_ms", "genieacs.", c.genieacs.budget_ms, 100, 60000));
        TRY(r.uint(g, "task_timeout_ms", "genieacs.", c.genieacs.task_timeout_ms, 0, 60000));
        TRY(r.uint(g, "task_answer_ms", "genieacs.", c.genieacs.task_answer_ms, 0, 600000));
        TRY(r.uint(g, "online_window_s", "genieacs.", c.genieacs.online_window_s, 60, 604800));
        TRY(r.strings(g, "gpon_paths", "genieacs.", c.genieacs.gpon_paths));
        TRY(r.str(g, "firmware_dir", "genieacs.", c.genieacs.firmware_dir));
        TRY(r.uint(g, "firmware_max_mb", "genieacs.", c.genieacs.firmware_max_mb, 1, 1024));
        TRY(r.uint(g, "download_poll_ms", "genieacs.", c.genieacs.download_poll_ms, 100, 600000));
        TRY(r.uint(g, "download_follow_s", "genieacs.", c.genieacs.download_follow_s, 1, 86400));
    }
    if (const cJSON* e = r.object(root, "erpnext", "", st)) {
        TRY(r.only(e, "erpnext", {"url", "budget_ms", "fields"}));
        TRY(r.str(e, "url", "erpnext.", c.erpnext.url));
        TRY(url_ok(r, "erpnext.url", c.erpnext.url));
        TRY(r.uint(e, "budget_ms", "erpnext.", c.erpnext.budget_ms, 100, 60000));
        if (const cJSON* fm = r.object(e, "fields", "erpnext.", st)) {
            TRY(r.only(fm, "erpnext.fields", {"equipment", "location", "customer"}));
            auto& f = c.erpnext.fields;
            for (sources::ErpDocTypeMap* m : {&f.equipment, &f.location, &f.customer}) {
                std::string where = "erpnext.fields." + m->config_key;
                const cJSON* d = r.object(fm, m->config_key.c_str(), "erpnext.fields.", st);
                if (!d) continue;
                for (const cJSON* k = d->child; k; k = k->next) {
                    std::string key = k->string ? k->string : "";
                    if (!cJSON_IsString(k))
                        return r.bad(where + "." + key,
                                     "expected a string (a fieldname, or \"\" not to read it)");
                    if (key == "doctype")
                        m->doctype = k->valuestring;
                    else if (!m->set(key, k->valuestring))
                        return r.bad(where + "." + key, "unknown field");
                }
            }
            if (auto v = f.validate(); !v)
                return make_error(Errc::invalid_argument, r.what + ": " + v.error().message);
        }
    }
    if (const cJSON* b = r.object(root, "bridge", "", st)) {
        TRY(r.only(b, "bridge", {"url", "budget_ms"}));
        TRY(r.str(b, "url", "bridge.", c.bridge.url));
        TRY(url_ok(r, "bridge.url", c.bridge.url));
        TRY(r.uint(b, "budget_ms", "bridge.", c.bridge.budget_ms, 100, 60000));
    }
    TRY(r.uint(root, "agent_budget_ms", "", c.agent_budget_ms, 100, 60000));
    TRY(r.uint(root, "lookup_budget_ms", "", c.lookup_budget_ms, 200, 120000));
    if (const cJSON* o = r.object(root, "optical", "", st)) {
        TRY(r.only(o, "optical",
                   {"too_high_above_dbm", "good_min_dbm", "warning_min_dbm", "no_signal_at_or_below_dbm",
                    "trend_readings", "trend_min_readings", "stable_db_per_day"}));
        auto& t = c.optical;
        TRY(r.real(o, "too_high_above_dbm", "optical.", t.too_high_above_dbm, -60, 20));
        TRY(r.real(o, "good_min_dbm", "optical.", t.good_min_dbm, -60, 20));
        TRY(r.real(o, "warning_min_dbm", "optical.", t.warning_min_dbm, -60, 20));
        TRY(r.real(o, "no_signal_at_or_below_dbm", "optical.", t.no_signal_at_or_below_dbm, -100, 0));
        TRY(r.uint(o, "trend_readings", "optical.", t.trend_readings, 2, 10000));
        TRY(r.uint(o, "trend_min_readings", "optical.", t.trend_min_readings, 2, 10000));
        TRY(r.real(o, "stable_db_per_day", "optical.", t.stable_db_per_day, 0, 100));
        if (!(t.no_signal_at_or_below_dbm < t.warning_min_dbm && t.warning_min_dbm <= t.good_min_dbm &&
              t.good_min_dbm <= t.too_high_above_dbm))
            return r.bad(
                "optical",
                "thresholds must satisfy no_signal_at_or_below < warning_min <= good_min <= too_high_above");
    }
    if (const cJSON* h = r.object(root, "history", "", st)) {
        TRY(r.only(h, "history", {"keep", "min_interval_s", "path"}));
        TRY(r.uint(h, "keep", "history.", c.history_keep, 2, 100000));
        TRY(r.uint(h, "min_interval_s", "history.", c.history_min_interval_s, 0, 86400));
        TRY(r.str(h, "path", "history.", c.history_path));
    }
    if (const cJSON* p = r.object(root, "poller", "", st)) {
        TRY(r.only(p, "poller",
                   {"enabled", "interval_s", "stale_after_s", "concurrency", "jitter_ms", "genieacs_limit",
                    "genieacs_page_size"}));
        TRY(r.boolean(p, "enabled", "poller.", c.poller.enabled));
        TRY(r.uint(p, "interval_s", "poller.", c.poller.interval_s, 1, 86400));
        TRY(r.uint(p, "stale_after_s", "poller.", c.poller.stale_after_s, 1, 604800));
        TRY(r.uint(p, "concurrency", "poller.", c.poller.concurrency, 1, 256));
        TRY(r.uint(p, "jitter_ms", "poller.", c.poller.jitter_ms, 0, 600000));
        TRY(r.uint(p, "genieacs_limit", "poller.", c.poller.genieacs_limit, 1, 100000));
        TRY(r.uint(p, "genieacs_page_size", "poller.", c.poller.genieacs_page_size, 1, 1000));
    }
    if (const cJSON* k = r.object(root, "cache", "", st)) {
        TRY(r.only(k, "cache",
                   {"agent_s", "genieacs_s", "erpnext_s", "bridge_s", "max_devices", "genieacs_max_mb"}));
        TRY(r.uint(k, "agent_s", "cache.", c.cache.agent_s, 0, 3600));
        TRY(r.uint(k, "genieacs_s", "cache.", c.cache.genieacs_s, 0, 86400));
        TRY(r.uint(k, "erpnext_s", "cache.", c.cache.erpnext_s, 0, 86400));
        TRY(r.uint(k, "bridge_s", "cache.", c.cache.bridge_s, 0, 3600));
        TRY(r.uint(k, "max_devices", "cache.", c.cache.max_devices, 1, 1000000));
        TRY(r.uint(k, "genieacs_max_mb", "cache.", c.cache.genieacs_max_mb, 1, 65536));
    }
    if (const cJSON* b = r.object(root, "breaker", "", st)) {
        TRY(r.only(b, "breaker", {"failures", "open_s"}));
        TRY(r.uint(b, "failures", "breaker.", c.breaker_failures, 1, 1000));
        TRY(r.uint(b, "open_s", "breaker.", c.breaker_open_s, 1, 86400));
    }
    TRY(r.strings(root, "model_families", "", c.model_families));
    for (size_t i = 0; i < c.model_families.size(); ++i)
        if (c.model_families[i].empty())
            return r.bad("model_families[" + std::to_string(i) + "]", "expected a model name");
    if (!st) return st.error();
    return c;
}

Result<DevicesConfig> devices_config_from_env() {
    return devices_config_from_env(DevicesConfig{}, false);
}

Result<DevicesConfig> devices_config_from_env(DevicesConfig c, bool from_hub_config) {
    if (const char* path = std::getenv("HUB_DEVICES_CONFIG"); path && *path) {
        if (from_hub_config)
            return make_error(
                Errc::invalid_argument,
                std::string("HUB_DEVICES_CONFIG names '") + path +
                    "' while the hub configuration has a \"devices\" section: keep the section only");
        log::write(log::Level::warn, "hub",
                   "HUB_DEVICES_CONFIG ('%s') is deprecated: put its keys under \"devices\" in the hub "
                   "configuration "
                   "(cpe-hub --config; hub/config/hub.example.json)",
                   path);
        std::ifstream f(path, std::ios::binary);
        if (!f)
            return make_error(Errc::not_found, std::string("HUB_DEVICES_CONFIG: cannot open '") + path + "'");
        std::ostringstream ss;
        ss << f.rdbuf();
        if (ss.str().size() > (1 << 20))
            return make_error(Errc::too_large, std::string(path) + ": larger than 1 MiB");
        auto parsed = parse_devices_config(ss.str(), path);
        if (!parsed) return parsed.error();
        c = std::move(parsed).value();
    }
    if (const char* t = std::getenv("HUB_SERVICE_TOKEN"); t && *t) {
        c.access.service_token = t;
        if (c.access.service_token.size() < 16)
            return make_error(Errc::invalid_argument,
                              "HUB_SERVICE_TOKEN: too short (at least 16 characters)");
    }
    // Trimmed and checked here: "key: secret" would reach Frappe as a three-part header, read as Guest (403).
    if (const char* t = std::getenv("ERP_SERVICE_TOKEN"); t && *t) {
        auto cred = sources::parse_erp_token(t, "ERP_SERVICE_TOKEN");
        if (!cred) return cred.error();
        c.erpnext.token = cred->api_key + ":" + cred->api_secret;
    } else if (auto cred = sources::load_erp_credentials(); cred) {  // h11's ERPNEXT_API_KEY/_SECRET, trimmed
        c.erpnext.token = cred->api_key + ":" + cred->api_secret;
    } else if (cred.error().code != Errc::not_found) {
        return cred.error();
    }
    return c;
}

}  // namespace cpe::hub::api
