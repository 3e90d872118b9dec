// Device.IP.Diagnostics.DownloadDiagnostics() and UploadDiagnostics() (TR-143) over HTTP(S) on the
// libwebsockets client the agent already links (no other HTTP or TLS code). Each run makes its own small
// lws context on the command's worker thread (client only, no listener), opens NumberOfConnections
// connections to the same URL, counts bytes without keeping them, and reports TR-143's timings
// (TCPOpenRequest/ResponseTime, ROMTime, BOMTime, EOMTime, microsecond dateTimes) and byte counts, in total
// and per connection. TimeBasedTestDuration > 0 stops the transfer after that many seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "diag/resolve.hpp"
#include "usp/commands.hpp"

namespace cpe::agent::diag {

struct HttpUrl {
    bool tls = false;
    std::string host;  // a name or an address (IPv6 without brackets)
    uint16_t port = 80;
    std::string path = "/";
};
// http:// or https:// URLs only; nullopt otherwise (the caller names the argument).
std::optional<HttpUrl> parse_http_url(const std::string& text);

// "2026-12-06T20:15:01.123456Z" (TR-143 times have microseconds).
std::string format_time_us(int64_t epoch_us);

usp::CommandSpec download_command(Resolver resolver);
usp::CommandSpec upload_command(Resolver resolver);

}  // namespace cpe::agent::diag
