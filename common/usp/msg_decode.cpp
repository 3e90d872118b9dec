// bytes → protobuf-c tree (owned by Msg) → values of types.hpp on request.
#include <cstdio>
#include <string>

#include "usp-msg-1-4.pb-c.h"
#include "usp/builder.hpp"
#include "usp/msg.hpp"
#include "usp/wire_check.hpp"

namespace cpe::usp {
namespace {

using detail::enum_value;
using detail::text;
using detail::texts;
using detail::to_map;

// Collects the first structural problem met while converting (a oneof left unset, a NULL element).
struct Conv {
    std::string problem;
    void missing(const std::string& where, const char* what) {
        if (problem.empty()) problem = where + ": no " + what;
    }
};

std::string at(const char* list, size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
}

// The kind the body actually is; error() for an Error body; nullopt-like `false` for an empty oneof.
bool body_kind(const Usp__Body* body, MsgType& kind, std::string& problem) {
    switch (body->msg_body_case) {
        case USP__BODY__MSG_BODY_ERROR:
            kind = MsgType::error;
            return true;
        case USP__BODY__MSG_BODY_REQUEST: {
            const Usp__Request* r = body->request;
            switch (r != nullptr ? r->req_type_case : USP__REQUEST__REQ_TYPE__NOT_SET) {
                case USP__REQUEST__REQ_TYPE_GET:
                    kind = MsgType::get;
                    return true;
                case USP__REQUEST__REQ_TYPE_GET_SUPPORTED_DM:
                    kind = MsgType::get_supported_dm;
                    return true;
                case USP__REQUEST__REQ_TYPE_GET_INSTANCES:
                    kind = MsgType::get_instances;
                    return true;
                case USP__REQUEST__REQ_TYPE_SET:
                    kind = MsgType::set;
                    return true;
                case USP__REQUEST__REQ_TYPE_ADD:
                    kind = MsgType::add;
                    return true;
                case USP__REQUEST__REQ_TYPE_DELETE:
                    kind = MsgType::delete_;
                    return true;
                case USP__REQUEST__REQ_TYPE_OPERATE:
                    kind = MsgType::operate;
                    return true;
                case USP__REQUEST__REQ_TYPE_NOTIFY:
                    kind = MsgType::notify;
                    return true;
                case USP__REQUEST__REQ_TYPE_GET_SUPPORTED_PROTOCOL:
                    kind = MsgType::get_supported_proto;
                    return true;
                case USP__REQUEST__REQ_TYPE_REGISTER:
                    kind = MsgType::register_;
                    return true;
                case USP__REQUEST__REQ_TYPE_DEREGISTER:
                    kind = MsgType::deregister;
                    return true;
                default:
                    problem = "body.request has no request type set";
                    return false;
            }
        }
        case USP__BODY__MSG_BODY_RESPONSE: {
            const Usp__Response* r = body->response;
            switch (r != nullptr ? r->resp_type_case : USP__RESPONSE__RESP_TYPE__NOT_SET) {
                case USP__RESPONSE__RESP_TYPE_GET_RESP:
                    kind = MsgType::get_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_GET_SUPPORTED_DM_RESP:
                    kind = MsgType::get_supported_dm_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_GET_INSTANCES_RESP:
                    kind = MsgType::get_instances_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_SET_RESP:
                    kind = MsgType::set_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_ADD_RESP:
                    kind = MsgType::add_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_DELETE_RESP:
                    kind = MsgType::delete_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_OPERATE_RESP:
                    kind = MsgType::operate_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_NOTIFY_RESP:
                    kind = MsgType::notify_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_GET_SUPPORTED_PROTOCOL_RESP:
                    kind = MsgType::get_supported_proto_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_REGISTER_RESP:
                    kind = MsgType::register_resp;
                    return true;
                case USP__RESPONSE__RESP_TYPE_DEREGISTER_RESP:
                    kind = MsgType::deregister_resp;
                    return true;
                default:
                    problem = "body.response has no response type set";
                    return false;
            }
        }
        default:
            problem = "body has no request, response or error";
            return false;
    }
}

std::string type_text(int value) {
    const char* name = msg_type_name(static_cast<MsgType>(value));
    if (std::string(name) != "UNKNOWN") return name;
    return "UNKNOWN(" + std::to_string(value) + ")";
}

}  // namespace

const char* msg_type_name(MsgType type) {
    switch (type) {
        case MsgType::error:
            return "ERROR";
        case MsgType::get:
            return "GET";
        case MsgType::get_resp:
            return "GET_RESP";
        case MsgType::notify:
            return "NOTIFY";
        case MsgType::set:
            return "SET";
        case MsgType::set_resp:
            return "SET_RESP";
        case MsgType::operate:
            return "OPERATE";
        case MsgType::operate_resp:
            return "OPERATE_RESP";
        case MsgType::add:
            return "ADD";
        case MsgType::add_resp:
            return "ADD_RESP";
        case MsgType::delete_:
            return "DELETE";
        case MsgType::delete_resp:
            return "DELETE_RESP";
        case MsgType::get_supported_dm:
            return "GET_SUPPORTED_DM";
        case MsgType::get_supported_dm_resp:
            return "GET_SUPPORTED_DM_RESP";
        case MsgType::get_instances:
            return "GET_INSTANCES";
        case MsgType::get_instances_resp:
            return "GET_INSTANCES_RESP";
        case MsgType::notify_resp:
            return "NOTIFY_RESP";
        case MsgType::get_supported_proto:
            return "GET_SUPPORTED_PROTO";
        case MsgType::get_supported_proto_resp:
            return "GET_SUPPORTED_PROTO_RESP";
        case MsgType::register_:
            return "REGISTER";
        case MsgType::register_resp:
            return "REGISTER_RESP";
        case MsgType::deregister:
            return "DEREGISTER";
        case MsgType::deregister_resp:
            return "DEREGISTER_RESP";
    }
    return "UNKNOWN";
}

void Msg::Deleter::operator()(Usp__Msg* msg) const {
    if (msg != nullptr) usp__msg__free_unpacked(msg, nullptr);
}

Result<Msg> decode_msg(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
    if (bytes.size() > limits.max_bytes) {
        return make_error(Errc::too_large, "USP msg: " + std::to_string(bytes.size()) +
                                               " bytes exceeds the " + std::to_string(limits.max_bytes) +
                                               "-byte limit");
    }
    Usp__Msg* raw = usp__msg__unpack(nullptr, bytes.size(), bytes.data());
    if (raw == nullptr) {
        return make_error(Errc::parse_error, "USP msg: protobuf decode failed " +
                                                 detail::describe_wire_error(&usp__msg__descriptor, bytes));
    }
    Msg msg(raw);
    if (raw->header == nullptr) return make_error(Errc::parse_error, "USP msg: no header");
    std::string who = "USP msg '" + text(raw->header->msg_id) + "'";
    if (raw->body == nullptr) return make_error(Errc::parse_error, who + ": no body");
    MsgType kind = MsgType::error;
    std::string problem;
    if (!body_kind(raw->body, kind, problem)) return make_error(Errc::parse_error, who + ": " + problem);
    if (static_cast<int>(kind) != enum_value(raw->header->msg_type)) {
        return make_error(Errc::parse_error, who + ": msg_type " +
                                                 type_text(enum_value(raw->header->msg_type)) +
                                                 " does not match the body (" + msg_type_name(kind) + ")");
    }
    return msg;
}

std::string_view Msg::msg_id() const {
    return msg_->header->msg_id != nullptr ? std::string_view(msg_->header->msg_id) : std::string_view();
}
MsgType Msg::type() const {
    return static_cast<MsgType>(enum_value(msg_->header->msg_type));
}
bool Msg::is_request() const {
    return msg_->body->msg_body_case == USP__BODY__MSG_BODY_REQUEST;
}
bool Msg::is_response() const {
    return msg_->body->msg_body_case == USP__BODY__MSG_BODY_RESPONSE;
}
bool Msg::is_error() const {
    return msg_->body->msg_body_case == USP__BODY__MSG_BODY_ERROR;
}

namespace {

Error wrong_kind(const Msg& m, MsgType wanted) {
    return make_error(Errc::invalid_argument, "USP msg '" + std::string(m.msg_id()) + "': body is " +
                                                  msg_type_name(m.type()) + ", not " + msg_type_name(wanted));
}

template <typename T>
Result<T> done(const Msg& m, const char* body, T value, const Conv& conv) {
    if (!conv.problem.empty()) {
        return make_error(Errc::parse_error,
                          "USP msg '" + std::string(m.msg_id()) + "': " + body + "." + conv.problem);
    }
    return value;
}

const Usp__Request* req(const Usp__Msg* m) {
    return m->body->request;
}
const Usp__Response* resp(const Usp__Msg* m) {
    return m->body->response;
}

template <typename C>
ParamError param_error(const C* c) {
    return ParamError{text(c->param), c->err_code, text(c->err_msg)};
}

template <typename C>
ParamSetting param_setting(const C* c) {
    return ParamSetting{text(c->param), text(c->value), c->required != 0};
}

template <typename V, typename C, typename F>
std::vector<V> list(C* const* items, size_t n, F&& convert) {
    std::vector<V> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        if (items[i] != nullptr) out.push_back(convert(items[i], i));
    }
    return out;
}

}  // namespace

Result<ErrorMsg> Msg::error() const {
    if (!is_error()) return wrong_kind(*this, MsgType::error);
    const Usp__Error* c = msg_->body->error;
    ErrorMsg v{c->err_code, text(c->err_msg), {}};
    v.param_errs =
        list<ErrorMsg::ParamErr>(c->param_errs, c->n_param_errs, [](const Usp__Error__ParamError* e, size_t) {
            return ErrorMsg::ParamErr{text(e->param_path), e->err_code, text(e->err_msg)};
        });
    return v;
}

Result<Get> Msg::get() const {
    if (type() != MsgType::get) return wrong_kind(*this, MsgType::get);
    const Usp__Get* c = req(msg_.get())->get;
    return Get{texts(c->param_paths, c->n_param_paths), c->max_depth};
}

Result<GetResp> Msg::get_resp() const {
    if (type() != MsgType::get_resp) return wrong_kind(*this, MsgType::get_resp);
    const Usp__GetResp* c = resp(msg_.get())->get_resp;
    GetResp v;
    v.req_path_results = list<GetResp::RequestedPathResult>(
        c->req_path_results, c->n_req_path_results, [](const Usp__GetResp__RequestedPathResult* r, size_t) {
            GetResp::RequestedPathResult out{text(r->requested_path), r->err_code, text(r->err_msg), {}};
            out.resolved_path_results = list<GetResp::ResolvedPathResult>(
                r->resolved_path_results, r->n_resolved_path_results,
                [](const Usp__GetResp__ResolvedPathResult* res, size_t) {
                    return GetResp::ResolvedPathResult{text(res->resolved_path),
                                                       to_map(res->result_params, res->n_result_params)};
                });
            return out;
        });
    return v;
}

Result<GetInstances> Msg::get_instances() const {
    if (type() != MsgType::get_instances) return wrong_kind(*this, MsgType::get_instances);
    const Usp__GetInstances* c = req(msg_.get())->get_instances;
    return GetInstances{texts(c->obj_paths, c->n_obj_paths), c->first_level_only != 0};
}

Result<GetInstancesResp> Msg::get_instances_resp() const {
    if (type() != MsgType::get_instances_resp) return wrong_kind(*this, MsgType::get_instances_resp);
    const Usp__GetInstancesResp* c = resp(msg_.get())->get_instances_resp;
    GetInstancesResp v;
    v.req_path_results = list<GetInstancesResp::RequestedPathResult>(
        c->req_path_results, c->n_req_path_results,
        [](const Usp__GetInstancesResp__RequestedPathResult* r, size_t) {
            GetInstancesResp::RequestedPathResult out{
                text(r->requested_path), r->err_code, text(r->err_msg), {}};
            out.curr_insts = list<GetInstancesResp::CurrInstance>(
                r->curr_insts, r->n_curr_insts, [](const Usp__GetInstancesResp__CurrInstance* ci, size_t) {
                    return GetInstancesResp::CurrInstance{text(ci->instantiated_obj_path),
                                                          to_map(ci->unique_keys, ci->n_unique_keys)};
                });
            return out;
        });
    return v;
}

Result<GetSupportedDM> Msg::get_supported_dm() const {
    if (type() != MsgType::get_supported_dm) return wrong_kind(*this, MsgType::get_supported_dm);
    const Usp__GetSupportedDM* c = req(msg_.get())->get_supported_dm;
    return GetSupportedDM{texts(c->obj_paths, c->n_obj_paths),
                          c->first_level_only != 0,
                          c->return_commands != 0,
                          c->return_events != 0,
                          c->return_params != 0,
                          c->return_unique_key_sets != 0};
}

Result<GetSupportedDMResp> Msg::get_supported_dm_resp() const {
    using R = GetSupportedDMResp;
    if (type() != MsgType::get_supported_dm_resp) return wrong_kind(*this, MsgType::get_supported_dm_resp);
    const Usp__GetSupportedDMResp* c = resp(msg_.get())->get_supported_dm_resp;
    R v;
    v.req_obj_results = list<R::RequestedObjectResult>(
        c->req_obj_results, c->n_req_obj_results,
        [](const Usp__GetSupportedDMResp__RequestedObjectResult* r, size_t) {
            R::RequestedObjectResult out{
                text(r->req_obj_path), r->err_code, text(r->err_msg), text(r->data_model_inst_uri), {}};
            out.supported_objs = list<R::SupportedObject>(
                r->supported_objs, r->n_supported_objs,
                [](const Usp__GetSupportedDMResp__SupportedObjectResult* o, size_t) {
                    R::SupportedObject so;
                    so.supported_obj_path = text(o->supported_obj_path);
                    so.access = static_cast<R::ObjAccess>(enum_value(o->access));
                    so.is_multi_instance = o->is_multi_instance != 0;
                    so.supported_commands = list<R::SupportedCommand>(
                        o->supported_commands, o->n_supported_commands,
                        [](const Usp__GetSupportedDMResp__SupportedCommandResult* cmd, size_t) {
                            return R::SupportedCommand{
                                text(cmd->command_name), texts(cmd->input_arg_names, cmd->n_input_arg_names),
                                texts(cmd->output_arg_names, cmd->n_output_arg_names),
                                static_cast<R::CmdType>(enum_value(cmd->command_type))};
                        });
                    so.supported_events = list<R::SupportedEvent>(
                        o->supported_events, o->n_supported_events,
                        [](const Usp__GetSupportedDMResp__SupportedEventResult* ev, size_t) {
                            return R::SupportedEvent{text(ev->event_name),
                                                     texts(ev->arg_names, ev->n_arg_names)};
                        });
                    so.supported_params = list<R::SupportedParam>(
                        o->supported_params, o->n_supported_params,
                        [](const Usp__GetSupportedDMResp__SupportedParamResult* p, size_t) {
                            return R::SupportedParam{
                                text(p->param_name), static_cast<R::ParamAccess>(enum_value(p->access)),
                                static_cast<R::ValueType>(enum_value(p->value_type)),
                                static_cast<R::ValueChange>(enum_value(p->value_change))};
                        });
                    so.divergent_paths = texts(o->divergent_paths, o->n_divergent_paths);
                    so.unique_key_sets = list<std::vector<std::string>>(
                        o->unique_key_sets, o->n_unique_key_sets,
                        [](const Usp__GetSupportedDMResp__SupportedUniqueKeySet* k, size_t) {
                            return texts(k->key_names, k->n_key_names);
                        });
                    return so;
                });
            return out;
        });
    return v;
}

Result<GetSupportedProtocol> Msg::get_supported_protocol() const {
    if (type() != MsgType::get_supported_proto) return wrong_kind(*this, MsgType::get_supported_proto);
    return GetSupportedProtocol{
        text(req(msg_.get())->get_supported_protocol->controller_supported_protocol_versions)};
}

Result<GetSupportedProtocolResp> Msg::get_supported_protocol_resp() const {
    if (type() != MsgType::get_supported_proto_resp)
        return wrong_kind(*this, MsgType::get_supported_proto_resp);
    return GetSupportedProtocolResp{
        text(resp(msg_.get())->get_supported_protocol_resp->agent_supported_protocol_versions)};
}

Result<Set> Msg::set() const {
    if (type() != MsgType::set) return wrong_kind(*this, MsgType::set);
    const Usp__Set* c = req(msg_.get())->set;
    Set v;
    v.allow_partial = c->allow_partial != 0;
    v.update_objs = list<Set::UpdateObject>(
        c->update_objs, c->n_update_objs, [](const Usp__Set__UpdateObject* o, size_t) {
            return Set::UpdateObject{text(o->obj_path),
                                     list<ParamSetting>(o->param_settings, o->n_param_settings,
                                                        [](const Usp__Set__UpdateParamSetting* s, size_t) {
                                                            return param_setting(s);
                                                        })};
        });
    return v;
}

Result<SetResp> Msg::set_resp() const {
    if (type() != MsgType::set_resp) return wrong_kind(*this, MsgType::set_resp);
    const Usp__SetResp* c = resp(msg_.get())->set_resp;
    auto perrs = [](Usp__SetResp__ParameterError* const* e, size_t n) {
        return list<ParamError>(
            e, n, [](const Usp__SetResp__ParameterError* pe, size_t) { return param_error(pe); });
    };
    Conv conv;
    SetResp v;
    v.updated_obj_results = list<SetResp::UpdatedObjectResult>(
        c->updated_obj_results, c->n_updated_obj_results,
        [&](const Usp__SetResp__UpdatedObjectResult* r, size_t i) {
            SetResp::UpdatedObjectResult out;
            out.requested_path = text(r->requested_path);
            const auto* st = r->oper_status;
            if (st != nullptr &&
                st->oper_status_case ==
                    USP__SET_RESP__UPDATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_SUCCESS) {
                SetResp::Success ok;
                ok.updated_inst_results = list<SetResp::UpdatedInstanceResult>(
                    st->oper_success->updated_inst_results, st->oper_success->n_updated_inst_results,
                    [&](const Usp__SetResp__UpdatedInstanceResult* u, size_t) {
                        return SetResp::UpdatedInstanceResult{text(u->affected_path),
                                                              perrs(u->param_errs, u->n_param_errs),
                                                              to_map(u->updated_params, u->n_updated_params)};
                    });
                out.oper_status = std::move(ok);
            } else if (st != nullptr &&
                       st->oper_status_case ==
                           USP__SET_RESP__UPDATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_FAILURE) {
                SetResp::Failure bad{st->oper_failure->err_code, text(st->oper_failure->err_msg), {}};
                bad.updated_inst_failures = list<SetResp::UpdatedInstanceFailure>(
                    st->oper_failure->updated_inst_failures, st->oper_failure->n_updated_inst_failures,
                    [&](const Usp__SetResp__UpdatedInstanceFailure* u, size_t) {
                        return SetResp::UpdatedInstanceFailure{text(u->affected_path),
                                                               perrs(u->param_errs, u->n_param_errs)};
                    });
                out.oper_status = std::move(bad);
            } else {
                conv.missing(at("updated_obj_results", i), "oper_status");
            }
            return out;
        });
    return done(*this, "set_resp", std::move(v), conv);
}

Result<Add> Msg::add() const {
    if (type() != MsgType::add) return wrong_kind(*this, MsgType::add);
    const Usp__Add* c = req(msg_.get())->add;
    Add v;
    v.allow_partial = c->allow_partial != 0;
    v.create_objs = list<Add::CreateObject>(
        c->create_objs, c->n_create_objs, [](const Usp__Add__CreateObject* o, size_t) {
            return Add::CreateObject{text(o->obj_path),
                                     list<ParamSetting>(o->param_settings, o->n_param_settings,
                                                        [](const Usp__Add__CreateParamSetting* s, size_t) {
                                                            return param_setting(s);
                                                        })};
        });
    return v;
}

Result<AddResp> Msg::add_resp() const {
    if (type() != MsgType::add_resp) return wrong_kind(*this, MsgType::add_resp);
    const Usp__AddResp* c = resp(msg_.get())->add_resp;
    Conv conv;
    AddResp v;
    v.created_obj_results = list<AddResp::CreatedObjectResult>(
        c->created_obj_results, c->n_created_obj_results,
        [&](const Usp__AddResp__CreatedObjectResult* r, size_t i) {
            AddResp::CreatedObjectResult out;
            out.requested_path = text(r->requested_path);
            const auto* st = r->oper_status;
            if (st != nullptr &&
                st->oper_status_case ==
                    USP__ADD_RESP__CREATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_SUCCESS) {
                const auto* s = st->oper_success;
                out.oper_status = AddResp::Success{text(s->instantiated_path),
                                                   list<ParamError>(s->param_errs, s->n_param_errs,
                                                                    [](const Usp__AddResp__ParameterError* pe,
                                                                       size_t) { return param_error(pe); }),
                                                   to_map(s->unique_keys, s->n_unique_keys)};
            } else if (st != nullptr &&
                       st->oper_status_case ==
                           USP__ADD_RESP__CREATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_FAILURE) {
                out.oper_status = OperFailure{st->oper_failure->err_code, text(st->oper_failure->err_msg)};
            } else {
                conv.missing(at("created_obj_results", i), "oper_status");
            }
            return out;
        });
    return done(*this, "add_resp", std::move(v), conv);
}

Result<Delete> Msg::delete_() const {
    if (type() != MsgType::delete_) return wrong_kind(*this, MsgType::delete_);
    const Usp__Delete* c = req(msg_.get())->delete_;
    return Delete{c->allow_partial != 0, texts(c->obj_paths, c->n_obj_paths)};
}

Result<DeleteResp> Msg::delete_resp() const {
    if (type() != MsgType::delete_resp) return wrong_kind(*this, MsgType::delete_resp);
    const Usp__DeleteResp* c = resp(msg_.get())->delete_resp;
    Conv conv;
    DeleteResp v;
    v.deleted_obj_results = list<DeleteResp::DeletedObjectResult>(
        c->deleted_obj_results, c->n_deleted_obj_results,
        [&](const Usp__DeleteResp__DeletedObjectResult* r, size_t i) {
            DeleteResp::DeletedObjectResult out;
            out.requested_path = text(r->requested_path);
            const auto* st = r->oper_status;
            if (st != nullptr &&
                st->oper_status_case ==
                    USP__DELETE_RESP__DELETED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_SUCCESS) {
                const auto* s = st->oper_success;
                out.oper_status =
                    DeleteResp::Success{texts(s->affected_paths, s->n_affected_paths),
                                        list<DeleteResp::UnaffectedPathError>(
                                            s->unaffected_path_errs, s->n_unaffected_path_errs,
                                            [](const Usp__DeleteResp__UnaffectedPathError* e, size_t) {
                                                return DeleteResp::UnaffectedPathError{
                                                    text(e->unaffected_path), e->err_code, text(e->err_msg)};
                                            })};
            } else if (
                st != nullptr &&
                st->oper_status_case ==
                    USP__DELETE_RESP__DELETED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_FAILURE) {
                out.oper_status = OperFailure{st->oper_failure->err_code, text(st->oper_failure->err_msg)};
            } else {
                conv.missing(at("deleted_obj_results", i), "oper_status");
            }
            return out;
        });
    return done(*this, "delete_resp", std::move(v), conv);
}

Result<Operate> Msg::operate() const {
    if (type() != MsgType::operate) return wrong_kind(*this, MsgType::operate);
    const Usp__Operate* c = req(msg_.get())->operate;
    return Operate{text(c->command), text(c->command_key), c->send_resp != 0,
                   to_map(c->input_args, c->n_input_args)};
}

Result<OperateResp> Msg::operate_resp() const {
    if (type() != MsgType::operate_resp) return wrong_kind(*this, MsgType::operate_resp);
    const Usp__OperateResp* c = resp(msg_.get())->operate_resp;
    Conv conv;
    OperateResp v;
    v.operation_results = list<OperateResp::OperationResult>(
        c->operation_results, c->n_operation_results,
        [&](const Usp__OperateResp__OperationResult* r, size_t i) {
            OperateResp::OperationResult out;
            out.executed_command = text(r->executed_command);
            switch (r->operation_resp_case) {
                case USP__OPERATE_RESP__OPERATION_RESULT__OPERATION_RESP_REQ_OBJ_PATH:
                    out.operation_resp = OperateResp::ReqObjPath{text(r->req_obj_path)};
                    break;
                case USP__OPERATE_RESP__OPERATION_RESULT__OPERATION_RESP_REQ_OUTPUT_ARGS:
                    out.operation_resp = OutputArgs{
                        to_map(r->req_output_args->output_args, r->req_output_args->n_output_args)};
                    break;
                case USP__OPERATE_RESP__OPERATION_RESULT__OPERATION_RESP_CMD_FAILURE:
                    out.operation_resp =
                        CommandFailure{r->cmd_failure->err_code, text(r->cmd_failure->err_msg)};
                    break;
                default:
                    conv.missing(at("operation_results", i), "operation_resp");
                    break;
            }
            return out;
        });
    return done(*this, "operate_resp", std::move(v), conv);
}

Result<Notify> Msg::notify() const {
    if (type() != MsgType::notify) return wrong_kind(*this, MsgType::notify);
    const Usp__Notify* c = req(msg_.get())->notify;
    Conv conv;
    Notify v;
    v.subscription_id = text(c->subscription_id);
    v.send_resp = c->send_resp != 0;
    switch (c->notification_case) {
        case USP__NOTIFY__NOTIFICATION_EVENT:
            v.notification = Notify::Event{text(c->event->obj_path), text(c->event->event_name),
                                           to_map(c->event->params, c->event->n_params)};
            break;
        case USP__NOTIFY__NOTIFICATION_VALUE_CHANGE:
            v.notification =
                Notify::ValueChange{text(c->value_change->param_path), text(c->value_change->param_value)};
            break;
        case USP__NOTIFY__NOTIFICATION_OBJ_CREATION:
            v.notification =
                Notify::ObjectCreation{text(c->obj_creation->obj_path),
                                       to_map(c->obj_creation->unique_keys, c->obj_creation->n_unique_keys)};
            break;
        case USP__NOTIFY__NOTIFICATION_OBJ_DELETION:
            v.notification = Notify::ObjectDeletion{text(c->obj_deletion->obj_path)};
            break;
        case USP__NOTIFY__NOTIFICATION_OPER_COMPLETE: {
            const auto* oc = c->oper_complete;
            Notify::OperationComplete out{
                text(oc->obj_path), text(oc->command_name), text(oc->command_key), {}};
            if (oc->operation_resp_case == USP__NOTIFY__OPERATION_COMPLETE__OPERATION_RESP_REQ_OUTPUT_ARGS) {
                out.operation_resp =
                    OutputArgs{to_map(oc->req_output_args->output_args, oc->req_output_args->n_output_args)};
            } else if (oc->operation_resp_case ==
                       USP__NOTIFY__OPERATION_COMPLETE__OPERATION_RESP_CMD_FAILURE) {
                out.operation_resp =
                    CommandFailure{oc->cmd_failure->err_code, text(oc->cmd_failure->err_msg)};
            } else {
                conv.missing("oper_complete", "operation_resp");
            }
            v.notification = std::move(out);
            break;
        }
        case USP__NOTIFY__NOTIFICATION_ON_BOARD_REQ:
            v.notification =
                Notify::OnBoardRequest{text(c->on_board_req->oui), text(c->on_board_req->product_class),
                                       text(c->on_board_req->serial_number),
                                       text(c->on_board_req->agent_supported_protocol_versions)};
            break;
        default:
            conv.problem = "notification: none set";
            break;
    }
    return done(*this, "notify", std::move(v), conv);
}

Result<NotifyResp> Msg::notify_resp() const {
    if (type() != MsgType::notify_resp) return wrong_kind(*this, MsgType::notify_resp);
    return NotifyResp{text(resp(msg_.get())->notify_resp->subscription_id)};
}

}  // namespace cpe::usp
