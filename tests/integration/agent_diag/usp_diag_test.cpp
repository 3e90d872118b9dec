// The diagnostics through the real agent over USP on loopback: Operate → Request → OperationComplete with the
// TR-181 output arguments; a bad argument named in the Error; a second of a kind refused (7005).
#include <gtest/gtest.h>

#include <filesystem>

#include "agent_process.hpp"
#include "diag_client.hpp"
#include "usp/error_codes.hpp"

namespace fs = std::filesystem;
namespace u = cpe::usp;
using namespace cpe::test;

namespace {

class UspDiagTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("cpe-agent-diag-" + std::to_string(getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir / "state");
        ASSERT_TRUE(ctl.ok());
        agent = std::make_unique<AgentProcess>(
            dir, R"({"controller": {"url": "ws://127.0.0.1:)" + std::to_string(ctl.port()) +
                     R"(/usp", "endpoint_id": ")" + kDiagController + R"("}, "state_dir": ")" +
                     (dir / "state").string() + R"("})");
        ASSERT_TRUE(agent->running());
        client = std::make_unique<DiagClient>(ctl, [this] { return agent->log(); });
        ASSERT_TRUE(client->connect());
    }
    void TearDown() override {
        client.reset();
        agent.reset();
        if (!HasFailure()) fs::remove_all(dir);
    }
    fs::path dir;
    TestController ctl;
    std::unique_ptr<AgentProcess> agent;
    std::unique_ptr<DiagClient> client;
};

TEST_F(UspDiagTest, IpPingLoopback) {
    auto out = client->run("Device.IP.Diagnostics.IPPing()",
                           {{"Host", "127.0.0.1"}, {"NumberOfRepetitions", "5"}}, 30);
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["SuccessCount"], "5");
    EXPECT_EQ(out["FailureCount"], "0");
    EXPECT_EQ(out["IPAddressUsed"], "127.0.0.1");
}

TEST_F(UspDiagTest, BadArgumentIsNamedAndASecondOfAKindIsRefused) {
    auto bad =
        client->operate("Device.IP.Diagnostics.IPPing()", {{"Host", "127.0.0.1"}, {"Timeout", "0"}}, "bad");
    ASSERT_TRUE(bad);
    ASSERT_EQ(bad->type(), u::MsgType::error);
    ASSERT_EQ(bad->error()->param_errs.size(), 1u);
    EXPECT_EQ(bad->error()->param_errs[0].param_path, "Device.IP.Diagnostics.IPPing().Timeout");

    auto first = client->operate("Device.IP.Diagnostics.IPPing()",
                                 {{"Host", "127.0.0.1"}, {"NumberOfRepetitions", "30"}}, "first");
    ASSERT_TRUE(first);
    ASSERT_EQ(first->type(), u::MsgType::operate_resp);
    auto second = client->operate("Device.IP.Diagnostics.IPPing()", {{"Host", "127.0.0.1"}}, "second");
    ASSERT_TRUE(second);
    ASSERT_EQ(second->type(), u::MsgType::error);
    EXPECT_EQ(second->error()->err_code, cpe::usp::err::resources_exceeded);
    // Cancelled through its Request: OperationComplete says 7023.
    auto cancel = client->operate("Device.LocalAgent.Request.1.Cancel()", {}, "cancel");
    ASSERT_TRUE(cancel);
    EXPECT_EQ(cancel->type(), u::MsgType::operate_resp);
    auto oc = client->completion("first", 10);
    ASSERT_TRUE(oc);
    auto* f = std::get_if<u::CommandFailure>(&oc->operation_resp);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->err_code, cpe::usp::err::command_canceled);
}

TEST_F(UspDiagTest, SiteSurveyOfTheFixturesRadios) {
    // The XX230v fixture: its iw scan dumps for ra0 and rai0 (captured/iw_dev_*_scan_dump.out).
    auto out = client->run("Device.WiFi.NeighboringWiFiDiagnostic()", {}, 30);
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["ResultNumberOfEntries"], "6");
    EXPECT_EQ(out["Result.5.Radio"], "Device.WiFi.Radio.2.");
    EXPECT_EQ(out["Result.5.OperatingFrequencyBand"], "5GHz");
}

// An agent stopped in the middle of a diagnostic reports it as failed after its restart (state_dir).
TEST_F(UspDiagTest, ARestartMidTestIsReportedAsAFailure) {
    auto first = client->operate("Device.IP.Diagnostics.IPPing()",
                                 {{"Host", "127.0.0.1"}, {"NumberOfRepetitions", "100"}}, "interrupted");
    ASSERT_TRUE(first);
    ASSERT_EQ(first->type(), u::MsgType::operate_resp);
    client.reset();
    EXPECT_EQ(agent->stop(), 0);
    ASSERT_TRUE(fs::exists(dir / "state" / "running-commands"));
    agent = std::make_unique<AgentProcess>(
        dir, R"({"controller": {"url": "ws://127.0.0.1:)" + std::to_string(ctl.port()) +
                 R"(/usp", "endpoint_id": ")" + kDiagController + R"("}, "state_dir": ")" +
                 (dir / "state").string() + R"("})");
    client = std::make_unique<DiagClient>(ctl, [this] { return agent->log(); });
    ASSERT_TRUE(client->connect());  // subscribes to OperationComplete on Device.
    auto oc = client->completion("interrupted", 10);
    ASSERT_TRUE(oc) << agent->log();
    auto* f = std::get_if<u::CommandFailure>(&oc->operation_resp);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->err_code, cpe::usp::err::command_failure);
    EXPECT_NE(f->err_msg.find("restart"), std::string::npos) << f->err_msg;
}

}  // namespace
