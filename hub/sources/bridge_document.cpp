#include "sources/bridge_document.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace cpe::hub::sources {

Result<json::Ptr> parse_bridge_optical(std::string_view body) {
    auto doc = json::parse(body, "bridge optical answer");
    if (!doc) return doc.error();
    if (!cJSON_IsObject(doc->get()))
        return make_error(Errc::parse_error, "bridge optical answer: expected an object");
    auto out = json::make_object();
    for (auto [from, to] : {std::pair{"rxDbm", "rxDbm"},
                            {"rx_dbm", "rxDbm"},
                            {"txDbm", "txDbm"},
                            {"tx_dbm", "txDbm"},
                            {"oltRxDbm", "oltRxDbm"},
                            {"olt_rx_dbm", "oltRxDbm"}}) {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(doc->get(), from);
        if (cJSON_IsNumber(v) && std::isfinite(v->valuedouble) &&
            !cJSON_GetObjectItemCaseSensitive(out.get(), to))
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

namespace {
Result<std::optional<std::string>> string_member(const cJSON* o, const char* key, const std::string& where,
                                                 bool required, size_t max_len);
}  // namespace

Result<std::optional<json::Ptr>> parse_bridge_mesh(std::string_view body) {
    const std::string what = "bridge mesh answer";
    auto doc = json::parse(body, what);
    if (!doc) return doc.error();
    if (!cJSON_IsObject(doc->get())) return make_error(Errc::parse_error, what + ": expected an object");
    const cJSON* nodes = cJSON_GetObjectItemCaseSensitive(doc->get(), "nodes");
    if (!cJSON_IsArray(nodes)) return make_error(Errc::parse_error, what + ": \"nodes\" must be an array");
    if (cJSON_GetArraySize(nodes) > 64)
        return make_error(Errc::parse_error, what + ": more than 64 mesh nodes");
    if (cJSON_GetArraySize(nodes) == 0) return std::optional<json::Ptr>{};
    auto out = json::make_array();
    int k = 0;
    for (const cJSON* n = nodes->child; n; n = n->next, ++k) {
        const std::string where = what + ": nodes[" + std::to_string(k) + "]";
        if (!cJSON_IsObject(n)) return make_error(Errc::parse_error, where + ": expected an object");
        auto mac = string_member(n, "mac", where, true, 64);
        if (!mac) return mac.error();
        std::string m = diag::normalize_mac(**mac);
        if (m.empty())
            return make_error(Errc::parse_error, where + ".mac: '" + **mac + "' is not a MAC address");
        auto o = json::make_object();
        auto name = string_member(n, "name", where, false, 256);
        if (!name) return name.error();
        json::add_string(o.get(), "name", name->value_or("").empty() ? m : **name);
        json::add_string(o.get(), "mac", m);
        for (const char* key : {"role", "firmware", "parent"}) {
            auto v = string_member(n, key, where, false, 128);
            if (!v) return v.error();
            if (v->has_value() && !(*v)->empty())
                json::add_string(o.get(), key, std::string(key) == "parent" ? diag::normalize_mac(**v) : **v);
        }
        auto bh = json::make_object();
        if (const cJSON* b = cJSON_GetObjectItemCaseSensitive(n, "backhaul"); b && !cJSON_IsNull(b)) {
            if (!cJSON_IsObject(b))
                return make_error(Errc::parse_error, where + ".backhaul: expected an object");
            auto type = string_member(b, "type", where + ".backhaul", false, 32);
            if (!type) return type.error();
            if (type->has_value()) json::add_string(bh.get(), "type", **type);
            for (const char* key : {"signal", "linkRate"}) {
                const cJSON* v = cJSON_GetObjectItemCaseSensitive(b, key);
                if (v && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) || !std::isfinite(v->valuedouble)))
                    return make_error(Errc::parse_error, where + ".backhaul." + key + ": expected a number");
                if (v && cJSON_IsNumber(v)) json::add_number(bh.get(), key, v->valuedouble);
            }
        }
        json::add(o.get(), "backhaul", std::move(bh));
        const cJSON* clients = cJSON_GetObjectItemCaseSensitive(n, "clients");
        if (clients && !cJSON_IsArray(clients))
            return make_error(Errc::parse_error, where + ".clients: expected an array");
        json::add_number(o.get(), "clients", clients ? cJSON_GetArraySize(clients) : 0);
        json::append(out.get(), std::move(o));
    }
    return std::optional<json::Ptr>(std::move(out));
}

Result<std::optional<json::Ptr>> parse_bridge_onu(std::string_view body, int onu) {
    auto doc = json::parse(body, "bridge PON answer");
    if (!doc) return doc.error();
    const cJSON* onus =
        cJSON_IsObject(doc->get()) ? cJSON_GetObjectItemCaseSensitive(doc->get(), "onus") : nullptr;
    if (!cJSON_IsArray(onus))
        return make_error(Errc::parse_error, "bridge PON answer: expected an object with an \"onus\" array");
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
    for (auto [from, to] : {std::pair{"olt_rx_dbm", "oltRxDbm"},
                            {"rx_dbm", "rxDbm"},
                            {"tx_dbm", "txDbm"},
                            {"distance_m", "distanceM"}}) {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(row, from);
        if (cJSON_IsNumber(v) && std::isfinite(v->valuedouble))
            json::add_number(out.get(), to, v->valuedouble);
    }
    for (auto [from, to] : {std::pair{"status", "onuStatus"}, {"serial", "onuSerial"}}) {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(row, from);
        if (cJSON_IsString(v)) json::add_string(out.get(), to, std::string(v->valuestring).substr(0, 64));
    }
    // The last down cause, in words ("fibre cut", "power off", "deactivated", …): only for an ONU not online
    // (the bridge sends none for an online ONU, whose recorded cause is stale).
    const cJSON* status = cJSON_GetObjectItemCaseSensitive(row, "status");
    const cJSON* reason = cJSON_GetObjectItemCaseSensitive(row, "offline_reason");
    if (cJSON_IsString(status) && std::string_view(status->valuestring) != "online" &&
        cJSON_IsObject(reason)) {
        for (auto [from, to] : {std::pair{"text", "onuOfflineReason"}, {"detail", "onuOfflineDetail"}}) {
            const cJSON* v = cJSON_GetObjectItemCaseSensitive(reason, from);
            if (cJSON_IsString(v)) json::add_string(out.get(), to, std::string(v->valuestring).substr(0, 80));
        }
    }
    return std::optional<json::Ptr>(std::move(out));
}

namespace {
// The text of a string member, or an error naming it. Absent is an error only when required.
Result<std::optional<std::string>> string_member(const cJSON* o, const char* key, const std::string& where,
                                                 bool required, size_t max_len) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        if (required) return make_error(Errc::parse_error, where + "." + key + ": missing");
        return std::optional<std::string>{};
    }
    if (!cJSON_IsString(v)) return make_error(Errc::parse_error, where + "." + key + ": expected a string");
    std::string text = v->valuestring;
    if (text.size() > max_len)
        return make_error(Errc::parse_error,
                          where + "." + key + ": longer than " + std::to_string(max_len) + " bytes");
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
        return make_error(Errc::parse_error, what + ": \"total\" is " + json::print(total) +
                                                 " but \"hosts\" has " + std::to_string(n) + " entries");

    diag::HostsView view;
    diag::NodeEntry modem{node_name, "", "", 0};
    diag::NodeEntry wired{diag::kWiredOther, "", "", 0};
    // Mesh nodes (optional, docs/bridge-tplink.md Mesh): a host's "node" (MAC) names one of them.
    std::vector<diag::NodeEntry> mesh;
    if (const cJSON* nodes = cJSON_GetObjectItemCaseSensitive(doc->get(), "nodes");
        nodes && !cJSON_IsNull(nodes)) {
        if (!cJSON_IsArray(nodes))
            return make_error(Errc::parse_error, what + ": \"nodes\" must be an array");
        if (cJSON_GetArraySize(nodes) > 64)
            return make_error(Errc::parse_error, what + ": more than 64 mesh nodes");
        int k = 0;
        for (const cJSON* nd = nodes->child; nd; nd = nd->next, ++k) {
            const std::string where = what + ": nodes[" + std::to_string(k) + "]";
            if (!cJSON_IsObject(nd)) return make_error(Errc::parse_error, where + ": expected an object");
            auto mac = string_member(nd, "mac", where, true, 64);
            if (!mac) return mac.error();
            auto name = string_member(nd, "name", where, false, 256);
            if (!name) return name.error();
            auto role = string_member(nd, "role", where, false, 32);
            if (!role) return role.error();
            diag::NodeEntry e{name->value_or(""), diag::normalize_mac(**mac), role->value_or(""), 0};
            if (e.mac.empty())
                return make_error(Errc::parse_error, where + ".mac: '" + **mac + "' is not a MAC address");
            if (e.name.empty()) e.name = e.mac;
            mesh.push_back(std::move(e));
        }
    }
    auto node_index = [&](const std::string& mac) -> int {
        for (size_t k = 0; k < mesh.size(); ++k)
            if (mesh[k].mac == mac) return static_cast<int>(k);
        return -1;
    };
    int controller = -1;
    for (size_t k = 0; k < mesh.size() && controller < 0; ++k)
        if (mesh[k].role == "controller") controller = static_cast<int>(k);
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
            if (e.mac.empty())
                return make_error(Errc::parse_error, where + ".mac: '" + **mac + "' is not a MAC address");
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
            return make_error(Errc::parse_error,
                              where + ".band: '" + b + "' is not one of 2.4G, 5G, 6G, wired, unknown");
        }
        const cJSON* active = cJSON_GetObjectItemCaseSensitive(h, "active");
        if (!cJSON_IsBool(active))
            return make_error(Errc::parse_error, where + ".active: expected true or false");
        e.active = cJSON_IsTrue(active);
        const cJSON* guest = cJSON_GetObjectItemCaseSensitive(h, "guest");
        if (guest && !cJSON_IsNull(guest)) {
            if (!cJSON_IsBool(guest))
                return make_error(Errc::parse_error, where + ".guest: expected true or false");
            e.guest = cJSON_IsTrue(guest);
        }
        const cJSON* lease = cJSON_GetObjectItemCaseSensitive(h, "lease");
        if (lease && !cJSON_IsNull(lease)) {
            // Seconds left; a year bounds it (TP-Link's "permanent" leases are left out by the bridge).
            if (!cJSON_IsNumber(lease) || !std::isfinite(lease->valuedouble) || lease->valuedouble < 0 ||
                lease->valuedouble > 366.0 * 86400 || lease->valuedouble != std::floor(lease->valuedouble))
                return make_error(Errc::parse_error,
                                  where + ".lease: expected whole seconds from 0 to 31622400");
            e.lease_s = static_cast<int64_t>(lease->valuedouble);
        }
        int at = -1;
        if (auto node = string_member(h, "node", where, false, 64); !node) {
            return node.error();
        } else if (node->has_value() && !(*node)->empty()) {
            std::string mac_of_node = diag::normalize_mac(**node);
            at = node_index(mac_of_node);
            if (at < 0)
                return make_error(Errc::parse_error,
                                  where + ".node: '" + **node + "' is not one of \"nodes\"");
        }
        if (at < 0 && !e.band.empty() && e.active)
            at = controller;  // a Wi-Fi client no node lists: the modem's own
        if (at >= 0 && e.active) {
            e.attached_node = mesh[static_cast<size_t>(at)].name;
            e.attached_node_mac = mesh[static_cast<size_t>(at)].mac;
            ++mesh[static_cast<size_t>(at)].count;
        } else if (!e.band.empty() && e.active) {
            // No mesh data: the modem's own radios carry its active Wi-Fi clients.
            e.attached_node = node_name;
            ++modem.count;
        } else {
            ++wired.count;
        }
        view.hosts.push_back(std::move(e));
    }
    // By node (mesh nodes in the bridge's order, then the modem), wired/other last; active first, then by
    // name.
    auto rank = [&](const diag::HostEntry& h) -> size_t {
        if (h.attached_node.empty()) return mesh.size() + 1;
        if (h.attached_node_mac.empty()) return mesh.size();
        int k = node_index(h.attached_node_mac);
        return k < 0 ? mesh.size() : static_cast<size_t>(k);
    };
    std::stable_sort(view.hosts.begin(), view.hosts.end(),
                     [&](const diag::HostEntry& a, const diag::HostEntry& b) {
                         if (rank(a) != rank(b)) return rank(a) < rank(b);
                         if (a.active != b.active) return a.active;
                         return a.name < b.name;
                     });
    for (auto& m : mesh) view.nodes.push_back(std::move(m));
    if (view.nodes.empty() || modem.count > 0) view.nodes.push_back(std::move(modem));
    view.nodes.push_back(std::move(wired));
    return view;
}

}  // namespace cpe::hub::sources
