#include "api/summary.hpp"

#include <algorithm>
#include <unordered_set>

#include "api/reply.hpp"
#include "diag/identity.hpp"
#include "json/json.hpp"

namespace cpe::hub::api {

std::string summary_json(const controller::Registry& registry, const AgentCache& agents,
                         const FleetState& fleet, const diag::OpticalThresholds& optical,
                         const std::vector<std::string>& families, int64_t now) {
    struct Counts {
        unsigned total = 0, online = 0;
        std::map<std::string, unsigned> variants;  // the names the devices report
    };
    std::map<std::string, Counts> by_model;  // by family (diag::model_family)
    std::map<std::string, unsigned> by_firmware;
    std::map<std::string, unsigned> grades;
    for (const char* g : {"good", "warning", "critical", "too_high", "no_signal", "unknown"}) grades[g] = 0;
    unsigned total = 0, online = 0, usp = 0, tr069 = 0;
    auto count = [&](const std::string& model, const std::string& variant, const std::string& fw, bool on,
                     std::optional<double> rx) {
        ++total;
        online += on;
        auto& m = by_model[diag::model_family(model, families)];
        ++m.total;
        m.online += on;
        ++m.variants[variant.empty() ? "unknown" : variant];
        ++by_firmware[fw.empty() ? "unknown" : fw];
        ++grades[diag::grade_name(diag::grade_rx(rx, optical))];
    };
    // A TR-069 record of an agent device is the same device (serial, GPON serial or MAC, as the lookup
    // matches): counted once, as the agent.
    std::unordered_set<std::string> agent_ids, agent_macs;  // serials and GPON serials; MACs
    for (const auto* e : registry.list()) {
        const auto& r = e->record;
        const DeviceBrief* b = agents.brief(r.endpoint_id);
        std::string model = !r.model.empty() ? r.model : (b ? b->model : "");
        std::string fw = !r.firmware.empty() ? r.firmware : (b ? b->firmware : "");
        ++usp;
        count(model, model, fw, r.online, b ? b->rx_dbm : std::nullopt);
        diag::DeviceIdentity id = agents.identity(*e);
        for (const std::string* k : {&id.serial, &id.gpon_serial})
            if (!k->empty()) agent_ids.insert(*k);
        agent_macs.insert(id.macs.begin(), id.macs.end());
    }
    for (const auto& [gid, b] : fleet.genie_briefs) {
        (void)gid;
        bool agent = (!b.serial.empty() && agent_ids.count(upper(b.serial))) ||
                     (!b.gpon_serial.empty() && agent_ids.count(upper(b.gpon_serial))) ||
                     std::any_of(b.macs.begin(), b.macs.end(),
                                 [&](const std::string& m) { return agent_macs.count(m) > 0; });
        if (agent) continue;  // counted as an agent device
        ++tr069;
        count(b.model, b.variant, b.firmware, b.online, b.rx_dbm);
    }
    auto o = json::make_object();
    json::add_number(o.get(), "total", total);
    json::add_number(o.get(), "online", online);
    json::add_number(o.get(), "offline", total - online);
    auto kinds = json::make_object();
    json::add_number(kinds.get(), "usp", usp);
    json::add_number(kinds.get(), "tr069", tr069);
    json::add(o.get(), "byKind", std::move(kinds));
    auto models = json::make_object();
    for (const auto& [m, c] : by_model) {
        auto e = json::make_object();
        json::add_number(e.get(), "total", c.total);
        json::add_number(e.get(), "online", c.online);
        auto v = json::make_object();
        for (const auto& [name, n] : c.variants) json::add_number(v.get(), name.c_str(), n);
        json::add(e.get(), "variants", std::move(v));
        json::add(models.get(), m.c_str(), std::move(e));
    }
    json::add(o.get(), "byModel", std::move(models));
    auto fws = json::make_object();
    for (const auto& [f, n] : by_firmware) json::add_number(fws.get(), f.c_str(), n);
    json::add(o.get(), "byFirmware", std::move(fws));
    auto gr = json::make_object();
    for (const auto& [g, n] : grades) json::add_number(gr.get(), g.c_str(), n);
    json::add(o.get(), "opticalGrades", std::move(gr));
    auto src = json::make_object();
    auto g = json::make_object();
    json::add_string(g.get(), "state",
                     !fleet.genieacs_configured ? "off"
                     : fleet.genie_fleet_ms     ? (fleet.genie_fleet_error.empty() ? "fresh" : "stale")
                                                : "failed");
    if (fleet.genie_fleet_ms)
        json::add_number(g.get(), "age_s", static_cast<double>((now - fleet.genie_fleet_ms) / 1000));
    if (!fleet.genie_fleet_error.empty()) json::add_string(g.get(), "error", fleet.genie_fleet_error);
    json::add(src.get(), "genieacs", std::move(g));
    json::add(o.get(), "sources", std::move(src));
    return json::print(o.get());
}

}  // namespace cpe::hub::api
