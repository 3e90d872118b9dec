// PonTable as JSON (for the bridge REST API) and as a text table (for the CLI).
#pragma once

#include <string>

#include "json/json.hpp"
#include "pon_table.hpp"

namespace cpe::bridge::olt {

// {"olt","slot","port","complete","error"?,"warnings":[],"columns":{key:{"outcome","rows","detail"?}},
//  "onus":[{"onu","serial","status","rx_dbm","tx_dbm","temperature_c","olt_rx_dbm","distance_m",
//           "offline_reason":{"code","text"},"missing":[keys],"problems":[…]}]} — absent values are null.
json::Ptr to_json(const PonTable& table);
std::string to_text(const PonTable& table);

}  // namespace cpe::bridge::olt
