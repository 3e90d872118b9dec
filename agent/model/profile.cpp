#include "model/profile.hpp"

#include "collectors/registry.hpp"

namespace cpe::agent {
namespace {

Result<std::vector<std::string>> string_list(const cJSON* parent, const char* key, const std::string& where,
                                             bool required) {
    std::vector<std::string> out;
    const cJSON* list = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!list) {
        if (required) return make_error(Errc::invalid_argument, where + "." + key + ": missing");
        return out;
    }
    if (!cJSON_IsArray(list))
        return make_error(Errc::invalid_argument, where + "." + key + ": must be an array of strings");
    int i = 0;
    for (const cJSON* item = list->child; item; item = item->next, ++i) {
        if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
            return make_error(Errc::invalid_argument,
                              where + "." + key + "[" + std::to_string(i) + "]: must be a non-empty string");
        out.emplace_back(item->valuestring);
    }
    return out;
}

}  // namespace

Result<Profile> parse_profile(std::string_view text, std::string_view what) {
    auto root = json::parse(text, what);
    if (!root) return root.error();
    const cJSON* doc = root->get();
    const std::string where = "profile";
    if (!cJSON_IsObject(doc))
        return make_error(Errc::invalid_argument, std::string(what) + ": must be a JSON object");

    Profile profile;
    auto board = json::get_string(doc, "board", where);
    if (!board) return board.error();
    profile.board = *board;
    profile.description = json::opt_string(doc, "description").value_or("");
    profile.target = json::opt_string(doc, "target").value_or("");

    if (const cJSON* lan = cJSON_GetObjectItemCaseSensitive(doc, "lan")) {
        if (!cJSON_IsObject(lan)) return make_error(Errc::invalid_argument, "profile.lan: must be an object");
        profile.lan_bridge = json::opt_string(lan, "bridge").value_or("");
        auto ports = string_list(lan, "ports", "profile.lan", false);
        if (!ports) return ports.error();
        profile.lan_ports = std::move(*ports);
    }
    if (const cJSON* wan = cJSON_GetObjectItemCaseSensitive(doc, "wan")) {
        auto iface = json::get_string(wan, "interface", "profile.wan");
        if (!iface) return iface.error();
        profile.wan_interface = *iface;
    }
    if (const cJSON* wifi = cJSON_GetObjectItemCaseSensitive(doc, "wifi")) {
        if (!cJSON_IsArray(wifi)) return make_error(Errc::invalid_argument, "profile.wifi: must be an array");
        int i = 0;
        for (const cJSON* item = wifi->child; item; item = item->next, ++i) {
            const std::string w = "profile.wifi[" + std::to_string(i) + "]";
            auto iface = json::get_string(item, "interface", w);
            if (!iface) return iface.error();
            auto band = json::get_string(item, "band", w);
            if (!band) return band.error();
            if (*band != "2.4GHz" && *band != "5GHz" && *band != "6GHz")
                return make_error(Errc::invalid_argument,
                                  w + ".band: must be 2.4GHz, 5GHz or 6GHz, not '" + *band + "'");
            // The SSID is configuration the device holds (read by the wifi_info collector), not board data.
            if (cJSON_GetObjectItemCaseSensitive(item, "ssid"))
                return make_error(
                    Errc::invalid_argument,
                    w + ".ssid: SSIDs are read from the device (a \"wifi_info\" source), not the profile");
            profile.wifi.push_back({*iface, *band});
        }
    }

    const cJSON* identity = cJSON_GetObjectItemCaseSensitive(doc, "identity");
    if (identity && !cJSON_IsObject(identity))
        return make_error(Errc::invalid_argument, "profile.identity: must be an object");
    const cJSON* sources = cJSON_GetObjectItemCaseSensitive(doc, "sources");
    if (!cJSON_IsArray(sources))
        return make_error(Errc::invalid_argument, "profile.sources: missing or not an array");
    int i = 0;
    for (const cJSON* spec = sources->child; spec; spec = spec->next, ++i) {
        const std::string w = "profile.sources[" + std::to_string(i) + "]";
        if (!cJSON_IsObject(spec)) return make_error(Errc::invalid_argument, w + ": must be an object");
        auto type = json::get_string(spec, "collector", w);
        if (!type) return type.error();
        CollectorFactory factory = find_collector_factory(*type);
        if (!factory)
            return make_error(Errc::invalid_argument, w + ".collector: unknown type '" + *type +
                                                          "' (known: " + known_collector_types() + ")");
        // The identity collector reads the profile's identity block: hand it a copy inside its spec.
        json::Ptr merged;
        const cJSON* given = spec;
        if (*type == "identity") {
            merged.reset(cJSON_Duplicate(spec, 1));
            if (identity) json::add(merged.get(), "identity", json::Ptr(cJSON_Duplicate(identity, 1)));
            given = merged.get();
        }
        auto collector = factory(given, w);
        if (!collector) return collector.error();
        profile.collectors.push_back(std::move(*collector));
    }
    return profile;
}

Result<Profile> load_profile(const std::string& board_dir) {
    const std::string path = board_dir + "/profile.json";
    FILE* file = fopen(path.c_str(), "rb");
    if (!file) return make_error(Errc::not_found, path + ": cannot open (is --board a board folder?)");
    std::string text;
    char buf[4096];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, file)) > 0 && text.size() < (1u << 20)) text.append(buf, n);
    fclose(file);
    return parse_profile(text, path);
}

}  // namespace cpe::agent
