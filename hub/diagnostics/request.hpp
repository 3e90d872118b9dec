// Diagnostics requests and results (POST /devices/:id/diagnostics, docs/api.md "Diagnostics"): the request
// body parsed and every argument checked (the error names the argument), mapped to the TR-181 command and its
// input arguments (TR-181 2.x: Device.IP.Diagnostics.IPPing(), TraceRoute(), DownloadDiagnostics(),
// UploadDiagnostics(), Device.DNS.Diagnostics.NSLookupDiagnostics(),
// Device.WiFi.NeighboringWiFiDiagnostic()); and a command's output arguments rendered as the result the page
// shows. Network input: fuzzed (tests/fuzz/hub_diagnostics_fuzz.cpp). No I/O here.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "json/json.hpp"
#include "util/result.hpp"

namespace cpe::hub::diagnostics {

enum class Kind { ping, traceroute, download, upload, nslookup, wifi_scan };
const char* kind_name(Kind k);  // "ping", "traceroute", "download", "upload", "nslookup", "wifiScan"

struct Limits {
    size_t max_body_bytes = 4096;
    unsigned max_repetitions = 100;   // ping / nslookup NumberOfRepetitions
    unsigned max_timeout_ms = 10000;  // per probe
    unsigned max_hops = 64;
    unsigned max_connections = 8;  // TR-143 NumberOfConnections
    unsigned max_duration_s = 60;  // TR-143 TimeBasedTestDuration
    uint64_t max_upload_bytes = 1ull << 30;
};

struct Request {
    Kind kind = Kind::ping;
    std::string command;                        // "Device.IP.Diagnostics.IPPing()"
    std::map<std::string, std::string> inputs;  // TR-181 input arguments, e.g. "Host" → "10.0.0.1"
    json::Ptr args;                             // the request's arguments as given (checked), for the record
    // The longest the device may need (probes × timeouts, transfer duration), without the hub's margin.
    uint64_t expected_ms = 0;
};

// `body`: {"type": …, …args} (docs/api.md). Unknown members are errors naming them; `default_url`: the URL a
// download/upload without "url" uses (the hub's own TR-143 endpoint; "" = url required).
Result<Request> parse_request(std::string_view body, const Limits& limits = {},
                              const std::string& default_url = "");

// A host argument: a DNS name (letters, digits, '-', '.', at most 253) or an IPv4/IPv6 literal.
bool valid_host(std::string_view host);
// An http:// or https:// URL with a host and no spaces/control characters, at most 1024 characters.
bool valid_url(std::string_view url);

// The result shown for a finished command, from its output arguments (TR-181 names, as OperationComplete
// carries them: "SuccessCount", "RouteHops.1.HostAddress", "Result.2.SSID", …):
//   ping:       {status, sent, received, lossPercent, avgMs, minMs, maxMs}
//   traceroute: {status, hops: [{hop, host, address, rttMs: [..], errorCode}]}
//   download/upload: {status, bytes, seconds, mbps, connections}
//   nslookup:   {status, answers: [{status, name, addresses: [..], server, ms}]}
//   wifiScan:   {status, networks: [{ssid, bssid, channel, band, signalDbm, bandwidth, security, noiseDbm}]}
// plus "summary" (one line in words) and "ok" (the diagnostic reached its goal: Status Complete or absent).
// Values that do not parse are left out of the numbers (never guessed); the raw outputs go in the record.
json::Ptr render_result(Kind kind, const std::map<std::string, std::string>& outputs);

}  // namespace cpe::hub::diagnostics
