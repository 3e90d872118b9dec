// Values of types.hpp → protobuf-c tree → bytes. Every node lives in the Arena of one encode call.
#include "usp-msg-1-4.pb-c.h"
#include "usp/builder.hpp"
#include "usp/msg.hpp"

namespace cpe::usp {
namespace {

using detail::Arena;

Bytes finish(Arena& a, std::string_view msg_id, MsgType type, Usp__Body* body) {
    auto* header = a.make(usp__header__init);
    header->msg_id = a.copy(msg_id);
    detail::set_enum(header->msg_type, type);
    auto* msg = a.make(usp__msg__init);
    msg->header = header;
    msg->body = body;
    return detail::pack(&msg->base);
}

Bytes request(Arena& a, std::string_view msg_id, MsgType type, Usp__Request* req) {
    auto* body = a.make(usp__body__init);
    body->msg_body_case = USP__BODY__MSG_BODY_REQUEST;
    body->request = req;
    return finish(a, msg_id, type, body);
}

Bytes response(Arena& a, std::string_view msg_id, MsgType type, Usp__Response* resp) {
    auto* body = a.make(usp__body__init);
    body->msg_body_case = USP__BODY__MSG_BODY_RESPONSE;
    body->response = resp;
    return finish(a, msg_id, type, body);
}

template <typename T>
T* param_error(Arena& a, const ParamError& e, void (*init)(T*)) {
    T* c = a.make(init);
    c->param = a.str(e.param);
    c->err_code = e.err_code;
    c->err_msg = a.str(e.err_msg);
    return c;
}

template <typename T>
T* param_setting(Arena& a, const ParamSetting& s, void (*init)(T*)) {
    T* c = a.make(init);
    c->param = a.str(s.param);
    c->value = a.str(s.value);
    c->required = s.required;
    return c;
}

}  // namespace

Bytes encode_msg(std::string_view msg_id, const ErrorMsg& v) {
    Arena a;
    auto* c = a.make(usp__error__init);
    c->err_code = v.err_code;
    c->err_msg = a.str(v.err_msg);
    c->param_errs = a.each<Usp__Error__ParamError>(v.param_errs, c->n_param_errs,
                                                   [](Arena& ar, const ErrorMsg::ParamErr& e) {
                                                       auto* pe = ar.make(usp__error__param_error__init);
                                                       pe->param_path = ar.str(e.param_path);
                                                       pe->err_code = e.err_code;
                                                       pe->err_msg = ar.str(e.err_msg);
                                                       return pe;
                                                   });
    auto* body = a.make(usp__body__init);
    body->msg_body_case = USP__BODY__MSG_BODY_ERROR;
    body->error = c;
    return finish(a, msg_id, MsgType::error, body);
}

// ---- Get ---------------------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const Get& v) {
    Arena a;
    auto* c = a.make(usp__get__init);
    c->param_paths = a.strs(v.param_paths, c->n_param_paths);
    c->max_depth = v.max_depth;
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_GET;
    req->get = c;
    return request(a, msg_id, MsgType::get, req);
}

Bytes encode_msg(std::string_view msg_id, const GetResp& v) {
    Arena a;
    auto* c = a.make(usp__get_resp__init);
    c->req_path_results = a.each<Usp__GetResp__RequestedPathResult>(
        v.req_path_results, c->n_req_path_results, [](Arena& ar, const GetResp::RequestedPathResult& r) {
            auto* rc = ar.make(usp__get_resp__requested_path_result__init);
            rc->requested_path = ar.str(r.requested_path);
            rc->err_code = r.err_code;
            rc->err_msg = ar.str(r.err_msg);
            rc->resolved_path_results = ar.each<Usp__GetResp__ResolvedPathResult>(
                r.resolved_path_results, rc->n_resolved_path_results,
                [](Arena& ar2, const GetResp::ResolvedPathResult& res) {
                    auto* sc = ar2.make(usp__get_resp__resolved_path_result__init);
                    sc->resolved_path = ar2.str(res.resolved_path);
                    sc->result_params = ar2.map(
                        res.result_params, usp__get_resp__resolved_path_result__result_params_entry__init,
                        sc->n_result_params);
                    return sc;
                });
            return rc;
        });
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_GET_RESP;
    resp->get_resp = c;
    return response(a, msg_id, MsgType::get_resp, resp);
}

// ---- GetInstances ------------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const GetInstances& v) {
    Arena a;
    auto* c = a.make(usp__get_instances__init);
    c->obj_paths = a.strs(v.obj_paths, c->n_obj_paths);
    c->first_level_only = v.first_level_only;
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_GET_INSTANCES;
    req->get_instances = c;
    return request(a, msg_id, MsgType::get_instances, req);
}

Bytes encode_msg(std::string_view msg_id, const GetInstancesResp& v) {
    Arena a;
    auto* c = a.make(usp__get_instances_resp__init);
    c->req_path_results = a.each<Usp__GetInstancesResp__RequestedPathResult>(
        v.req_path_results, c->n_req_path_results,
        [](Arena& ar, const GetInstancesResp::RequestedPathResult& r) {
            auto* rc = ar.make(usp__get_instances_resp__requested_path_result__init);
            rc->requested_path = ar.str(r.requested_path);
            rc->err_code = r.err_code;
            rc->err_msg = ar.str(r.err_msg);
            rc->curr_insts = ar.each<Usp__GetInstancesResp__CurrInstance>(
                r.curr_insts, rc->n_curr_insts, [](Arena& ar2, const GetInstancesResp::CurrInstance& ci) {
                    auto* cc = ar2.make(usp__get_instances_resp__curr_instance__init);
                    cc->instantiated_obj_path = ar2.str(ci.instantiated_obj_path);
                    cc->unique_keys = ar2.map(ci.unique_keys,
                                              usp__get_instances_resp__curr_instance__unique_keys_entry__init,
                                              cc->n_unique_keys);
                    return cc;
                });
            return rc;
        });
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_GET_INSTANCES_RESP;
    resp->get_instances_resp = c;
    return response(a, msg_id, MsgType::get_instances_resp, resp);
}

// ---- GetSupportedDM ----------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const GetSupportedDM& v) {
    Arena a;
    auto* c = a.make(usp__get_supported_dm__init);
    c->obj_paths = a.strs(v.obj_paths, c->n_obj_paths);
    c->first_level_only = v.first_level_only;
    c->return_commands = v.return_commands;
    c->return_events = v.return_events;
    c->return_params = v.return_params;
    c->return_unique_key_sets = v.return_unique_key_sets;
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_GET_SUPPORTED_DM;
    req->get_supported_dm = c;
    return request(a, msg_id, MsgType::get_supported_dm, req);
}

Bytes encode_msg(std::string_view msg_id, const GetSupportedDMResp& v) {
    using R = GetSupportedDMResp;
    Arena a;
    auto* c = a.make(usp__get_supported_dmresp__init);
    c->req_obj_results = a.each<Usp__GetSupportedDMResp__RequestedObjectResult>(
        v.req_obj_results, c->n_req_obj_results, [](Arena& ar, const R::RequestedObjectResult& r) {
            auto* rc = ar.make(usp__get_supported_dmresp__requested_object_result__init);
            rc->req_obj_path = ar.str(r.req_obj_path);
            rc->err_code = r.err_code;
            rc->err_msg = ar.str(r.err_msg);
            rc->data_model_inst_uri = ar.str(r.data_model_inst_uri);
            rc->supported_objs = ar.each<Usp__GetSupportedDMResp__SupportedObjectResult>(
                r.supported_objs, rc->n_supported_objs, [](Arena& ar2, const R::SupportedObject& o) {
                    auto* oc = ar2.make(usp__get_supported_dmresp__supported_object_result__init);
                    oc->supported_obj_path = ar2.str(o.supported_obj_path);
                    detail::set_enum(oc->access, o.access);
                    oc->is_multi_instance = o.is_multi_instance;
                    oc->supported_commands = ar2.each<Usp__GetSupportedDMResp__SupportedCommandResult>(
                        o.supported_commands, oc->n_supported_commands,
                        [](Arena& ar3, const R::SupportedCommand& cmd) {
                            auto* cc = ar3.make(usp__get_supported_dmresp__supported_command_result__init);
                            cc->command_name = ar3.str(cmd.command_name);
                            cc->input_arg_names = ar3.strs(cmd.input_arg_names, cc->n_input_arg_names);
                            cc->output_arg_names = ar3.strs(cmd.output_arg_names, cc->n_output_arg_names);
                            detail::set_enum(cc->command_type, cmd.command_type);
                            return cc;
                        });
                    oc->supported_events = ar2.each<Usp__GetSupportedDMResp__SupportedEventResult>(
                        o.supported_events, oc->n_supported_events,
                        [](Arena& ar3, const R::SupportedEvent& ev) {
                            auto* ec = ar3.make(usp__get_supported_dmresp__supported_event_result__init);
                            ec->event_name = ar3.str(ev.event_name);
                            ec->arg_names = ar3.strs(ev.arg_names, ec->n_arg_names);
                            return ec;
                        });
                    oc->supported_params = ar2.each<Usp__GetSupportedDMResp__SupportedParamResult>(
                        o.supported_params, oc->n_supported_params,
                        [](Arena& ar3, const R::SupportedParam& p) {
                            auto* pc = ar3.make(usp__get_supported_dmresp__supported_param_result__init);
                            pc->param_name = ar3.str(p.param_name);
                            detail::set_enum(pc->access, p.access);
                            detail::set_enum(pc->value_type, p.value_type);
                            detail::set_enum(pc->value_change, p.value_change);
                            return pc;
                        });
                    oc->divergent_paths = ar2.strs(o.divergent_paths, oc->n_divergent_paths);
                    oc->unique_key_sets = ar2.each<Usp__GetSupportedDMResp__SupportedUniqueKeySet>(
                        o.unique_key_sets, oc->n_unique_key_sets,
                        [](Arena& ar3, const std::vector<std::string>& keys) {
                            auto* kc = ar3.make(usp__get_supported_dmresp__supported_unique_key_set__init);
                            kc->key_names = ar3.strs(keys, kc->n_key_names);
                            return kc;
                        });
                    return oc;
                });
            return rc;
        });
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_GET_SUPPORTED_DM_RESP;
    resp->get_supported_dm_resp = c;
    return response(a, msg_id, MsgType::get_supported_dm_resp, resp);
}

// ---- GetSupportedProtocol ----------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const GetSupportedProtocol& v) {
    Arena a;
    auto* c = a.make(usp__get_supported_protocol__init);
    c->controller_supported_protocol_versions = a.str(v.controller_supported_protocol_versions);
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_GET_SUPPORTED_PROTOCOL;
    req->get_supported_protocol = c;
    return request(a, msg_id, MsgType::get_supported_proto, req);
}

Bytes encode_msg(std::string_view msg_id, const GetSupportedProtocolResp& v) {
    Arena a;
    auto* c = a.make(usp__get_supported_protocol_resp__init);
    c->agent_supported_protocol_versions = a.str(v.agent_supported_protocol_versions);
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_GET_SUPPORTED_PROTOCOL_RESP;
    resp->get_supported_protocol_resp = c;
    return response(a, msg_id, MsgType::get_supported_proto_resp, resp);
}

// ---- Set ---------------------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const Set& v) {
    Arena a;
    auto* c = a.make(usp__set__init);
    c->allow_partial = v.allow_partial;
    c->update_objs = a.each<Usp__Set__UpdateObject>(
        v.update_objs, c->n_update_objs, [](Arena& ar, const Set::UpdateObject& o) {
            auto* oc = ar.make(usp__set__update_object__init);
            oc->obj_path = ar.str(o.obj_path);
            oc->param_settings = ar.each<Usp__Set__UpdateParamSetting>(
                o.param_settings, oc->n_param_settings, [](Arena& ar2, const ParamSetting& s) {
                    return param_setting(ar2, s, usp__set__update_param_setting__init);
                });
            return oc;
        });
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_SET;
    req->set = c;
    return request(a, msg_id, MsgType::set, req);
}

Bytes encode_msg(std::string_view msg_id, const SetResp& v) {
    Arena a;
    auto* c = a.make(usp__set_resp__init);
    auto perr = [](Arena& ar, const ParamError& e) {
        return param_error(ar, e, usp__set_resp__parameter_error__init);
    };
    c->updated_obj_results = a.each<Usp__SetResp__UpdatedObjectResult>(
        v.updated_obj_results, c->n_updated_obj_results,
        [&perr](Arena& ar, const SetResp::UpdatedObjectResult& r) {
            auto* rc = ar.make(usp__set_resp__updated_object_result__init);
            rc->requested_path = ar.str(r.requested_path);
            auto* st = ar.make(usp__set_resp__updated_object_result__operation_status__init);
            if (const auto* ok = std::get_if<SetResp::Success>(&r.oper_status)) {
                auto* sc =
                    ar.make(usp__set_resp__updated_object_result__operation_status__operation_success__init);
                sc->updated_inst_results = ar.each<Usp__SetResp__UpdatedInstanceResult>(
                    ok->updated_inst_results, sc->n_updated_inst_results,
                    [&perr](Arena& ar2, const SetResp::UpdatedInstanceResult& u) {
                        auto* uc = ar2.make(usp__set_resp__updated_instance_result__init);
                        uc->affected_path = ar2.str(u.affected_path);
                        uc->param_errs =
                            ar2.each<Usp__SetResp__ParameterError>(u.param_errs, uc->n_param_errs, perr);
                        uc->updated_params =
                            ar2.map(u.updated_params,
                                    usp__set_resp__updated_instance_result__updated_params_entry__init,
                                    uc->n_updated_params);
                        return uc;
                    });
                st->oper_status_case =
                    USP__SET_RESP__UPDATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_SUCCESS;
                st->oper_success = sc;
            } else {
                const auto& bad = std::get<SetResp::Failure>(r.oper_status);
                auto* fc =
                    ar.make(usp__set_resp__updated_object_result__operation_status__operation_failure__init);
                fc->err_code = bad.err_code;
                fc->err_msg = ar.str(bad.err_msg);
                fc->updated_inst_failures = ar.each<Usp__SetResp__UpdatedInstanceFailure>(
                    bad.updated_inst_failures, fc->n_updated_inst_failures,
                    [&perr](Arena& ar2, const SetResp::UpdatedInstanceFailure& u) {
                        auto* uc = ar2.make(usp__set_resp__updated_instance_failure__init);
                        uc->affected_path = ar2.str(u.affected_path);
                        uc->param_errs =
                            ar2.each<Usp__SetResp__ParameterError>(u.param_errs, uc->n_param_errs, perr);
                        return uc;
                    });
                st->oper_status_case =
                    USP__SET_RESP__UPDATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_FAILURE;
                st->oper_failure = fc;
            }
            rc->oper_status = st;
            return rc;
        });
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_SET_RESP;
    resp->set_resp = c;
    return response(a, msg_id, MsgType::set_resp, resp);
}

// ---- Add ---------------------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const Add& v) {
    Arena a;
    auto* c = a.make(usp__add__init);
    c->allow_partial = v.allow_partial;
    c->create_objs = a.each<Usp__Add__CreateObject>(
        v.create_objs, c->n_create_objs, [](Arena& ar, const Add::CreateObject& o) {
            auto* oc = ar.make(usp__add__create_object__init);
            oc->obj_path = ar.str(o.obj_path);
            oc->param_settings = ar.each<Usp__Add__CreateParamSetting>(
                o.param_settings, oc->n_param_settings, [](Arena& ar2, const ParamSetting& s) {
                    return param_setting(ar2, s, usp__add__create_param_setting__init);
                });
            return oc;
        });
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_ADD;
    req->add = c;
    return request(a, msg_id, MsgType::add, req);
}

Bytes encode_msg(std::string_view msg_id, const AddResp& v) {
    Arena a;
    auto* c = a.make(usp__add_resp__init);
    c->created_obj_results = a.each<Usp__AddResp__CreatedObjectResult>(
        v.created_obj_results, c->n_created_obj_results,
        [](Arena& ar, const AddResp::CreatedObjectResult& r) {
            auto* rc = ar.make(usp__add_resp__created_object_result__init);
            rc->requested_path = ar.str(r.requested_path);
            auto* st = ar.make(usp__add_resp__created_object_result__operation_status__init);
            if (const auto* ok = std::get_if<AddResp::Success>(&r.oper_status)) {
                auto* sc =
                    ar.make(usp__add_resp__created_object_result__operation_status__operation_success__init);
                sc->instantiated_path = ar.str(ok->instantiated_path);
                sc->param_errs = ar.each<Usp__AddResp__ParameterError>(
                    ok->param_errs, sc->n_param_errs, [](Arena& ar2, const ParamError& e) {
                        return param_error(ar2, e, usp__add_resp__parameter_error__init);
                    });
                sc->unique_keys = ar.map(
                    ok->unique_keys,
                    usp__add_resp__created_object_result__operation_status__operation_success__unique_keys_entry__init,
                    sc->n_unique_keys);
                st->oper_status_case =
                    USP__ADD_RESP__CREATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_SUCCESS;
                st->oper_success = sc;
            } else {
                const auto& bad = std::get<OperFailure>(r.oper_status);
                auto* fc =
                    ar.make(usp__add_resp__created_object_result__operation_status__operation_failure__init);
                fc->err_code = bad.err_code;
                fc->err_msg = ar.str(bad.err_msg);
                st->oper_status_case =
                    USP__ADD_RESP__CREATED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_FAILURE;
                st->oper_failure = fc;
            }
            rc->oper_status = st;
            return rc;
        });
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_ADD_RESP;
    resp->add_resp = c;
    return response(a, msg_id, MsgType::add_resp, resp);
}

// ---- Delete ------------------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const Delete& v) {
    Arena a;
    auto* c = a.make(usp__delete__init);
    c->allow_partial = v.allow_partial;
    c->obj_paths = a.strs(v.obj_paths, c->n_obj_paths);
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_DELETE;
    req->delete_ = c;
    return request(a, msg_id, MsgType::delete_, req);
}

Bytes encode_msg(std::string_view msg_id, const DeleteResp& v) {
    Arena a;
    auto* c = a.make(usp__delete_resp__init);
    c->deleted_obj_results = a.each<Usp__DeleteResp__DeletedObjectResult>(
        v.deleted_obj_results, c->n_deleted_obj_results,
        [](Arena& ar, const DeleteResp::DeletedObjectResult& r) {
            auto* rc = ar.make(usp__delete_resp__deleted_object_result__init);
            rc->requested_path = ar.str(r.requested_path);
            auto* st = ar.make(usp__delete_resp__deleted_object_result__operation_status__init);
            if (const auto* ok = std::get_if<DeleteResp::Success>(&r.oper_status)) {
                auto* sc = ar.make(
                    usp__delete_resp__deleted_object_result__operation_status__operation_success__init);
                sc->affected_paths = ar.strs(ok->affected_paths, sc->n_affected_paths);
                sc->unaffected_path_errs = ar.each<Usp__DeleteResp__UnaffectedPathError>(
                    ok->unaffected_path_errs, sc->n_unaffected_path_errs,
                    [](Arena& ar2, const DeleteResp::UnaffectedPathError& e) {
                        auto* ec = ar2.make(usp__delete_resp__unaffected_path_error__init);
                        ec->unaffected_path = ar2.str(e.unaffected_path);
                        ec->err_code = e.err_code;
                        ec->err_msg = ar2.str(e.err_msg);
                        return ec;
                    });
                st->oper_status_case =
                    USP__DELETE_RESP__DELETED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_SUCCESS;
                st->oper_success = sc;
            } else {
                const auto& bad = std::get<OperFailure>(r.oper_status);
                auto* fc = ar.make(
                    usp__delete_resp__deleted_object_result__operation_status__operation_failure__init);
                fc->err_code = bad.err_code;
                fc->err_msg = ar.str(bad.err_msg);
                st->oper_status_case =
                    USP__DELETE_RESP__DELETED_OBJECT_RESULT__OPERATION_STATUS__OPER_STATUS_OPER_FAILURE;
                st->oper_failure = fc;
            }
            rc->oper_status = st;
            return rc;
        });
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_DELETE_RESP;
    resp->delete_resp = c;
    return response(a, msg_id, MsgType::delete_resp, resp);
}

// ---- Operate -----------------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const Operate& v) {
    Arena a;
    auto* c = a.make(usp__operate__init);
    c->command = a.str(v.command);
    c->command_key = a.str(v.command_key);
    c->send_resp = v.send_resp;
    c->input_args = a.map(v.input_args, usp__operate__input_args_entry__init, c->n_input_args);
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_OPERATE;
    req->operate = c;
    return request(a, msg_id, MsgType::operate, req);
}

Bytes encode_msg(std::string_view msg_id, const OperateResp& v) {
    Arena a;
    auto* c = a.make(usp__operate_resp__init);
    c->operation_results = a.each<Usp__OperateResp__OperationResult>(
        v.operation_results, c->n_operation_results, [](Arena& ar, const OperateResp::OperationResult& r) {
            auto* rc = ar.make(usp__operate_resp__operation_result__init);
            rc->executed_command = ar.str(r.executed_command);
            if (const auto* path = std::get_if<OperateResp::ReqObjPath>(&r.operation_resp)) {
                rc->operation_resp_case = USP__OPERATE_RESP__OPERATION_RESULT__OPERATION_RESP_REQ_OBJ_PATH;
                rc->req_obj_path = ar.str(path->path);
            } else if (const auto* out = std::get_if<OutputArgs>(&r.operation_resp)) {
                auto* oc = ar.make(usp__operate_resp__operation_result__output_args__init);
                oc->output_args =
                    ar.map(out->output_args,
                           usp__operate_resp__operation_result__output_args__output_args_entry__init,
                           oc->n_output_args);
                rc->operation_resp_case = USP__OPERATE_RESP__OPERATION_RESULT__OPERATION_RESP_REQ_OUTPUT_ARGS;
                rc->req_output_args = oc;
            } else {
                const auto& bad = std::get<CommandFailure>(r.operation_resp);
                auto* fc = ar.make(usp__operate_resp__operation_result__command_failure__init);
                fc->err_code = bad.err_code;
                fc->err_msg = ar.str(bad.err_msg);
                rc->operation_resp_case = USP__OPERATE_RESP__OPERATION_RESULT__OPERATION_RESP_CMD_FAILURE;
                rc->cmd_failure = fc;
            }
            return rc;
        });
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_OPERATE_RESP;
    resp->operate_resp = c;
    return response(a, msg_id, MsgType::operate_resp, resp);
}

// ---- Notify ------------------------------------------------------------------------------------

Bytes encode_msg(std::string_view msg_id, const Notify& v) {
    Arena a;
    auto* c = a.make(usp__notify__init);
    c->subscription_id = a.str(v.subscription_id);
    c->send_resp = v.send_resp;
    if (const auto* ev = std::get_if<Notify::Event>(&v.notification)) {
        auto* ec = a.make(usp__notify__event__init);
        ec->obj_path = a.str(ev->obj_path);
        ec->event_name = a.str(ev->event_name);
        ec->params = a.map(ev->params, usp__notify__event__params_entry__init, ec->n_params);
        c->notification_case = USP__NOTIFY__NOTIFICATION_EVENT;
        c->event = ec;
    } else if (const auto* vc = std::get_if<Notify::ValueChange>(&v.notification)) {
        auto* cc = a.make(usp__notify__value_change__init);
        cc->param_path = a.str(vc->param_path);
        cc->param_value = a.str(vc->param_value);
        c->notification_case = USP__NOTIFY__NOTIFICATION_VALUE_CHANGE;
        c->value_change = cc;
    } else if (const auto* oc = std::get_if<Notify::ObjectCreation>(&v.notification)) {
        auto* cc = a.make(usp__notify__object_creation__init);
        cc->obj_path = a.str(oc->obj_path);
        cc->unique_keys =
            a.map(oc->unique_keys, usp__notify__object_creation__unique_keys_entry__init, cc->n_unique_keys);
        c->notification_case = USP__NOTIFY__NOTIFICATION_OBJ_CREATION;
        c->obj_creation = cc;
    } else if (const auto* od = std::get_if<Notify::ObjectDeletion>(&v.notification)) {
        auto* cc = a.make(usp__notify__object_deletion__init);
        cc->obj_path = a.str(od->obj_path);
        c->notification_case = USP__NOTIFY__NOTIFICATION_OBJ_DELETION;
        c->obj_deletion = cc;
    } else if (const auto* done = std::get_if<Notify::OperationComplete>(&v.notification)) {
        auto* cc = a.make(usp__notify__operation_complete__init);
        cc->obj_path = a.str(done->obj_path);
        cc->command_name = a.str(done->command_name);
        cc->command_key = a.str(done->command_key);
        if (const auto* out = std::get_if<OutputArgs>(&done->operation_resp)) {
            auto* oa = a.make(usp__notify__operation_complete__output_args__init);
            oa->output_args =
                a.map(out->output_args, usp__notify__operation_complete__output_args__output_args_entry__init,
                      oa->n_output_args);
            cc->operation_resp_case = USP__NOTIFY__OPERATION_COMPLETE__OPERATION_RESP_REQ_OUTPUT_ARGS;
            cc->req_output_args = oa;
        } else {
            const auto& bad = std::get<CommandFailure>(done->operation_resp);
            auto* fc = a.make(usp__notify__operation_complete__command_failure__init);
            fc->err_code = bad.err_code;
            fc->err_msg = a.str(bad.err_msg);
            cc->operation_resp_case = USP__NOTIFY__OPERATION_COMPLETE__OPERATION_RESP_CMD_FAILURE;
            cc->cmd_failure = fc;
        }
        c->notification_case = USP__NOTIFY__NOTIFICATION_OPER_COMPLETE;
        c->oper_complete = cc;
    } else {
        const auto& ob = std::get<Notify::OnBoardRequest>(v.notification);
        auto* cc = a.make(usp__notify__on_board_request__init);
        cc->oui = a.str(ob.oui);
        cc->product_class = a.str(ob.product_class);
        cc->serial_number = a.str(ob.serial_number);
        cc->agent_supported_protocol_versions = a.str(ob.agent_supported_protocol_versions);
        c->notification_case = USP__NOTIFY__NOTIFICATION_ON_BOARD_REQ;
        c->on_board_req = cc;
    }
    auto* req = a.make(usp__request__init);
    req->req_type_case = USP__REQUEST__REQ_TYPE_NOTIFY;
    req->notify = c;
    return request(a, msg_id, MsgType::notify, req);
}

Bytes encode_msg(std::string_view msg_id, const NotifyResp& v) {
    Arena a;
    auto* c = a.make(usp__notify_resp__init);
    c->subscription_id = a.str(v.subscription_id);
    auto* resp = a.make(usp__response__init);
    resp->resp_type_case = USP__RESPONSE__RESP_TYPE_NOTIFY_RESP;
    resp->notify_resp = c;
    return response(a, msg_id, MsgType::notify_resp, resp);
}

}  // namespace cpe::usp
