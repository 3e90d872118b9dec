#include "api/parse.hpp"

#include <algorithm>
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

namespace {
// The text of a string member, or an error naming it. Absent is an error only when required.
Result<std::optional<std::string>> string_member(const cJSON* o, const char* key, const std::string& where, bool required,
                                                 size_t max_len) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        if (required) return make_error(Errc::parse_error, where + "." + key + ": missing");
        return std::optional<std::string>{};
    }
    if (!cJSON_IsString(v)) return make_error(Errc::parse_error, where + "." + key + ": expected a string");
    std::string text = v->valuestring;
    if (text.size() > max_len)
        return make_error(Errc::parse_error, where + "." + key + ": longer than " + std::to_string(max_len) + " bytes");
    return std::optional<std::string>(std::move(text));
}
}  // namespace

Result<diag::HostsView> parse_bridge_hosts(std::string_view body, const std::string& node_name) {
    const std::string what = "bridge hosts answer";
    auto doc = json::parse(body, what);
    if (!doc) return doc.error();
    if (!cJSON_IsObject(doc->get())) return make_error(Errc::parse_error, what + ": expected an object");
    const cJSON* list = cJSON_GetObjectItemCaseSensitive(doc->get(), "hosts");
    if (!cJSON_IsArray(list)) return make_error(Errc::parse_error, what + ": \"hosts\" must be an array");
    int n = cJSON_GetArraySize(list);
    if (n < 0 || static_cast<size_t>(n) > kMaxBridgeHosts)
        return make_error(Errc::parse_error, what + ": " + std::to_string(n) + " hosts, more than the " +
                                                 std::to_string(kMaxBridgeHosts) + " accepted");
    const cJSON* total = cJSON_GetObjectItemCaseSensitive(doc->get(), "total");
    if (!cJSON_IsNumber(total) || !std::isfinite(total->valuedouble) || total->valuedouble < 0 ||
        total->valuedouble != std::floor(total->valuedouble))
        return make_error(Errc::parse_error, what + ": \"total\" must be a whole number >= 0");
    if (total->valuedouble != n)
        return make_error(Errc::parse_error, what + ": \"total\" is " + json::print(total) + " but \"hosts\" has " +
                                                 std::to_string(n) + " entries");

    diag::HostsView view;
    diag::NodeEntry modem{node_name, "", "", 0};
    diag::NodeEntry wired{diag::kWiredOther, "", "", 0};
    int i = 0;
    for (const cJSON* h = list->child; h; h = h->next, ++i) {
        const std::string where = what + ": hosts[" + std::to_string(i) + "]";
        if (!cJSON_IsObject(h)) return make_error(Errc::parse_error, where + ": expected an object");
        diag::HostEntry e;
        auto name = string_member(h, "name", where, false, 256);
        if (!name) return name.error();
        auto ip = string_member(h, "ip", where, false, 64);
        if (!ip) return ip.error();
        auto mac = string_member(h, "mac", where, false, 64);
        if (!mac) return mac.error();
        auto band = string_member(h, "band", where, true, 16);
        if (!band) return band.error();
        e.name = name->value_or("");
        e.ip = ip->value_or("");
        if (mac->has_value() && !(*mac)->empty()) {
            e.mac = diag::normalize_mac(**mac);
            if (e.mac.empty()) return make_error(Errc::parse_error, where + ".mac: '" + **mac + "' is not a MAC address");
        }
        const std::string& b = **band;
        if (b == "2.4G" || b == "5G" || b == "6G") {
            e.band = b + "Hz";
            e.interface_type = "Wi-Fi";
        } else if (b == "wired") {
            e.interface_type = "Ethernet";
        } else if (b == "unknown") {
            e.interface_type = "Other";
        } else {
            return make_error(Errc::parse_error, where + ".band: '" + b + "' is not one of 2.4G, 5G, 6G, wired, unknown");
        }
        const cJSON* active = cJSON_GetObjectItemCaseSensitive(h, "active");
        if (!cJSON_IsBool(active)) return make_error(Errc::parse_error, where + ".active: expected true or false");
        e.active = cJSON_IsTrue(active);
        const cJSON* guest = cJSON_GetObjectItemCaseSensitive(h, "guest");
        if (guest && !cJSON_IsNull(guest)) {
            if (!cJSON_IsBool(guest)) return make_error(Errc::parse_error, where + ".guest: expected true or false");
            e.guest = cJSON_IsTrue(guest);
        }
        const cJSON* lease = cJSON_GetObjectItemCaseSensitive(h, "lease");
        if (lease && !cJSON_IsNull(lease)) {
            // Seconds left; a year bounds it (TP-Link's "permanent" leases are left out by the bridge).
            if (!cJSON_IsNumber(lease) || !std::isfinite(lease->valuedouble) || lease->valuedouble < 0 ||
                lease->valuedouble > 366.0 * 86400 || lease->valuedouble != std::floor(lease->valuedouble))
                return make_error(Errc::parse_error, where + ".lease: expected whole seconds from 0 to 31622400");
            e.lease_s = static_cast<int64_t>(lease->valuedouble);
        }
        // No mesh data: the modem's own radios carry its active Wi-Fi clients.
        if (!e.band.empty() && e.active) {
            e.attached_node = node_name;
            ++modem.count;
        } else {
            ++wired.count;
        }
        view.hosts.push_back(std::move(e));
    }
    std::stable_sort(view.hosts.begin(), view.hosts.end(), [](const diag::HostEntry& a, const diag::HostEntry& b) {
        if (a.attached_node.empty() != b.attached_node.empty()) return !a.attached_node.empty();
        if (a.active != b.active) return a.active;
        return a.name < b.name;
    });
    view.nodes.push_back(std::move(modem));
    view.nodes.push_back(std::move(wired));
    return view;
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
