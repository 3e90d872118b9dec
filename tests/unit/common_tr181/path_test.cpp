#include <gtest/gtest.h>

#include "tr181/path.hpp"

using cpe::tr181::Path;
using Kind = cpe::tr181::Segment::Kind;

TEST(Path, FullPartialWildcardAndInstances) {
    auto full = Path::parse("Device.Hosts.Host.3.PhysAddress");
    ASSERT_TRUE(full.ok());
    EXPECT_FALSE(full->is_partial());
    ASSERT_EQ(full->segments().size(), 5u);
    EXPECT_EQ(full->segments()[3].kind, Kind::instance);
    EXPECT_EQ(full->segments()[3].instance, 3u);
    EXPECT_EQ(full->str(), "Device.Hosts.Host.3.PhysAddress");
    EXPECT_EQ(full->supported_form(), "Device.Hosts.Host.{i}.PhysAddress");

    auto partial = Path::parse("Device.Hosts.");
    ASSERT_TRUE(partial.ok());
    EXPECT_TRUE(partial->is_partial());
    EXPECT_EQ(partial->str(), "Device.Hosts.");

    auto wild = Path::parse("Device.WiFi.MultiAP.APDevice.*.Radio.*.AP.*.AssociatedDevice.*.MACAddress");
    ASSERT_TRUE(wild.ok());
    EXPECT_TRUE(wild->has_wildcard());
    EXPECT_EQ(wild->supported_form(),
              "Device.WiFi.MultiAP.APDevice.{i}.Radio.{i}.AP.{i}.AssociatedDevice.{i}.MACAddress");
}

TEST(Path, CommandsEventsPlaceholders) {
    auto cmd = Path::parse("Device.Reboot()");
    ASSERT_TRUE(cmd.ok());
    EXPECT_TRUE(cmd->is_command());
    EXPECT_EQ(cmd->str(), "Device.Reboot()");
    auto ev = Path::parse("Device.LocalAgent.Periodic!");
    ASSERT_TRUE(ev.ok());
    EXPECT_TRUE(ev->is_event());
    auto ph = Path::parse("Device.Hosts.Host.{i}.");
    ASSERT_TRUE(ph.ok());
    EXPECT_EQ(ph->segments()[3].kind, Kind::placeholder);
}

TEST(Path, ErrorsNameTheOffendingSegment) {
    struct Case {
        const char* text;
        const char* expect;
    } cases[] = {
        {"", "empty path"},
        {"Device.Hosts..Host", "segment 3 is empty"},
        {"Device.Hosts.Host.01.PhysAddress", "segment 4 '01' is not a valid instance number"},
        {"Device.Hosts.Host.99999999999.", "segment 4 '99999999999' is not a valid instance number"},
        {"Device.Ho$ts.", "segment 2 'Ho$ts' is not a valid name"},
        {"InternetGatewayDevice.LANDevice.", "must start with 'Device'"},
        {"Device.Hosts.Host.3", "an instance or wildcard must be followed by '.'"},
        {"Device.Reboot().X", "a command or event must be the last segment"},
        {"Device.Hosts.Host.[PhysAddress==\"x\"].", "search expressions are not supported"},
        {".Device", "segment 1 is empty"},
    };
    for (const auto& c : cases) {
        auto r = Path::parse(c.text);
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_NE(r.error().message.find(c.expect), std::string::npos)
            << c.text << " → " << r.error().message;
        EXPECT_EQ(r.error().code, cpe::Errc::invalid_argument);
    }
    std::string longest(2000, 'A');
    EXPECT_FALSE(Path::parse("Device." + longest).ok());
}
