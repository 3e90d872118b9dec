// PonTable as JSON (for the bridge REST API) and as a text table (for the CLI).
#pragma once

#include <string>

#include "json/json.hpp"
#include "pon_table.hpp"

namespace cpe::bridge::olt {

// {"olt","slot","port","complete","index_scheme","index_scheme_source","requests","error"?,"warnings":[],
//  "columns":{key:{"outcome","rows","detail"?}},
//  "onus":[{"onu","serial","status","rx_dbm","tx_dbm","temperature_c","voltage_v","olt_rx_dbm","distance_m",
//           "offline_reason":{"code","text","detail","sourced"},"missing":[keys],"problems":[…]}]}
// — absent values are null; offline_reason only for an ONU that is not online.
json::Ptr to_json(const PonTable& table);
std::string to_text(const PonTable& table);

}  // namespace cpe::bridge::olt
