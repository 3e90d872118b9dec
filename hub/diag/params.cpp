#include "diag/params.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cpe::hub::diag {

Params params_from_get_resp(const usp::GetResp& resp) {
    Params out;
    for (const auto& req : resp.req_path_results) {
        if (req.err_code != 0) continue;
        for (const auto& res : req.resolved_path_results) {
            for (const auto& [name, value] : res.result_params) out[res.resolved_path + name] = value;
        }
    }
    return out;
}

namespace {
std::string leaf_text(const cJSON* v) {
    if (cJSON_IsString(v)) return v->valuestring ? v->valuestring : "";
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        char buf[64];
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
            std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
        else
            std::snprintf(buf, sizeof buf, "%.17g", d);
        return buf;
    }
    return "";
}

void walk(const cJSON* node, const std::string& prefix, Params& out, int depth) {
    if (depth > 32) return;  // documents are bounded in size; this only bounds recursion
    for (const cJSON* c = node->child; c; c = c->next) {
        if (!c->string || !cJSON_IsObject(c)) continue;
        if (c->string[0] == '_') continue;
        std::string path = prefix + c->string;
        const cJSON* value = cJSON_GetObjectItemCaseSensitive(c, "_value");
        const cJSON* is_object = cJSON_GetObjectItemCaseSensitive(c, "_object");
        if (value && !cJSON_IsObject(value) && !cJSON_IsArray(value)) {
            out[path] = leaf_text(value);
        } else if (cJSON_IsTrue(is_object) || !value) {
            walk(c, path + ".", out, depth + 1);
        }
    }
}
}  // namespace

Params params_from_genieacs(const cJSON* device) {
    Params out;
    if (!cJSON_IsObject(device)) return out;
    if (const cJSON* id = cJSON_GetObjectItemCaseSensitive(device, "_deviceId"); cJSON_IsObject(id)) {
        for (const cJSON* c = id->child; c; c = c->next) {
            if (c->string && (cJSON_IsString(c) || cJSON_IsNumber(c)))
                out[std::string("_deviceId.") + c->string] = leaf_text(c);
        }
    }
    for (const char* k : {"_id", "_lastInform", "_lastBoot", "_registered"}) {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(device, k);
        if (cJSON_IsString(v)) out[k] = v->valuestring;
    }
    walk(device, "", out, 0);
    return out;
}

std::map<unsigned, Params> instances(const Params& params, std::string_view table) {
    std::map<unsigned, Params> out;
    std::string prefix(table);
    for (auto it = params.lower_bound(prefix); it != params.end(); ++it) {
        const std::string& path = it->first;
        if (path.compare(0, prefix.size(), prefix) != 0) break;
        size_t dot = path.find('.', prefix.size());
        if (dot == std::string::npos || dot == prefix.size() || dot - prefix.size() > 9) continue;
        std::string num = path.substr(prefix.size(), dot - prefix.size());
        if (num.find_first_not_of("0123456789") != std::string::npos) continue;
        unsigned n = static_cast<unsigned>(std::strtoul(num.c_str(), nullptr, 10));
        out[n][path.substr(dot + 1)] = it->second;
    }
    return out;
}

std::optional<std::string> get(const Params& params, const std::string& path) {
    auto it = params.find(path);
    if (it == params.end()) return std::nullopt;
    return it->second;
}

std::optional<long long> get_int(const Params& params, const std::string& path) {
    auto v = get(params, path);
    if (!v || v->empty() || v->size() > 20) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (errno != 0 || !end || *end != '\0') return std::nullopt;
    return n;
}

}  // namespace cpe::hub::diag
