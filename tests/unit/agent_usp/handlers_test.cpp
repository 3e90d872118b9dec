// Every request handler of the agent, through encoded bytes in and out (the codec of common/usp), against
// the model of the TP-Link fixture.
#include <algorithm>
#include <map>

#include "usp/error_codes.hpp"
#include "usp_test_util.hpp"

using namespace cpe::agent;
using namespace cpe::agent::usp;
using namespace cpe::agent::usp::test;
namespace u = cpe::usp;
namespace err = cpe::usp::err;

namespace {

class HandlersTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto b = Board::open(kBoard, kBoard + "/fixtures/rootfs");
        ASSERT_TRUE(b) << b.error().message;
        board = std::move(*b);
        Hooks hooks;
        hooks.reboot = [this](const std::string& key) -> cpe::Status {
            reboots.push_back(key);
            return {};
        };
        hooks.periodic_interval_changed = [this](uint32_t s) { intervals.push_back(s); };
        agent = std::make_unique<UspAgent>(device_schema(), kAgentId, kController, hooks);
        agent->update_model(board->refresh(kNow));
        agent->take_due_records();
    }

    const u::GetResp::ResolvedPathResult* find(const u::GetResp::RequestedPathResult& r,
                                               const std::string& path) {
        for (const auto& res : r.resolved_path_results)
            if (res.resolved_path == path) return &res;
        return nullptr;
    }

    std::unique_ptr<Board> board;
    std::unique_ptr<UspAgent> agent;
    std::vector<std::string> reboots;
    std::vector<uint32_t> intervals;
};

TEST_F(HandlersTest, GetPartialPathGroupsParametersPerObject) {
    auto msg = round_trip(*agent, u::Get{{"Device.DeviceInfo."}, 0});
    ASSERT_EQ(msg.type(), u::MsgType::get_resp);
    auto resp = msg.get_resp();
    ASSERT_TRUE(resp);
    ASSERT_EQ(resp->req_path_results.size(), 1u);
    const auto& r = resp->req_path_results[0];
    EXPECT_EQ(r.requested_path, "Device.DeviceInfo.");
    EXPECT_EQ(r.err_code, 0u);
    const auto* info = find(r, "Device.DeviceInfo.");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->result_params.at("SerialNumber"), "22275A7000412");
    EXPECT_EQ(info->result_params.at("ManufacturerOUI"), "1C61B4");
    EXPECT_EQ(info->result_params.count("MemoryStatus.Total"), 0u);  // names are relative to their own object
    const auto* mem = find(r, "Device.DeviceInfo.MemoryStatus.");
    ASSERT_NE(mem, nullptr);
    EXPECT_EQ(mem->result_params.count("Total"), 1u);
}

TEST_F(HandlersTest, GetMaxDepthOneStaysOnTheObject) {
    auto resp = round_trip(*agent, u::Get{{"Device.DeviceInfo."}, 1}).get_resp();
    ASSERT_TRUE(resp);
    const auto& r = resp->req_path_results[0];
    ASSERT_EQ(r.resolved_path_results.size(), 1u);
    EXPECT_EQ(r.resolved_path_results[0].resolved_path, "Device.DeviceInfo.");
}

TEST_F(HandlersTest, GetWildcardAndFullPaths) {
    auto resp =
        round_trip(
            *agent,
            u::Get{{"Device.Hosts.Host.*.PhysAddress", "Device.Optical.Interface.1.OpticalSignalLevel"}, 0})
            .get_resp();
    ASSERT_TRUE(resp);
    ASSERT_EQ(resp->req_path_results.size(), 2u);
    const auto& hosts = resp->req_path_results[0];
    EXPECT_EQ(hosts.err_code, 0u);
    auto tree_hosts = board->model().instances(*cpe::tr181::Path::parse("Device.Hosts.Host."), true);
    ASSERT_TRUE(tree_hosts);
    ASSERT_EQ(hosts.resolved_path_results.size(), tree_hosts->size());
    const auto* first = find(hosts, "Device.Hosts.Host.1.");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->result_params.at("PhysAddress"), "00:11:32:34:f5:3c");
    EXPECT_EQ(first->result_params.size(), 1u);
    const auto& optical = resp->req_path_results[1];
    ASSERT_EQ(optical.resolved_path_results.size(), 1u);
    EXPECT_EQ(optical.resolved_path_results[0].resolved_path, "Device.Optical.Interface.1.");
    EXPECT_EQ(optical.resolved_path_results[0].result_params.at("OpticalSignalLevel"), "-18996");
}

TEST_F(HandlersTest, GetErrorsPerPath) {
    auto resp =
        round_trip(*agent, u::Get{{"Device.Hosts..Host", "Device.DeviceInfo.Nope", "Device.Hosts.Host.999.",
                                   "Device.Reboot()", "Device.DeviceInfo.UpTime"},
                                  0})
            .get_resp();
    ASSERT_TRUE(resp);
    const auto& r = resp->req_path_results;
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[0].err_code, err::invalid_path);
    EXPECT_NE(r[0].err_msg.find("segment 3 is empty"), std::string::npos) << r[0].err_msg;
    EXPECT_EQ(r[1].err_code, err::invalid_path);
    EXPECT_NE(r[1].err_msg.find("not part of the supported data model"), std::string::npos) << r[1].err_msg;
    EXPECT_EQ(r[2].err_code, err::object_does_not_exist);
    EXPECT_NE(r[2].err_msg.find("Device.Hosts.Host.999."), std::string::npos) << r[2].err_msg;
    EXPECT_EQ(r[3].err_code, err::invalid_path);
    EXPECT_EQ(r[4].err_code, 0u);  // the good path still answers
    EXPECT_EQ(r[4].resolved_path_results.size(), 1u);
}

TEST_F(HandlersTest, GetInstancesWithUniqueKeys) {
    auto resp = round_trip(*agent, u::GetInstances{{"Device.Hosts.Host."}, true}).get_instances_resp();
    ASSERT_TRUE(resp);
    const auto& r = resp->req_path_results.at(0);
    EXPECT_EQ(r.err_code, 0u);
    ASSERT_FALSE(r.curr_insts.empty());
    EXPECT_EQ(r.curr_insts[0].instantiated_obj_path, "Device.Hosts.Host.1.");
    EXPECT_EQ(r.curr_insts[0].unique_keys, (u::StrMap{{"PhysAddress", "00:11:32:34:f5:3c"}}));
    for (const auto& inst : r.curr_insts)
        EXPECT_EQ(inst.instantiated_obj_path.find("IPv4Address"), std::string::npos);

    auto all = round_trip(*agent, u::GetInstances{{"Device.Hosts.Host."}, false}).get_instances_resp();
    ASSERT_TRUE(all);
    const auto& insts = all->req_path_results.at(0).curr_insts;
    auto nested = std::find_if(insts.begin(), insts.end(), [](const auto& i) {
        return i.instantiated_obj_path == "Device.Hosts.Host.1.IPv4Address.1.";
    });
    ASSERT_NE(nested, insts.end());
    EXPECT_EQ(nested->unique_keys, (u::StrMap{{"IPAddress", "192.168.1.176"}}));

    auto bad = round_trip(*agent, u::GetInstances{{"Device.Hosts.Host.1.PhysAddress", "Device.Nope."}, true})
                   .get_instances_resp();
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->req_path_results.at(0).err_code, err::invalid_path);
    EXPECT_EQ(bad->req_path_results.at(1).err_code, err::invalid_path);
}

TEST_F(HandlersTest, GetSupportedDmFromTheSchema) {
    u::GetSupportedDM req;
    req.obj_paths = {"Device.LocalAgent.", "Device.Bogus."};
    req.return_params = req.return_commands = req.return_events = req.return_unique_key_sets = true;
    auto resp = round_trip(*agent, req).get_supported_dm_resp();
    ASSERT_TRUE(resp);
    ASSERT_EQ(resp->req_obj_results.size(), 2u);
    const auto& r = resp->req_obj_results[0];
    EXPECT_EQ(r.err_code, 0u);
    EXPECT_EQ(r.data_model_inst_uri, "urn:broadband-forum-org:tr-181-2-19-0");
    using R = u::GetSupportedDMResp;
    const R::SupportedObject* la = nullptr;
    const R::SupportedObject* sub = nullptr;
    for (const auto& o : r.supported_objs) {
        if (o.supported_obj_path == "Device.LocalAgent.") la = &o;
        if (o.supported_obj_path == "Device.LocalAgent.Subscription.{i}.") sub = &o;
    }
    ASSERT_NE(la, nullptr);
    ASSERT_NE(sub, nullptr);
    EXPECT_TRUE(sub->is_multi_instance);
    EXPECT_EQ(sub->access, R::ObjAccess::add_delete);
    EXPECT_EQ(sub->unique_key_sets, (std::vector<std::vector<std::string>>{{"ID"}}));
    auto pni = std::find_if(la->supported_params.begin(), la->supported_params.end(),
                            [](const auto& p) { return p.param_name == "PeriodicNotifInterval"; });
    ASSERT_NE(pni, la->supported_params.end());
    EXPECT_EQ(pni->access, R::ParamAccess::read_write);
    EXPECT_EQ(pni->value_type, R::ValueType::unsigned_int);
    ASSERT_EQ(la->supported_events.size(), 2u);
    EXPECT_EQ(la->supported_events[0].event_name, "Periodic!");
    EXPECT_EQ(la->supported_events[1].event_name, "TransferComplete!");  // self-update (agent/update/)
    EXPECT_EQ(la->supported_events[1].arg_names.size(), 10u);
    EXPECT_EQ(resp->req_obj_results[1].err_code, err::invalid_path);

    // Device. first level: the root's command and event, and its direct children only.
    u::GetSupportedDM root;
    root.obj_paths = {"Device."};
    root.first_level_only = true;
    root.return_commands = root.return_events = true;
    auto top = round_trip(*agent, root).get_supported_dm_resp();
    ASSERT_TRUE(top);
    const auto& objs = top->req_obj_results.at(0).supported_objs;
    ASSERT_FALSE(objs.empty());
    EXPECT_EQ(objs[0].supported_obj_path, "Device.");
    ASSERT_EQ(objs[0].supported_commands.size(), 1u);
    EXPECT_EQ(objs[0].supported_commands[0].command_name, "Reboot()");
    EXPECT_EQ(objs[0].supported_commands[0].command_type, R::CmdType::async);
    EXPECT_EQ(objs[0].supported_events.at(0).arg_names,
              (std::vector<std::string>{"Cause", "CommandKey", "FirmwareUpdated", "ParameterMap"}));
    for (const auto& o : objs) EXPECT_NE(o.supported_obj_path, "Device.Hosts.Host.{i}.") << "not first level";
    EXPECT_TRUE(objs[0].supported_params.empty());  // return_params was false
}

TEST_F(HandlersTest, SetPeriodicNotifInterval) {
    u::Set set;
    set.update_objs = {{"Device.LocalAgent.", {{"PeriodicNotifInterval", "60", true}}}};
    auto resp = round_trip(*agent, set).set_resp();
    ASSERT_TRUE(resp) << resp.error().message;
    const auto& ok = std::get<u::SetResp::Success>(resp->updated_obj_results.at(0).oper_status);
    EXPECT_EQ(ok.updated_inst_results.at(0).affected_path, "Device.LocalAgent.");
    EXPECT_EQ(ok.updated_inst_results.at(0).updated_params.at("PeriodicNotifInterval"), "60");
    EXPECT_EQ(intervals, std::vector<uint32_t>{60});
    auto get = round_trip(*agent, u::Get{{"Device.LocalAgent.PeriodicNotifInterval"}, 0}).get_resp();
    EXPECT_EQ(get->req_path_results[0].resolved_path_results.at(0).result_params.at("PeriodicNotifInterval"),
              "60");
}

TEST_F(HandlersTest, SetFailureIsAnErrorAndChangesNothing) {
    u::Set set;
    set.allow_partial = false;
    set.update_objs = {{"Device.LocalAgent.", {{"PeriodicNotifInterval", "45", true}}},
                       {"Device.DeviceInfo.", {{"SerialNumber", "X", true}}}};
    auto msg = round_trip(*agent, set);
    ASSERT_EQ(msg.type(), u::MsgType::error);
    auto e = msg.error();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->err_code, err::parameter_read_only);
    ASSERT_EQ(e->param_errs.size(), 1u);
    EXPECT_EQ(e->param_errs[0].param_path, "Device.DeviceInfo.SerialNumber");
    EXPECT_EQ(agent->periodic_interval_s(), 300u);  // the first object's change was rolled back
    EXPECT_TRUE(intervals.empty());

    u::Set bad_value;
    bad_value.update_objs = {{"Device.LocalAgent.", {{"PeriodicNotifInterval", "often", true}}}};
    auto m2 = round_trip(*agent, bad_value);
    ASSERT_EQ(m2.type(), u::MsgType::error);
    EXPECT_EQ(m2.error()->err_code, err::invalid_type);
    EXPECT_NE(m2.error()->err_msg.find("often"), std::string::npos) << m2.error()->err_msg;

    // allow_partial: per-object results
    set.allow_partial = true;
    auto partial = round_trip(*agent, set).set_resp();
    ASSERT_TRUE(partial);
    EXPECT_TRUE(std::holds_alternative<u::SetResp::Success>(partial->updated_obj_results.at(0).oper_status));
    const auto& f = std::get<u::SetResp::Failure>(partial->updated_obj_results.at(1).oper_status);
    EXPECT_EQ(f.updated_inst_failures.at(0).param_errs.at(0).err_code, err::parameter_read_only);
    EXPECT_EQ(agent->periodic_interval_s(), 45u);
}

TEST_F(HandlersTest, AddSetDeleteSubscription) {
    u::Add add;
    add.create_objs = {{"Device.LocalAgent.Subscription.",
                        {{"ID", "vc-1", true},
                         {"NotifType", "ValueChange", true},
                         {"ReferenceList", "Device.Optical.Interface.1.OpticalSignalLevel", true},
                         {"Enable", "true", true}}}};
    auto resp = round_trip(*agent, add).add_resp();
    ASSERT_TRUE(resp) << resp.error().message;
    const auto& ok = std::get<u::AddResp::Success>(resp->created_obj_results.at(0).oper_status);
    EXPECT_EQ(ok.instantiated_path,
              "Device.LocalAgent.Subscription.2.");  // 1 is the factory Boot! subscription
    EXPECT_EQ(ok.unique_keys, (u::StrMap{{"ID", "vc-1"}}));
    EXPECT_TRUE(ok.param_errs.empty());

    auto inst =
        round_trip(*agent, u::GetInstances{{"Device.LocalAgent.Subscription."}, true}).get_instances_resp();
    ASSERT_EQ(inst->req_path_results.at(0).curr_insts.size(), 2u);
    auto get = round_trip(*agent, u::Get{{"Device.LocalAgent.Subscription.2."}, 0}).get_resp();
    const auto& p = get->req_path_results.at(0).resolved_path_results.at(0).result_params;
    EXPECT_EQ(p.at("NotifType"), "ValueChange");
    EXPECT_EQ(p.at("Enable"), "true");

    // a duplicate ID and a bad ReferenceList are refused, naming what was wrong
    u::Add dup = add;
    auto m = round_trip(*agent, dup);
    ASSERT_EQ(m.type(), u::MsgType::error);
    EXPECT_EQ(m.error()->err_code, err::unique_key_conflict);
    u::Add badref;
    badref.create_objs = {{"Device.LocalAgent.Subscription.", {{"ReferenceList", "Device.Nowhere.", true}}}};
    auto m3 = round_trip(*agent, badref);
    ASSERT_EQ(m3.type(), u::MsgType::error);
    EXPECT_EQ(m3.error()->err_code, err::invalid_value);
    EXPECT_NE(m3.error()->err_msg.find("Device.Nowhere."), std::string::npos) << m3.error()->err_msg;

    u::Set disable;
    disable.update_objs = {{"Device.LocalAgent.Subscription.*.", {{"Enable", "false", true}}}};
    auto sr = round_trip(*agent, disable).set_resp();
    ASSERT_TRUE(sr) << sr.error().message;
    EXPECT_EQ(
        std::get<u::SetResp::Success>(sr->updated_obj_results.at(0).oper_status).updated_inst_results.size(),
        2u);

    auto del =
        round_trip(
            *agent,
            u::Delete{false, {"Device.LocalAgent.Subscription.2.", "Device.LocalAgent.Subscription.77."}})
            .delete_resp();
    ASSERT_TRUE(del) << del.error().message;
    EXPECT_EQ(std::get<u::DeleteResp::Success>(del->deleted_obj_results.at(0).oper_status).affected_paths,
              std::vector<std::string>{"Device.LocalAgent.Subscription.2."});
    EXPECT_TRUE(
        std::get<u::DeleteResp::Success>(del->deleted_obj_results.at(1).oper_status).affected_paths.empty());
    EXPECT_EQ(agent->subscription_count(), 1u);
}

TEST_F(HandlersTest, AddAndDeleteOnlyOnSubscriptions) {
    u::Add add;
    add.allow_partial = true;
    add.create_objs = {{"Device.Hosts.Host.", {}}, {"Device.DeviceInfo.", {}}, {"Device.Nope.", {}}};
    auto resp = round_trip(*agent, add).add_resp();
    ASSERT_TRUE(resp);
    EXPECT_EQ(std::get<u::OperFailure>(resp->created_obj_results.at(0).oper_status).err_code,
              err::object_not_creatable);
    EXPECT_EQ(std::get<u::OperFailure>(resp->created_obj_results.at(1).oper_status).err_code,
              err::object_not_a_table);
    EXPECT_EQ(std::get<u::OperFailure>(resp->created_obj_results.at(2).oper_status).err_code,
              err::invalid_path);

    auto del = round_trip(*agent, u::Delete{false, {"Device.Hosts.Host.1."}});
    ASSERT_EQ(del.type(), u::MsgType::error);
    EXPECT_EQ(del.error()->err_code, err::object_not_deletable);
}

TEST_F(HandlersTest, SubscriptionsAreBounded) {
    for (int i = 0; i < 15; ++i) {
        u::Add add;
        add.create_objs = {{"Device.LocalAgent.Subscription.", {}}};
        ASSERT_EQ(round_trip(*agent, add).type(), u::MsgType::add_resp) << i;
    }
    u::Add add;
    add.create_objs = {{"Device.LocalAgent.Subscription.", {}}};
    auto m = round_trip(*agent, add);
    ASSERT_EQ(m.type(), u::MsgType::error);
    EXPECT_EQ(m.error()->err_code, err::resources_exceeded);
    EXPECT_EQ(agent->subscription_count(), 16u);
}

TEST_F(HandlersTest, OperateRebootIsAsyncAndGoesThroughTheHook) {
    u::Add add;
    add.create_objs = {{"Device.LocalAgent.Subscription.",
                        {{"NotifType", "OperationComplete", true},
                         {"ReferenceList", "Device.Reboot()", true},
                         {"Enable", "true", true}}}};
    ASSERT_EQ(round_trip(*agent, add).type(), u::MsgType::add_resp);

    auto resp = round_trip(*agent, u::Operate{"Device.Reboot()", "maintenance-7", true, {}}).operate_resp();
    ASSERT_TRUE(resp) << resp.error().message;
    const auto& res = resp->operation_results.at(0);
    EXPECT_EQ(res.executed_command, "Device.Reboot()");
    EXPECT_TRUE(std::holds_alternative<u::OperateResp::ReqObjPath>(res.operation_resp));
    EXPECT_EQ(reboots, std::vector<std::string>{"maintenance-7"});
    auto notes = drain_notifications(*agent);
    ASSERT_EQ(notes.size(), 1u);
    const auto& oc = std::get<u::Notify::OperationComplete>(notes[0].notification);
    EXPECT_EQ(oc.command_name, "Reboot()");
    EXPECT_EQ(oc.command_key, "maintenance-7");

    // send_resp=false: no response at all
    EXPECT_FALSE(
        agent->handle_msg(u::encode_msg("q", u::Operate{"Device.Reboot()", "k", false, {}}), kController));
    auto bad = round_trip(*agent, u::Operate{"Device.Explode()", "", true, {}});
    ASSERT_EQ(bad.type(), u::MsgType::error);
    EXPECT_EQ(bad.error()->err_code, err::invalid_path);
}

// A self-update runs outside the command runner and across a restart; while it runs it is a
// Device.LocalAgent.Request.{i}. of its own (the Operate response names that row), which cannot be canceled
// and is gone once its OperationComplete is out.
TEST(HandlersSelfUpdate, InstallDuIsARequestRowUntilItsOperationComplete) {
    auto b = Board::open(kBoard, kBoard + "/fixtures/rootfs");
    ASSERT_TRUE(b) << b.error().message;
    std::vector<std::string> started;
    bool refuse = false;
    Hooks hooks;
    hooks.software_update = [&](const std::string& command, const std::string& key,
                                const u::StrMap&) -> std::optional<u::CommandFailure> {
        if (refuse) return u::CommandFailure{err::command_failure, "update: signature does not verify"};
        started.push_back(command + "/" + key);
        return std::nullopt;
    };
    UspAgent agent(device_schema(), kAgentId, kController, hooks);
    agent.update_model((*b)->refresh(kNow));
    agent.take_due_records();
    auto rows = [&] {
        auto g = round_trip(agent, u::Get{{"Device.LocalAgent.Request."}, 0}).get_resp();
        std::map<std::string, std::string> out;  // row path → Command
        if (!g) return out;
        for (const auto& r : g->req_path_results.at(0).resolved_path_results)
            if (auto it = r.result_params.find("Command"); it != r.result_params.end())
                out[r.resolved_path] = it->second + "/" + r.result_params.at("CommandKey");
        return out;
    };

    auto first =
        round_trip(agent, u::Operate{"Device.SoftwareModules.InstallDU()", "upd-1", true, {}}).operate_resp();
    ASSERT_TRUE(first) << first.error().message;
    const auto* path =
        std::get_if<u::OperateResp::ReqObjPath>(&first->operation_results.at(0).operation_resp);
    ASSERT_NE(path, nullptr);
    EXPECT_EQ(started, std::vector<std::string>{"Device.SoftwareModules.InstallDU()/upd-1"});
    EXPECT_EQ(rows(),
              (std::map<std::string, std::string>{{path->path, "Device.SoftwareModules.InstallDU()/upd-1"}}));

    // A second request while the first runs gets a row of its own, not the first one's number.
    auto second =
        round_trip(agent, u::Operate{"Device.SoftwareModules.DeploymentUnit.1.Update()", "upd-2", true, {}})
            .operate_resp();
    ASSERT_TRUE(second);
    const auto* path2 =
        std::get_if<u::OperateResp::ReqObjPath>(&second->operation_results.at(0).operation_resp);
    ASSERT_NE(path2, nullptr);
    EXPECT_NE(path2->path, path->path);
    EXPECT_EQ(rows().size(), 2u);

    auto cancel = round_trip(agent, u::Operate{path->path + "Cancel()", "", true, {}});
    ASSERT_EQ(cancel.type(), u::MsgType::error);
    EXPECT_EQ(cancel.error()->err_code, err::command_failure);
    EXPECT_NE(cancel.error()->err_msg.find("cannot be canceled"), std::string::npos)
        << cancel.error()->err_msg;

    agent.operation_complete("Device.SoftwareModules.", "InstallDU()", "upd-1",
                             u::CommandFailure{err::command_failure, "download: truncated"});
    EXPECT_EQ(rows(), (std::map<std::string, std::string>{
                          {path2->path, "Device.SoftwareModules.DeploymentUnit.1.Update()/upd-2"}}));

    // Refused at once: the failure is in the response and no row is left behind.
    refuse = true;
    auto refused =
        round_trip(agent, u::Operate{"Device.SoftwareModules.InstallDU()", "upd-3", true, {}}).operate_resp();
    ASSERT_TRUE(refused);
    EXPECT_TRUE(std::holds_alternative<u::CommandFailure>(refused->operation_results.at(0).operation_resp));
    EXPECT_EQ(rows().size(), 1u);
}

TEST_F(HandlersTest, UnsupportedMessagesGetAnError) {
    u::Notify n{"x", false, u::Notify::Event{"Device.", "Boot!", {}}};
    auto m = round_trip(*agent, n);
    ASSERT_EQ(m.type(), u::MsgType::error);
    EXPECT_EQ(m.error()->err_code, err::message_not_supported);
    EXPECT_NE(m.error()->err_msg.find("NOTIFY"), std::string::npos) << m.error()->err_msg;
    auto proto = round_trip(*agent, u::GetSupportedProtocol{"1.3"}).get_supported_protocol_resp();
    ASSERT_TRUE(proto);
    EXPECT_NE(proto->agent_supported_protocol_versions.find("1.3"), std::string::npos);
    // responses are not answered
    EXPECT_FALSE(agent->handle_msg(u::encode_msg("r", u::GetResp{}), kController));
    // too many paths
    u::Get many;
    many.param_paths.assign(65, "Device.DeviceInfo.UpTime");
    auto tm = round_trip(*agent, many);
    ASSERT_EQ(tm.type(), u::MsgType::error);
    EXPECT_EQ(tm.error()->err_code, err::resources_exceeded);
}

TEST_F(HandlersTest, RecordLayer) {
    // a Get in a record → a GetResp in a record addressed back
    auto rec = u::encode_no_session_record(
        kAgentId, kController, u::encode_msg("g1", u::Get{{"Device.DeviceInfo.SerialNumber"}, 0}));
    RecordAction a = agent->handle_record(rec, 65536);
    ASSERT_EQ(a.kind, RecordAction::Kind::reply);
    auto back = u::decode_record(a.reply);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->to_id(), kController);
    EXPECT_EQ(back->from_id(), kAgentId);
    EXPECT_EQ(u::decode_msg(*back->payload())->msg_id(), "g1");

    // not for us, or not from our controller: dropped
    auto other = u::encode_no_session_record("os::000000-OTHER", kController,
                                             u::encode_msg("g2", u::Get{{"Device."}, 0}));
    EXPECT_EQ(agent->handle_record(other, 65536).kind, RecordAction::Kind::none);
    auto stranger =
        u::encode_no_session_record(kAgentId, "self::stranger", u::encode_msg("g3", u::Get{{"Device."}, 0}));
    EXPECT_EQ(agent->handle_record(stranger, 65536).kind, RecordAction::Kind::none);

    // garbage or too large: close the connection (1003)
    const uint8_t junk[] = {0x0a, 0x10, 0x01};
    RecordAction g = agent->handle_record(junk, 65536);
    EXPECT_EQ(g.kind, RecordAction::Kind::close_unsupported);
    EXPECT_FALSE(g.reason.empty());
    EXPECT_EQ(agent->handle_record(rec, 16).kind, RecordAction::Kind::close_unsupported);
}

}  // namespace
