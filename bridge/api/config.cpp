#include "config.hpp"

#include <cmath>
#include <filesystem>
#include <set>

#include "json/json.hpp"

namespace cpe::bridge::api {

namespace {

Error field_error(const std::string& where, const std::string& text) {
    return make_error(Errc::invalid_argument, where + ": " + text);
}

// Refuses keys this version does not know, so a typo ("secretfile") is not silently ignored.
Status known_keys(const cJSON* obj, const std::string& where, std::initializer_list<const char*> keys) {
    for (const cJSON* c = obj->child; c != nullptr; c = c->next) {
        bool ok = false;
        for (const char* k : keys)
            if (c->string && std::string_view(c->string) == k) ok = true;
        if (!ok)
            return field_error(where.empty() ? std::string(c->string ? c->string : "?")
                                             : where + "." + (c->string ? c->string : "?"),
                               "unknown key");
    }
    return {};
}

std::string join(const std::string& where, const char* key) {
    return where.empty() ? key : where + "." + key;
}

Result<std::optional<std::string>> opt_str(const cJSON* obj, const char* key, const std::string& where) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return std::optional<std::string>{};
    if (!cJSON_IsString(v)) return field_error(join(where, key), "must be a string");
    return std::optional<std::string>{v->valuestring};
}

Result<std::string> req_str(const cJSON* obj, const char* key, const std::string& where) {
    auto v = opt_str(obj, key, where);
    if (!v) return v.error();
    if (!*v) return field_error(join(where, key), "missing");
    if ((*v)->empty()) return field_error(join(where, key), "must not be empty");
    return **v;
}

// Integers within [lo, hi]; absent = keep `out`.
Status opt_int(const cJSON* obj, const char* key, const std::string& where, int64_t lo, int64_t hi,
               int64_t& out) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return {};
    if (!cJSON_IsNumber(v) || std::floor(v->valuedouble) != v->valuedouble)
        return field_error(join(where, key), "must be an integer");
    if (v->valuedouble < static_cast<double>(lo) || v->valuedouble > static_cast<double>(hi))
        return field_error(join(where, key),
                           "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = static_cast<int64_t>(v->valuedouble);
    return {};
}

template <typename T>
Status opt_num(const cJSON* obj, const char* key, const std::string& where, int64_t lo, int64_t hi, T& out) {
    int64_t v = static_cast<int64_t>(out);
    if (auto st = opt_int(obj, key, where, lo, hi, v); !st) return st;
    out = static_cast<T>(v);
    return {};
}

std::string resolve(const std::string& base, const std::string& p) {
    if (base.empty() || p.empty() || p[0] == '/') return p;
    return (std::filesystem::path(base) / p).lexically_normal().string();
}

Result<ModemEntry> parse_modem(const cJSON* m, const std::string& where, const std::string& base) {
    if (!cJSON_IsObject(m)) return field_error(where, "must be an object");
    if (auto st = known_keys(m, where, {"id", "host", "secret_file", "variant"}); !st) return st.error();
    ModemEntry e;
    auto id = req_str(m, "id", where);
    if (!id) return id.error();
    if (!valid_id(*id)) return field_error(where + ".id", "'" + *id + "' must be 1..64 of A-Z a-z 0-9 . _ -");
    e.id = *id;
    auto host = req_str(m, "host", where);
    if (!host) return host.error();
    if (host->find_first_of("/@ \t\r\n?#") != std::string::npos)
        return field_error(where + ".host", "must be an address or address:port (no scheme, path or user)");
    e.host = *host;
    auto secret = req_str(m, "secret_file", where);
    if (!secret) return secret.error();
    e.secret_file = resolve(base, *secret);
    auto variant = opt_str(m, "variant", where);
    if (!variant) return variant.error();
    if (*variant && **variant != "auto") {
        auto v = tplink::parse_variant(**variant);
        if (!v) return field_error(where + ".variant", v.error().message);
        e.variant = *v;
    }
    return e;
}

Result<OltEntry> parse_olt(const cJSON* o, const std::string& where, const std::string& base) {
    if (!cJSON_IsObject(o)) return field_error(where, "must be an object");
    if (auto st = known_keys(
            o, where, {"id", "host", "port", "community_file", "v3_file", "pons", "max_onu", "firmware"});
        !st)
        return st.error();
    OltEntry e;
    auto id = req_str(o, "id", where);
    if (!id) return id.error();
    if (!valid_id(*id)) return field_error(where + ".id", "'" + *id + "' must be 1..64 of A-Z a-z 0-9 . _ -");
    e.id = *id;
    auto host = req_str(o, "host", where);
    if (!host) return host.error();
    e.host = *host;
    if (auto st = opt_num(o, "port", where, 1, 65535, e.port); !st) return st.error();
    auto community = opt_str(o, "community_file", where);
    if (!community) return community.error();
    auto v3 = opt_str(o, "v3_file", where);
    if (!v3) return v3.error();
    if (bool(*community) == bool(*v3))
        return field_error(where, "needs exactly one of community_file and v3_file");
    if (*community) e.community_file = resolve(base, **community);
    if (*v3) e.v3_file = resolve(base, **v3);
    if ((*community && (*community)->empty()) || (*v3 && (*v3)->empty()))
        return field_error(where + (*community ? ".community_file" : ".v3_file"), "must not be empty");
    if (auto st = opt_num(o, "max_onu", where, 1, 128, e.max_onu); !st) return st.error();
    auto firmware = opt_str(o, "firmware", where);
    if (!firmware) return firmware.error();
    if (*firmware) {
        auto scheme = olt::scheme_from_firmware(**firmware);
        if (!scheme) return field_error(where + ".firmware", scheme.error().message);
        e.scheme = *scheme;
    }
    const cJSON* pons = cJSON_GetObjectItemCaseSensitive(o, "pons");
    if (!pons) return field_error(where + ".pons", "missing");
    if (!cJSON_IsArray(pons) || cJSON_GetArraySize(pons) == 0)
        return field_error(where + ".pons", "must be a non-empty array of {slot, port}");
    int i = 0;
    std::set<std::pair<int, int>> seen;
    for (const cJSON* p = pons->child; p != nullptr; p = p->next, ++i) {
        std::string pw = where + ".pons[" + std::to_string(i) + "]";
        if (!cJSON_IsObject(p)) return field_error(pw, "must be an object {slot, port}");
        if (auto st = known_keys(p, pw, {"slot", "port"}); !st) return st.error();
        if (!cJSON_GetObjectItemCaseSensitive(p, "slot")) return field_error(pw + ".slot", "missing");
        if (!cJSON_GetObjectItemCaseSensitive(p, "port")) return field_error(pw + ".port", "missing");
        PonRef r;
        if (auto st = opt_num(p, "slot", pw, 0, 99, r.slot); !st) return st.error();
        if (auto st = opt_num(p, "port", pw, 0, 99, r.port); !st) return st.error();
        if (!seen.insert({r.slot, r.port}).second) return field_error(pw, "PON listed twice");
        if (e.scheme) {
            if (auto st = olt::validate_pon(r.slot, r.port, olt::kMaxOnu, e.scheme); !st)
                return field_error(pw, st.error().message);
        }
        e.pons.push_back(r);
    }
    return e;
}

}  // namespace

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return false;
    return id != "." && id != "..";
}

Result<BridgeConfig> parse_config(std::string_view text, std::string_view what, const std::string& base_dir) {
    auto doc = json::parse(text, what);
    if (!doc) return doc.error();
    const cJSON* root = doc->get();
    const std::string w(what);
    auto ctx = [&](const Error& e) { return e.with_context(w); };
    if (!cJSON_IsObject(root)) return ctx(field_error("(top level)", "must be an object"));
    if (auto st = known_keys(root, "",
                             {"http", "state_dir", "modems", "olts", "timeouts", "cache_max_age_s", "workers",
                              "max_queue", "backoff", "log_level"});
        !st)
        return ctx(st.error());
    BridgeConfig c;
    if (const cJSON* http = cJSON_GetObjectItemCaseSensitive(root, "http")) {
        if (!cJSON_IsObject(http)) return ctx(field_error("http", "must be an object"));
        if (auto st = known_keys(http, "http", {"bind", "port"}); !st) return ctx(st.error());
        auto bind = opt_str(http, "bind", "http");
        if (!bind) return ctx(bind.error());
        if (*bind) c.bind = **bind;
        if (auto st = opt_num(http, "port", "http", 0, 65535, c.port); !st) return ctx(st.error());
    }
    auto state = req_str(root, "state_dir", "");
    if (!state) return ctx(state.error());
    c.state_dir = resolve(base_dir, *state);
    if (auto st = opt_num(root, "cache_max_age_s", "", 0, 86400, c.cache_max_age_s); !st)
        return ctx(st.error());
    if (auto st = opt_num(root, "workers", "", 1, 256, c.workers); !st) return ctx(st.error());
    if (auto st = opt_num(root, "max_queue", "", 1, 100000, c.max_queue); !st) return ctx(st.error());
    auto level = opt_str(root, "log_level", "");
    if (!level) return ctx(level.error());
    if (*level) {
        if (**level != "debug" && **level != "info" && **level != "warn" && **level != "error")
            return ctx(field_error("log_level", "must be debug, info, warn or error"));
        c.log_level = **level;
    }
    if (const cJSON* b = cJSON_GetObjectItemCaseSensitive(root, "backoff")) {
        if (!cJSON_IsObject(b)) return ctx(field_error("backoff", "must be an object"));
        if (auto st = known_keys(
                b, "backoff", {"base_s", "max_s", "modem_max_attempts", "reserve_attempts", "stop_window_s"});
            !st)
            return ctx(st.error());
        if (auto st = opt_num(b, "base_s", "backoff", 1, 7 * 86400, c.backoff_base_s); !st)
            return ctx(st.error());
        if (auto st = opt_num(b, "max_s", "backoff", 1, 30 * 86400, c.backoff_max_s); !st)
            return ctx(st.error());
        if (c.backoff_max_s < c.backoff_base_s)
            return ctx(field_error("backoff.max_s", "must be >= backoff.base_s"));
        if (auto st = opt_num(b, "modem_max_attempts", "backoff", 1, 100, c.modem_max_attempts); !st)
            return ctx(st.error());
        if (auto st = opt_num(b, "reserve_attempts", "backoff", 0, 99, c.reserve_attempts); !st)
            return ctx(st.error());
        if (c.reserve_attempts >= c.modem_max_attempts)
            return ctx(field_error("backoff.reserve_attempts", "must be < backoff.modem_max_attempts"));
        if (auto st = opt_num(b, "stop_window_s", "backoff", 0, 365 * 86400, c.stop_window_s); !st)
            return ctx(st.error());
    }
    if (const cJSON* t = cJSON_GetObjectItemCaseSensitive(root, "timeouts")) {
        if (!cJSON_IsObject(t)) return ctx(field_error("timeouts", "must be an object"));
        if (auto st = known_keys(t, "timeouts",
                                 {"modem_connect_ms", "modem_total_ms", "olt_request_ms", "olt_retries",
                                  "olt_deadline_ms", "http_handler_ms"});
            !st)
            return ctx(st.error());
        Timeouts& to = c.timeouts;
        for (auto [key, ref] : {std::pair{"modem_connect_ms", &to.modem_connect_ms},
                                std::pair{"modem_total_ms", &to.modem_total_ms},
                                std::pair{"olt_request_ms", &to.olt_request_ms},
                                std::pair{"olt_deadline_ms", &to.olt_deadline_ms},
                                std::pair{"http_handler_ms", &to.http_handler_ms}})
            if (auto st = opt_num(t, key, "timeouts", 1, 3600000, *ref); !st) return ctx(st.error());
        if (auto st = opt_num(t, "olt_retries", "timeouts", 0, 10, to.olt_retries); !st)
            return ctx(st.error());
        if (to.modem_connect_ms > to.modem_total_ms)
            return ctx(field_error("timeouts.modem_connect_ms", "must be <= timeouts.modem_total_ms"));
    }
    std::set<std::string> ids;
    if (const cJSON* ms = cJSON_GetObjectItemCaseSensitive(root, "modems")) {
        if (!cJSON_IsArray(ms)) return ctx(field_error("modems", "must be an array"));
        int i = 0;
        for (const cJSON* m = ms->child; m != nullptr; m = m->next, ++i) {
            std::string where = "modems[" + std::to_string(i) + "]";
            auto e = parse_modem(m, where, base_dir);
            if (!e) return ctx(e.error());
            if (!ids.insert(e->id).second)
                return ctx(field_error(where + ".id", "'" + e->id + "' used twice"));
            c.modems.push_back(std::move(*e));
        }
    }
    std::set<std::string> olt_ids;
    if (const cJSON* os = cJSON_GetObjectItemCaseSensitive(root, "olts")) {
        if (!cJSON_IsArray(os)) return ctx(field_error("olts", "must be an array"));
        int i = 0;
        for (const cJSON* o = os->child; o != nullptr; o = o->next, ++i) {
            std::string where = "olts[" + std::to_string(i) + "]";
            auto e = parse_olt(o, where, base_dir);
            if (!e) return ctx(e.error());
            if (!olt_ids.insert(e->id).second)
                return ctx(field_error(where + ".id", "'" + e->id + "' used twice"));
            c.olts.push_back(std::move(*e));
        }
    }
    if (c.modems.empty() && c.olts.empty())
        return ctx(field_error("modems", "no modems and no olts configured"));
    return c;
}

Result<BridgeConfig> load_config(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return make_error(Errc::not_found, path + ": cannot read: " + ec.message());
    if (size > (1u << 20)) return make_error(Errc::too_large, path + ": larger than 1 MiB");
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return make_error(Errc::io_error, path + ": cannot open");
    std::string text(size, '\0');
    size_t n = std::fread(text.data(), 1, size, f);
    std::fclose(f);
    text.resize(n);
    std::string base = std::filesystem::path(path).parent_path().string();
    if (base.empty()) base = ".";
    return parse_config(text, path, base);
}

}  // namespace cpe::bridge::api
