#include <gtest/gtest.h>

#include "model/profile.hpp"

using cpe::agent::parse_profile;

TEST(Profile, ErrorsNameTheKey) {
    struct Case {
        const char* text;
        const char* expect;
    } cases[] = {
        {"[]", "must be a JSON object"},
        {"{}", "profile.board: missing"},
        {R"({"board":"b"})", "profile.sources: missing or not an array"},
        {R"({"board":"b","sources":[{"file":"/x"}]})", "profile.sources[0].collector: missing"},
        {R"({"board":"b","sources":[{"collector":"arp"},{"collector":"warp"}]})",
         "profile.sources[1].collector: unknown type 'warp' (known: identity, system"},
        {R"({"board":"b","wifi":[{"interface":"ra0","band":"3GHz"}],"sources":[]})",
         "profile.wifi[0].band: must be 2.4GHz, 5GHz or 6GHz, not '3GHz'"},
        {R"({"board":"b","lan":{"ports":["eth0",""]},"sources":[]})",
         "profile.lan.ports[1]: must be a non-empty string"},
        {R"({"board":"b","wan":{},"sources":[]})", "profile.wan.interface: missing"},
        // SSIDs are the device's configuration: a profile that hard-codes one is refused.
        {R"({"board":"b","wifi":[{"interface":"ra0","band":"2.4GHz","ssid":"Home"}],"sources":[]})",
         "profile.wifi[0].ssid: SSIDs are read from the device"},
        {R"({"board":"b","sources":[{"collector":"bridge_fdb","bridge":"br0","format":"ebtables"}]})",
         "profile.sources[0].format: must be \"bridge\" or \"brctl\""},
        {"{\"board\": \"b\",\n \"sources\": [}", "invalid JSON at byte"},
    };
    for (const auto& c : cases) {
        auto r = parse_profile(c.text, "profile.json");
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_NE(r.error().message.find(c.expect), std::string::npos)
            << c.text << " → " << r.error().message;
    }
}

TEST(Profile, ReadsBoardLayout) {
    auto r = parse_profile(R"({"board":"b","target":"mips","lan":{"bridge":"br0","ports":["eth0.1","eth0.2"]},
        "wan":{"interface":"pon0"},"wifi":[{"interface":"ra0","band":"2.4GHz"}],
        "sources":[{"collector":"arp"},{"collector":"leases_dnsmasq"}]})",
                           "profile.json");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->target, "mips");
    EXPECT_EQ(r->lan_ports.size(), 2u);
    EXPECT_EQ(r->wifi[0].interface, "ra0");
    ASSERT_EQ(r->collectors.size(), 2u);
    EXPECT_STREQ(r->collectors[1]->type(), "leases_dnsmasq");
}
