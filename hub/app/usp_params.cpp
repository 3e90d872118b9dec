#include "app/usp_params.hpp"

#include <cmath>
#include <cstring>
#include <map>

#include "controller/controller.hpp"
#include "json/json.hpp"
#include "usp/error_codes.hpp"

namespace cpe::hub::app {

namespace {
Error bad(const std::string& what) {
    return make_error(Errc::invalid_argument, what);
}

Result<bool> flag(const net::HeaderList& query, std::string_view key, bool fallback) {
    bool out = fallback;
    for (const auto& [k, v] : query) {
        if (k != key) continue;
        if (v.empty() || v == "true" || v == "1")
            out = true;
        else if (v == "false" || v == "0")
            out = false;
        else
            return bad("query parameter '" + std::string(key) + "': '" + v.substr(0, 64) +
                       "' is not true or false");
    }
    return out;
}

Status only(const net::HeaderList& query, std::initializer_list<std::string_view> keys) {
    for (const auto& [k, v] : query) {
        bool known = false;
        for (auto key : keys) known = known || k == key;
        if (!known) {
            std::string list;
            for (auto key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
            return bad("unknown query parameter '" + k.substr(0, 64) + "' (expected " + list + ")");
        }
    }
    return {};
}

Result<std::vector<std::string>> paths(const net::HeaderList& query) {
    std::vector<std::string> out;
    for (const auto& [k, v] : query) {
        if (k != "path") continue;
        if (auto st = check_path(v, "path"); !st) return st.error();
        if (out.size() == kMaxPaths)
            return bad("too many 'path' parameters (at most " + std::to_string(kMaxPaths) + ")");
        out.push_back(v);
    }
    if (out.empty()) return bad("missing query parameter 'path' (e.g. ?path=Device.DeviceInfo.)");
    return out;
}

Result<std::string> scalar_text(const cJSON* v, const std::string& field) {
    if (cJSON_IsString(v)) return std::string(v->valuestring);
    if (cJSON_IsBool(v)) return std::string(cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!std::isfinite(d)) return bad(field + ": not a finite number");
        if (d == std::floor(d) && std::fabs(d) < 9.0e15) return std::to_string(static_cast<int64_t>(d));
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        return std::string(buf);
    }
    return bad(field + ": expected a string, number or boolean");
}

Result<json::Ptr> parse_object(std::string_view body) {
    if (body.empty()) return bad("request body: expected a JSON object, got nothing");
    auto doc = json::parse(body, "request body");
    if (!doc) return make_error(Errc::invalid_argument, doc.error().message);
    if (!cJSON_IsObject(doc->get())) return bad("request body: expected a JSON object");
    return std::move(doc).value();
}

Status known_fields(const cJSON* obj, const std::string& where, std::initializer_list<const char*> keys) {
    for (const cJSON* c = obj->child; c; c = c->next) {
        bool known = false;
        for (const char* k : keys) known = known || (c->string && std::strcmp(c->string, k) == 0);
        if (!known)
            return bad(where + (where.empty() ? "" : ".") + std::string(c->string ? c->string : "?") +
                       ": unknown field");
    }
    return {};
}

json::Ptr str_map(const usp::StrMap& m) {
    auto o = json::make_object();
    for (const auto& [k, v] : m) json::add_string(o.get(), k.c_str(), v);
    return o;
}

json::Ptr top(const std::string& endpoint_id) {
    auto o = json::make_object();
    json::add_string(o.get(), "endpoint_id", endpoint_id);
    return o;
}

void add_err(cJSON* o, uint32_t code, const std::string& msg) {
    json::add_number(o, "err_code", code);
    json::add_string(o, "err_msg", msg);
}
}  // namespace

Status check_path(std::string_view path, std::string_view field) {
    const std::string f(field);
    if (path.empty()) return bad(f + ": empty path");
    if (path.size() > kMaxPathLength)
        return bad(f + ": path longer than " + std::to_string(kMaxPathLength) + " bytes");
    if (path.substr(0, 7) != "Device.")
        return bad(f + ": '" + std::string(path.substr(0, 64)) + "' does not start with 'Device.'");
    for (size_t i = 0; i < path.size(); ++i) {
        auto c = static_cast<unsigned char>(path[i]);
        if (c < 0x20 || c == 0x7f) return bad(f + ": control character at byte " + std::to_string(i));
    }
    return {};
}

Result<usp::Get> parse_get_query(const net::HeaderList& query) {
    if (auto st = only(query, {"path", "max_depth"}); !st) return st.error();
    auto p = paths(query);
    if (!p) return p.error();
    usp::Get get;
    get.param_paths = std::move(p).value();
    for (const auto& [k, v] : query) {
        if (k != "max_depth") continue;
        if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos)
            return bad("query parameter 'max_depth': '" + v.substr(0, 32) +
                       "' is not an integer in 0..4294967295");
        unsigned long long n = std::stoull(v);
        if (n > 0xffffffffULL)
            return bad("query parameter 'max_depth': '" + v + "' is not an integer in 0..4294967295");
        get.max_depth = static_cast<uint32_t>(n);
    }
    return get;
}

Result<usp::GetInstances> parse_instances_query(const net::HeaderList& query) {
    if (auto st = only(query, {"path", "first_level_only"}); !st) return st.error();
    auto p = paths(query);
    if (!p) return p.error();
    auto first = flag(query, "first_level_only", false);
    if (!first) return first.error();
    usp::GetInstances gi;
    gi.obj_paths = std::move(p).value();
    gi.first_level_only = *first;
    return gi;
}

Result<usp::GetSupportedDM> parse_supported_query(const net::HeaderList& query) {
    if (auto st = only(query, {"path", "first_level_only", "commands", "events", "params"}); !st)
        return st.error();
    auto p = paths(query);
    if (!p) return p.error();
    usp::GetSupportedDM dm;
    dm.obj_paths = std::move(p).value();
    auto first = flag(query, "first_level_only", false);
    auto cmds = flag(query, "commands", true);
    auto events = flag(query, "events", true);
    auto params = flag(query, "params", true);
    for (auto* r : {&first, &cmds, &events, &params})
        if (!*r) return r->error();
    dm.first_level_only = *first;
    dm.return_commands = *cmds;
    dm.return_events = *events;
    dm.return_params = *params;
    dm.return_unique_key_sets = true;
    return dm;
}

Result<usp::Set> parse_set_body(std::string_view body) {
    auto doc = parse_object(body);
    if (!doc) return doc.error();
    const cJSON* root = doc->get();
    if (auto st = known_fields(root, "", {"allow_partial", "objects", "params"}); !st) return st.error();
    usp::Set set;
    if (const cJSON* ap = cJSON_GetObjectItemCaseSensitive(root, "allow_partial")) {
        if (!cJSON_IsBool(ap)) return bad("allow_partial: expected true or false");
        set.allow_partial = cJSON_IsTrue(ap);
    }
    const cJSON* objects = cJSON_GetObjectItemCaseSensitive(root, "objects");
    const cJSON* flat = cJSON_GetObjectItemCaseSensitive(root, "params");
    if (!objects && !flat) return bad("request body: needs 'objects' or 'params'");
    if (objects) {
        if (!cJSON_IsArray(objects)) return bad("objects: expected an array");
        int i = 0;
        for (const cJSON* o = objects->child; o; o = o->next, ++i) {
            const std::string f = "objects[" + std::to_string(i) + "]";
            if (!cJSON_IsObject(o)) return bad(f + ": expected an object");
            if (auto st = known_fields(o, f, {"path", "params", "required"}); !st) return st.error();
            const cJSON* path = cJSON_GetObjectItemCaseSensitive(o, "path");
            if (!cJSON_IsString(path)) return bad(f + ".path: expected a string");
            if (auto st = check_path(path->valuestring, f + ".path"); !st) return st.error();
            bool required = false;
            if (const cJSON* rq = cJSON_GetObjectItemCaseSensitive(o, "required")) {
                if (!cJSON_IsBool(rq)) return bad(f + ".required: expected true or false");
                required = cJSON_IsTrue(rq);
            }
            const cJSON* params = cJSON_GetObjectItemCaseSensitive(o, "params");
            if (!cJSON_IsObject(params) || !params->child)
                return bad(f + ".params: expected a non-empty object");
            usp::Set::UpdateObject uo;
            uo.obj_path = path->valuestring;
            for (const cJSON* p = params->child; p; p = p->next) {
                auto text = scalar_text(p, f + ".params." + p->string);
                if (!text) return text.error();
                uo.param_settings.push_back({p->string, *text, required});
            }
            set.update_objs.push_back(std::move(uo));
            if (set.update_objs.size() > kMaxPaths)
                return bad("objects: more than " + std::to_string(kMaxPaths));
        }
    }
    if (flat) {
        if (!cJSON_IsObject(flat) || !flat->child) return bad("params: expected a non-empty object");
        std::map<std::string, std::vector<usp::ParamSetting>> grouped;
        for (const cJSON* p = flat->child; p; p = p->next) {
            const std::string name = p->string;
            const std::string f = "params." + name.substr(0, 128);
            if (auto st = check_path(name, f); !st) return st.error();
            auto dot = name.rfind('.');
            if (dot == std::string::npos || dot + 1 == name.size())
                return bad(f + ": expected a parameter path (Device.Object.Param)");
            auto text = scalar_text(p, f);
            if (!text) return text.error();
            grouped[name.substr(0, dot + 1)].push_back({name.substr(dot + 1), *text, false});
        }
        for (auto& [obj, settings] : grouped) set.update_objs.push_back({obj, std::move(settings)});
        if (set.update_objs.size() > kMaxPaths)
            return bad("params: more than " + std::to_string(kMaxPaths) + " objects");
    }
    if (set.update_objs.empty()) return bad("objects: empty");
    return set;
}

Result<usp::Operate> parse_operate_body(std::string_view body) {
    auto doc = parse_object(body);
    if (!doc) return doc.error();
    const cJSON* root = doc->get();
    if (auto st = known_fields(root, "", {"command", "args", "command_key"}); !st) return st.error();
    const cJSON* cmd = cJSON_GetObjectItemCaseSensitive(root, "command");
    if (!cJSON_IsString(cmd)) return bad("command: expected a string such as \"Device.Reboot()\"");
    std::string command = cmd->valuestring;
    if (auto st = check_path(command, "command"); !st) return st.error();
    if (command.size() < 3 || command.substr(command.size() - 2) != "()")
        return bad("command: '" + command.substr(0, 128) + "' does not end with '()'");
    usp::Operate op;
    op.command = command;
    op.send_resp = true;
    if (const cJSON* key = cJSON_GetObjectItemCaseSensitive(root, "command_key")) {
        if (!cJSON_IsString(key)) return bad("command_key: expected a string");
        op.command_key = key->valuestring;
    }
    if (const cJSON* args = cJSON_GetObjectItemCaseSensitive(root, "args")) {
        if (!cJSON_IsObject(args)) return bad("args: expected an object");
        for (const cJSON* a = args->child; a; a = a->next) {
            auto text = scalar_text(a, std::string("args.") + a->string);
            if (!text) return text.error();
            op.input_args[a->string] = *text;
        }
    }
    return op;
}

std::string get_resp_json(const std::string& endpoint_id, const usp::GetResp& resp) {
    auto o = top(endpoint_id);
    auto results = json::make_array();
    for (const auto& r : resp.req_path_results) {
        auto item = json::make_object();
        json::add_string(item.get(), "requested_path", r.requested_path);
        add_err(item.get(), r.err_code, r.err_msg);
        auto resolved = json::make_array();
        for (const auto& res : r.resolved_path_results) {
            auto e = json::make_object();
            json::add_string(e.get(), "path", res.resolved_path);
            json::add(e.get(), "params", str_map(res.result_params));
            json::append(resolved.get(), std::move(e));
        }
        json::add(item.get(), "resolved", std::move(resolved));
        json::append(results.get(), std::move(item));
    }
    json::add(o.get(), "results", std::move(results));
    return json::print(o.get());
}

std::string instances_resp_json(const std::string& endpoint_id, const usp::GetInstancesResp& resp) {
    auto o = top(endpoint_id);
    auto results = json::make_array();
    for (const auto& r : resp.req_path_results) {
        auto item = json::make_object();
        json::add_string(item.get(), "requested_path", r.requested_path);
        add_err(item.get(), r.err_code, r.err_msg);
        auto insts = json::make_array();
        for (const auto& c : r.curr_insts) {
            auto e = json::make_object();
            json::add_string(e.get(), "path", c.instantiated_obj_path);
            json::add(e.get(), "unique_keys", str_map(c.unique_keys));
            json::append(insts.get(), std::move(e));
        }
        json::add(item.get(), "instances", std::move(insts));
        json::append(results.get(), std::move(item));
    }
    json::add(o.get(), "results", std::move(results));
    return json::print(o.get());
}

namespace {
const char* access_name(usp::GetSupportedDMResp::ParamAccess a) {
    switch (a) {
        case usp::GetSupportedDMResp::ParamAccess::read_only:
            return "read_only";
        case usp::GetSupportedDMResp::ParamAccess::read_write:
            return "read_write";
        case usp::GetSupportedDMResp::ParamAccess::write_only:
            return "write_only";
    }
    return "unknown";
}
const char* obj_access_name(usp::GetSupportedDMResp::ObjAccess a) {
    switch (a) {
        case usp::GetSupportedDMResp::ObjAccess::read_only:
            return "read_only";
        case usp::GetSupportedDMResp::ObjAccess::add_delete:
            return "add_delete";
        case usp::GetSupportedDMResp::ObjAccess::add_only:
            return "add_only";
        case usp::GetSupportedDMResp::ObjAccess::delete_only:
            return "delete_only";
    }
    return "unknown";
}
const char* type_name(usp::GetSupportedDMResp::ValueType t) {
    using V = usp::GetSupportedDMResp::ValueType;
    switch (t) {
        case V::base_64:
            return "base64";
        case V::boolean:
            return "boolean";
        case V::date_time:
            return "dateTime";
        case V::decimal:
            return "decimal";
        case V::hex_binary:
            return "hexBinary";
        case V::int_:
            return "int";
        case V::long_:
            return "long";
        case V::string:
            return "string";
        case V::unsigned_int:
            return "unsignedInt";
        case V::unsigned_long:
            return "unsignedLong";
        case V::unknown:
            break;
    }
    return "unknown";
}
json::Ptr strings(const std::vector<std::string>& v) {
    auto a = json::make_array();
    for (const auto& s : v) json::append(a.get(), json::Ptr(cJSON_CreateString(s.c_str())));
    return a;
}
}  // namespace

std::string supported_resp_json(const std::string& endpoint_id, const usp::GetSupportedDMResp& resp) {
    auto o = top(endpoint_id);
    auto results = json::make_array();
    for (const auto& r : resp.req_obj_results) {
        auto item = json::make_object();
        json::add_string(item.get(), "requested_path", r.req_obj_path);
        add_err(item.get(), r.err_code, r.err_msg);
        json::add_string(item.get(), "data_model_inst_uri", r.data_model_inst_uri);
        auto objs = json::make_array();
        for (const auto& so : r.supported_objs) {
            auto e = json::make_object();
            json::add_string(e.get(), "path", so.supported_obj_path);
            json::add_string(e.get(), "access", obj_access_name(so.access));
            json::add_bool(e.get(), "multi_instance", so.is_multi_instance);
            auto params = json::make_array();
            for (const auto& p : so.supported_params) {
                auto pe = json::make_object();
                json::add_string(pe.get(), "name", p.param_name);
                json::add_string(pe.get(), "access", access_name(p.access));
                json::add_string(pe.get(), "type", type_name(p.value_type));
                json::append(params.get(), std::move(pe));
            }
            json::add(e.get(), "params", std::move(params));
            auto cmds = json::make_array();
            for (const auto& c : so.supported_commands) {
                auto ce = json::make_object();
                json::add_string(ce.get(), "name", c.command_name);
                json::add(ce.get(), "input_args", strings(c.input_arg_names));
                json::add(ce.get(), "output_args", strings(c.output_arg_names));
                json::add_string(ce.get(), "type",
                                 c.command_type == usp::GetSupportedDMResp::CmdType::async  ? "async"
                                 : c.command_type == usp::GetSupportedDMResp::CmdType::sync ? "sync"
                                                                                            : "unknown");
                json::append(cmds.get(), std::move(ce));
            }
            json::add(e.get(), "commands", std::move(cmds));
            auto evs = json::make_array();
            for (const auto& ev : so.supported_events) {
                auto ee = json::make_object();
                json::add_string(ee.get(), "name", ev.event_name);
                json::add(ee.get(), "args", strings(ev.arg_names));
                json::append(evs.get(), std::move(ee));
            }
            json::add(e.get(), "events", std::move(evs));
            json::append(objs.get(), std::move(e));
        }
        json::add(item.get(), "objects", std::move(objs));
        json::append(results.get(), std::move(item));
    }
    json::add(o.get(), "results", std::move(results));
    return json::print(o.get());
}

std::string set_resp_json(const std::string& endpoint_id, const usp::SetResp& resp) {
    auto o = top(endpoint_id);
    auto results = json::make_array();
    auto param_errs = [](const std::vector<usp::ParamError>& errs) {
        auto a = json::make_array();
        for (const auto& pe : errs) {
            auto e = json::make_object();
            json::add_string(e.get(), "param", pe.param);
            add_err(e.get(), pe.err_code, pe.err_msg);
            json::append(a.get(), std::move(e));
        }
        return a;
    };
    for (const auto& r : resp.updated_obj_results) {
        auto item = json::make_object();
        json::add_string(item.get(), "requested_path", r.requested_path);
        if (const auto* ok = std::get_if<usp::SetResp::Success>(&r.oper_status)) {
            json::add_bool(item.get(), "ok", true);
            auto upd = json::make_array();
            for (const auto& u : ok->updated_inst_results) {
                auto e = json::make_object();
                json::add_string(e.get(), "path", u.affected_path);
                json::add(e.get(), "params", str_map(u.updated_params));
                json::add(e.get(), "param_errs", param_errs(u.param_errs));
                json::append(upd.get(), std::move(e));
            }
            json::add(item.get(), "updated", std::move(upd));
        } else {
            const auto& f = std::get<usp::SetResp::Failure>(r.oper_status);
            json::add_bool(item.get(), "ok", false);
            add_err(item.get(), f.err_code, f.err_msg);
            auto fails = json::make_array();
            for (const auto& u : f.updated_inst_failures) {
                auto e = json::make_object();
                json::add_string(e.get(), "path", u.affected_path);
                json::add(e.get(), "param_errs", param_errs(u.param_errs));
                json::append(fails.get(), std::move(e));
            }
            json::add(item.get(), "failures", std::move(fails));
        }
        json::append(results.get(), std::move(item));
    }
    json::add(o.get(), "results", std::move(results));
    return json::print(o.get());
}

std::string operate_resp_json(const std::string& endpoint_id, const usp::OperateResp& resp) {
    auto o = top(endpoint_id);
    auto results = json::make_array();
    for (const auto& r : resp.operation_results) {
        auto item = json::make_object();
        json::add_string(item.get(), "command", r.executed_command);
        if (const auto* req = std::get_if<usp::OperateResp::ReqObjPath>(&r.operation_resp)) {
            json::add_bool(item.get(), "ok", true);
            json::add_string(item.get(), "request_path", req->path);
        } else if (const auto* out = std::get_if<usp::OutputArgs>(&r.operation_resp)) {
            json::add_bool(item.get(), "ok", true);
            json::add(item.get(), "output_args", str_map(out->output_args));
        } else {
            const auto& f = std::get<usp::CommandFailure>(r.operation_resp);
            json::add_bool(item.get(), "ok", false);
            add_err(item.get(), f.err_code, f.err_msg);
        }
        json::append(results.get(), std::move(item));
    }
    json::add(o.get(), "results", std::move(results));
    return json::print(o.get());
}

int http_status_for(const Error& error) {
    switch (error.code) {
        case Errc::not_found:
            return 404;
        case Errc::unavailable:
            return 503;
        case Errc::too_large:
            return 503;
        case Errc::timeout:
            return 504;
        case Errc::invalid_argument:
            return 400;
        default:
            return 502;
    }
}

std::string error_json(int status, const Error& error, const std::string& endpoint_id) {
    auto o = json::make_object();
    json::add_string(o.get(), "error", error.message);
    json::add_number(o.get(), "status", status);
    if (!endpoint_id.empty()) json::add_string(o.get(), "endpoint_id", endpoint_id);
    if (auto code = error.usp_error()) {
        json::add_number(o.get(), "usp_err_code", *code);
        json::add_string(o.get(), "usp_err_name", usp::err::name(*code));
    }
    return json::print(o.get());
}

}  // namespace cpe::hub::app
