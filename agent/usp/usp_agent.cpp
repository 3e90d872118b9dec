#include "usp/usp_agent.hpp"

#include <ctime>

#include "log/log.hpp"
#include "usp/error_codes.hpp"
#include "usp/record.hpp"

namespace cpe::agent::usp {

namespace err = cpe::usp::err;
using cpe::usp::MsgType;
using cpe::usp::Notify;

UspAgent::UspAgent(const tr181::Schema& schema, std::string endpoint_id, std::string controller_id,
                   Hooks hooks, Limits limits)
    : schema_(schema),
      endpoint_id_(std::move(endpoint_id)),
      controller_id_(std::move(controller_id)),
      hooks_(std::move(hooks)),
      limits_(limits) {
    // Notify msg_ids stay unique across restarts of the agent (the controller may still hold old ones).
    msg_prefix_ = "n" + std::to_string(static_cast<long long>(time(nullptr))) + "-";
    // The factory subscription for Boot! (TR-369: a controller learns of a boot through an Event
    // subscription it cannot have made before the boot).
    Sub boot;
    boot.enable = true;
    boot.id = "boot";
    boot.notif_type = "Event";
    boot.reference_list = "Device.Boot!";
    boot.notif_retry = true;
    boot.persistent = true;
    state_.subs.emplace(state_.next_sub++, std::move(boot));
    overlay();
}

// ---- model ----------------------------------------------------------------------------------

void UspAgent::overlay() {
    tr181::Object& agent = model_.root().child("LocalAgent");
    agent.set("PeriodicNotifInterval", tr181::Value::uint32(state_.periodic_interval_s));
    agent.set("SubscriptionNumberOfEntries", tr181::Value::uint32(static_cast<uint32_t>(state_.subs.size())));
    auto requests = runner_ ? runner_->requests() : std::map<uint32_t, RequestInfo>{};
    requests.insert(held_.begin(), held_.end());
    agent.set("RequestNumberOfEntries", tr181::Value::uint32(static_cast<uint32_t>(requests.size())));
    tr181::Table& req_table = agent.table("Request");
    req_table = tr181::Table{};
    for (const auto& [n, r] : requests) {
        tr181::Object& o = req_table.add(n);
        o.set("Originator", tr181::Value::string(r.originator));
        o.set("Command", tr181::Value::string(r.command));
        o.set("CommandKey", tr181::Value::string(r.command_key));
        o.set("Status", tr181::Value::string("Active"));
    }
    tr181::Table& table = agent.table("Subscription");
    table = tr181::Table{};
    for (const auto& [n, s] : state_.subs) {
        tr181::Object& o = table.add(n);
        o.set("Enable", tr181::Value::boolean(s.enable));
        o.set("ID", tr181::Value::string(s.id));
        o.set("NotifType", tr181::Value::string(s.notif_type));
        o.set("ReferenceList", tr181::Value::string(s.reference_list));
        o.set("Persistent", tr181::Value::boolean(s.persistent));
        o.set("NotifRetry", tr181::Value::boolean(s.notif_retry));
        o.set("NotifExpiration", tr181::Value::uint32(s.notif_expiration));
        o.set("TimeToLive", tr181::Value::uint32(s.time_to_live));
    }
    if (hooks_.extend_model) hooks_.extend_model(model_.root());
}

void UspAgent::update_model(const tr181::Tree& fresh) {
    model_ = fresh;
    overlay();
    for (auto& [n, sub] : state_.subs) {
        if (!sub.enable) continue;
        if (sub.primed)
            compare(sub);
        else
            prime(sub);
    }
}

// ---- records and messages -------------------------------------------------------------------

RecordAction UspAgent::handle_record(std::span<const uint8_t> bytes, size_t max_bytes) {
    RecordAction action;
    auto rec = cpe::usp::decode_record(bytes, {max_bytes});
    if (!rec) {
        action.kind = RecordAction::Kind::close_unsupported;
        action.reason = rec.error().message;
        return action;
    }
    if (rec->to_id() != endpoint_id_) {
        LOG_LIMITED(log::Level::warn, 5, 300, "usp", "dropped a record for '%.*s' from '%.*s': we are '%s'",
                    static_cast<int>(rec->to_id().size()), rec->to_id().data(),
                    static_cast<int>(rec->from_id().size()), rec->from_id().data(), endpoint_id_.c_str());
        return action;
    }
    if (!controller_id_.empty() && rec->from_id() != controller_id_) {
        LOG_LIMITED(log::Level::warn, 5, 300, "usp",
                    "dropped a record from '%.*s': only '%s' is our controller",
                    static_cast<int>(rec->from_id().size()), rec->from_id().data(), controller_id_.c_str());
        return action;
    }
    const std::string from(rec->from_id());
    switch (rec->type()) {
        case cpe::usp::RecordType::no_session_context: {
            auto payload = rec->payload();
            if (!payload) {
                action.kind = RecordAction::Kind::close_unsupported;
                action.reason = payload.error().message;
                return action;
            }
            if (auto reply = handle_msg(*payload, from)) {
                action.kind = RecordAction::Kind::reply;
                action.reply = cpe::usp::encode_no_session_record(from, endpoint_id_, *reply);
            }
            return action;
        }
        case cpe::usp::RecordType::session_context:
            action.kind = RecordAction::Kind::reply;
            action.reply = cpe::usp::encode_disconnect_record(
                from, endpoint_id_, "session context is not supported", err::session_context_not_allowed);
            return action;
        case cpe::usp::RecordType::disconnect:
            LOG_LIMITED(log::Level::info, 5, 300, "usp", "controller '%s' sent Disconnect: %.*s (%u)",
                        from.c_str(), static_cast<int>(rec->disconnect_reason().size()),
                        rec->disconnect_reason().data(), rec->disconnect_reason_code());
            return action;
        default:
            return action;  // connect records and other transports' records need no answer
    }
}

std::optional<Bytes> UspAgent::handle_msg(std::span<const uint8_t> bytes, std::string_view from_id) {
    auto msg = cpe::usp::decode_msg(bytes, {bytes.size()});
    if (!msg) {
        // Without a msg_id there is nothing to answer to.
        LOG_LIMITED(log::Level::warn, 5, 300, "usp", "undecodable Msg from '%.*s': %s",
                    static_cast<int>(from_id.size()), from_id.data(), msg.error().message.c_str());
        return std::nullopt;
    }
    const std::string id(msg->msg_id());
    auto invalid = [&](const Error& e) {
        return cpe::usp::encode_error(id, err::invalid_arguments, e.message);
    };
    auto too_many = [&](size_t n) -> std::optional<Bytes> {
        if (n <= limits_.max_request_items) return std::nullopt;
        return cpe::usp::encode_error(id, err::resources_exceeded,
                                      std::to_string(n) + " paths in one request (limit " +
                                          std::to_string(limits_.max_request_items) + ")");
    };
    switch (msg->type()) {
        case MsgType::get: {
            auto r = msg->get();
            if (!r) return invalid(r.error());
            if (auto e = too_many(r->param_paths.size())) return e;
            return on_get(id, *r);
        }
        case MsgType::get_instances: {
            auto r = msg->get_instances();
            if (!r) return invalid(r.error());
            if (auto e = too_many(r->obj_paths.size())) return e;
            return on_get_instances(id, *r);
        }
        case MsgType::get_supported_dm: {
            auto r = msg->get_supported_dm();
            if (!r) return invalid(r.error());
            if (auto e = too_many(r->obj_paths.size())) return e;
            return on_get_supported_dm(id, *r);
        }
        case MsgType::get_supported_proto: {
            auto r = msg->get_supported_protocol();
            if (!r) return invalid(r.error());
            return cpe::usp::encode_msg(id, cpe::usp::GetSupportedProtocolResp{"1.0,1.1,1.2,1.3"});
        }
        case MsgType::set: {
            auto r = msg->set();
            if (!r) return invalid(r.error());
            if (auto e = too_many(r->update_objs.size())) return e;
            return on_set(id, *r);
        }
        case MsgType::add: {
            auto r = msg->add();
            if (!r) return invalid(r.error());
            if (auto e = too_many(r->create_objs.size())) return e;
            return on_add(id, *r, from_id);
        }
        case MsgType::delete_: {
            auto r = msg->delete_();
            if (!r) return invalid(r.error());
            if (auto e = too_many(r->obj_paths.size())) return e;
            return on_delete(id, *r);
        }
        case MsgType::operate: {
            auto r = msg->operate();
            if (!r) return invalid(r.error());
            return on_operate(id, *r, from_id);
        }
        case MsgType::notify_resp: {
            for (auto it = outbox_.begin(); it != outbox_.end(); ++it) {
                if (it->msg_id == id) {
                    outbox_.erase(it);
                    break;
                }
            }
            return std::nullopt;
        }
        case MsgType::error: {
            // An Error answering one of our Notify messages: the controller will not take it, do not retry.
            auto e = msg->error();
            for (auto it = outbox_.begin(); it != outbox_.end(); ++it) {
                if (it->msg_id == id) {
                    outbox_.erase(it);
                    break;
                }
            }
            LOG_LIMITED(log::Level::warn, 5, 300, "usp", "controller '%.*s' answered '%s' with Error %u: %s",
                        static_cast<int>(from_id.size()), from_id.data(), id.c_str(), e ? e->err_code : 0,
                        e ? e->err_msg.c_str() : "");
            return std::nullopt;
        }
        default:
            if (msg->is_response()) return std::nullopt;  // we send no other requests
            return cpe::usp::encode_error(id, err::message_not_supported,
                                          std::string("message type ") +
                                              cpe::usp::msg_type_name(msg->type()) +
                                              " is not supported by this agent");
    }
}

// ---- notifications --------------------------------------------------------------------------

void UspAgent::queue(Pending p) {
    if (outbox_.size() >= limits_.max_outbox) {
        outbox_.pop_front();
        ++dropped_;
        LOG_LIMITED(log::Level::warn, 3, 300, "usp",
                    "outbox full (%zu notifications): dropped the oldest (%llu so far)", limits_.max_outbox,
                    static_cast<unsigned long long>(dropped_));
    }
    outbox_.push_back(std::move(p));
}

void UspAgent::notify(const Sub& sub, decltype(Notify::notification) what, bool force_resp) {
    Notify n;
    n.subscription_id = sub.id;
    n.send_resp = force_resp || sub.notif_retry;
    n.notification = std::move(what);
    Pending p;
    p.msg_id = msg_prefix_ + std::to_string(next_msg_++);
    p.msg = cpe::usp::encode_msg(p.msg_id, n);
    p.await_resp = n.send_resp;
    queue(std::move(p));
}

bool UspAgent::refers_to_event(const Sub& sub, std::string_view event_path) const {
    size_t start = 0;
    const std::string& list = sub.reference_list;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        std::string_view item(list.data() + start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        // The event itself, or an object path above it ("Device." covers every event).
        if (item == event_path || (!item.empty() && item.back() == '.' && event_path.starts_with(item)))
            return true;
        start = comma + 1;
    }
    return false;
}

size_t UspAgent::operation_complete(const std::string& obj_path, const std::string& command_name,
                                    const std::string& command_key,
                                    std::variant<cpe::usp::OutputArgs, cpe::usp::CommandFailure> result) {
    size_t sent = 0;
    const std::string command_path = obj_path + command_name;
    release_request(command_path, command_key);
    auto form = tr181::Path::parse(command_path);
    const std::string generic = form ? form->supported_form() : command_path;
    for (const auto& [n, sub] : state_.subs) {
        if (!sub.enable || sub.notif_type != "OperationComplete") continue;
        if (!refers_to_event(sub, command_path) && !refers_to_event(sub, generic)) continue;
        cpe::usp::Notify::OperationComplete oc;
        oc.obj_path = obj_path;
        oc.command_name = command_name;
        oc.command_key = command_key;
        if (auto* ok = std::get_if<cpe::usp::OutputArgs>(&result))
            oc.operation_resp = *ok;
        else
            oc.operation_resp = std::get<cpe::usp::CommandFailure>(result);
        notify(sub, oc, true);
        ++sent;
    }
    return sent;
}

size_t UspAgent::event(const std::string& obj_path, const std::string& event_name, cpe::usp::StrMap params) {
    size_t sent = 0;
    for (const auto& [n, sub] : state_.subs) {
        if (!sub.enable || sub.notif_type != "Event" || !refers_to_event(sub, obj_path + event_name))
            continue;
        notify(sub, cpe::usp::Notify::Event{obj_path, event_name, params}, true);
        ++sent;
    }
    return sent;
}

void UspAgent::queue_boot(const BootInfo& info) {
    for (const auto& [n, sub] : state_.subs) {
        if (!sub.enable || sub.notif_type != "Event" || !refers_to_event(sub, "Device.Boot!")) continue;
        Notify::Event ev{"Device.",
                         "Boot!",
                         {{"Cause", info.cause},
                          {"CommandKey", info.command_key},
                          {"FirmwareUpdated", info.firmware_updated ? "true" : "false"},
                          {"ParameterMap", info.parameter_map}}};
        notify(sub, ev, true);
    }
}

void UspAgent::periodic() {
    for (const auto& [n, sub] : state_.subs) {
        if (!sub.enable || sub.notif_type != "Event" || !refers_to_event(sub, "Device.LocalAgent.Periodic!"))
            continue;
        notify(sub, Notify::Event{"Device.LocalAgent.", "Periodic!", {}});
    }
}

void UspAgent::connection_up() {
    for (Pending& p : outbox_) p.sent = false;
}

size_t UspAgent::unacknowledged() const {
    size_t n = 0;
    for (const Pending& p : outbox_) n += p.await_resp ? 1 : 0;
    return n;
}

std::vector<Bytes> UspAgent::take_due_records() {
    std::vector<Bytes> out;
    for (auto it = outbox_.begin(); it != outbox_.end();) {
        if (it->sent) {
            ++it;
            continue;
        }
        out.push_back(cpe::usp::encode_no_session_record(controller_id_, endpoint_id_, it->msg));
        if (it->await_resp) {
            it->sent = true;
            ++it;
        } else {
            it = outbox_.erase(it);
        }
    }
    return out;
}

// ---- subscriptions: comparing refreshes -----------------------------------------------------

void UspAgent::snapshot(const Sub& sub, std::map<std::string, std::string>& values,
                        std::map<std::string, cpe::usp::StrMap>& objects) const {
    const bool value_change = sub.notif_type == "ValueChange";
    const bool objects_change = sub.notif_type == "ObjectCreation" || sub.notif_type == "ObjectDeletion";
    if (!value_change && !objects_change) return;
    size_t start = 0;
    const std::string& list = sub.reference_list;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        std::string item = list.substr(start, comma - start);
        start = comma + 1;
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        auto path = tr181::Path::parse(item);
        if (!path) continue;
        if (value_change) {
            auto entries = model_.get(*path, 0);
            if (!entries) continue;  // an instance that is gone has no values to compare
            for (const tr181::ParamEntry& e : *entries) {
                if (values.size() >= limits_.max_watched_per_subscription) break;
                values[e.path] = e.value->to_string();
            }
        } else if (path->is_partial()) {
            auto found = model_.instances(*path, true);
            if (!found) continue;
            for (const tr181::InstanceEntry& e : *found) {
                if (objects.size() >= limits_.max_watched_per_subscription) break;
                objects[e.path] = unique_keys_of(e.path, *e.object);
            }
        }
    }
}

void UspAgent::prime(Sub& sub) {
    sub.values.clear();
    sub.objects.clear();
    snapshot(sub, sub.values, sub.objects);
    sub.primed = true;
}

void UspAgent::compare(Sub& sub) {
    std::map<std::string, std::string> values;
    std::map<std::string, cpe::usp::StrMap> objects;
    snapshot(sub, values, objects);
    if (sub.notif_type == "ValueChange") {
        for (const auto& [path, value] : values) {
            auto old = sub.values.find(path);
            if (old != sub.values.end() && old->second != value)
                notify(sub, Notify::ValueChange{path, value});
        }
    } else if (sub.notif_type == "ObjectCreation") {
        for (const auto& [path, keys] : objects)
            if (!sub.objects.count(path)) notify(sub, Notify::ObjectCreation{path, keys});
    } else if (sub.notif_type == "ObjectDeletion") {
        for (const auto& [path, keys] : sub.objects)
            if (!objects.count(path)) notify(sub, Notify::ObjectDeletion{path});
    }
    sub.values = std::move(values);
    sub.objects = std::move(objects);
}

}  // namespace cpe::agent::usp
