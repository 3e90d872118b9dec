// Which records of different sources are one device, and the model name the fleet statistics group by.
// A device can reach the hub twice: as a USP agent (its sticker serial) and as a GenieACS TR-069 record whose
// SerialNumber may be a factory serial (tests/sim/fleet: 1 XX230v in 5). Both carry the GPON serial and the
// Ethernet MACs, so the lookup and the summary match on any of serial, GPON serial and MAC.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "diag/params.hpp"

namespace cpe::hub::diag {

struct DeviceIdentity {
    std::string serial;       // upper case; "" when unknown
    std::string gpon_serial;  // upper case, as gpon_serial() reads it (vendor id decoded: TPLG…, RCMG…)
    std::vector<std::string> macs;  // normalize_mac() form, sorted, unique; never all-zero or broadcast
};

// From TR-181/TR-098 values (agent Get or GenieACS document): DeviceInfo.SerialNumber (else
// _deviceId._SerialNumber), the GPON serial, Device.Ethernet.Interface.{i}.MACAddress and TR-098
// LANEthernetInterfaceConfig.{i}.MACAddress.
DeviceIdentity identity_of(const Params& params);
// From the registry's fields: serial, GPON serial, MACs as a comma-separated list.
DeviceIdentity make_identity(std::string_view serial, std::string_view gpon_serial,
                             std::string_view macs_csv);

// One physical device: a serial or GPON serial of one equals a serial or GPON serial of the other, or they
// share a MAC. Empty values never match.
bool same_device(const DeviceIdentity& a, const DeviceIdentity& b);

// `families`: models sold in variants named by a suffix ("HT803G" for HT803G-W, HT803G-WS2, …): board data
// the hub's configuration carries (devices.model_families; api::DevicesConfig has the default table). The
// model a fleet statistic counts under: the family for a variant name ("HT803G-W" → "HT803G"), any other name
// unchanged; "" → "unknown".
std::string model_family(std::string_view model, const std::vector<std::string>& families);
// The most precise name a device reports: its ModelName, or its ProductClass when the ModelName is only the
// family and the ProductClass names a variant of it (TR-098 HT803G: ModelName "HT803G", ProductClass
// "HT803G-W").
std::string model_variant(std::string_view model_name, std::string_view product_class,
                          const std::vector<std::string>& families);

}  // namespace cpe::hub::diag
