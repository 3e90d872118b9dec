// The agent side of USP (TR-369) without any transport: requests in, responses out, subscriptions turned
// into Notify messages, and an outbox of notifications waiting for the controller. The model it answers
// from is the board's tree (copied at each refresh) with the agent's own LocalAgent state laid over it
// (PeriodicNotifInterval, Subscription.{i}.). Single-threaded: call everything from the event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tr181/schema.hpp"
#include "tr181/tree.hpp"
#include "usp/commands.hpp"
#include "usp/msg.hpp"
#include "usp/types.hpp"
#include "util/result.hpp"

namespace cpe::agent::usp {

using cpe::usp::Bytes;

// The TR-181 version our device.tr181 follows, reported by GetSupportedDM.
inline constexpr const char* kDataModelUri = "urn:broadband-forum-org:tr-181-2-19-0";

struct Limits {
    size_t max_subscriptions = 16;
    size_t max_request_items = 64;              // paths / objects in one request; more → Error 7005
    size_t max_reference_paths = 16;            // paths in one Subscription.ReferenceList
    size_t max_watched_per_subscription = 512;  // values / instances one subscription compares
    size_t max_outbox = 64;                     // notifications waiting for the controller (oldest dropped)
    size_t max_get_params = 20000;              // parameters in one GetResp; more → 7005 for that path
};

struct Hooks {
    // Device.Reboot(): carry it out (or, in fixture mode, record it). Called after the OperateResp is built.
    std::function<Status(const std::string& command_key)> reboot;
    // Device.LocalAgent.PeriodicNotifInterval was set (seconds, >= 1).
    std::function<void(uint32_t seconds)> periodic_interval_changed;
    // Device.SoftwareModules.InstallDU() / DeploymentUnit.{i}.Update() (agent/update/): starts the
    // asynchronous update or says at once why not (the OperateResp then carries that failure). Completion is
    // reported later through operation_complete() and event().
    std::function<std::optional<cpe::usp::CommandFailure>(
        const std::string& command, const std::string& command_key, const cpe::usp::StrMap& input_args)>
        software_update;
    // Synchronous commands the daemon carries out and answers in the OperateResp itself (the certificate
    // renewal commands, provision/identity.hpp). Called with the command's supported form and the requesting
    // controller's endpoint id; nullopt = not one of its commands.
    std::function<std::optional<std::variant<cpe::usp::OutputArgs, cpe::usp::CommandFailure>>(
        const std::string& supported_path, const cpe::usp::StrMap& input_args, std::string_view from_id)>
        sync_command;
    // Adds objects the agent keeps outside the board's tree (Device.SoftwareModules.) at each overlay.
    std::function<void(tr181::Object& device)> extend_model;
};

struct BootInfo {                       // the Boot! event's arguments
    std::string cause = "LocalReboot";  // "RemoteReboot" after our own Reboot(), TR-181 Boot! Cause
    std::string command_key;
    bool firmware_updated = false;
    std::string parameter_map = "{}";  // JSON object of parameter path → value
};

// What the transport should do with one received record.
struct RecordAction {
    enum class Kind { none, reply, close_unsupported };
    Kind kind = Kind::none;
    Bytes reply;         // Kind::reply: a record to send back
    std::string reason;  // Kind::close_unsupported: why (for the close frame and the log line)
};

class UspAgent {
  public:
    UspAgent(const tr181::Schema& schema, std::string endpoint_id, std::string controller_id,
             Hooks hooks = {}, Limits limits = {});

    const std::string& endpoint_id() const { return endpoint_id_; }
    const std::string& controller_id() const { return controller_id_; }

    // A fresh model from the board: the LocalAgent state is laid over a copy, and enabled subscriptions
    // compare it with the previous one (ValueChange, ObjectCreation, ObjectDeletion → outbox).
    void update_model(const tr181::Tree& fresh);
    const tr181::Tree& model() const { return model_; }

    // A received record (from the MTP): decodes it, checks to_id/from_id, answers a Msg. Never throws.
    RecordAction handle_record(std::span<const uint8_t> record, size_t max_bytes);
    // A serialized Msg from `from_id` → the serialized response Msg, or nothing (a response, a
    // NotifyResp, Operate with send_resp=false, or a Msg that cannot be answered).
    std::optional<Bytes> handle_msg(std::span<const uint8_t> msg, std::string_view from_id);

    // Notifications. Boot! goes to every enabled Event subscription on Device.Boot! with send_resp=true and
    // stays in the outbox until the controller's NotifyResp.
    void queue_boot(const BootInfo& info);
    void periodic();       // Device.LocalAgent.Periodic! to its Event subscriptions
    void connection_up();  // everything unacknowledged is due again (a new connection)
    void resend_unacknowledged() { connection_up(); }
    // Records for the controller that are due now (each Notify once per connection until acknowledged).
    std::vector<Bytes> take_due_records();
    size_t outbox_size() const { return outbox_.size(); }
    size_t unacknowledged() const;
    uint64_t dropped_notifications() const { return dropped_; }

    // An asynchronous command finished: OperationComplete to the subscriptions that asked for it.
    // Returns how many subscriptions it went to.
    size_t operation_complete(const std::string& obj_path, const std::string& command_name,
                              const std::string& command_key,
                              std::variant<cpe::usp::OutputArgs, cpe::usp::CommandFailure> result);
    // An event (e.g. Device.LocalAgent.TransferComplete!) to its Event subscriptions; returns how many.
    size_t event(const std::string& obj_path, const std::string& event_name, cpe::usp::StrMap params);

    uint32_t periodic_interval_s() const { return state_.periodic_interval_s; }
    void set_periodic_interval_s(uint32_t s) {
        state_.periodic_interval_s = s ? s : 1;
        overlay();
    }
    size_t subscription_count() const { return state_.subs.size(); }

    // Asynchronous commands (diagnostics): Operate on a command `runner` knows starts it as a
    // Device.LocalAgent.Request.{i}. (cancelled by its Cancel()); completion goes as OperationComplete to the
    // subscriptions that refer to the command. Requests the previous run left unfinished are reported as
    // failed (7022, "interrupted by an agent restart") to the OperationComplete subscriptions that exist now
    // and, until one has received it, to each one enabled later. `runner` must outlive this agent.
    void attach_commands(CommandRunner& runner);
    // The completion of a request (called by the runner on the loop thread).
    void operation_complete(const RequestInfo& info, const Completion& result);

  private:
    struct Sub {
        bool enable = false;
        std::string id;
        std::string notif_type;
        std::string reference_list;
        bool persistent = false;
        bool notif_retry = false;
        uint32_t notif_expiration = 0;
        uint32_t time_to_live = 0;
        // compared between refreshes
        bool primed = false;
        std::map<std::string, std::string> values;  // ValueChange: path → value
        std::map<std::string, cpe::usp::StrMap>
            objects;  // ObjectCreation/Deletion: instance path → unique keys
    };
    struct State {
        std::map<uint32_t, Sub> subs;
        uint32_t next_sub = 1;
        uint32_t periodic_interval_s = 300;
    };
    struct Pending {
        std::string msg_id;
        Bytes msg;
        bool await_resp = false;
        bool sent = false;
    };
    struct ParamFailure {
        uint32_t code = 0;
        std::string message;
    };

    Bytes on_get(std::string_view id, const cpe::usp::Get& req);
    Bytes on_get_instances(std::string_view id, const cpe::usp::GetInstances& req);
    Bytes on_get_supported_dm(std::string_view id, const cpe::usp::GetSupportedDM& req);
    Bytes on_set(std::string_view id, const cpe::usp::Set& req);
    Bytes on_add(std::string_view id, const cpe::usp::Add& req, std::string_view from_id);
    Bytes on_delete(std::string_view id, const cpe::usp::Delete& req);
    std::optional<Bytes> on_operate(std::string_view id, const cpe::usp::Operate& req,
                                    std::string_view from_id);
    std::optional<Bytes> on_async_command(std::string_view id, const cpe::usp::Operate& req,
                                          const CommandSpec& spec, std::string_view from_id);
    void deliver_interrupted();

    // Validates and applies one parameter of an object of ours; nullopt on success.
    std::optional<ParamFailure> set_param(const std::string& object_path, const std::string& name,
                                          const std::string& value, std::string& stored);
    std::optional<ParamFailure> set_sub_param(uint32_t instance, Sub& sub, const std::string& name,
                                              const std::string& value, std::string& stored);
    void overlay();
    void prime(Sub& sub);
    void compare(Sub& sub);
    void snapshot(const Sub& sub, std::map<std::string, std::string>& values,
                  std::map<std::string, cpe::usp::StrMap>& objects) const;
    cpe::usp::StrMap unique_keys_of(const std::string& instance_path, const tr181::Object& obj) const;
    void notify(const Sub& sub, decltype(cpe::usp::Notify::notification) what, bool force_resp = false);
    void queue(Pending p);
    bool refers_to_event(const Sub& sub, std::string_view event_path) const;

    const tr181::Schema& schema_;
    std::string endpoint_id_;
    std::string controller_id_;
    Hooks hooks_;
    Limits limits_;
    tr181::Tree model_;
    State state_;
    std::deque<Pending> outbox_;
    uint64_t next_msg_ = 1;
    uint64_t dropped_ = 0;
    std::string msg_prefix_;
    CommandRunner* runner_ = nullptr;
    // Requests run by a hook rather than the runner (InstallDU(), DeploymentUnit.{i}.Update(), Reboot()):
    // a Device.LocalAgent.Request.{i}. row each until their OperationComplete; they cannot be canceled.
    std::map<uint32_t, RequestInfo> held_;
    uint32_t next_held_ = 1;  // instance numbers when no runner is attached
    std::string hold_request(const cpe::usp::Operate& req, std::string_view from_id);
    void release_request(const std::string& command, const std::string& command_key);
    std::vector<RequestInfo> interrupted_;  // not yet reported to any subscription
};

}  // namespace cpe::agent::usp
