// Request/response correlation with a fake transport on a real EventLoop: answers, timeouts, disconnects,
// USP errors, mismatched answers, Boot! handling and notifications.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "controller/controller.hpp"
#include "usp/error_codes.hpp"

using namespace cpe;
using namespace cpe::hub::controller;

namespace {
class FakeTransport : public Transport {
  public:
    Status send(const std::string& endpoint_id, usp::Bytes msg) override {
        if (!connected.count(endpoint_id)) return make_error(Errc::unavailable, "not connected");
        sent.push_back({endpoint_id, std::move(msg)});
        return {};
    }
    bool is_connected(const std::string& endpoint_id) const override {
        return connected.count(endpoint_id) != 0;
    }
    std::set<std::string> connected;
    std::vector<std::pair<std::string, usp::Bytes>> sent;

    usp::Msg decoded(size_t i) const { return std::move(usp::decode_msg(sent.at(i).second)).value(); }
};

class HubControllerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        loop = std::move(net::EventLoop::create()).value();
        // Admitted on connect (allow-list mode): these tests are about correlation, not admission.
        RegistryOptions ro;
        ro.admission = Admission::allow_list;
        registry = std::make_unique<Registry>(
            nullptr, [] { return int64_t{1234}; }, ro);
        ControllerOptions o;
        o.request_timeout_ms = 50;
        o.identify = false;
        o.subscribe = false;
        controller = std::make_unique<Controller>(*loop, o, *registry, transport);
    }
    void connect(const std::string& eid) {
        transport.connected.insert(eid);
        controller->on_connected(eid, {});
    }
    // Runs the loop until `done` holds (bounded by a guard timer that fails the test).
    void run_until(const std::function<bool()>& done) {
        bool hung = false;
        std::function<void()> check;
        check = [&] {
            if (done()) return loop->stop();
            loop->add_timer(5, check);
        };
        loop->add_timer(0, check);
        auto guard = loop->add_timer(10000, [&] {
            hung = true;
            loop->stop();
        });
        loop->run();
        guard.cancel();
        ASSERT_FALSE(hung);
    }
    std::unique_ptr<net::EventLoop> loop;
    FakeTransport transport;
    std::unique_ptr<Registry> registry;
    std::unique_ptr<Controller> controller;
};

usp::Get get_of(const std::string& path) {
    usp::Get g;
    g.param_paths = {path};
    return g;
}
}  // namespace

TEST_F(HubControllerTest, ResponseIsMatchedByMsgId) {
    connect("os::A");
    std::optional<Result<usp::Msg>> got;
    std::string id = controller->request("os::A", get_of("Device.DeviceInfo."),
                                         [&](Result<usp::Msg> r) { got.emplace(std::move(r)); });
    ASSERT_EQ(transport.sent.size(), 1u);
    EXPECT_EQ(transport.decoded(0).msg_id(), id);
    // An answer to another msg_id is ignored; the right one completes the request.
    usp::GetResp resp;
    resp.req_path_results.push_back(
        {"Device.DeviceInfo.", 0, "", {{"Device.DeviceInfo.", {{"ModelName", "M"}}}}});
    auto other = usp::encode_msg("not-ours", resp);
    controller->on_message("os::A", other);
    EXPECT_FALSE(got.has_value());
    EXPECT_EQ(controller->pending(), 1u);
    // From another endpoint with the right id: also ignored.
    auto right = usp::encode_msg(id, resp);
    controller->on_message("os::B", right);
    EXPECT_EQ(controller->pending(), 1u);
    controller->on_message("os::A", right);
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->ok());
    auto gr = (*got)->get_resp();
    ASSERT_TRUE(gr.ok());
    EXPECT_EQ(gr->req_path_results[0].resolved_path_results[0].result_params.at("ModelName"), "M");
    EXPECT_EQ(controller->pending(), 0u);
}

TEST_F(HubControllerTest, TimeoutNamesEndpointAndMsgId) {
    connect("os::A");
    std::optional<Result<usp::Msg>> got;
    std::string id = controller->request("os::A", get_of("Device."),
                                         [&](Result<usp::Msg> r) { got.emplace(std::move(r)); });
    run_until([&] { return got.has_value(); });
    ASSERT_FALSE(got->ok());
    EXPECT_EQ(got->error().code, Errc::timeout);
    EXPECT_NE(got->error().message.find("os::A"), std::string::npos);
    EXPECT_NE(got->error().message.find(id), std::string::npos);
    // A late answer after the timeout does nothing.
    usp::GetResp resp;
    auto late = usp::encode_msg(id, resp);
    controller->on_message("os::A", late);
    EXPECT_EQ(controller->pending(), 0u);
}

TEST_F(HubControllerTest, DisconnectFailsPendingRequests) {
    connect("os::A");
    std::optional<Result<usp::Msg>> got;
    controller->request(
        "os::A", get_of("Device."), [&](Result<usp::Msg> r) { got.emplace(std::move(r)); }, 100000);
    transport.connected.erase("os::A");
    controller->on_disconnected("os::A");
    run_until([&] { return got.has_value(); });
    EXPECT_EQ(got->error().code, Errc::unavailable);
    EXPECT_NE(got->error().message.find("disconnected"), std::string::npos);
    EXPECT_FALSE(registry->find("os::A")->record.online);
}

TEST_F(HubControllerTest, UnknownAndOfflineEndpointsFailWithoutSending) {
    std::optional<Result<usp::Msg>> unknown, offline;
    controller->request("os::X", get_of("Device."),
                        [&](Result<usp::Msg> r) { unknown.emplace(std::move(r)); });
    connect("os::B");
    transport.connected.erase("os::B");
    controller->request("os::B", get_of("Device."),
                        [&](Result<usp::Msg> r) { offline.emplace(std::move(r)); });
    EXPECT_FALSE(unknown.has_value());  // never inside request()
    run_until([&] { return unknown.has_value() && offline.has_value(); });
    EXPECT_EQ(unknown->error().code, Errc::not_found);
    EXPECT_EQ(offline->error().code, Errc::unavailable);
    EXPECT_TRUE(transport.sent.empty());
}

TEST_F(HubControllerTest, UspErrorCarriesItsCode) {
    connect("os::A");
    std::optional<Result<usp::Msg>> got;
    std::string id = controller->request("os::A", get_of("Device.Nope."),
                                         [&](Result<usp::Msg> r) { got.emplace(std::move(r)); });
    auto err = usp::encode_error(id, usp::err::invalid_path, "no such path");
    controller->on_message("os::A", err);
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(got->ok());
    EXPECT_EQ(got->error().usp_error(), 7026u);
    EXPECT_NE(got->error().message.find("no such path"), std::string::npos);
}

TEST_F(HubControllerTest, WrongResponseTypeIsAnError) {
    connect("os::A");
    std::optional<Result<usp::Msg>> got;
    std::string id = controller->request("os::A", get_of("Device."),
                                         [&](Result<usp::Msg> r) { got.emplace(std::move(r)); });
    auto wrong = usp::encode_msg(id, usp::SetResp{});
    controller->on_message("os::A", wrong);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code, Errc::parse_error);
    EXPECT_NE(got->error().message.find("SET_RESP"), std::string::npos);
}

TEST_F(HubControllerTest, PendingLimitPerEndpoint) {
    connect("os::A");
    std::vector<Result<usp::Msg>> results;
    for (size_t i = 0; i < controller->options().max_pending_per_endpoint + 1; ++i)
        controller->request(
            "os::A", get_of("Device."), [&](Result<usp::Msg> r) { results.push_back(std::move(r)); }, 100000);
    run_until([&] { return !results.empty(); });
    EXPECT_EQ(results[0].error().code, Errc::too_large);
    EXPECT_EQ(transport.sent.size(), controller->options().max_pending_per_endpoint);
}

TEST_F(HubControllerTest, NotifyIsAnsweredAndPublished) {
    connect("os::A");
    std::vector<Notification> seen;
    controller->listen([&](const Notification& n) { seen.push_back(n); });
    usp::Notify n;
    n.subscription_id = "sub-1";
    n.send_resp = true;
    n.notification = usp::Notify::ObjectCreation{"Device.Hosts.Host.7.", {{"PhysAddress", "aa"}}};
    auto bytes = usp::encode_msg("n-1", n);
    controller->on_message("os::A", bytes);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, "object_creation");
    EXPECT_NE(seen[0].json.find("Device.Hosts.Host.7."), std::string::npos);
    ASSERT_EQ(transport.sent.size(), 1u);
    auto resp = transport.decoded(0);
    EXPECT_EQ(resp.type(), usp::MsgType::notify_resp);
    EXPECT_EQ(resp.msg_id(), "n-1");
    EXPECT_EQ(resp.notify_resp()->subscription_id, "sub-1");
    // send_resp false: no answer.
    n.send_resp = false;
    auto quiet = usp::encode_msg("n-2", n);
    controller->on_message("os::A", quiet);
    EXPECT_EQ(transport.sent.size(), 1u);
}

TEST_F(HubControllerTest, RequestsFromAgentsAreRefusedWithUspError) {
    connect("os::A");
    auto bytes = usp::encode_msg("a-1", get_of("Device."));
    controller->on_message("os::A", bytes);
    ASSERT_EQ(transport.sent.size(), 1u);
    auto resp = transport.decoded(0);
    ASSERT_TRUE(resp.is_error());
    EXPECT_EQ(resp.msg_id(), "a-1");
    EXPECT_EQ(resp.error()->err_code, usp::err::message_not_supported);
}

TEST_F(HubControllerTest, BootTriggersOneIdentifyAndSubscriptions) {
    ControllerOptions o;
    o.request_timeout_ms = 100000;
    controller = std::make_unique<Controller>(*loop, o, *registry, transport);
    connect("os::A");  // a new endpoint: identify + subscribe
    ASSERT_EQ(transport.sent.size(), 2u);
    EXPECT_EQ(transport.decoded(0).type(), usp::MsgType::get);
    EXPECT_EQ(transport.decoded(1).type(), usp::MsgType::add);
    auto add = transport.decoded(1).add();
    ASSERT_TRUE(add.ok());
    ASSERT_EQ(add->create_objs.size(), 3u);
    EXPECT_EQ(add->create_objs[0].obj_path, "Device.LocalAgent.Subscription.");
    // Boot! while both are in flight: no duplicates.
    usp::Notify boot;
    boot.notification = usp::Notify::Event{"Device.", "Boot!", {}};
    auto b = usp::encode_msg("boot", boot);
    controller->on_message("os::A", b);
    EXPECT_EQ(transport.sent.size(), 2u);
    // The identify answer fills the registry.
    usp::GetResp resp;
    resp.req_path_results.push_back(
        {"Device.DeviceInfo.",
         0,
         "",
         {{"Device.DeviceInfo.", {{"ModelName", "XX230v"}, {"SerialNumber", "S9"}}}}});
    resp.req_path_results.push_back(
        {"Device.Ethernet.Interface.*.MACAddress",
         0,
         "",
         {{"Device.Ethernet.Interface.1.", {{"MACAddress", "aa:bb:cc:dd:ee:01"}}},
          {"Device.Ethernet.Interface.2.", {{"MACAddress", "aa:bb:cc:dd:ee:01"}}}}});
    auto r = usp::encode_msg(std::string(transport.decoded(0).msg_id()), resp);
    controller->on_message("os::A", r);
    const Endpoint* e = registry->find("os::A");
    EXPECT_EQ(e->record.model, "XX230v");
    EXPECT_EQ(e->record.serial, "S9");
    EXPECT_EQ(e->record.macs, "aa:bb:cc:dd:ee:01");
    // Another Boot! on the same connection: already done here.
    controller->on_message("os::A", b);
    EXPECT_EQ(transport.sent.size(), 2u);
    // The agent rebooted: a new connection is identified again (not its subscriptions: it was identified
    // before), then Boot! → the subscriptions, not a second identify.
    controller->on_disconnected("os::A");
    controller->on_connected("os::A", {});
    ASSERT_EQ(transport.sent.size(), 3u);
    EXPECT_EQ(transport.decoded(2).type(), usp::MsgType::get);
    controller->on_message("os::A", b);
    ASSERT_EQ(transport.sent.size(), 4u);
    EXPECT_EQ(transport.decoded(2).type(), usp::MsgType::get);
    EXPECT_EQ(transport.decoded(3).type(), usp::MsgType::add);
}
