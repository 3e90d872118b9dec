// GET /health's members from the device API: each source's state and circuit breaker, the lookup cache, the
// poller (docs/api.md "Health").
#include <algorithm>

#include "api/devices_api.hpp"
#include "json/json.hpp"

namespace cpe::hub::api {

std::string DevicesApi::health_json(bool detailed) const {
    auto o = json::make_object();
    add_health(o.get(), detailed);
    return json::print(o.get());
}

void DevicesApi::add_health(cJSON* health, bool detailed) const {
    int64_t now = now_ms();
    // Each source: "state" off | ok | failing (its last call failed) | open (circuit open: calls refused for
    // now), the breaker's counters, the age of the last success and of the last failure; the failure's text
    // only for an authenticated caller (it can name a device).
    auto source = [&](const char* name, json::Ptr o, bool configured, const SourceSeen& seen, int64_t ok_ms) {
        ok_ms = std::max(ok_ms, seen.ok_ms);
        const cJSON* circuit = cJSON_GetObjectItemCaseSensitive(o.get(), "circuit");
        bool open = cJSON_IsString(circuit) && std::string(circuit->valuestring) == "open";
        const char* state = !configured ? "off" : open ? "open" : seen.error_ms > ok_ms ? "failing" : "ok";
        cJSON_DeleteItemFromObjectCaseSensitive(o.get(), "last_ok_age_s");
        json::add_string(o.get(), "state", state);
        if (ok_ms)
            json::add_number(o.get(), "last_ok_age_s",
                             static_cast<double>(std::max<int64_t>(0, now - ok_ms) / 1000));
        if (seen.error_ms) {
            json::add_number(o.get(), "last_error_age_s",
                             static_cast<double>(std::max<int64_t>(0, now - seen.error_ms) / 1000));
            if (detailed) json::add_string(o.get(), "last_error", seen.error);
        }
        json::add(health, name, std::move(o));
    };
    auto agent = json::make_object();
    json::add_bool(agent.get(), "configured", hub_.controller() != nullptr);
    json::add_bool(agent.get(), "enabled", hub_.controller() != nullptr);
    json::add_number(agent.get(), "endpoints", static_cast<double>(hub_.registry().size()));
    json::add_number(agent.get(), "online", static_cast<double>(hub_.registry().online_count()));
    json::add_number(agent.get(), "snapshots", static_cast<double>(agents_.snapshots()));
    source("agent", std::move(agent), hub_.controller() != nullptr, seen_agent_, 0);
    source("genieacs", genieacs_.health(now), genieacs_.configured(), seen_genie_,
           poller_.genie_fleet_error().empty() ? poller_.genie_fleet_ms() : 0);
    source("erpnext", erpnext_.health(now), erpnext_.configured(), seen_erp_, 0);
    const cJSON* bridge_ok = nullptr;
    json::Ptr bridge = bridge_.health();
    bridge_ok = cJSON_GetObjectItemCaseSensitive(bridge.get(), "last_ok_age_s");
    int64_t bridge_ok_ms =
        cJSON_IsNumber(bridge_ok) ? now - static_cast<int64_t>(bridge_ok->valuedouble) * 1000 : 0;
    source("bridge", std::move(bridge), bridge_.configured(), seen_bridge_, bridge_ok_ms);
    json::add(health, "cache", cache_.stats_json());
    json::add(health, "poll", poller_.health_json());
}

}  // namespace cpe::hub::api
