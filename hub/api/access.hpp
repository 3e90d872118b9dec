// Access control for device data, as a Hub middleware. A request under a protected prefix (/devices,
// /usp, /sse by default) passes with either
//   - the service token: "Authorization: Bearer <token>" (or "token <token>", or "X-Api-Key: <token>"),
//     compared in constant time; the token comes from the environment (HUB_SERVICE_TOKEN), never a file;
//   - staff SSO headers (X-Authentik-Email, optionally X-Authentik-Groups) from a configured trusted proxy
//     address (the request's peer IP, e.g. Traefik's), optionally restricted to some groups.
// Anything else gets 401 {"error": …, "status": 401} with WWW-Authenticate. With no token and no trusted
// proxy configured, every protected request is refused (closed by default).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"

namespace cpe::hub::api {

struct AccessConfig {
    std::string service_token;                 // "" = no service access
    std::vector<std::string> trusted_proxies;  // peer IPs allowed to send staff headers
    std::vector<std::string> staff_groups;     // empty = any authenticated staff; else one of these groups
    std::vector<std::string> protected_prefixes = {"/devices", "/usp", "/sse"};
};

// Who was let in (for logs): "service", "staff:<email>".
struct Principal {
    std::string who;
};

// nullopt + principal: allowed (or not protected: principal "public"); a Response: refused.
std::optional<net::Response> check_access(const AccessConfig& config, const net::Request& request,
                                          Principal* principal = nullptr);

bool constant_time_equal(std::string_view a, std::string_view b);
// "::ffff:10.0.0.1" → "10.0.0.1"; other text unchanged.
std::string normalize_peer(std::string_view peer);

}  // namespace cpe::hub::api
