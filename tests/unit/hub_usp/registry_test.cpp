// The registry's admission and certificate checks (docs/security-identity.md), in memory and on a store.
#include <gtest/gtest.h>

#include <filesystem>

#include "controller/registry.hpp"
#include "controller/ws_server.hpp"

using namespace cpe::hub;
using namespace cpe::hub::controller;

namespace {
cpe::usp::GetResp identity(const std::string& serial, const std::string& oui = "0C8063") {
    cpe::usp::GetResp resp;
    resp.req_path_results.push_back(
        {"Device.DeviceInfo.",
         0,
         "",
         {{"Device.DeviceInfo.",
           {{"ModelName", "XX230v"}, {"SerialNumber", serial}, {"ManufacturerOUI", oui}}}}});
    return resp;
}

struct Changes {
    std::vector<std::pair<std::string, EndpointChange>> seen;
    void watch(Registry& r) {
        r.listen([this](const Endpoint& e, EndpointChange c) { seen.emplace_back(e.record.endpoint_id, c); });
    }
};
}  // namespace

TEST(HubRegistry, UnidentifiedEndpointsLeaveNoTrace) {
    Registry r(nullptr, [] { return int64_t{1000}; });
    Changes ch;
    ch.watch(r);
    r.connected("os::0C8063-X", {});
    EXPECT_EQ(r.size(), 0u);
    EXPECT_EQ(r.waiting(), 1u);
    EXPECT_EQ(r.online_count(), 0u);
    EXPECT_TRUE(r.list().empty());
    ASSERT_NE(r.find("os::0C8063-X"), nullptr);  // the controller still talks to it
    EXPECT_FALSE(r.find("os::0C8063-X")->admitted);
    EXPECT_TRUE(ch.seen.empty());
    r.disconnected("os::0C8063-X");
    EXPECT_EQ(r.find("os::0C8063-X"), nullptr);
    EXPECT_EQ(r.waiting(), 0u);
    EXPECT_TRUE(ch.seen.empty());
}

TEST(HubRegistry, IdentifiedEndpointIsAdmitted) {
    Registry r(nullptr, [] { return int64_t{1000}; });
    Changes ch;
    ch.watch(r);
    r.connected("os::0C8063-X", {});
    r.identify("os::0C8063-X", identity(""));  // no serial: still waiting
    EXPECT_EQ(r.size(), 0u);
    r.identify("os::0C8063-X", identity("X"));
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.online_count(), 1u);
    EXPECT_EQ(r.waiting(), 0u);
    ASSERT_EQ(ch.seen.size(), 2u);
    EXPECT_EQ(ch.seen[0].second, EndpointChange::connected);
    EXPECT_EQ(ch.seen[1].second, EndpointChange::identified);
    r.disconnected("os::0C8063-X");
    ASSERT_NE(r.find("os::0C8063-X"), nullptr);  // admitted: kept
    EXPECT_EQ(r.online_count(), 0u);
}

TEST(HubRegistry, AllowListAdmitsOnConnect) {
    RegistryOptions o;
    o.admission = Admission::allow_list;
    Registry r(
        nullptr, [] { return int64_t{1000}; }, o);
    r.connected("os::0C8063-X", {});
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.online_count(), 1u);
}

TEST(HubRegistry, CertificateIdentityMustMatchTheReport) {
    Registry r(nullptr, [] { return int64_t{1000}; });
    ConnectionInfo proven;
    proven.tls = true;
    proven.proven = true;
    proven.cert_cn = "os::0C8063-REAL01";
    r.connected("os::0C8063-REAL01", proven);
    r.identify("os::0C8063-REAL01", identity("REAL01", "0c8063"));  // OUI case does not matter
    const Endpoint* good = r.find("os::0C8063-REAL01");
    ASSERT_NE(good, nullptr);
    EXPECT_FALSE(good->quarantined);
    EXPECT_EQ(good->record.serial, "REAL01");

    proven.cert_cn = "os::0C8063-SHADOW";
    r.connected("os::0C8063-SHADOW", proven);
    r.identify("os::0C8063-SHADOW", identity("REAL01"));
    const Endpoint* bad = r.find("os::0C8063-SHADOW");
    ASSERT_NE(bad, nullptr);
    EXPECT_TRUE(bad->admitted);
    EXPECT_TRUE(bad->quarantined);
    EXPECT_EQ(bad->record.serial, "");
    EXPECT_NE(bad->quarantine_reason.find("REAL01"), std::string::npos);
    // Without a certificate nothing is checked (loopback only: the transport's rule).
    r.connected("os::0C8063-PLAIN", {});
    r.identify("os::0C8063-PLAIN", identity("OTHER"));
    EXPECT_FALSE(r.find("os::0C8063-PLAIN")->quarantined);
}

TEST(HubRegistry, EndpointIdShapes) {
    std::string oui, serial;
    EXPECT_TRUE(oui_serial_of("os::0C8063-ABC-1", oui, serial));
    EXPECT_EQ(oui, "0C8063");
    EXPECT_EQ(serial, "ABC-1");
    EXPECT_FALSE(oui_serial_of("self::cpehub-", oui, serial));  // no serial after the dash
    EXPECT_FALSE(oui_serial_of("0C8063-ABC", oui, serial));
    EXPECT_FALSE(oui_serial_of("os::-ABC", oui, serial));
    EXPECT_TRUE(is_loopback_address("127.0.0.1"));
    EXPECT_TRUE(is_loopback_address("127.3.2.1"));
    EXPECT_TRUE(is_loopback_address("::ffff:127.0.0.1"));
    EXPECT_TRUE(is_loopback_address("::1"));
    EXPECT_FALSE(is_loopback_address("0.0.0.0"));
    EXPECT_FALSE(is_loopback_address(""));
    EXPECT_FALSE(is_loopback_address("192.0.2.2"));
    EXPECT_FALSE(is_loopback_address("::ffff:10.0.0.1"));
    EXPECT_FALSE(is_loopback_address("1270.0.0.1"));
}
