// The USP controller: sends requests to endpoints and correlates their responses by msg_id with a
// per-request timeout, answers what agents send (Notify → NotifyResp when asked, anything else a
// controller does not serve → USP Error 7001), registers endpoints on connect and Boot!, identifies them
// with a Get of Device.DeviceInfo., creates the configured subscriptions, and stores notifications
// (bounded per endpoint) and hands them to listeners (the SSE stream). Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/registry.hpp"
#include "controller/transport.hpp"
#include "net/event_loop.hpp"
#include "usp/msg.hpp"
#include "util/lifetime.hpp"
#include "util/result.hpp"

namespace cpe::hub::controller {

struct SubscriptionSpec {
    std::string id;              // Device.LocalAgent.Subscription.{i}.ID, unique per agent
    std::string notif_type;      // ValueChange, ObjectCreation, ObjectDeletion, Event, OperationComplete
    std::string reference_list;  // e.g. "Device.Hosts.Host."
    bool operator==(const SubscriptionSpec&) const = default;
};

struct ControllerOptions {
    std::string endpoint_id = "self::cpe-hub";
    uint64_t request_timeout_ms = 10000;
    size_t max_pending_per_endpoint = 64;  // more concurrent requests to one endpoint fail with too_large
    unsigned notifications_per_endpoint = 100;
    size_t notification_bytes_per_endpoint = 256
                                             << 10;  // stored notifications' JSON, newest kept (0 = no bound)
    bool identify = true;   // Get Device.DeviceInfo. on Boot! and for never-identified endpoints
    bool subscribe = true;  // Add the subscriptions below on Boot! and for new endpoints
    std::vector<SubscriptionSpec> subscriptions = {
        {"cpe-hub-hosts-add", "ObjectCreation", "Device.Hosts.Host."},
        {"cpe-hub-hosts-del", "ObjectDeletion", "Device.Hosts.Host."},
        {"cpe-hub-optical", "ValueChange", "Device.Optical.Interface.1.OpticalSignalLevel"},
    };
};

struct Notification {
    std::string endpoint_id;
    int64_t time_ms = 0;
    std::string
        kind;  // event, value_change, object_creation, object_deletion, operation_complete, on_board_request
    usp::Notify notify;
    std::string json;  // {"endpoint_id", "time_ms", "kind", "subscription_id", …kind fields} (docs/usp.md)
};

class Controller : public TransportSink {
  public:
    using Callback = std::function<void(Result<usp::Msg>)>;
    using NotificationListener = std::function<void(const Notification&)>;

    Controller(net::EventLoop& loop, ControllerOptions options, Registry& registry, Transport& transport);
    // Pending callbacks are dropped without being called.
    ~Controller() override;
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    // Sends a request (Get, GetInstances, GetSupportedDM, GetSupportedProtocol, Set, Add, Delete, Operate)
    // and returns its msg_id. `done` runs exactly once, on the loop thread, never inside this call, with the
    // response Msg (its type matches the request) or an Error naming the endpoint and msg_id:
    //   Errc::not_found    the endpoint was never seen
    //   Errc::unavailable  offline, or disconnected before answering
    //   Errc::timeout      no answer within timeout_ms (0: options().request_timeout_ms)
    //   Errc::too_large    too many requests in flight to that endpoint, or its send queue is full
    //   Errc::io_error     the agent answered with a USP Error (Error::usp_error() holds its code)
    //   Errc::parse_error  the answer was not the matching response type
    template <typename Body>
    std::string request(const std::string& endpoint_id, const Body& body, Callback done,
                        uint64_t timeout_ms = 0) {
        std::string msg_id = next_msg_id();
        usp::Bytes msg = usp::encode_msg(msg_id, body);
        send_request(endpoint_id, msg_id, response_type(body), std::move(msg), std::move(done), timeout_ms);
        return msg_id;
    }
    // The callback of msg_id will not run.
    void cancel(const std::string& msg_id);
    size_t pending() const { return pending_.size(); }

    void listen(NotificationListener listener) { listeners_.push_back(std::move(listener)); }
    // Told of each connection after the controller (certificate renewal, cert_renewal.hpp).
    void on_connection(std::function<void(const std::string&, const ConnectionInfo&)> fn) {
        connection_listeners_.push_back(std::move(fn));
    }
    // Something the hub did to an endpoint (kind "cert_renewal"), stored and given to listeners like a
    // notification: {"endpoint_id", "time_ms", "kind", …fields as strings}.
    void record(const std::string& endpoint_id, const std::string& kind,
                const std::map<std::string, std::string>& fields);

    const ControllerOptions& options() const { return options_; }
    Registry& registry() { return registry_; }

    // Re-reads the identity of an endpoint (Get Device.DeviceInfo.); the registry is updated when it answers.
    void identify(const std::string& endpoint_id);

    // TransportSink
    void on_connected(const std::string& endpoint_id, const ConnectionInfo& info) override;
    void on_message(const std::string& endpoint_id, std::span<const uint8_t> msg) override;
    void on_disconnected(const std::string& endpoint_id) override;

  private:
    struct Pending {
        std::string endpoint_id;
        usp::MsgType expect = usp::MsgType::get_resp;
        Callback done;
        net::TimerHandle timer;
    };

    std::string next_msg_id();
    void send_request(const std::string& endpoint_id, const std::string& msg_id, usp::MsgType expect,
                      usp::Bytes msg, Callback done, uint64_t timeout_ms);
    static usp::MsgType response_type(const usp::Get&) { return usp::MsgType::get_resp; }
    static usp::MsgType response_type(const usp::GetInstances&) { return usp::MsgType::get_instances_resp; }
    static usp::MsgType response_type(const usp::GetSupportedDM&) {
        return usp::MsgType::get_supported_dm_resp;
    }
    static usp::MsgType response_type(const usp::GetSupportedProtocol&) {
        return usp::MsgType::get_supported_proto_resp;
    }
    static usp::MsgType response_type(const usp::Set&) { return usp::MsgType::set_resp; }
    static usp::MsgType response_type(const usp::Add&) { return usp::MsgType::add_resp; }
    static usp::MsgType response_type(const usp::Delete&) { return usp::MsgType::delete_resp; }
    static usp::MsgType response_type(const usp::Operate&) { return usp::MsgType::operate_resp; }
    void fail_later(Callback done, Error error);
    std::optional<Pending> take(const std::string& msg_id);
    void on_response(const std::string& endpoint_id, usp::Msg msg);
    void on_notify(const std::string& endpoint_id, const usp::Msg& msg);
    void subscribe(const std::string& endpoint_id);
    void identify_with(const std::string& endpoint_id, std::vector<std::string> paths, bool retry_plain);
    static void done_with(std::map<std::string, std::string>& in_flight, const std::string& endpoint_id,
                          const std::string& msg_id);
    void reply(const std::string& endpoint_id, usp::Bytes msg);
    void deliver(const Notification& n);  // store + listeners
    // The notifications an endpoint sent before it was admitted (Boot! usually comes before the identify
    // answer), delivered once it is; dropped otherwise.
    void release_held(const std::string& endpoint_id);
    static constexpr size_t kHeldNotifications = 8;
    static constexpr size_t kHeldBytes = 64 << 10;  // of notification JSON per endpoint

    net::EventLoop& loop_;
    ControllerOptions options_;
    Registry& registry_;
    Transport& transport_;
    Lifetime life_;  // guards timers, posted work and answers handed out (kept alive through member teardown)
    std::string id_prefix_;
    uint64_t next_id_ = 1;
    std::unordered_map<std::string, Pending> pending_;                    // by msg_id
    std::unordered_map<std::string, std::set<std::string>> by_endpoint_;  // endpoint → its pending msg_ids
    std::vector<NotificationListener> listeners_;
    std::vector<std::function<void(const std::string&, const ConnectionInfo&)>> connection_listeners_;
    // Endpoint → msg_id of its identify Get / subscription Add in flight (cleared on disconnect; a late
    // failure of an old request does not clear a newer one).
    std::map<std::string, std::string> identifying_;
    std::map<std::string, std::string> subscribing_;
    // Endpoints whose current connection was already identified / subscribed: a Boot! right after the
    // connect (the usual order after a reboot) does not repeat the work.
    std::set<std::string> identified_here_;
    std::set<std::string> subscribed_here_;
    std::map<std::string, std::vector<Notification>> held_;  // endpoints not admitted yet
};

// "event", "value_change", … for the notification's oneof.
std::string notification_kind(const usp::Notify& notify);
// The notification as a JSON object text: {"endpoint_id", "time_ms", "kind", "subscription_id", …}.
std::string notification_json(const std::string& endpoint_id, int64_t time_ms, const usp::Notify& notify);

}  // namespace cpe::hub::controller
