// Get, GetInstances and GetSupportedDM: read-only answers from the model and the schema.
#include <map>

#include "usp/error_codes.hpp"
#include "usp/usp_agent.hpp"

namespace cpe::agent::usp {

namespace err = cpe::usp::err;
using cpe::usp::GetInstancesResp;
using cpe::usp::GetResp;
using cpe::usp::GetSupportedDMResp;

namespace {

// The USP error for a path the tree could not resolve: a missing object instance carries 7016 from the tree,
// anything else (a missing parameter, a parameter path naming an object, a table without an instance) is an
// invalid path.
uint32_t resolve_error_code(const Error& e) {
    return e.usp_error().value_or(err::invalid_path);
}

GetSupportedDMResp::ValueType value_type(tr181::Type t) {
    using V = GetSupportedDMResp::ValueType;
    switch (t) {
        case tr181::Type::string:
            return V::string;
        case tr181::Type::boolean:
            return V::boolean;
        case tr181::Type::int_:
            return V::int_;
        case tr181::Type::dbm1000:
            return V::int_;  // Dbm1000 is an int in TR-181
        case tr181::Type::unsigned_int:
            return V::unsigned_int;
        case tr181::Type::long_:
            return V::long_;
        case tr181::Type::unsigned_long:
            return V::unsigned_long;
        case tr181::Type::date_time:
            return V::date_time;
        case tr181::Type::base64:
            return V::base_64;
        case tr181::Type::hex_binary:
            return V::hex_binary;
    }
    return V::unknown;
}

// Number of segments in a supported-form object path ("Device.Hosts.Host.{i}." → 3: {i} does not count).
size_t depth(std::string_view path) {
    size_t n = 0;
    size_t start = 0;
    while (start < path.size()) {
        size_t dot = path.find('.', start);
        if (dot == std::string_view::npos) dot = path.size();
        if (path.substr(start, dot - start) != "{i}") ++n;
        start = dot + 1;
    }
    return n;
}

}  // namespace

Bytes UspAgent::on_get(std::string_view id, const cpe::usp::Get& req) {
    GetResp resp;
    for (const std::string& text : req.param_paths) {
        GetResp::RequestedPathResult r;
        r.requested_path = text;
        auto path = tr181::Path::parse(text);
        if (!path) {
            r.err_code = err::invalid_path;
            r.err_msg = path.error().message;
        } else if (path->is_command() || path->is_event()) {
            r.err_code = err::invalid_path;
            r.err_msg = "path " + text + " names a command or event, not a parameter or object";
        } else if (Status known = schema_.check(*path); !known) {
            r.err_code = err::invalid_path;
            r.err_msg = known.error().message;
        } else if (auto entries = model_.get(*path, req.max_depth); !entries) {
            r.err_code = resolve_error_code(entries.error());
            r.err_msg = entries.error().message;
        } else if (entries->size() > limits_.max_get_params) {
            r.err_code = err::resources_exceeded;
            r.err_msg = "path " + text + " matches " + std::to_string(entries->size()) +
                        " parameters (limit " + std::to_string(limits_.max_get_params) + "): ask for less";
        } else {
            // One resolved_path_result per object holding parameters, names relative to it.
            std::map<std::string, size_t, std::less<>> index;
            for (const tr181::ParamEntry& e : *entries) {
                const size_t dot = e.path.rfind('.');
                std::string object = e.path.substr(0, dot + 1);
                auto it = index.find(object);
                if (it == index.end()) {
                    it = index.emplace(object, r.resolved_path_results.size()).first;
                    r.resolved_path_results.push_back({object, {}});
                }
                r.resolved_path_results[it->second].result_params[e.path.substr(dot + 1)] =
                    e.value->to_string();
            }
        }
        resp.req_path_results.push_back(std::move(r));
    }
    return cpe::usp::encode_msg(id, resp);
}

cpe::usp::StrMap UspAgent::unique_keys_of(const std::string& instance_path, const tr181::Object& obj) const {
    cpe::usp::StrMap keys;
    auto parsed = tr181::Path::parse(instance_path);
    if (!parsed) return keys;
    if (const tr181::ObjectDef* def = schema_.object(parsed->supported_form())) {
        for (const std::string& k : def->unique_keys)
            if (const tr181::Value* v = obj.param(k)) keys[k] = v->to_string();
    }
    return keys;
}

Bytes UspAgent::on_get_instances(std::string_view id, const cpe::usp::GetInstances& req) {
    GetInstancesResp resp;
    for (const std::string& text : req.obj_paths) {
        GetInstancesResp::RequestedPathResult r;
        r.requested_path = text;
        auto path = tr181::Path::parse(text);
        if (!path || !path->is_partial()) {
            r.err_code = err::invalid_path;
            r.err_msg = path ? "path " + text + " is not an object path (it must end with '.')"
                             : path.error().message;
        } else if (Status known = schema_.check(*path); !known) {
            r.err_code = err::invalid_path;
            r.err_msg = known.error().message;
        } else {
            // A path ending in an instance number or '*' names instances: those come first, themselves.
            const auto& segs = path->segments();
            const bool names_instances =
                segs.size() > 1 && (segs.back().kind == tr181::Segment::Kind::instance ||
                                    segs.back().kind == tr181::Segment::Kind::wildcard);
            std::vector<tr181::InstanceEntry> found;
            Status st;
            if (names_instances) {
                auto self = model_.resolve_objects(*path);
                if (!self) {
                    st = self.error();
                } else {
                    for (const tr181::InstanceEntry& e : *self) {
                        found.push_back(e);
                        if (req.first_level_only) continue;
                        auto below = model_.instances(*tr181::Path::parse(e.path), false);
                        if (below) found.insert(found.end(), below->begin(), below->end());
                    }
                }
            } else {
                auto all = model_.instances(*path, req.first_level_only);
                if (!all)
                    st = all.error();
                else
                    found = std::move(*all);
            }
            if (!st) {
                r.err_code = resolve_error_code(st.error());
                r.err_msg = st.error().message;
            } else {
                for (const tr181::InstanceEntry& e : found)
                    r.curr_insts.push_back({e.path, unique_keys_of(e.path, *e.object)});
            }
        }
        resp.req_path_results.push_back(std::move(r));
    }
    return cpe::usp::encode_msg(id, resp);
}

Bytes UspAgent::on_get_supported_dm(std::string_view id, const cpe::usp::GetSupportedDM& req) {
    using Resp = GetSupportedDMResp;
    Resp resp;
    for (const std::string& text : req.obj_paths) {
        Resp::RequestedObjectResult r;
        r.req_obj_path = text;
        r.data_model_inst_uri = kDataModelUri;
        auto path = tr181::Path::parse(text);
        std::string form;
        if (path && path->is_partial()) {
            form = path->supported_form();
            if (!schema_.object(form) && schema_.object(form + "{i}."))
                form += "{i}.";  // "Device.Hosts.Host."
        }
        if (!path || !path->is_partial()) {
            r.err_code = err::invalid_path;
            r.err_msg = path ? "path " + text + " is not an object path (it must end with '.')"
                             : path.error().message;
            r.data_model_inst_uri.clear();
        } else if (!schema_.object(form)) {
            r.err_code = err::invalid_path;
            r.err_msg = "object " + text + " is not part of the supported data model";
            r.data_model_inst_uri.clear();
        } else {
            const size_t base_depth = depth(form);
            for (const tr181::ObjectDef& def : schema_.objects()) {
                if (!def.path.starts_with(form)) continue;
                if (req.first_level_only && depth(def.path) > base_depth + 1) continue;
                Resp::SupportedObject o;
                o.supported_obj_path = def.path;
                o.is_multi_instance = def.multi_instance;
                o.access = def.writable ? Resp::ObjAccess::add_delete : Resp::ObjAccess::read_only;
                if (req.return_params) {
                    for (const tr181::ParamDef& p : def.params)
                        o.supported_params.push_back(
                            {p.name,
                             p.writable ? Resp::ParamAccess::read_write : Resp::ParamAccess::read_only,
                             value_type(p.type), Resp::ValueChange::allowed});
                }
                if (req.return_commands) {
                    for (const tr181::CommandDef& c : def.commands)
                        o.supported_commands.push_back(
                            {c.name, c.inputs, c.outputs,
                             c.async ? Resp::CmdType::async : Resp::CmdType::sync});
                }
                if (req.return_events) {
                    for (const tr181::EventDef& e : def.events)
                        o.supported_events.push_back({e.name, e.args});
                }
                if (req.return_unique_key_sets && !def.unique_keys.empty())
                    o.unique_key_sets.push_back(def.unique_keys);
                r.supported_objs.push_back(std::move(o));
            }
        }
        resp.req_obj_results.push_back(std::move(r));
    }
    return cpe::usp::encode_msg(id, resp);
}

}  // namespace cpe::agent::usp
