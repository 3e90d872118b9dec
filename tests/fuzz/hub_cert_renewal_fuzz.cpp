// The CSR an agent answers RenewCertificate() with, as the hub checks it before the fleet CA signs anything
// (hub/controller/fleet_ca.hpp): anything accepted must name the bound endpoint.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "controller/fleet_ca.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string eid = "os::0C8063-FUZZ0001";
    auto r = cpe::hub::controller::check_csr(std::string(reinterpret_cast<const char*>(data), size), eid);
    if (r && r->cn != eid) abort();
    return 0;
}
