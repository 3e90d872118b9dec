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
    // No diagnostics given (not run): pending, not counted.
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

// Diagnostic records as GET /devices/:id/diagnostics/:did answers them (docs/api.md "Diagnostics").
constexpr const char* kGoodView = R"({"kind":"usp","online":true,
    "interfaces":[{"type":"ip","name":"ppp0","status":"Up","role":"internet"}],"ip":{"internet":"100.64.1.2"},
    "opticalStatus":{"rxDbm":-19.0,"grade":"good"},"mesh":[]})";

InstallCheck run_with(const char* dns, const char* speed, CheckDiagnostics diag = {}) {
    auto v = cpe::json::parse(kGoodView, "view");
    auto d = cpe::json::parse(dns ? dns : "null", "dns");
    auto s = cpe::json::parse(speed ? speed : "null", "speed");
    EXPECT_TRUE(v.ok() && d.ok() && s.ok());
    if (dns) diag.dns.record = d->get();
    if (speed) diag.speed.record = s->get();
    return evaluate_install(v->get(), diag);
}

constexpr const char* kResolved = R"({"type":"nslookup","status":"complete","args":{"hostName":"example.com"},
    "result":{"status":"Complete","ok":true,"answers":[{"status":"Success","answerType":"NonAuthoritative",
    "name":"example.com","addresses":["93.184.215.14"],"server":"192.168.1.1","ms":12}]}})";
constexpr const char* kNxdomain = R"({"type":"nslookup","status":"complete","args":{"hostName":"example.com"},
    "result":{"status":"Complete","ok":true,"answers":[{"status":"Error_HostNameNotResolved","addresses":[]}]}})";
constexpr const char* kDnsError = R"({"type":"nslookup","status":"complete","args":{"hostName":"example.com"},
    "result":{"status":"Error_DNSServerNotResolved","ok":false,"answers":[]}})";
std::string download(double mbps) {
    return R"({"type":"download","status":"complete","result":{"status":"Complete","ok":true,"bytes":10000000,
        "seconds":1.6,"mbps":)" +
           std::to_string(mbps) + "}}";
}

TEST(InstallCheck, DiagnosticsResolvedAndFastPass) {
    auto fast = download(80);
    auto c = run_with(kResolved, fast.c_str());
    EXPECT_EQ(c.verdict, "pass");
    EXPECT_EQ(item(c, "dns")->state, ItemState::pass);
    EXPECT_NE(item(c, "dns")->reason.find("93.184.215.14"), std::string::npos);
    EXPECT_EQ(item(c, "speedtest")->state, ItemState::pass);
    EXPECT_NE(item(c, "speedtest")->reason.find("80.0 Mb/s"), std::string::npos);
}

TEST(InstallCheck, SpeedGradedAgainstTheThresholds) {
    CheckDiagnostics t;
    t.pass_mbps = 100;
    t.warn_mbps = 20;
    auto mid = download(50), slow = download(5), edge = download(100);
    EXPECT_EQ(item(run_with(kResolved, mid.c_str(), t), "speedtest")->state, ItemState::warn);
    EXPECT_EQ(run_with(kResolved, mid.c_str(), t).verdict, "pass_with_warnings");
    auto s = run_with(kResolved, slow.c_str(), t);
    EXPECT_EQ(item(s, "speedtest")->state, ItemState::fail);
    EXPECT_NE(item(s, "speedtest")->reason.find("below 20 Mb/s"), std::string::npos);
    EXPECT_EQ(s.verdict, "fail");
    EXPECT_EQ(item(run_with(kResolved, edge.c_str(), t), "speedtest")->state, ItemState::pass);
}

TEST(InstallCheck, DnsNotResolvedFailsWithTheStatus) {
    auto fast = download(80);
    auto c = run_with(kNxdomain, fast.c_str());
    EXPECT_EQ(c.verdict, "fail");
    EXPECT_EQ(item(c, "dns")->state, ItemState::fail);
    EXPECT_NE(item(c, "dns")->reason.find("Error_HostNameNotResolved"), std::string::npos);
    auto e = run_with(kDnsError, fast.c_str());
    EXPECT_EQ(item(e, "dns")->state, ItemState::fail);
    EXPECT_NE(item(e, "dns")->reason.find("Error_DNSServerNotResolved"), std::string::npos);
}

TEST(InstallCheck, FailedOrUnfinishedDiagnosticsFail) {
    auto c = run_with(
        R"({"type":"nslookup","status":"failed","reason":"no result within the hub's budget of 15 s"})",
        R"({"type":"download","status":"complete","result":{"status":"Error_InitConnectionFailed","ok":false}})");
    EXPECT_EQ(item(c, "dns")->state, ItemState::fail);
    EXPECT_NE(item(c, "dns")->reason.find("budget of 15 s"), std::string::npos);
    EXPECT_EQ(item(c, "speedtest")->state, ItemState::fail);
    EXPECT_NE(item(c, "speedtest")->reason.find("Error_InitConnectionFailed"), std::string::npos);
    auto r = run_with(R"({"type":"nslookup","status":"running"})", nullptr);
    EXPECT_EQ(item(r, "dns")->state, ItemState::fail);
    EXPECT_NE(item(r, "dns")->reason.find("time budget"), std::string::npos);
}

TEST(InstallCheck, NotRunIsPendingWithTheReasonAndNotCounted) {
    CheckDiagnostics d;
    d.dns.not_run = "HTTP 501: 'type': nslookup has no standard object";
    d.speed.not_run = "device offline";
    auto c = run_with(nullptr, nullptr, d);
    EXPECT_EQ(c.verdict, "pass");
    EXPECT_EQ(item(c, "dns")->state, ItemState::pending);
    EXPECT_NE(item(c, "dns")->reason.find("HTTP 501"), std::string::npos);
    EXPECT_EQ(item(c, "speedtest")->state, ItemState::pending);
    EXPECT_NE(item(c, "speedtest")->reason.find("device offline"), std::string::npos);
}

TEST(InstallCheck, ObjectTheTr069DeviceLacksIsPendingNotFailed) {
    // hub/diagnostics' record when GenieACS's setParameterValues got fault 9005 (the HT803G's TR-098 model
    // has no DownloadDiagnostics object in the NBI simulator's data).
    auto c = run_with(
        kResolved,
        R"({"type":"download","status":"failed","reason":"the CPE refused the parameters: cwmp.9005: Invalid parameter name InternetGatewayDevice.DownloadDiagnostics.DownloadURL"})");
    EXPECT_EQ(item(c, "speedtest")->state, ItemState::pending);
    EXPECT_NE(item(c, "speedtest")->reason.find("cwmp.9005"), std::string::npos);
    EXPECT_EQ(c.verdict, "pass");
    // Another fault is a failure.
    auto f = run_with(
        kResolved,
        R"({"type":"download","status":"failed","reason":"the CPE refused the parameters: cwmp.9002: Internal error"})");
    EXPECT_EQ(item(f, "speedtest")->state, ItemState::fail);
}

TEST(InstallCheck, NoViewFailsWithTheReason) {
    auto c = evaluate_install(nullptr);
    EXPECT_EQ(c.verdict, "fail");
    EXPECT_EQ(c.items.front().key, "device");
    auto j = cpe::json::parse(install_check_json(c), "json");
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(cpe::json::opt_string(j->get(), "verdict"), "fail");
}
