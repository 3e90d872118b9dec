// The install check's verdict from consolidated views (the shapes of docs/api.md "GET /devices/lookup").
#include <gtest/gtest.h>

#include "json/json.hpp"
#include "qr/install_check.hpp"

using namespace cpe::hub::qr;

namespace {
InstallCheck run(const char* text) {
    auto doc = cpe::json::parse(text, "view");
    EXPECT_TRUE(doc.ok());
    return evaluate_install(doc->get());
}
const CheckItem* item(const InstallCheck& c, const std::string& key) {
    for (const auto& i : c.items)
        if (i.key == key) return &i;
    return nullptr;
}
}  // namespace

TEST(InstallCheck, AgentWithGoodFibreWanUpAndMeshPasses) {
    auto c = run(R"({"kind":"usp","online":true,
        "interfaces":[{"type":"ip","name":"ppp0","status":"Up","address":"100.64.1.2","role":"internet"}],
        "ip":{"internet":"100.64.1.2"},"opticalStatus":{"rxDbm":-19.0,"grade":"good"},
        "mesh":[{"name":"Salon","role":"controller","backhaul":{"type":null},"clients":15},
                {"name":"Chambre","role":"agent","backhaul":{"type":"Wi-Fi","signalDbm":-61},"clients":5},
                {"name":"Sous-sol","role":"agent","backhaul":{"type":"Ethernet"},"clients":7}]})");
    EXPECT_EQ(c.verdict, "pass");
    EXPECT_EQ(item(c, "wan")->state, ItemState::pass);
    EXPECT_NE(item(c, "wan")->reason.find("100.64.1.2"), std::string::npos);
    EXPECT_EQ(item(c, "mesh:Chambre")->state, ItemState::pass);
    EXPECT_NE(item(c, "mesh:Chambre")->reason.find("5 clients"), std::string::npos);
    // Not yet possible from the CPE: pending, not counted.
    EXPECT_EQ(item(c, "dns")->state, ItemState::pending);
    EXPECT_EQ(item(c, "speedtest")->state, ItemState::pending);
}

TEST(InstallCheck, WeakBackhaulAndLowFibreWarn) {
    auto c = run(R"({"kind":"usp","online":true,
        "interfaces":[{"type":"ip","name":"ppp0","status":"Up","role":"internet"}],"ip":{"internet":"100.64.1.2"},
        "opticalStatus":{"rxDbm":-26.0,"grade":"warning"},
        "mesh":[{"name":"Garage","role":"agent","backhaul":{"type":"Wi-Fi","signalDbm":-78},"clients":1}]})");
    EXPECT_EQ(c.verdict, "pass_with_warnings");
    EXPECT_EQ(item(c, "optical")->state, ItemState::warn);
    EXPECT_EQ(item(c, "mesh:Garage")->state, ItemState::warn);
}

TEST(InstallCheck, OfflineOrNoWanOrCriticalFibreFails) {
    auto c = run(R"({"kind":"tr069","online":false,"interfaces":[],"ip":{"internet":null},
                     "opticalStatus":{"rxDbm":-29.5,"grade":"critical"},"mesh":[]})");
    EXPECT_EQ(c.verdict, "fail");
    EXPECT_EQ(item(c, "online")->state, ItemState::fail);
    EXPECT_EQ(item(c, "wan")->state, ItemState::fail);
    EXPECT_EQ(item(c, "optical")->state, ItemState::fail);
    EXPECT_EQ(item(c, "mesh")->state, ItemState::pass);  // a single unit
}

TEST(InstallCheck, WanStatusNotReportedIsAWarningDownIsAFailure) {
    auto c = run(R"({"online":true,"interfaces":[{"type":"ip","name":"ppp0","status":"","role":"internet"}],
                     "ip":{"internet":"192.168.89.137"},"opticalStatus":{"grade":"good"}})");
    EXPECT_EQ(item(c, "wan")->state, ItemState::warn);
    auto d =
        run(R"({"online":true,"interfaces":[{"type":"ip","name":"ppp0","status":"Down","role":"internet"}],
                     "ip":{"internet":"192.168.89.137"},"opticalStatus":{"grade":"good"}})");
    EXPECT_EQ(item(d, "wan")->state, ItemState::fail);
}

TEST(InstallCheck, NoViewFailsWithTheReason) {
    auto c = evaluate_install(nullptr);
    EXPECT_EQ(c.verdict, "fail");
    EXPECT_EQ(c.items.front().key, "device");
    auto j = cpe::json::parse(install_check_json(c), "json");
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(cpe::json::opt_string(j->get(), "verdict"), "fail");
}
