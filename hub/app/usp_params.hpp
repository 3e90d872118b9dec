// The USP part of the HTTP API, as pure functions: query strings and JSON bodies → USP request values
// (errors name the parameter or field that was wrong), USP responses → JSON. Fuzzed by
// tests/fuzz/hub_usp_params_fuzz.cpp.
#pragma once

#include <string>
#include <string_view>

#include "net/http_types.hpp"
#include "usp/types.hpp"
#include "util/result.hpp"

namespace cpe::hub::app {

inline constexpr size_t kMaxPaths = 64;
inline constexpr size_t kMaxPathLength = 1024;

// A TR-181 path given by a client: starts with "Device.", printable, at most kMaxPathLength bytes.
Status check_path(std::string_view path, std::string_view field);

// ?path=…&path=…&max_depth=N
Result<usp::Get> parse_get_query(const net::HeaderList& query);
// ?path=…[&first_level_only=true]
Result<usp::GetInstances> parse_instances_query(const net::HeaderList& query);
// ?path=…[&first_level_only=true][&commands=false][&events=false][&params=false]
Result<usp::GetSupportedDM> parse_supported_query(const net::HeaderList& query);
// {"allow_partial": false, "objects": [{"path": "Device.WiFi.SSID.1.", "params": {"SSID": "x"}}]}
// or {"params": {"Device.WiFi.SSID.1.SSID": "x"}} (grouped by object). Values: strings, numbers, booleans.
Result<usp::Set> parse_set_body(std::string_view body);
// {"command": "Device.Reboot()", "args": {…}, "command_key": "…"}
Result<usp::Operate> parse_operate_body(std::string_view body);

std::string get_resp_json(const std::string& endpoint_id, const usp::GetResp& resp);
std::string instances_resp_json(const std::string& endpoint_id, const usp::GetInstancesResp& resp);
std::string supported_resp_json(const std::string& endpoint_id, const usp::GetSupportedDMResp& resp);
std::string set_resp_json(const std::string& endpoint_id, const usp::SetResp& resp);
std::string operate_resp_json(const std::string& endpoint_id, const usp::OperateResp& resp);

// HTTP status for a controller error: 404 unknown endpoint, 503 offline/busy, 504 timeout, 400 bad
// request, 502 USP error or bad answer. The body: {"error", "status", "endpoint_id", ["usp_err_code"]}.
int http_status_for(const Error& error);
std::string error_json(int status, const Error& error, const std::string& endpoint_id);

}  // namespace cpe::hub::app
