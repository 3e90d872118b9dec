// The async command machinery (agent/usp/commands.*) through UspAgent as encoded USP: argument validation
// naming the argument, one command of a kind at a time (7005), Request objects, Cancel() (7023),
// OperationComplete to the subscriptions that refer to the command, and the report of a command a restart
// interrupted (state file).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "diag/ping.hpp"
#include "usp/commands.hpp"
#include "usp/error_codes.hpp"
#include "usp_test_util.hpp"

using namespace cpe::agent;
using namespace cpe::agent::usp;
using namespace cpe::agent::usp::test;
namespace u = cpe::usp;
namespace err = cpe::usp::err;
namespace fs = std::filesystem;

namespace {

// The loop of the test: what the runner posts waits here until the test drains it.
class Posted {
  public:
    void post(std::function<void()> fn) {
        std::lock_guard<std::mutex> lock(m_);
        q_.push_back(std::move(fn));
        cv_.notify_all();
    }
    // Runs what was posted; waits up to 10 s for at least one task.
    bool run_one() {
        std::function<void()> fn;
        {
            std::unique_lock<std::mutex> lock(m_);
            if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !q_.empty(); })) return false;
            fn = std::move(q_.front());
            q_.pop_front();
        }
        fn();
        return true;
    }

  private:
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> q_;
};

// A command that runs until it is cancelled or `release` is set, then echoes its Host argument.
CommandSpec waiting_command(std::atomic<bool>& release) {
    CommandSpec c;
    c.path = "Device.IP.Diagnostics.IPPing()";
    c.kind = "ipping";
    c.max_seconds = 30;
    c.inputs = {{"Host", cpe::tr181::Type::string, true, "", 0, UINT64_MAX, 256, {}},
                {"NumberOfRepetitions", cpe::tr181::Type::unsigned_int, false, "3", 1, 10, 0, {}},
                {"ProtocolVersion",
                 cpe::tr181::Type::string,
                 false,
                 "Any",
                 0,
                 UINT64_MAX,
                 8,
                 {"Any", "IPv4", "IPv6"}}};
    c.run = [&release](const RunContext& ctx) {
        while (!ctx.stop_now() && !release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return Args{{"Status", "Complete"},
                    {"Echo", ctx.args.at("Host")},
                    {"Reps", ctx.args.at("NumberOfRepetitions")}};
    };
    return c;
}

class CommandsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        state = fs::temp_directory_path() / ("cpe-diag-cmd-" + std::to_string(getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove(state);
        auto b = Board::open(kBoard, kBoard + "/fixtures/rootfs");
        ASSERT_TRUE(b) << b.error().message;
        board = std::move(*b);
        start_agent();
    }
    void TearDown() override {
        release = true;
        agent.reset();
        runner.reset();
        fs::remove(state);
    }
    void start_agent() {
        agent.reset();
        runner = std::make_unique<CommandRunner>(
            [this](std::function<void()> fn) { posted.post(std::move(fn)); }, state.string());
        runner->add(waiting_command(release));
        agent = std::make_unique<UspAgent>(device_schema(), kAgentId, kController);
        agent->update_model(board->refresh(kNow));
        agent->attach_commands(*runner);
        agent->take_due_records();
    }
    void subscribe(const std::string& refs, const std::string& id = "oc") {
        auto m = round_trip(*agent, u::Add{false,
                                           {{"Device.LocalAgent.Subscription.",
                                             {{"Enable", "true", true},
                                              {"ID", id, true},
                                              {"NotifType", "OperationComplete", true},
                                              {"ReferenceList", refs, true}}}}});
        ASSERT_EQ(m.type(), u::MsgType::add_resp);
    }
    u::Msg operate(const std::string& cmd, u::StrMap args, const std::string& key = "k1") {
        return round_trip(*agent, u::Operate{cmd, key, true, std::move(args)});
    }

    fs::path state;
    std::atomic<bool> release{false};
    Posted posted;
    std::unique_ptr<Board> board;
    std::unique_ptr<CommandRunner> runner;
    std::unique_ptr<UspAgent> agent;
};

TEST_F(CommandsTest, ArgumentErrorsNameTheArgument) {
    struct Case {
        u::StrMap args;
        const char* arg;
        uint32_t code;
    } cases[] = {
        {{}, "Host", err::invalid_command_arguments},
        {{{"Host", ""}}, "Host", err::invalid_value},
        {{{"Host", "a"}, {"NumberOfRepetitions", "0"}}, "NumberOfRepetitions", err::invalid_value},
        {{{"Host", "a"}, {"NumberOfRepetitions", "11"}}, "NumberOfRepetitions", err::invalid_value},
        {{{"Host", "a"}, {"NumberOfRepetitions", "many"}}, "NumberOfRepetitions", err::invalid_type},
        {{{"Host", "a"}, {"ProtocolVersion", "IPv5"}}, "ProtocolVersion", err::invalid_value},
        {{{"Host", "a"}, {"Hots", "b"}}, "Hots", err::invalid_arguments},
        {{{"Host", std::string(300, 'a')}}, "Host", err::invalid_value},
    };
    for (const Case& c : cases) {
        auto m = operate("Device.IP.Diagnostics.IPPing()", c.args);
        ASSERT_EQ(m.type(), u::MsgType::error) << c.arg;
        auto e = m.error();
        ASSERT_TRUE(e);
        EXPECT_EQ(e->err_code, err::invalid_command_arguments) << c.arg;
        ASSERT_EQ(e->param_errs.size(), 1u) << c.arg;
        EXPECT_EQ(e->param_errs[0].param_path, std::string("Device.IP.Diagnostics.IPPing().") + c.arg);
        EXPECT_EQ(e->param_errs[0].err_code, c.code) << c.arg << ": " << e->param_errs[0].err_msg;
        EXPECT_NE(e->err_msg.find(c.arg), std::string::npos) << e->err_msg;
    }
    EXPECT_EQ(runner->running(), 0u);
}

TEST_F(CommandsTest, RunsAsARequestAndCompletesToSubscriptions) {
    subscribe("Device.IP.Diagnostics.IPPing()");
    subscribe("Device.Reboot()", "other");
    auto m = operate("Device.IP.Diagnostics.IPPing()", {{"Host", "192.0.2.7"}}, "key-7");
    ASSERT_EQ(m.type(), u::MsgType::operate_resp);
    auto resp = m.operate_resp();
    ASSERT_TRUE(resp);
    const auto& res = resp->operation_results.at(0);
    auto* req = std::get_if<u::OperateResp::ReqObjPath>(&res.operation_resp);
    ASSERT_NE(req, nullptr);
    EXPECT_EQ(req->path, "Device.LocalAgent.Request.1.");
    // The request is an object of the model while it runs.
    auto g = round_trip(*agent, u::Get{{"Device.LocalAgent.Request.1."}, 0});
    auto gr = g.get_resp();
    ASSERT_TRUE(gr);
    const auto& rp = gr->req_path_results.at(0);
    ASSERT_EQ(rp.err_code, 0u);
    EXPECT_EQ(rp.resolved_path_results.at(0).result_params.at("Command"), "Device.IP.Diagnostics.IPPing()");
    EXPECT_EQ(rp.resolved_path_results.at(0).result_params.at("CommandKey"), "key-7");
    EXPECT_EQ(rp.resolved_path_results.at(0).result_params.at("Status"), "Active");
    EXPECT_TRUE(drain_notifications(*agent).empty());

    release = true;
    ASSERT_TRUE(posted.run_one());
    auto n = drain_notifications(*agent);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].subscription_id, "oc");
    auto& oc = std::get<u::Notify::OperationComplete>(n[0].notification);
    EXPECT_EQ(oc.obj_path, "Device.IP.Diagnostics.");
    EXPECT_EQ(oc.command_name, "IPPing()");
    EXPECT_EQ(oc.command_key, "key-7");
    auto& out = std::get<u::OutputArgs>(oc.operation_resp).output_args;
    EXPECT_EQ(out.at("Echo"), "192.0.2.7");
    EXPECT_EQ(out.at("Reps"), "3");  // the default filled in
    EXPECT_EQ(runner->running(), 0u);
    auto g2 = round_trip(*agent, u::Get{{"Device.LocalAgent.RequestNumberOfEntries"}, 0});
    EXPECT_EQ(g2.get_resp()->req_path_results.at(0).resolved_path_results.at(0).result_params.at(
                  "RequestNumberOfEntries"),
              "0");
}

TEST_F(CommandsTest, SecondOfAKindIsRefusedWithResourcesExceeded) {
    ASSERT_EQ(operate("Device.IP.Diagnostics.IPPing()", {{"Host", "a"}}).type(), u::MsgType::operate_resp);
    auto m = operate("Device.IP.Diagnostics.IPPing()", {{"Host", "b"}});
    ASSERT_EQ(m.type(), u::MsgType::error);
    EXPECT_EQ(m.error()->err_code, err::resources_exceeded);
    EXPECT_NE(m.error()->err_msg.find("Device.LocalAgent.Request.1."), std::string::npos)
        << m.error()->err_msg;
    release = true;
    ASSERT_TRUE(posted.run_one());
    EXPECT_EQ(operate("Device.IP.Diagnostics.IPPing()", {{"Host", "c"}}).type(), u::MsgType::operate_resp);
}

TEST_F(CommandsTest, CancelEndsTheRequestWithCommandCanceled) {
    subscribe("Device.IP.Diagnostics.");
    ASSERT_EQ(operate("Device.IP.Diagnostics.IPPing()", {{"Host", "a"}}).type(), u::MsgType::operate_resp);
    auto bad = operate("Device.LocalAgent.Request.9.Cancel()", {});
    ASSERT_EQ(bad.type(), u::MsgType::error);
    EXPECT_EQ(bad.error()->err_code, err::object_does_not_exist);
    auto c = operate("Device.LocalAgent.Request.1.Cancel()", {});
    ASSERT_EQ(c.type(), u::MsgType::operate_resp);
    ASSERT_TRUE(posted.run_one());
    auto n = drain_notifications(*agent);
    ASSERT_EQ(n.size(), 1u);
    auto& oc = std::get<u::Notify::OperationComplete>(n[0].notification);
    auto* f = std::get_if<u::CommandFailure>(&oc.operation_resp);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->err_code, err::command_canceled);
}

TEST_F(CommandsTest, ARequestInterruptedByARestartIsReportedFailed) {
    ASSERT_EQ(operate("Device.IP.Diagnostics.IPPing()", {{"Host", "a"}}, "before-restart").type(),
              u::MsgType::operate_resp);
    ASSERT_TRUE(fs::exists(state));
    // The agent stops with the command running (the runner's destructor stops the worker, not the record).
    start_agent();
    EXPECT_FALSE(fs::exists(state));
    // The controller subscribes after the restart: the interrupted request is reported to it, once.
    subscribe("Device.IP.Diagnostics.IPPing()");
    auto n = drain_notifications(*agent);
    ASSERT_EQ(n.size(), 1u);
    auto& oc = std::get<u::Notify::OperationComplete>(n[0].notification);
    EXPECT_EQ(oc.command_key, "before-restart");
    EXPECT_EQ(oc.command_name, "IPPing()");
    auto* f = std::get_if<u::CommandFailure>(&oc.operation_resp);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->err_code, err::command_failure);
    EXPECT_NE(f->err_msg.find("restart"), std::string::npos);
    subscribe("Device.", "second");
    EXPECT_TRUE(drain_notifications(*agent).empty());
}

TEST_F(CommandsTest, UnknownInterfaceReferenceIsRefused) {
    auto m =
        operate("Device.IP.Diagnostics.IPPing()", {{"Host", "a"}, {"Interface", "Device.IP.Interface.99."}});
    ASSERT_EQ(m.type(), u::MsgType::error);
    ASSERT_EQ(m.error()->param_errs.size(), 1u);
    EXPECT_EQ(m.error()->param_errs[0].param_path, "Device.IP.Diagnostics.IPPing().Interface");
}

// The real IPPing() spec: its bounds.
TEST(IpPingArgs, RepetitionsTimesTimeoutMustFitTheDeadline) {
    CommandSpec c = cpe::agent::diag::ipping_command(cpe::agent::diag::resolve_literal);
    Args a{{"Host", "127.0.0.1"}, {"NumberOfRepetitions", "1000"}, {"Timeout", "60000"}};
    auto e = validate_args(c, a);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->arg, "NumberOfRepetitions");
    Args ok{{"Host", "127.0.0.1"}};
    EXPECT_FALSE(validate_args(c, ok));
    EXPECT_EQ(ok.at("Timeout"), "1000");
    Args zero{{"Host", "127.0.0.1"}, {"DataBlockSize", "0"}};
    auto z = validate_args(c, zero);
    ASSERT_TRUE(z);
    EXPECT_EQ(z->arg, "DataBlockSize");
}

}  // namespace
