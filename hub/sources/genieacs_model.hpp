// The data model a GenieACS device speaks, known from its record, and every path the hub uses on it from one
// table: TR-181 (`Device.`, the XX230v) or TR-098 (`InternetGatewayDevice.`, the HT803G). A task, a
// projection or a parameter path for a TR-069 device is taken from model_paths(model_of(record)), never
// written out elsewhere: a TR-181 path on a TR-098 device is a silent no-op in GenieACS (200, nothing read).
// docs/sources-hub.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cpe::hub::sources {

enum class DataModel { tr181, tr098 };
const char* data_model_name(DataModel m);

struct ModelPaths {
    DataModel model;
    std::string root;         // "Device" / "InternetGatewayDevice"
    std::string device_info;  // object refreshed by the "refresh" task
    std::string optical;      // the PON interface object (receive/transmit levels)
    std::string hosts;        // the hosts table's parent object (refreshObject target)
    // Objects holding which access point / mesh node a Wi-Fi client is associated with, refreshed with the
    // hosts (each only when the device's record has it: mesh_if_present).
    std::vector<std::string> associations;
    std::vector<std::string> mesh_if_present;
    // The projection of a hosts answer (subtrees).
    std::vector<std::string> hosts_projection;
};

// The table (one entry per model).
const ModelPaths& model_paths(DataModel m);

// A device's model from the parameter paths of its record (a GenieACS document always holds its root object
// and DeviceInfo): any path under "InternetGatewayDevice." makes it TR-098, else TR-181. `params`: a map
// sorted by path.
template <typename Map>
DataModel model_of(const Map& params) {
    static const std::string igd = "InternetGatewayDevice.";
    auto it = params.lower_bound(igd);
    return it != params.end() && it->first.compare(0, igd.size(), igd) == 0 ? DataModel::tr098
                                                                            : DataModel::tr181;
}

// Whether `params` (sorted by path) has any entry under `object` ("Device.WiFi.DataElements" →
// "…DataElements.").
template <typename Map>
bool has_subtree(const Map& params, const std::string& object) {
    std::string prefix = object + ".";
    auto it = params.lower_bound(prefix);
    return it != params.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace cpe::hub::sources
