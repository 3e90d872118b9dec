#include "diag/resolve.hpp"

#include <cstdio>

#include "net/dns.hpp"

namespace cpe::agent::diag {

Result<Address> resolve_literal(const std::string& host, const std::string& version,
                                const std::function<bool()>&) {
    auto a = Address::parse(host);
    if (!a) return make_error(Errc::not_found, "'" + host + "' is not an IP address");
    if ((version == "IPv4" && a->family() != AF_INET) || (version == "IPv6" && a->family() != AF_INET6))
        return make_error(Errc::not_found, host + " is not an " + version + " address");
    return *a;
}

std::vector<std::string> board_dns_servers(const std::string& root) {
    const std::string path = (root.empty() ? std::string() : root) + "/etc/resolv.conf";
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) return {};
    char buf[4096];
    const size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return net::dns::parse_resolv_conf(std::string_view(buf, n));
}

Resolver dns_resolver(std::string root) {
    return [root = std::move(root)](const std::string& host, const std::string& version,
                                    const std::function<bool()>& stop) -> Result<Address> {
        if (auto a = resolve_literal(host, version, stop)) return a;
        if (Address::parse(host))
            return resolve_literal(host, version, stop);  // a literal of the other family
        const bool v4 = version != "IPv6", v6 = version != "IPv4";
        auto addrs = net::dns::resolve(host, board_dns_servers(root), v4, v6, 2000, stop);
        if (!addrs) {
            // A name that cannot be a DNS name does not resolve either.
            if (addrs.error().code == Errc::invalid_argument)
                return make_error(Errc::not_found, addrs.error().message);
            return addrs.error();
        }
        for (const std::string& text : *addrs)
            if (auto a = Address::parse(text)) return *a;
        return make_error(Errc::not_found, "'" + host + "' has no address");
    };
}

}  // namespace cpe::agent::diag
