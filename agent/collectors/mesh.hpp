// EasyMesh topology from our shim's JSON, /tmp/cpe-mesh.json (format defined in docs/sources-radio.md §4).
#pragma once

#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

// Not JSON / no "devices" array / unknown "version" → parse_error. Otherwise every usable device is returned
// and each unusable device, radio, BSS, station or field is noted.
Result<std::vector<MeshNode>> parse_mesh_json(std::string_view text, ParseNotes& notes);

// Spec: {"file": "/tmp/cpe-mesh.json"} (optional).
Result<std::unique_ptr<Collector>> make_mesh_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
