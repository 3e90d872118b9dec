#include "diagnostics/config.hpp"

#include <cstdlib>
#include <cstring>

#include "json/field_reader.hpp"
#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::hub::diagnostics {

namespace {
struct Reader : json::FieldReader {
    Status only(const cJSON* obj, const std::string& where, std::initializer_list<const char*> keys) const {
        for (const cJSON* c = obj->child; c; c = c->next) {
            bool known = false;
            for (const char* k : keys) known = known || (c->string && std::strcmp(c->string, k) == 0);
            if (!known) return bad(where + (c->string ? c->string : ""), "unknown key");
        }
        return {};
    }
};
}  // namespace

Result<DiagnosticsOptions> parse_diagnostics_config(std::string_view text, std::string_view what,
                                                    DiagnosticsOptions o) {
    auto doc = json::parse(text, what);
    if (!doc) return doc.error();
    const cJSON* root = doc->get();
    Reader r{{std::string(what), ""}};
    if (!cJSON_IsObject(root)) return r.bad("(top)", "expected a JSON object");
    if (auto st = r.only(root, "",
                         {"keep_per_device", "margin_ms", "min_budget_ms", "max_budget_ms", "max_running",
                          "usp_request_ms", "genieacs_poll_ms", "default_url", "tr143"});
        !st)
        return st.error();
    for (const auto& st : {r.uint(root, "keep_per_device", "", o.keep_per_device, 1, 1000),
                           r.uint(root, "margin_ms", "", o.margin_ms, 0, 600000),
                           r.uint(root, "min_budget_ms", "", o.min_budget_ms, 100, 3600000),
                           r.uint(root, "max_budget_ms", "", o.max_budget_ms, 100, 3600000),
                           r.uint(root, "max_running", "", o.max_running, 1, 10000),
                           r.uint(root, "usp_request_ms", "", o.usp_request_ms, 100, 600000),
                           r.uint(root, "genieacs_poll_ms", "", o.genieacs_poll_ms, 100, 600000),
                           r.str(root, "default_url", "", o.default_url)})
        if (!st) return st.error();
    if (const cJSON* t = cJSON_GetObjectItemCaseSensitive(root, "tr143")) {
        if (!cJSON_IsObject(t)) return r.bad("tr143", "expected an object");
        if (auto st = r.only(
                t, "tr143.",
                {"enabled", "bind", "port", "max_download_bytes", "max_upload_bytes", "max_connections",
                 "max_connections_per_address", "public_url", "default_download_bytes"});
            !st)
            return st.error();
        auto& x = o.tr143;
        if (const cJSON* e = cJSON_GetObjectItemCaseSensitive(t, "enabled")) {
            if (!cJSON_IsBool(e)) return r.bad("tr143.enabled", "expected true or false");
            x.enabled = cJSON_IsTrue(e);
        }
        for (const auto& st :
             {r.str(t, "bind", "tr143.", x.bind), r.uint(t, "port", "tr143.", x.port, 0, 65535),
              r.uint(t, "max_download_bytes", "tr143.", x.max_download_bytes, 1, 1e12),
              r.uint(t, "max_upload_bytes", "tr143.", x.max_upload_bytes, 1, 1e12),
              r.uint(t, "max_connections", "tr143.", x.max_connections, 1, 10000),
              r.uint(t, "max_connections_per_address", "tr143.", x.max_connections_per_address, 0, 10000),
              r.str(t, "public_url", "tr143.", x.public_url),
              r.uint(t, "default_download_bytes", "tr143.", x.default_download_bytes, 1, 1e12)})
            if (!st) return st.error();
        if (!x.public_url.empty() && !valid_url(x.public_url))
            return r.bad("tr143.public_url", "expected an http:// URL with a host");
        if (x.default_download_bytes > x.max_download_bytes)
            return r.bad("tr143.default_download_bytes", "larger than tr143.max_download_bytes");
    }
    if (o.min_budget_ms > o.max_budget_ms) return r.bad("min_budget_ms", "larger than max_budget_ms");
    if (!o.default_url.empty() && !valid_url(o.default_url))
        return r.bad("default_url", "expected an http:// or https:// URL");
    return o;
}

Result<DiagnosticsOptions> diagnostics_config_from_env(DiagnosticsOptions base) {
    const char* path = std::getenv("HUB_DIAGNOSTICS_CONFIG");
    if (!path || !*path) return base;
    auto doc = json::parse_file(path, 64 << 10);
    if (!doc) return doc.error().with_context("HUB_DIAGNOSTICS_CONFIG");
    return parse_diagnostics_config(json::print(doc->get()), path, std::move(base));
}

Result<DiagnosticsOptions> diagnostics_config(const std::string& hub_config_path, DiagnosticsOptions base) {
    auto doc = json::parse_file(hub_config_path);
    if (!doc) return doc.error();
    const cJSON* section = cJSON_GetObjectItemCaseSensitive(doc->get(), "diagnostics");
    const char* env = std::getenv("HUB_DIAGNOSTICS_CONFIG");
    const bool from_env = env && *env;
    if (section && from_env)
        return make_error(Errc::invalid_argument,
                          hub_config_path +
                              ": diagnostics: given twice (this section and the file named by "
                              "HUB_DIAGNOSTICS_CONFIG): keep the section");
    if (section) {
        if (!cJSON_IsObject(section))
            return make_error(Errc::invalid_argument, hub_config_path + ": diagnostics: expected an object");
        return parse_diagnostics_config(json::print(section), hub_config_path + ": diagnostics",
                                        std::move(base));
    }
    if (from_env)
        LOG_WARN("hub",
                 "HUB_DIAGNOSTICS_CONFIG (%s) is read for this release: move its keys to the \"diagnostics\" "
                 "section of %s",
                 env, hub_config_path.c_str());
    return diagnostics_config_from_env(std::move(base));
}

}  // namespace cpe::hub::diagnostics
