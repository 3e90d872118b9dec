#include "collectors/dhcp_config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cpe::agent {
namespace {

// BusyBox udhcpd.conf as its examples/udhcp/udhcpd.conf lays it out (keywords of networking/udhcp/files.c).
TEST(UdhcpdConf, RangeLeaseAndSubnet) {
    ParseNotes notes;
    auto pool = parse_udhcpd_conf(
        "# comment\nstart\t\t192.168.1.2\nend 192.168.1.249   # last\ninterface br0\n"
        "opt\tdns\t192.168.1.1\noption subnet 255.255.255.0\noption\tlease\t7200\n",
        notes);
    ASSERT_TRUE(pool);
    EXPECT_EQ(pool->min_address, "192.168.1.2");
    EXPECT_EQ(pool->max_address, "192.168.1.249");
    EXPECT_EQ(pool->subnet_mask, "255.255.255.0");
    EXPECT_EQ(pool->lease_time_s, 7200);
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(UdhcpdConf, BadValuesAreNotedAndNoRangeIsNoPool) {
    ParseNotes notes;
    auto pool = parse_udhcpd_conf("start 192.168.1.300\nend 192.168.1.9\nopt lease ten\n", notes);
    EXPECT_FALSE(pool);  // no valid start
    EXPECT_EQ(notes.skipped, 2u);
    for (const std::string& text : {std::string(""), std::string("garbage\n"), std::string(100000, 'A')}) {
        ParseNotes n;
        EXPECT_FALSE(parse_udhcpd_conf(text, n));
    }
}

// The file OpenWrt's /etc/init.d/dnsmasq writes: the first IPv4 dhcp-range, its tag prefixes skipped.
TEST(DnsmasqConf, FirstIpv4Range) {
    ParseNotes notes;
    auto pool = parse_dnsmasq_conf(
        "domain=lan\ndhcp-range=set:guest,constructor:br-guest,::1000,::ffff,ra-names\n"
        "dhcp-range=set:lan,192.168.1.100,192.168.1.249,255.255.255.0,12h\n"
        "dhcp-range=set:iot,10.0.0.10,10.0.0.20,1h\n",
        notes);
    ASSERT_TRUE(pool);
    EXPECT_EQ(pool->min_address, "192.168.1.100");
    EXPECT_EQ(pool->max_address, "192.168.1.249");
    EXPECT_EQ(pool->subnet_mask, "255.255.255.0");
    EXPECT_EQ(pool->lease_time_s, 43200);
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(DnsmasqConf, LeaseTimes) {
    EXPECT_EQ(parse_dnsmasq_lease_time("3600"), 3600);
    EXPECT_EQ(parse_dnsmasq_lease_time("45m"), 2700);
    EXPECT_EQ(parse_dnsmasq_lease_time("1d"), 86400);
    EXPECT_EQ(parse_dnsmasq_lease_time("2w"), 1209600);
    EXPECT_EQ(parse_dnsmasq_lease_time("infinite"), -1);
    for (const char* bad : {"", "h", "12x", "-5m", "99999999999999999999", "1000000w"})
        EXPECT_FALSE(parse_dnsmasq_lease_time(bad)) << bad;
    ParseNotes notes;
    auto pool = parse_dnsmasq_conf("dhcp-range=192.168.1.10,192.168.1.20,forever\n", notes);
    ASSERT_TRUE(pool);
    EXPECT_FALSE(pool->lease_time_s);
    EXPECT_EQ(notes.skipped, 1u);
    ParseNotes none;
    EXPECT_FALSE(parse_dnsmasq_conf("dhcp-range=lan\n", none));
    EXPECT_EQ(none.skipped, 1u);
}

}  // namespace
}  // namespace cpe::agent
