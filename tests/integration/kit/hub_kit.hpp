// What the hub's black-box tests add to the kit: a fleet from the fleet generator.
#pragma once

#include <string>
#include <vector>

#include "kit/kit.hpp"

namespace cpe::testkit {

// A fleet from tests/sim/fleet/make_fleet.py written to <dir>/fleet.json (its log in <dir>/gen.log), parsed;
// `extra` are more generator options. On failure the value has no "devices" array and `why` says what the
// generator said.
inline Ptr generate_fleet(const std::string& python, const std::string& source_dir, const std::string& dir,
                          int count, int seed, const std::vector<std::string>& extra, std::string& why) {
    const std::string fleet_path = dir + "/fleet.json";
    std::vector<std::string> argv = {python,    source_dir + "/tests/sim/fleet/make_fleet.py",
                                     "--count", std::to_string(count),
                                     "--seed",  std::to_string(seed),
                                     "--out",   fleet_path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run(argv, dir + "/gen.log");
    Ptr fleet = parse(slurp(fleet_path));
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(fleet.get(), "devices")))
        why = "no fleet: " + slurp(dir + "/gen.log");
    return fleet;
}

}  // namespace cpe::testkit
