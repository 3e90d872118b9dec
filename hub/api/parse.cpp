#include "api/parse.hpp"

#include <cctype>
#include <cmath>

#include "diag/hosts.hpp"

namespace cpe::hub::api {

Result<std::string> parse_serial_query(const net::Request& req) {
    auto s = req.query_value("serial");
    if (!s) return make_error(Errc::invalid_argument, "query parameter 'serial' is required (e.g. /devices/lookup?serial=TPLGC4160688)");
    std::string v = *s;
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(v.begin());
    if (v.empty() || v.size() > 64)
        return make_error(Errc::invalid_argument, "query parameter 'serial': expected 1..64 characters");
    for (size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' && c != '-')
            return make_error(Errc::invalid_argument, "query parameter 'serial': character " + std::to_string(i + 1) +
                                                          " is not one of A-Z a-z 0-9 . _ : -");
    }
    return v;
}

Result<std::string> parse_task_body(std::string_view body) {
    auto doc = json::parse(body, "task request body");
    if (!doc) return doc.error();
    if (!cJSON_IsObject(doc->get())) return make_error(Errc::invalid_argument, "task request body: expected a JSON object");
    const cJSON* t = cJSON_GetObjectItemCaseSensitive(doc->get(), "task");
    if (!t) t = cJSON_GetObjectItemCaseSensitive(doc->get(), "name");
    if (!cJSON_IsString(t)) return make_error(Errc::invalid_argument, "task request body: \"task\" must be a string");
    std::string task = t->valuestring;
    if (task != "reboot" && task != "refresh" && task != "refreshHosts")
        return make_error(Errc::invalid_argument, "task request body: \"task\" must be one of reboot, refresh, refreshHosts (got '" +
                                                      task.substr(0, 40) + "')");
    return task;
}

Result<json::Ptr> parse_bridge_optical(std::string_view body) {
    auto doc = json::parse(body, "bridge optical answer");
    if (!doc) return doc.error();
    if (!cJSON_IsObject(doc->get())) return make_error(Errc::parse_error, "bridge optical answer: expected an object");
    auto out = json::make_object();
    for (auto [from, to] : {std::pair{"rxDbm", "rxDbm"}, {"rx_dbm", "rxDbm"}, {"txDbm", "txDbm"}, {"tx_dbm", "txDbm"},
                            {"oltRxDbm", "oltRxDbm"}, {"olt_rx_dbm", "oltRxDbm"}}) {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(doc->get(), from);
        if (cJSON_IsNumber(v) && std::isfinite(v->valuedouble) && !cJSON_GetObjectItemCaseSensitive(out.get(), to))
            json::add_number(out.get(), to, v->valuedouble);
    }
    return out;
}

std::optional<OltPosition> parse_olt_port(std::string_view text) {
    int v[3] = {0, 0, 0};
    size_t part = 0, digits = 0;
    for (char c : text) {
        if (c == '/') {
            if (!digits || ++part > 2) return std::nullopt;
            digits = 0;
        } else if (c >= '0' && c <= '9') {
            if (++digits > 3) return std::nullopt;
            v[part] = v[part] * 10 + (c - '0');
        } else {
            return std::nullopt;
        }
    }
    if (part != 2 || !digits || v[0] > 99 || v[1] > 99 || v[2] < 1 || v[2] > 128) return std::nullopt;
    return OltPosition{v[0], v[1], v[2]};
}

Result<std::optional<json::Ptr>> parse_bridge_onu(std::string_view body, int onu) {
    auto doc = json::parse(body, "bridge PON answer");
    if (!doc) return doc.error();
    const cJSON* onus = cJSON_IsObject(doc->get()) ? cJSON_GetObjectItemCaseSensitive(doc->get(), "onus") : nullptr;
    if (!cJSON_IsArray(onus)) return make_error(Errc::parse_error, "bridge PON answer: expected an object with an \"onus\" array");
    const cJSON* row = nullptr;
    const cJSON* r = nullptr;
    cJSON_ArrayForEach(r, onus) {
        const cJSON* n = cJSON_GetObjectItemCaseSensitive(r, "onu");
        if (cJSON_IsNumber(n) && n->valuedouble == onu) {
            row = r;
            break;
        }
    }
    if (!row) return std::optional<json::Ptr>{};
    auto out = json::make_object();
    for (auto [from, to] : {std::pair{"olt_rx_dbm", "oltRxDbm"}, {"rx_dbm", "rxDbm"}, {"tx_dbm", "txDbm"},
                            {"distance_m", "distanceM"}}) {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(row, from);
        if (cJSON_IsNumber(v) && std::isfinite(v->valuedouble)) json::add_number(out.get(), to, v->valuedouble);
    }
    for (auto [from, to] : {std::pair{"status", "onuStatus"}, {"serial", "onuSerial"}}) {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(row, from);
        if (cJSON_IsString(v)) json::add_string(out.get(), to, std::string(v->valuestring).substr(0, 64));
    }
    return std::optional<json::Ptr>(std::move(out));
}

GenieHit hit_from_device(const sources::GenieDevice& d) {
    GenieHit h;
    h.id = d.id;
    for (const auto& [path, p] : d.params)
        if (!p.object && p.has_value) h.params[path] = p.value;
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

}  // namespace cpe::hub::api
