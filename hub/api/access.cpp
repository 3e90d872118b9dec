#include "api/access.hpp"

#include <algorithm>
#include <cctype>

namespace cpe::hub::api {

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Length is not secret; the content comparison does not stop at the first difference.
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= static_cast<unsigned char>(x ^ y);
    }
    return diff == 0;
}

std::string normalize_peer(std::string_view peer) {
    if (peer.rfind("::ffff:", 0) == 0 && peer.find('.') != std::string_view::npos) peer.remove_prefix(7);
    return std::string(peer);
}

namespace {
bool under(const std::string& path, const std::string& prefix) {
    if (path.compare(0, prefix.size(), prefix) != 0) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '/' || prefix.back() == '/';
}

net::Response refuse(std::string_view why) {
    net::Response r = net::Response::error(401, why);
    r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"cpe-hub\""});
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
}

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

std::optional<net::Response> check_access(const AccessConfig& config, const net::Request& req,
                                          Principal* principal) {
    bool is_protected = false;
    for (const auto& p : config.protected_prefixes)
        is_protected = is_protected || (!p.empty() && under(req.path, p));
    if (!is_protected) {
        if (principal) principal->who = "public";
        return std::nullopt;
    }
    // Service token.
    std::optional<std::string> presented;
    if (auto auth = req.header("authorization")) {
        std::string a = trim(*auth);
        size_t sp = a.find(' ');
        std::string scheme = lower(a.substr(0, sp));
        if (sp == std::string::npos || (scheme != "bearer" && scheme != "token"))
            return refuse("Authorization header: expected 'Bearer <service token>'");
        presented = trim(a.substr(sp + 1));
    } else if (auto key = req.header("x-api-key")) {
        presented = trim(*key);
    }
    if (presented) {
        if (config.service_token.empty() || !constant_time_equal(*presented, config.service_token))
            return refuse("invalid service token");
        if (principal) principal->who = "service";
        return std::nullopt;
    }
    // Staff headers, only from the trusted proxy.
    auto email = req.header("x-authentik-email");
    if (email && !trim(*email).empty()) {
        std::string peer = normalize_peer(req.peer);
        bool trusted = std::find(config.trusted_proxies.begin(), config.trusted_proxies.end(), peer) !=
                       config.trusted_proxies.end();
        if (!trusted)
            return refuse("staff headers are accepted only through the SSO proxy (untrusted peer " + peer +
                          ")");
        // One address, as the proxy sends it: a list (two headers folded into one, or an appended copy) is
        // refused.
        const std::string one = trim(*email);
        if (one.find_first_of(",; \t\r\n") != std::string::npos || one.find('\0') != std::string::npos)
            return net::Response::error(400, "X-Authentik-Email must hold exactly one address");
        if (!config.staff_groups.empty()) {
            std::string groups = req.header("x-authentik-groups").value_or("");
            bool member = false;
            size_t start = 0;
            while (start <= groups.size() && !member) {
                size_t end = groups.find_first_of(",|", start);
                if (end == std::string::npos) end = groups.size();
                std::string g = trim(groups.substr(start, end - start));
                member = std::find(config.staff_groups.begin(), config.staff_groups.end(), g) !=
                         config.staff_groups.end();
                start = end + 1;
            }
            if (!member) {
                net::Response r = net::Response::error(
                    403, "staff account '" + trim(*email) + "' is not in an allowed group");
                return r;
            }
        }
        if (principal) principal->who = "staff:" + trim(*email);
        return std::nullopt;
    }
    return refuse(
        "authentication required: 'Authorization: Bearer <service token>' or staff SSO headers through the "
        "proxy");
}

}  // namespace cpe::hub::api
