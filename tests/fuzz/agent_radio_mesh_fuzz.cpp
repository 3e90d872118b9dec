#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/mesh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cpe::agent::ParseNotes notes;
    auto nodes =
        cpe::agent::parse_mesh_json(std::string_view(reinterpret_cast<const char*>(data), size), notes);
    if (!nodes.ok()) return 0;
    for (const auto& node : *nodes)
        for (const auto& radio : node.radios)
            for (const auto& bss : radio.bss)
                for (const auto& sta : bss.stations)
                    if (sta.rcpi && (*sta.rcpi < 0 || *sta.rcpi > 254)) __builtin_trap();
    return 0;
}
