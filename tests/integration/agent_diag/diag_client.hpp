// A USP controller's side of the diagnostics for the tests: subscribe to OperationComplete, Operate a
// command, wait for its completion. Built on agent_mtp's TestController.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "test_controller.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"

namespace cpe::test {

inline const std::string kDiagController = "self::test-controller";

class DiagClient {
  public:
    DiagClient(TestController& ctl, std::function<std::string()> agent_log)
        : ctl_(ctl), log_(std::move(agent_log)) {}

    // Accepts the agent's connection (WebSocketConnectRecord, Boot! acknowledged) and subscribes to
    // OperationComplete of every command. False (with a test failure) when the agent does not connect.
    bool connect() {
        auto open = ctl_.next_of(ControllerEvent::Kind::open, 60);
        EXPECT_TRUE(open) << "the agent did not connect; its log:\n" << log_();
        if (!open) return false;
        conn_ = open->conn;
        if (!ctl_.next_of(ControllerEvent::Kind::record, 30)) return false;  // WebSocketConnectRecord
        auto boot = next_msg();
        if (!boot || boot->type() != cpe::usp::MsgType::notify) return false;
        send(cpe::usp::encode_msg(boot->msg_id(), cpe::usp::NotifyResp{boot->notify()->subscription_id}));
        send(cpe::usp::encode_msg("sub", cpe::usp::Add{false,
                                                       {{"Device.LocalAgent.Subscription.",
                                                         {{"Enable", "true", true},
                                                          {"ID", "diag", true},
                                                          {"NotifType", "OperationComplete", true},
                                                          {"ReferenceList", "Device.", true}}}}}));
        auto added = next_msg();
        return added && added->type() == cpe::usp::MsgType::add_resp;
    }

    // Operate → the OperateResp or Error message.
    std::optional<cpe::usp::Msg> operate(const std::string& command, cpe::usp::StrMap args,
                                         const std::string& key) {
        send(cpe::usp::encode_msg("op-" + key, cpe::usp::Operate{command, key, true, std::move(args)}));
        return next_msg();
    }

    // The OperationComplete of `key` (other notifications are acknowledged and skipped).
    std::optional<cpe::usp::Notify::OperationComplete> completion(const std::string& key, int timeout_s) {
        for (int i = 0; i < 50; ++i) {
            auto m = next_msg(timeout_s);
            if (!m) return std::nullopt;
            if (m->type() != cpe::usp::MsgType::notify) continue;
            auto n = m->notify();
            if (n->send_resp)
                send(cpe::usp::encode_msg(m->msg_id(), cpe::usp::NotifyResp{n->subscription_id}));
            auto* oc = std::get_if<cpe::usp::Notify::OperationComplete>(&n->notification);
            if (oc && oc->command_key == key) return *oc;
        }
        return std::nullopt;
    }

    // Operate and wait: the output arguments (a failure of the test when it failed instead).
    cpe::usp::StrMap run(const std::string& command, cpe::usp::StrMap args, int timeout_s) {
        const std::string key = "k" + std::to_string(++keys_);
        auto resp = operate(command, std::move(args), key);
        EXPECT_TRUE(resp && resp->type() == cpe::usp::MsgType::operate_resp)
            << (resp && resp->type() == cpe::usp::MsgType::error ? resp->error()->err_msg : "no response");
        if (!resp || resp->type() != cpe::usp::MsgType::operate_resp) return {};
        auto oc = completion(key, timeout_s);
        EXPECT_TRUE(oc) << "no OperationComplete for " << command << "; agent log:\n" << log_();
        if (!oc) return {};
        auto* out = std::get_if<cpe::usp::OutputArgs>(&oc->operation_resp);
        EXPECT_TRUE(out) << std::get<cpe::usp::CommandFailure>(oc->operation_resp).err_msg;
        return out ? out->output_args : cpe::usp::StrMap{};
    }

    void send(cpe::usp::Bytes msg) {
        ctl_.send(conn_, cpe::usp::encode_no_session_record(agent_id_, kDiagController, msg));
    }

  private:
    std::optional<cpe::usp::Msg> next_msg(int timeout_s = 30) {
        auto e = ctl_.next_of(ControllerEvent::Kind::record, timeout_s);
        if (!e) return std::nullopt;
        auto r = cpe::usp::decode_record(e->data);
        if (!r) return std::nullopt;
        agent_id_ = std::string(r->from_id());
        auto p = r->payload();
        if (!p) return std::nullopt;
        auto m = cpe::usp::decode_msg(*p);
        if (!m) return std::nullopt;
        return std::move(*m);
    }

    TestController& ctl_;
    std::function<std::string()> log_;
    int conn_ = 0;
    int keys_ = 0;
    std::string agent_id_;
};

}  // namespace cpe::test
