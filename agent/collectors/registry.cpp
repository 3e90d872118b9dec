#include "collectors/registry.hpp"

#include <string>

#include "collectors/arp.hpp"
#include "collectors/bridge_fdb.hpp"
#include "collectors/dhcp_config.hpp"
#include "collectors/econet_pon.hpp"
#include "collectors/identity.hpp"
#include "collectors/ip_addr.hpp"
#include "collectors/iw_station.hpp"
#include "collectors/leases_dnsmasq.hpp"
#include "collectors/leases_udhcpd.hpp"
#include "collectors/mesh.hpp"
#include "collectors/realtek_pon.hpp"
#include "collectors/realtek_wlan.hpp"
#include "collectors/sysfs_net.hpp"
#include "collectors/system.hpp"
#include "collectors/wifi_info.hpp"
#include "collectors/wl_broadcom.hpp"

namespace cpe::agent {
namespace {

struct Entry {
    const char* type;
    CollectorFactory factory;
};

constexpr Entry kCollectors[] = {
    {"identity", make_identity_collector},
    {"system", make_system_collector},
    {"leases_dnsmasq", make_leases_dnsmasq_collector},
    {"leases_udhcpd", make_leases_udhcpd_collector},
    {"arp", make_arp_collector},
    {"sysfs_net", make_sysfs_net_collector},
    {"ip_addr", make_ip_addr_collector},
    {"iw_station", make_iw_station_collector},
    {"wl_broadcom", make_wl_broadcom_collector},
    {"realtek_wlan", make_realtek_wlan_collector},
    {"mesh", make_mesh_collector},
    {"econet_pon", make_econet_pon_collector},
    {"realtek_pon", make_realtek_pon_collector},
    {"wifi_info", make_wifi_info_collector},
    {"bridge_fdb", make_bridge_fdb_collector},
    {"dhcp_config", make_dhcp_config_collector},
};

}  // namespace

CollectorFactory find_collector_factory(std::string_view type) {
    for (const Entry& e : kCollectors)
        if (e.factory && type == e.type) return e.factory;
    return nullptr;
}

std::string known_collector_types() {
    std::string out;
    for (const Entry& e : kCollectors) {
        if (!e.factory) continue;
        if (!out.empty()) out += ", ";
        out += e.type;
    }
    return out;
}

}  // namespace cpe::agent
