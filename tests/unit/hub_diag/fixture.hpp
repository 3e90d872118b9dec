// Reads a "path = value" dump (the output of `cpe-agent get`) into Params.
#pragma once

#include <fstream>
#include <string>

#include "diag/params.hpp"
#include "diag/vendor.hpp"

namespace cpe::hub::diag::test {

// The fixtures' extension parameters carry the documentation prefix (docs/tr181.md), as the hub configured
// so.
inline const bool kVendorPrefixSet = (set_vendor_prefix("X_EXAMPLE-NET_"), true);

inline Params load_params(const std::string& file) {
    Params p;
    std::ifstream in(std::string(CPE_SOURCE_DIR) + "/tests/unit/hub_diag/fixtures/" + file);
    std::string line;
    while (std::getline(in, line)) {
        size_t eq = line.find(" = ");
        if (eq == std::string::npos) {
            if (line.size() > 2 && line.compare(line.size() - 2, 2, " =") == 0)
                p[line.substr(0, line.size() - 2)] = "";
            continue;
        }
        p[line.substr(0, eq)] = line.substr(eq + 3);
    }
    return p;
}

}  // namespace cpe::hub::diag::test
