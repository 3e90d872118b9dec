// Set, Add, Delete and Operate. Only the agent's own objects are writable: Device.LocalAgent.
// PeriodicNotifInterval and Device.LocalAgent.Subscription.{i}. (created and deleted by the controller,
// TR-369 "Subscriptions"). With allow_partial=false a failure anywhere answers an Error and nothing changes.
#include <cstdlib>

#include "log/log.hpp"
#include "usp/error_codes.hpp"
#include "usp/usp_agent.hpp"

namespace cpe::agent::usp {

namespace err = cpe::usp::err;
using cpe::usp::AddResp;
using cpe::usp::DeleteResp;
using cpe::usp::ErrorMsg;
using cpe::usp::OperateResp;
using cpe::usp::ParamError;
using cpe::usp::SetResp;

namespace {

constexpr const char* kSubTable = "Device.LocalAgent.Subscription.";
constexpr const char* kSubObject = "Device.LocalAgent.Subscription.{i}.";
constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxReferenceListLength = 1024;

bool valid_notif_type(const std::string& t) {
    return t == "ValueChange" || t == "ObjectCreation" || t == "ObjectDeletion" || t == "Event" ||
           t == "OperationComplete";
}

// "Device.LocalAgent.Subscription.3." → 3 (0 when the path is not an instance of that table).
uint32_t sub_instance(const std::string& object_path) {
    const std::string table = kSubTable;
    if (!object_path.starts_with(table) || !object_path.ends_with(".")) return 0;
    const std::string num = object_path.substr(table.size(), object_path.size() - table.size() - 1);
    if (num.empty() || num.size() > 9 || num.find_first_not_of("0123456789") != std::string::npos) return 0;
    return static_cast<uint32_t>(std::strtoul(num.c_str(), nullptr, 10));
}

}  // namespace

std::optional<UspAgent::ParamFailure> UspAgent::set_sub_param(uint32_t instance, Sub& sub,
                                                              const std::string& name,
                                                              const std::string& value, std::string& stored) {
    const tr181::ParamDef* def = schema_.param(std::string(kSubObject) + name);
    if (!def) return ParamFailure{err::unsupported_parameter, "Subscription has no parameter " + name};
    if (!def->writable) return ParamFailure{err::parameter_read_only, name + " is read-only"};
    auto v = tr181::Value::parse(def->type, value);
    if (!v) return ParamFailure{err::invalid_type, v.error().message};
    bool reprime = false;
    if (name == "Enable") {
        reprime = sub.enable != v->as_bool();
        sub.enable = v->as_bool();
    } else if (name == "ID") {
        if (value.empty() || value.size() > kMaxIdLength)
            return ParamFailure{err::invalid_value,
                                "ID must be 1 to " + std::to_string(kMaxIdLength) + " characters"};
        for (const auto& [n, other] : state_.subs)
            if (n != instance && other.id == value)
                return ParamFailure{err::unique_key_conflict, "ID '" + value + "' is already used by " +
                                                                  kSubTable + std::to_string(n) + "."};
        sub.id = value;
    } else if (name == "NotifType") {
        if (!valid_notif_type(value))
            return ParamFailure{err::invalid_value,
                                "NotifType '" + value +
                                    "' is not one of ValueChange, ObjectCreation, ObjectDeletion, "
                                    "Event, OperationComplete"};
        reprime = sub.notif_type != value;
        sub.notif_type = value;
    } else if (name == "ReferenceList") {
        if (value.size() > kMaxReferenceListLength)
            return ParamFailure{err::invalid_value,
                                "ReferenceList is longer than " + std::to_string(kMaxReferenceListLength)};
        size_t count = 0, start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            std::string item = value.substr(start, comma - start);
            start = comma + 1;
            while (!item.empty() && item.front() == ' ') item.erase(item.begin());
            while (!item.empty() && item.back() == ' ') item.pop_back();
            if (item.empty()) {
                if (value.empty()) break;
                return ParamFailure{err::invalid_value, "ReferenceList has an empty entry"};
            }
            auto path = tr181::Path::parse(item);
            if (!path) return ParamFailure{err::invalid_value, "ReferenceList: " + path.error().message};
            if (Status known = schema_.check(*path); !known)
                return ParamFailure{err::invalid_value, "ReferenceList: " + known.error().message};
            if (++count > limits_.max_reference_paths)
                return ParamFailure{
                    err::invalid_value,
                    "ReferenceList has more than " + std::to_string(limits_.max_reference_paths) + " paths"};
        }
        reprime = sub.reference_list != value;
        sub.reference_list = value;
    } else if (name == "Persistent") {
        sub.persistent = v->as_bool();
    } else if (name == "NotifRetry") {
        sub.notif_retry = v->as_bool();
    } else if (name == "NotifExpiration") {
        sub.notif_expiration = static_cast<uint32_t>(v->as_uint());
    } else if (name == "TimeToLive") {
        sub.time_to_live = static_cast<uint32_t>(v->as_uint());
    } else {
        return ParamFailure{err::unsupported_parameter, "Subscription." + name + " cannot be set"};
    }
    if (reprime) sub.primed = false;
    stored = v->to_string();
    return std::nullopt;
}

std::optional<UspAgent::ParamFailure> UspAgent::set_param(const std::string& object_path,
                                                          const std::string& name, const std::string& value,
                                                          std::string& stored) {
    if (uint32_t n = sub_instance(object_path)) {
        auto it = state_.subs.find(n);
        if (it == state_.subs.end())
            return ParamFailure{err::object_does_not_exist, "object " + object_path + " does not exist"};
        return set_sub_param(n, it->second, name, value, stored);
    }
    auto parsed = tr181::Path::parse(object_path);
    const std::string form = parsed ? parsed->supported_form() : object_path;
    const tr181::ParamDef* def = schema_.param(form + name);
    if (!def)
        return ParamFailure{err::unsupported_parameter,
                            "parameter " + object_path + name + " is not supported"};
    if (!def->writable)
        return ParamFailure{err::parameter_read_only, "parameter " + object_path + name + " is read-only"};
    auto v = tr181::Value::parse(def->type, value);
    if (!v) return ParamFailure{err::invalid_type, v.error().message};
    if (form == "Device.LocalAgent." && name == "PeriodicNotifInterval") {
        if (v->as_uint() == 0)
            return ParamFailure{err::invalid_value, "PeriodicNotifInterval must be at least 1 second"};
        state_.periodic_interval_s = static_cast<uint32_t>(v->as_uint());
        stored = v->to_string();
        return std::nullopt;
    }
    return ParamFailure{err::parameter_read_only, "parameter " + object_path + name + " cannot be set"};
}

Bytes UspAgent::on_set(std::string_view id, const cpe::usp::Set& req) {
    const State before = state_;
    SetResp resp;
    ErrorMsg failure;  // used when allow_partial is false and something failed
    for (const auto& obj : req.update_objs) {
        SetResp::UpdatedObjectResult result;
        result.requested_path = obj.obj_path;
        auto fail_object = [&](uint32_t code, std::string message,
                               std::vector<SetResp::UpdatedInstanceFailure> insts = {}) {
            if (failure.err_code == 0) {
                failure.err_code = code;
                failure.err_msg = message;
            }
            for (const auto& inst : insts)
                for (const ParamError& pe : inst.param_errs)
                    failure.param_errs.push_back({inst.affected_path + pe.param, pe.err_code, pe.err_msg});
            result.oper_status = SetResp::Failure{code, std::move(message), std::move(insts)};
        };
        auto path = tr181::Path::parse(obj.obj_path);
        Status known = path ? schema_.check(*path) : Status(path.error());
        if (!path || !path->is_partial()) {
            fail_object(err::invalid_path,
                        path ? "path " + obj.obj_path + " is not an object path (it must end with '.')"
                             : path.error().message);
        } else if (!known) {
            fail_object(err::invalid_path, known.error().message);
        } else if (auto objects = model_.resolve_objects(*path); !objects) {
            fail_object(
                objects.error().code == Errc::not_found ? err::object_does_not_exist : err::invalid_path,
                objects.error().message);
        } else {
            const State object_before = state_;  // a failed object changes nothing
            SetResp::Success ok;
            std::vector<SetResp::UpdatedInstanceFailure> failed;
            std::string first_error;
            uint32_t first_code = 0;
            for (const tr181::InstanceEntry& target : *objects) {
                SetResp::UpdatedInstanceResult inst{target.path, {}, {}};
                bool required_failed = false;
                for (const auto& ps : obj.param_settings) {
                    std::string stored;
                    if (auto f = set_param(target.path, ps.param, ps.value, stored)) {
                        inst.param_errs.push_back({ps.param, f->code, f->message});
                        if (ps.required) required_failed = true;
                        if (first_code == 0) {
                            first_code = f->code;
                            first_error = f->message;
                        }
                    } else {
                        inst.updated_params[ps.param] = stored;
                    }
                }
                if (required_failed)
                    failed.push_back({target.path, inst.param_errs});
                else
                    ok.updated_inst_results.push_back(std::move(inst));
            }
            if (!failed.empty()) {
                state_ = object_before;
                fail_object(first_code ? first_code : err::required_parameter_failed,
                            "a required parameter could not be set: " + first_error, std::move(failed));
            } else {
                result.oper_status = std::move(ok);
            }
        }
        resp.updated_obj_results.push_back(std::move(result));
    }
    if (failure.err_code != 0 && !req.allow_partial) {
        state_ = before;
        overlay();
        return cpe::usp::encode_msg(id, failure);
    }
    if (state_.periodic_interval_s != before.periodic_interval_s && hooks_.periodic_interval_changed)
        hooks_.periodic_interval_changed(state_.periodic_interval_s);
    for (auto& [n, sub] : state_.subs)
        if (sub.enable && !sub.primed) prime(sub);
    deliver_interrupted();
    overlay();
    return cpe::usp::encode_msg(id, resp);
}

Bytes UspAgent::on_add(std::string_view id, const cpe::usp::Add& req, std::string_view from_id) {
    (void)from_id;
    const State before = state_;
    AddResp resp;
    ErrorMsg failure;
    for (const auto& obj : req.create_objs) {
        AddResp::CreatedObjectResult result;
        result.requested_path = obj.obj_path;
        auto fail = [&](uint32_t code, std::string message, std::vector<ParamError> params = {}) {
            if (failure.err_code == 0) {
                failure.err_code = code;
                failure.err_msg = message;
            }
            for (const ParamError& pe : params)
                failure.param_errs.push_back({obj.obj_path + pe.param, pe.err_code, pe.err_msg});
            result.oper_status = cpe::usp::OperFailure{code, std::move(message)};
        };
        auto path = tr181::Path::parse(obj.obj_path);
        std::string form = path ? path->supported_form() : std::string();
        const tr181::ObjectDef* table = path && path->is_partial() ? schema_.object(form + "{i}.") : nullptr;
        if (!path || !path->is_partial()) {
            fail(err::invalid_path,
                 path ? "path " + obj.obj_path + " is not an object path (it must end with '.')"
                      : path.error().message);
        } else if (!table) {
            if (schema_.object(form))
                fail(err::object_not_a_table, "object " + obj.obj_path + " is not a table");
            else
                fail(err::invalid_path,
                     "object " + obj.obj_path + " is not part of the supported data model");
        } else if (!table->writable || form != kSubTable) {
            fail(err::object_not_creatable, "instances of " + obj.obj_path + " cannot be added");
        } else if (state_.subs.size() >= limits_.max_subscriptions) {
            fail(err::resources_exceeded,
                 "at most " + std::to_string(limits_.max_subscriptions) + " subscriptions");
        } else {
            const uint32_t n = state_.next_sub;
            Sub sub;
            // TR-181: the agent picks a unique ID when the controller gives none.
            sub.id = "sub-" + std::to_string(n);
            for (const auto& [k, other] : state_.subs)
                if (other.id == sub.id) sub.id += "-" + std::to_string(k);
            AddResp::Success ok;
            ok.instantiated_path = std::string(kSubTable) + std::to_string(n) + ".";
            bool required_failed = false;
            std::string first_error;
            uint32_t first_code = 0;
            for (const auto& ps : obj.param_settings) {
                std::string stored;
                if (auto f = set_sub_param(n, sub, ps.param, ps.value, stored)) {
                    ok.param_errs.push_back({ps.param, f->code, f->message});
                    if (ps.required) required_failed = true;
                    if (first_code == 0) {
                        first_code = f->code;
                        first_error = f->message;
                    }
                }
            }
            if (required_failed) {
                fail(first_code, "a required parameter could not be set: " + first_error, ok.param_errs);
            } else {
                ok.unique_keys["ID"] = sub.id;
                state_.next_sub = n + 1;
                auto& stored = state_.subs.emplace(n, std::move(sub)).first->second;
                if (stored.enable) prime(stored);
                result.oper_status = std::move(ok);
            }
        }
        resp.created_obj_results.push_back(std::move(result));
    }
    if (failure.err_code != 0 && !req.allow_partial) {
        state_ = before;
        overlay();
        return cpe::usp::encode_msg(id, failure);
    }
    deliver_interrupted();
    overlay();
    return cpe::usp::encode_msg(id, resp);
}

Bytes UspAgent::on_delete(std::string_view id, const cpe::usp::Delete& req) {
    const State before = state_;
    DeleteResp resp;
    ErrorMsg failure;
    for (const std::string& text : req.obj_paths) {
        DeleteResp::DeletedObjectResult result;
        result.requested_path = text;
        auto fail = [&](uint32_t code, std::string message) {
            if (failure.err_code == 0) {
                failure.err_code = code;
                failure.err_msg = message;
            }
            result.oper_status = cpe::usp::OperFailure{code, std::move(message)};
        };
        auto path = tr181::Path::parse(text);
        const std::string form = path ? path->supported_form() : std::string();
        const auto& segs = path ? path->segments() : std::vector<tr181::Segment>{};
        const bool names_instances = !segs.empty() && (segs.back().kind == tr181::Segment::Kind::instance ||
                                                       segs.back().kind == tr181::Segment::Kind::wildcard);
        if (!path || !path->is_partial()) {
            fail(err::invalid_path, path ? "path " + text + " is not an object path (it must end with '.')"
                                         : path.error().message);
        } else if (Status known = schema_.check(*path); !known) {
            fail(err::invalid_path, known.error().message);
        } else if (!names_instances) {
            fail(err::object_not_deletable,
                 "path " + text + " does not name instances (add an instance number or '*')");
        } else if (form != kSubObject) {
            fail(err::object_not_deletable, "instances of " + form + " cannot be deleted");
        } else {
            DeleteResp::Success ok;
            auto objects = model_.resolve_objects(*path);
            if (objects) {  // TR-369: deleting what does not exist succeeds with no affected paths
                for (const tr181::InstanceEntry& e : *objects) {
                    if (uint32_t n = sub_instance(e.path); n && state_.subs.erase(n))
                        ok.affected_paths.push_back(e.path);
                }
            }
            result.oper_status = std::move(ok);
        }
        resp.deleted_obj_results.push_back(std::move(result));
        overlay();  // later paths of this request resolve against what is left
    }
    if (failure.err_code != 0 && !req.allow_partial) {
        state_ = before;
        overlay();
        return cpe::usp::encode_msg(id, failure);
    }
    return cpe::usp::encode_msg(id, resp);
}

std::optional<Bytes> UspAgent::on_operate(std::string_view id, const cpe::usp::Operate& req,
                                          std::string_view from_id) {
    auto path = tr181::Path::parse(req.command);
    if (!path) return cpe::usp::encode_error(id, err::invalid_path, path.error().message);
    if (!path->is_command())
        return cpe::usp::encode_error(id, err::invalid_path,
                                      "path " + req.command + " does not name a command (no '()')");
    if (Status known = schema_.check(*path); !known)
        return cpe::usp::encode_error(id, err::invalid_path, known.error().message);
    const std::string form = path->supported_form();
    if (form == "Device.LocalAgent.Request.{i}.Cancel()") {
        // Synchronous: asks the request to stop; its OperationComplete (7023 command canceled) follows.
        const std::string object = req.command.substr(0, req.command.size() - std::string("Cancel()").size());
        uint32_t n = 0;
        const std::string prefix = "Device.LocalAgent.Request.";
        if (object.starts_with(prefix) && object.size() > prefix.size() + 1)
            n = static_cast<uint32_t>(std::strtoul(object.c_str() + prefix.size(), nullptr, 10));
        if (auto held = held_.find(n); n && held != held_.end())
            return cpe::usp::encode_error(id, err::command_failure,
                                          held->second.command + " (" + object + ") cannot be canceled");
        if (!runner_ || !n || !runner_->cancel(n))
            return cpe::usp::encode_error(id, err::object_does_not_exist,
                                          "object " + object + " does not exist");
        if (!req.send_resp) return std::nullopt;
        OperateResp resp;
        resp.operation_results.push_back({req.command, cpe::usp::OutputArgs{}});
        return cpe::usp::encode_msg(id, resp);
    }
    if (runner_)
        if (const CommandSpec* spec = runner_->find(form)) return on_async_command(id, req, *spec, from_id);
    if (form == "Device.SoftwareModules.InstallDU()" ||
        form == "Device.SoftwareModules.DeploymentUnit.{i}.Update()") {
        if (!hooks_.software_update)
            return cpe::usp::encode_error(id, err::command_failure,
                                          "command " + req.command + " is not available");
        OperateResp resp;
        const std::string request = hold_request(req, from_id);
        if (auto failure = hooks_.software_update(req.command, req.command_key, req.input_args)) {
            release_request(req.command, req.command_key);
            resp.operation_results.push_back({req.command, *failure});
        } else {
            resp.operation_results.push_back({req.command, OperateResp::ReqObjPath{request}});
        }
        if (!req.send_resp) return std::nullopt;
        return cpe::usp::encode_msg(id, resp);
    }
    if (hooks_.sync_command && form != "Device.Reboot()")
        if (auto done = hooks_.sync_command(form, req.input_args, from_id)) {
            if (!req.send_resp) return std::nullopt;
            OperateResp resp;
            if (auto* ok = std::get_if<cpe::usp::OutputArgs>(&*done))
                resp.operation_results.push_back({req.command, *ok});
            else
                resp.operation_results.push_back({req.command, std::get<cpe::usp::CommandFailure>(*done)});
            return cpe::usp::encode_msg(id, resp);
        }
    if (form != "Device.Reboot()" || !hooks_.reboot)
        return cpe::usp::encode_error(id, err::command_failure,
                                      "command " + req.command + " is not available");
    if (!req.input_args.empty())
        return cpe::usp::encode_error(id, err::invalid_command_arguments,
                                      "Device.Reboot() takes no input arguments");

    // Asynchronous (TR-181 Reboot() is async): the response names the Request, completion follows as
    // OperationComplete to the subscriptions that asked for it.
    OperateResp resp;
    resp.operation_results.push_back({req.command, OperateResp::ReqObjPath{hold_request(req, from_id)}});
    std::optional<Bytes> out;
    if (req.send_resp) out = cpe::usp::encode_msg(id, resp);
    Status done = hooks_.reboot(req.command_key);
    release_request(req.command, req.command_key);
    for (const auto& [n, sub] : state_.subs) {
        if (!sub.enable || sub.notif_type != "OperationComplete" || !refers_to_event(sub, "Device.Reboot()"))
            continue;
        cpe::usp::Notify::OperationComplete oc;
        oc.obj_path = "Device.";
        oc.command_name = "Reboot()";
        oc.command_key = req.command_key;
        if (done)
            oc.operation_resp = cpe::usp::OutputArgs{};
        else
            oc.operation_resp = cpe::usp::CommandFailure{err::command_failure, done.error().message};
        notify(sub, oc);
    }
    if (!done)
        LOG_LIMITED(log::Level::warn, 3, 300, "usp", "Device.Reboot(): %s", done.error().message.c_str());
    return out;
}

std::optional<Bytes> UspAgent::on_async_command(std::string_view id, const cpe::usp::Operate& req,
                                                const CommandSpec& spec, std::string_view from_id) {
    Args args = req.input_args;
    // Interface is a reference to a Device.IP.Interface.{i}. of the model: the run gets its Linux name.
    if (auto it = args.find("Interface"); it != args.end() && !it->second.empty()) {
        std::string name;
        if (it->second.starts_with("Device.IP.Interface.") && it->second.ends_with(".")) {
            if (auto p = tr181::Path::parse(it->second + "Name"))
                if (auto e = model_.get(*p, 0); e && e->size() == 1) name = (*e)[0].value->to_string();
        }
        if (name.empty()) {
            cpe::usp::ErrorMsg e{
                err::invalid_command_arguments,
                "Interface '" + it->second + "' is not a Device.IP.Interface.{i}. of this device",
                {}};
            e.param_errs.push_back({req.command + ".Interface", err::invalid_value, e.err_msg});
            return cpe::usp::encode_msg(id, e);
        }
        it->second = name;
    }
    RequestInfo info;
    info.command = req.command;
    info.command_key = req.command_key;
    info.originator = std::string(from_id);
    auto started = runner_->start(spec, std::move(info), std::move(args));
    if (auto* refused = std::get_if<CommandRunner::Refused>(&started)) {
        LOG_LIMITED(log::Level::info, 10, 60, "usp", "%s refused: %s", req.command.c_str(),
                    refused->message.c_str());
        cpe::usp::ErrorMsg e;
        if (refused->arg) {
            // TR-369: the Error names the argument in param_errs; the message-level code is 7027.
            e.err_code = err::invalid_command_arguments;
            e.err_msg = refused->message;
            e.param_errs.push_back(
                {req.command + "." + refused->arg->arg, refused->arg->code, refused->arg->message});
        } else {
            e.err_code = refused->code;
            e.err_msg = refused->message;
        }
        return cpe::usp::encode_msg(id, e);
    }
    const RequestInfo& running = std::get<RequestInfo>(started);
    overlay();
    if (!req.send_resp) return std::nullopt;
    OperateResp resp;
    resp.operation_results.push_back(
        {req.command,
         OperateResp::ReqObjPath{"Device.LocalAgent.Request." + std::to_string(running.instance) + "."}});
    return cpe::usp::encode_msg(id, resp);
}

std::string UspAgent::hold_request(const cpe::usp::Operate& req, std::string_view from_id) {
    RequestInfo info;
    info.instance = runner_ ? runner_->allocate_instance() : next_held_++;
    info.command = req.command;
    info.command_key = req.command_key;
    info.originator = std::string(from_id);
    const uint32_t n = info.instance;
    held_.emplace(n, std::move(info));
    overlay();
    return "Device.LocalAgent.Request." + std::to_string(n) + ".";
}

void UspAgent::release_request(const std::string& command, const std::string& command_key) {
    const size_t before = held_.size();
    std::erase_if(held_, [&](const auto& e) {
        return e.second.command == command && e.second.command_key == command_key;
    });
    if (held_.size() != before) overlay();
}

void UspAgent::attach_commands(CommandRunner& runner) {
    runner_ = &runner;
    runner.on_done(
        [this](const RequestInfo& info, const Completion& result) { operation_complete(info, result); });
    interrupted_ = runner.take_interrupted();
    for (const RequestInfo& r : interrupted_)
        LOG_WARN("usp", "%s (CommandKey '%s') was interrupted by an agent restart: reported as failed",
                 r.command.c_str(), r.command_key.c_str());
    deliver_interrupted();
    overlay();
}

namespace {
// "Device.IP.Diagnostics.IPPing()" → {"Device.IP.Diagnostics.", "IPPing()"}
std::pair<std::string, std::string> split_command(const std::string& command) {
    size_t dot = command.rfind('.', command.size() - 1);
    if (dot == std::string::npos) return {"", command};
    return {command.substr(0, dot + 1), command.substr(dot + 1)};
}
}  // namespace

void UspAgent::operation_complete(const RequestInfo& info, const Completion& result) {
    auto [obj, name] = split_command(info.command);
    auto form = tr181::Path::parse(info.command);
    const std::string supported = form ? form->supported_form() : info.command;
    for (const auto& [n, sub] : state_.subs) {
        if (!sub.enable || sub.notif_type != "OperationComplete") continue;
        if (!refers_to_event(sub, info.command) && !refers_to_event(sub, supported)) continue;
        cpe::usp::Notify::OperationComplete oc;
        oc.obj_path = obj;
        oc.command_name = name;
        oc.command_key = info.command_key;
        if (auto* out = std::get_if<cpe::usp::OutputArgs>(&result))
            oc.operation_resp = *out;
        else
            oc.operation_resp = std::get<cpe::usp::CommandFailure>(result);
        notify(sub, oc);
    }
    overlay();
}

void UspAgent::deliver_interrupted() {
    for (auto it = interrupted_.begin(); it != interrupted_.end();) {
        bool delivered = false;
        for (const auto& [n, sub] : state_.subs) {
            if (!sub.enable || sub.notif_type != "OperationComplete") continue;
            if (!refers_to_event(sub, it->command)) continue;
            auto [obj, name] = split_command(it->command);
            cpe::usp::Notify::OperationComplete oc;
            oc.obj_path = obj;
            oc.command_name = name;
            oc.command_key = it->command_key;
            oc.operation_resp = cpe::usp::CommandFailure{
                err::command_failure, it->command + " was interrupted by an agent restart"};
            notify(sub, oc, true);
            delivered = true;
        }
        it = delivered ? interrupted_.erase(it) : it + 1;
    }
}

}  // namespace cpe::agent::usp
