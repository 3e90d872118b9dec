#include "controller/controller.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "json/json.hpp"
#include "log/log.hpp"
#include "usp/error_codes.hpp"

namespace cpe::hub::controller {

namespace {
cpe::json::Ptr str_map(const usp::StrMap& m) {
    auto obj = json::make_object();
    for (const auto& [k, v] : m) json::add_string(obj.get(), k.c_str(), v);
    return obj;
}

bool is_boot(const usp::Notify& n) {
    const auto* ev = std::get_if<usp::Notify::Event>(&n.notification);
    return ev && ev->event_name == "Boot!" && (ev->obj_path == "Device." || ev->obj_path == "Device");
}
}  // namespace

std::string notification_kind(const usp::Notify& n) {
    switch (n.notification.index()) {
        case 0:
            return "event";
        case 1:
            return "value_change";
        case 2:
            return "object_creation";
        case 3:
            return "object_deletion";
        case 4:
            return "operation_complete";
        default:
            return "on_board_request";
    }
}

std::string notification_json(const std::string& endpoint_id, int64_t time_ms, const usp::Notify& n) {
    auto o = json::make_object();
    json::add_string(o.get(), "endpoint_id", endpoint_id);
    json::add_number(o.get(), "time_ms", static_cast<double>(time_ms));
    json::add_string(o.get(), "kind", notification_kind(n));
    json::add_string(o.get(), "subscription_id", n.subscription_id);
    cJSON* obj = o.get();
    std::visit(
        [obj](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, usp::Notify::Event>) {
                json::add_string(obj, "obj_path", v.obj_path);
                json::add_string(obj, "event_name", v.event_name);
                json::add(obj, "params", str_map(v.params));
            } else if constexpr (std::is_same_v<T, usp::Notify::ValueChange>) {
                json::add_string(obj, "param_path", v.param_path);
                json::add_string(obj, "param_value", v.param_value);
            } else if constexpr (std::is_same_v<T, usp::Notify::ObjectCreation>) {
                json::add_string(obj, "obj_path", v.obj_path);
                json::add(obj, "unique_keys", str_map(v.unique_keys));
            } else if constexpr (std::is_same_v<T, usp::Notify::ObjectDeletion>) {
                json::add_string(obj, "obj_path", v.obj_path);
            } else if constexpr (std::is_same_v<T, usp::Notify::OperationComplete>) {
                json::add_string(obj, "obj_path", v.obj_path);
                json::add_string(obj, "command_name", v.command_name);
                json::add_string(obj, "command_key", v.command_key);
                if (const auto* out = std::get_if<usp::OutputArgs>(&v.operation_resp)) {
                    json::add(obj, "output_args", str_map(out->output_args));
                } else if (const auto* fail = std::get_if<usp::CommandFailure>(&v.operation_resp)) {
                    json::add_number(obj, "err_code", fail->err_code);
                    json::add_string(obj, "err_msg", fail->err_msg);
                }
            } else {
                json::add_string(obj, "oui", v.oui);
                json::add_string(obj, "product_class", v.product_class);
                json::add_string(obj, "serial_number", v.serial_number);
                json::add_string(obj, "agent_supported_protocol_versions",
                                 v.agent_supported_protocol_versions);
            }
        },
        n.notification);
    return json::print(o.get());
}

Controller::Controller(net::EventLoop& loop, ControllerOptions options, Registry& registry,
                       Transport& transport)
    : loop_(loop), options_(std::move(options)), registry_(registry), transport_(transport) {
    // msg_ids stay unique across hub restarts, so a late answer to a previous run's request is not taken
    // for one of ours.
    auto boot = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "hub-%llx-", static_cast<unsigned long long>(boot));
    id_prefix_ = prefix;
    // An endpoint admitted later (its admission check answered after the identify): what it sent meanwhile is
    // delivered; one refused then loses its connection.
    registry_.listen(life_.guard([this](const Endpoint& e, EndpointChange change) {
        if (change == EndpointChange::connected) release_held(e.record.endpoint_id);
    }));
    registry_.on_refused(life_.guard([this](const std::string& endpoint_id, const std::string& why) {
        held_.erase(endpoint_id);
        transport_.close(endpoint_id, "not admitted: " + why);
    }));
}

Controller::~Controller() {
    for (auto& [id, p] : pending_) p.timer.cancel();
}

std::string Controller::next_msg_id() {
    return id_prefix_ + std::to_string(next_id_++);
}

void Controller::fail_later(Callback done, Error error) {
    loop_.post(life_.guard(
        [done = std::move(done), error = std::move(error)]() mutable { done(std::move(error)); }));
}

void Controller::send_request(const std::string& endpoint_id, const std::string& msg_id, usp::MsgType expect,
                              usp::Bytes msg, Callback done, uint64_t timeout_ms) {
    const std::string what = "endpoint '" + endpoint_id + "' msg '" + msg_id + "'";
    if (!registry_.find(endpoint_id))
        return fail_later(std::move(done),
                          make_error(Errc::not_found, "endpoint '" + endpoint_id + "' is not known"));
    if (!transport_.is_connected(endpoint_id))
        return fail_later(std::move(done),
                          make_error(Errc::unavailable, "endpoint '" + endpoint_id + "' is offline"));
    auto& mine = by_endpoint_[endpoint_id];
    if (mine.size() >= options_.max_pending_per_endpoint)
        return fail_later(std::move(done),
                          make_error(Errc::too_large, what + ": " + std::to_string(mine.size()) +
                                                          " requests already waiting for this endpoint"));
    if (auto st = transport_.send(endpoint_id, std::move(msg)); !st) {
        if (mine.empty()) by_endpoint_.erase(endpoint_id);
        return fail_later(std::move(done), st.error().with_context(what));
    }
    const uint64_t ms = timeout_ms ? timeout_ms : options_.request_timeout_ms;
    Pending p;
    p.endpoint_id = endpoint_id;
    p.expect = expect;
    p.done = std::move(done);
    p.timer = loop_.add_timer(ms, life_.guard([this, msg_id, what, ms] {
        auto taken = take(msg_id);
        if (!taken) return;
        taken->done(make_error(Errc::timeout, what + ": no answer within " + std::to_string(ms) + " ms"));
    }));
    mine.insert(msg_id);
    pending_.emplace(msg_id, std::move(p));
}

std::optional<Controller::Pending> Controller::take(const std::string& msg_id) {
    auto it = pending_.find(msg_id);
    if (it == pending_.end()) return std::nullopt;
    Pending p = std::move(it->second);
    pending_.erase(it);
    p.timer.cancel();
    auto be = by_endpoint_.find(p.endpoint_id);
    if (be != by_endpoint_.end()) {
        be->second.erase(msg_id);
        if (be->second.empty()) by_endpoint_.erase(be);
    }
    return p;
}

void Controller::cancel(const std::string& msg_id) {
    (void)take(msg_id);
}

void Controller::on_connected(const std::string& endpoint_id, const ConnectionInfo& info) {
    const Endpoint* before = registry_.find(endpoint_id);
    const bool identified = before && !before->record.model.empty();
    identified_here_.erase(endpoint_id);
    subscribed_here_.erase(endpoint_id);
    registry_.connected(endpoint_id, info);
    // Every connection is identified again: what an earlier connection of this id reported (perhaps someone
    // else's, before the id was proven) is not what this one is.
    if (options_.identify) {
        identified_here_.insert(endpoint_id);
        identify(endpoint_id);
    }
    if (!identified) {
        if (options_.subscribe) {
            subscribed_here_.insert(endpoint_id);
            subscribe(endpoint_id);
        }
    }
    for (const auto& l : connection_listeners_) l(endpoint_id, info);
}

void Controller::record(const std::string& endpoint_id, const std::string& kind,
                        const std::map<std::string, std::string>& fields) {
    Notification n;
    n.endpoint_id = endpoint_id;
    n.time_ms = registry_.now_ms();
    n.kind = kind;
    auto o = json::make_object();
    json::add_string(o.get(), "endpoint_id", endpoint_id);
    json::add_number(o.get(), "time_ms", static_cast<double>(n.time_ms));
    json::add_string(o.get(), "kind", kind);
    for (const auto& [k, v] : fields) json::add_string(o.get(), k.c_str(), v);
    n.json = json::print(o.get());
    deliver(n);
}

void Controller::on_disconnected(const std::string& endpoint_id) {
    auto be = by_endpoint_.find(endpoint_id);
    if (be != by_endpoint_.end()) {
        std::set<std::string> ids = be->second;  // take() edits the set
        for (const auto& id : ids) {
            auto p = take(id);
            if (!p) continue;
            auto done = std::move(p->done);
            fail_later(std::move(done),
                       make_error(Errc::unavailable, "endpoint '" + endpoint_id +
                                                         "' disconnected before answering msg '" + id + "'"));
        }
    }
    identified_here_.erase(endpoint_id);
    subscribed_here_.erase(endpoint_id);
    held_.erase(endpoint_id);
    identifying_.erase(endpoint_id);
    subscribing_.erase(endpoint_id);
    registry_.disconnected(endpoint_id);
}

void Controller::reply(const std::string& endpoint_id, usp::Bytes msg) {
    if (auto st = transport_.send(endpoint_id, std::move(msg)); !st)
        LOG_LIMITED(log::Level::warn, 5, 60, "controller", "endpoint '%s': cannot answer: %s",
                    endpoint_id.c_str(), st.error().message.c_str());
}

void Controller::on_message(const std::string& endpoint_id, std::span<const uint8_t> bytes) {
    auto msg = usp::decode_msg(bytes);
    if (!msg) {
        LOG_LIMITED(log::Level::warn, 5, 60, "controller", "endpoint '%s': %s", endpoint_id.c_str(),
                    msg.error().message.c_str());
        return;
    }
    const usp::MsgType type = msg->type();
    if (msg->is_response() || msg->is_error()) return on_response(endpoint_id, std::move(msg).value());
    if (type == usp::MsgType::notify) return on_notify(endpoint_id, *msg);
    // Get, Set, Register, …: nothing an agent may ask of this controller.
    LOG_DEBUG("controller", "endpoint '%s': %s request refused", endpoint_id.c_str(),
              usp::msg_type_name(type));
    reply(endpoint_id, usp::encode_error(msg->msg_id(), usp::err::message_not_supported,
                                         std::string("the controller does not accept ") +
                                             usp::msg_type_name(type) + " messages"));
}

void Controller::on_response(const std::string& endpoint_id, usp::Msg msg) {
    const std::string msg_id(msg.msg_id());
    auto it = pending_.find(msg_id);
    if (it == pending_.end() || it->second.endpoint_id != endpoint_id) {
        LOG_DEBUG("controller", "endpoint '%s': answer to unknown or expired msg '%s'", endpoint_id.c_str(),
                  msg_id.c_str());
        return;
    }
    auto p = take(msg_id);
    const std::string what = "endpoint '" + endpoint_id + "' msg '" + msg_id + "'";
    if (msg.is_error()) {
        auto e = msg.error();
        if (!e) return p->done(e.error().with_context(what));
        std::string text =
            what + ": USP error " + std::to_string(e->err_code) + " (" + usp::err::name(e->err_code) + ")";
        if (!e->err_msg.empty()) text += ": " + e->err_msg;
        for (const auto& pe : e->param_errs)
            text += "; " + pe.param_path + ": " + std::to_string(pe.err_code) + " " + pe.err_msg;
        return p->done(make_error(Errc::io_error, text).with_usp_error(e->err_code));
    }
    if (msg.type() != p->expect)
        return p->done(make_error(Errc::parse_error, what + ": answered with " +
                                                         usp::msg_type_name(msg.type()) + ", expected " +
                                                         usp::msg_type_name(p->expect)));
    p->done(std::move(msg));
}

void Controller::on_notify(const std::string& endpoint_id, const usp::Msg& msg) {
    auto n = msg.notify();
    if (!n) {
        LOG_LIMITED(log::Level::warn, 5, 60, "controller", "endpoint '%s': %s", endpoint_id.c_str(),
                    n.error().message.c_str());
        reply(endpoint_id, usp::encode_error(msg.msg_id(), usp::err::invalid_arguments, n.error().message));
        return;
    }
    if (n->send_resp) reply(endpoint_id, usp::encode_msg(msg.msg_id(), usp::NotifyResp{n->subscription_id}));
    Notification out;
    out.endpoint_id = endpoint_id;
    out.time_ms = registry_.now_ms();
    out.kind = notification_kind(*n);
    out.json = notification_json(endpoint_id, out.time_ms, *n);
    out.notify = std::move(n).value();
    const Endpoint* from = registry_.find(endpoint_id);
    if (!from || !from->admitted) {
        // Not admitted yet (its identify is in flight): held in memory, a few, until it is; dropped if it
        // leaves or is not admitted.
        auto& held = held_[endpoint_id];
        size_t bytes = out.json.size();
        for (const auto& h : held) bytes += h.json.size();
        if (held.size() < kHeldNotifications && bytes <= kHeldBytes) held.push_back(std::move(out));
        return;
    }
    deliver(out);
    if (is_boot(out.notify)) {
        if (options_.identify && identified_here_.insert(endpoint_id).second) identify(endpoint_id);
        if (options_.subscribe && subscribed_here_.insert(endpoint_id).second) subscribe(endpoint_id);
    }
}

void Controller::deliver(const Notification& out) {
    if (auto* st = registry_.store(); st && options_.notifications_per_endpoint > 0) {
        auto saved = st->add_notification({0, out.endpoint_id, out.time_ms, out.kind, out.json},
                                          options_.notifications_per_endpoint,
                                          options_.notification_bytes_per_endpoint);
        if (!saved)
            LOG_LIMITED(log::Level::error, 5, 60, "controller", "endpoint '%s': %s", out.endpoint_id.c_str(),
                        saved.error().message.c_str());
    }
    for (const auto& l : listeners_) l(out);
}

void Controller::release_held(const std::string& endpoint_id) {
    auto it = held_.find(endpoint_id);
    if (it == held_.end()) return;
    std::vector<Notification> held = std::move(it->second);
    held_.erase(it);
    const Endpoint* e = registry_.find(endpoint_id);
    if (!e || !e->admitted) return;
    for (const auto& n : held) deliver(n);
}

void Controller::done_with(std::map<std::string, std::string>& in_flight, const std::string& endpoint_id,
                           const std::string& msg_id) {
    auto it = in_flight.find(endpoint_id);
    if (it != in_flight.end() && it->second == msg_id) in_flight.erase(it);
}

void Controller::identify(const std::string& endpoint_id) {
    // Connect and Boot! may both ask for it: one request in flight per endpoint is enough.
    if (identifying_.count(endpoint_id)) return;
    identify_with(endpoint_id, {"Device.DeviceInfo.", "Device.Ethernet.Interface.*.MACAddress"}, true);
}

void Controller::identify_with(const std::string& endpoint_id, std::vector<std::string> paths,
                               bool retry_plain) {
    usp::Get get;
    get.param_paths = std::move(paths);
    auto my_id = std::make_shared<std::string>();
    *my_id =
        request(endpoint_id, get, life_.guard([this, endpoint_id, my_id, retry_plain](Result<usp::Msg> r) {
            Controller& c = *this;
            done_with(c.identifying_, endpoint_id, *my_id);
            if (!r && retry_plain && r.error().usp_error()) {
                // An agent that refuses the whole Get (no search paths): ask for DeviceInfo alone.
                if (!c.identifying_.count(endpoint_id))
                    c.identify_with(endpoint_id, {"Device.DeviceInfo."}, false);
                return;
            }
            // An endpoint that cannot be identified is not admitted: its connection goes (it costs nothing
            // kept).
            auto drop_unadmitted = [&c, &endpoint_id](const std::string& why) {
                const Endpoint* e = c.registry_.find(endpoint_id);
                if (e && !e->admitted && !e->vetting) c.transport_.close(endpoint_id, "not admitted: " + why);
            };
            if (!r) {
                // A disconnect is not news (connections are logged by the transport); anything else is.
                if (r.error().code != Errc::unavailable)
                    LOG_LIMITED(log::Level::warn, 5, 60, "controller", "identify: %s",
                                r.error().message.c_str());
                if (r.error().code != Errc::unavailable) drop_unadmitted(errc_name(r.error().code));
                return;
            }
            auto resp = r->get_resp();
            if (!resp) {
                LOG_LIMITED(log::Level::warn, 5, 60, "controller", "identify: endpoint '%s': %s",
                            endpoint_id.c_str(), resp.error().message.c_str());
                drop_unadmitted("bad GetResp");
                return;
            }
            c.registry_.identify(endpoint_id, *resp);
            c.release_held(endpoint_id);
            drop_unadmitted(c.registry_.options().admission == Admission::identified
                                ? std::string("no serial number")
                                : std::string("no serial number, or refused by usp.admission.mode ") +
                                      admission_name(c.registry_.options().admission));
        }));
    identifying_[endpoint_id] = *my_id;
}

void Controller::subscribe(const std::string& endpoint_id) {
    if (options_.subscriptions.empty()) return;
    if (subscribing_.count(endpoint_id)) return;
    usp::Add add;
    add.allow_partial = true;
    for (const auto& s : options_.subscriptions) {
        usp::Add::CreateObject obj;
        obj.obj_path = "Device.LocalAgent.Subscription.";
        obj.param_settings = {{"Enable", "true", true},
                              {"ID", s.id, true},
                              {"NotifType", s.notif_type, true},
                              {"ReferenceList", s.reference_list, true},
                              {"Persistent", "false", false}};
        add.create_objs.push_back(std::move(obj));
    }
    std::weak_ptr<void> alive = life_.token();
    auto my_id = std::make_shared<std::string>();
    *my_id = request(endpoint_id, add, [this, alive, endpoint_id, my_id](Result<usp::Msg> r) {
        if (!alive.expired()) done_with(subscribing_, endpoint_id, *my_id);
        if (!r) {
            if (r.error().code != Errc::unavailable)
                LOG_LIMITED(log::Level::warn, 5, 60, "controller", "subscriptions: %s",
                            r.error().message.c_str());
            return;
        }
        auto resp = r->add_resp();
        if (!resp) return;
        for (const auto& res : resp->created_obj_results) {
            if (const auto* f = std::get_if<usp::OperFailure>(&res.oper_status))
                LOG_LIMITED(log::Level::info, 5, 60, "controller",
                            "endpoint '%s': subscription not created: %u %s", endpoint_id.c_str(),
                            f->err_code, f->err_msg.c_str());
        }
    });
    subscribing_[endpoint_id] = *my_id;
}

}  // namespace cpe::hub::controller
