#include "api/parse.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "diag/hosts.hpp"

namespace cpe::hub::api {

Result<std::string> parse_serial_query(const net::Request& req) {
    auto s = req.query_value("serial");
    if (!s)
        return make_error(Errc::invalid_argument,
                          "query parameter 'serial' is required (e.g. /devices/lookup?serial=TPLGC4160688)");
    std::string v = *s;
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(v.begin());
    if (v.empty() || v.size() > 64)
        return make_error(Errc::invalid_argument, "query parameter 'serial': expected 1..64 characters");
    for (size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' && c != '-')
            return make_error(Errc::invalid_argument, "query parameter 'serial': character " +
                                                          std::to_string(i + 1) +
                                                          " is not one of A-Z a-z 0-9 . _ : -");
    }
    return v;
}

Result<std::string> parse_task_body(std::string_view body) {
    auto doc = json::parse(body, "task request body");
    if (!doc) return doc.error();
    if (!cJSON_IsObject(doc->get()))
        return make_error(Errc::invalid_argument, "task request body: expected a JSON object");
    const cJSON* t = cJSON_GetObjectItemCaseSensitive(doc->get(), "task");
    if (!t) t = cJSON_GetObjectItemCaseSensitive(doc->get(), "name");
    if (!cJSON_IsString(t))
        return make_error(Errc::invalid_argument, "task request body: \"task\" must be a string");
    std::string task = t->valuestring;
    if (task != "reboot" && task != "refresh" && task != "refreshHosts")
        return make_error(Errc::invalid_argument,
                          "task request body: \"task\" must be one of reboot, refresh, refreshHosts (got '" +
                              task.substr(0, 40) + "')");
    return task;
}

GenieHit hit_from_device(const sources::GenieDevice& d) {
    GenieHit h;
    h.id = d.id;
    for (const auto& [path, p] : d.params)
        if (!p.object && p.has_value) {
            h.params[path] = p.value;
            if (!p.timestamp.empty())
                if (auto t = diag::parse_iso8601_ms(p.timestamp)) h.value_ms[path] = *t;
        }
    h.params["_id"] = d.id;
    if (!d.serial.empty()) h.params["_deviceId._SerialNumber"] = d.serial;
    if (!d.product_class.empty()) h.params["_deviceId._ProductClass"] = d.product_class;
    if (!d.manufacturer.empty()) h.params["_deviceId._Manufacturer"] = d.manufacturer;
    if (!d.oui.empty()) h.params["_deviceId._OUI"] = d.oui;
    if (!d.last_inform.empty()) {
        h.params["_lastInform"] = d.last_inform;
        h.last_inform_ms = diag::parse_iso8601_ms(d.last_inform);
    }
    return h;
}

std::optional<int64_t> oldest_value_ms(const GenieHit& hit, const std::vector<std::string>& objects) {
    std::optional<int64_t> out;
    for (const auto& o : objects) {
        std::string prefix = o + ".";
        for (auto it = hit.value_ms.lower_bound(prefix);
             it != hit.value_ms.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
            if (!out || it->second < *out) out = it->second;
    }
    return out;
}

}  // namespace cpe::hub::api
