#include "tr181/schema.hpp"

#include <algorithm>

namespace cpe::tr181 {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        if (comma > start) out.emplace_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

// "Device.Hosts.Host.{i}.PhysAddress" → ("Device.Hosts.Host.{i}.", "PhysAddress")
std::pair<std::string_view, std::string_view> split_last(std::string_view path) {
    std::string_view body = path;
    if (!body.empty() && body.back() == '.') body.remove_suffix(1);
    size_t dot = body.rfind('.');
    if (dot == std::string_view::npos) return {std::string_view(), body};
    return {path.substr(0, dot + 1), body.substr(dot + 1)};
}

}  // namespace

const ParamDef* ObjectDef::param(std::string_view name) const {
    for (const ParamDef& p : params)
        if (p.name == name) return &p;
    return nullptr;
}

Result<Schema> Schema::parse(std::string_view text, std::string_view what) {
    Schema schema;
    size_t line_no = 0;
    size_t pos = 0;
    ObjectDef* current = nullptr;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        auto words = split_words(line);
        if (words.empty()) continue;
        auto fail = [&](const std::string& why) {
            return make_error(Errc::parse_error,
                              std::string(what) + ":" + std::to_string(line_no) + ": " + why);
        };
        const std::string_view kind = words[0];
        if (kind == "object") {
            if (words.size() < 2) return fail("object needs a path");
            auto path = Path::parse(words[1]);
            if (!path) return fail(path.error().message);
            if (!path->is_partial()) return fail("object path must end with '.'");
            ObjectDef def;
            def.path = path->supported_form();
            def.multi_instance = def.path.size() > 4 && def.path.ends_with("{i}.");
            for (size_t i = 2; i < words.size(); ++i) {
                if (words[i].starts_with("keys=")) {
                    def.unique_keys = split_list(words[i].substr(5));
                } else if (words[i] == "writable") {
                    def.writable = true;
                } else {
                    return fail("unknown object attribute '" + std::string(words[i]) + "'");
                }
            }
            if (schema.object(def.path)) return fail("object " + def.path + " declared twice");
            schema.objects_.push_back(std::move(def));
            current = &schema.objects_.back();
        } else if (kind == "param") {
            if (!current) return fail("param before any object");
            if (words.size() < 3) return fail("param needs a name and a type");
            if (!is_valid_name(words[1]))
                return fail("invalid parameter name '" + std::string(words[1]) + "'");
            auto type = type_from_name(words[2]);
            if (!type) return fail(type.error().message);
            ParamDef p{std::string(words[1]), *type, false};
            for (size_t i = 3; i < words.size(); ++i) {
                if (words[i] == "rw") {
                    p.writable = true;
                } else {
                    return fail("unknown param attribute '" + std::string(words[i]) + "'");
                }
            }
            if (current->param(p.name))
                return fail("param " + p.name + " declared twice in " + current->path);
            current->params.push_back(std::move(p));
        } else if (kind == "command" || kind == "event") {
            if (words.size() < 2) return fail(std::string(kind) + " needs a path");
            auto path = Path::parse(words[1]);
            if (!path) return fail(path.error().message);
            if (kind == "command" ? !path->is_command() : !path->is_event())
                return fail(std::string(words[1]) + " is not a " + std::string(kind) + " path");
            const std::string form = path->supported_form();  // split_last returns views into it
            auto [parent, name] = split_last(form);
            ObjectDef* owner = nullptr;
            for (ObjectDef& o : schema.objects_)
                if (o.path == parent) owner = &o;
            if (!owner)
                return fail("no object " + std::string(parent) + " declared before " + std::string(words[1]));
            if (kind == "command") {
                CommandDef c{std::string(name), false, {}, {}};
                for (size_t i = 2; i < words.size(); ++i) {
                    if (words[i] == "async") {
                        c.async = true;
                    } else if (words[i].starts_with("in=")) {
                        c.inputs = split_list(words[i].substr(3));
                    } else if (words[i].starts_with("out=")) {
                        c.outputs = split_list(words[i].substr(4));
                    } else {
                        return fail("unknown command attribute '" + std::string(words[i]) + "'");
                    }
                }
                owner->commands.push_back(std::move(c));
            } else {
                EventDef e{std::string(name), {}};
                for (size_t i = 2; i < words.size(); ++i) e.args.emplace_back(words[i]);
                owner->events.push_back(std::move(e));
            }
            current = nullptr;
        } else {
            return fail("unknown declaration '" + std::string(kind) + "'");
        }
    }
    return schema;
}

const ObjectDef* Schema::object(std::string_view supported_path) const {
    for (const ObjectDef& o : objects_)
        if (o.path == supported_path) return &o;
    return nullptr;
}

const ParamDef* Schema::param(std::string_view supported_param_path) const {
    auto [parent, name] = split_last(supported_param_path);
    const ObjectDef* obj = object(parent);
    return obj ? obj->param(name) : nullptr;
}

Status Schema::check(const Path& path) const {
    const std::string form = path.supported_form();
    if (path.is_partial()) {
        if (object(form)) return {};
        // "Device.Hosts.Host." names the table whose instances are "Device.Hosts.Host.{i}."
        if (object(form + "{i}.")) return {};
        return make_error(Errc::not_found,
                          "object " + path.str() + " is not part of the supported data model");
    }
    auto [parent, name] = split_last(form);
    const ObjectDef* obj = object(parent);
    if (!obj)
        return make_error(Errc::not_found,
                          "object " + std::string(parent) + " is not part of the supported data model");
    if (path.is_command()) {
        for (const CommandDef& c : obj->commands)
            if (c.name == std::string(name)) return {};
        return make_error(Errc::not_found, "command " + path.str() + " is not supported");
    }
    if (path.is_event()) {
        for (const EventDef& e : obj->events)
            if (e.name == std::string(name)) return {};
        return make_error(Errc::not_found, "event " + path.str() + " is not supported");
    }
    if (obj->param(name)) return {};
    return make_error(Errc::not_found,
                      "parameter " + path.str() + " is not part of the supported data model");
}

Status Schema::validate(const Tree& tree) const {
    std::vector<std::string> problems;
    size_t count = 0;
    tree.for_each_param([&](const std::string& p, const Value& v) {
        auto path = Path::parse(p);
        const ParamDef* def = path ? param(path->supported_form()) : nullptr;
        std::string problem;
        if (!def) {
            problem = p + " is not declared";
        } else if (def->type != v.type()) {
            problem = p + " is " + type_name(v.type()) + ", declared " + type_name(def->type);
        }
        if (!problem.empty()) {
            ++count;
            if (problems.size() < 5) problems.push_back(problem);
        }
    });
    if (count == 0) return {};
    std::string msg = std::to_string(count) + " parameter(s) disagree with the schema: ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    return make_error(Errc::internal, msg);
}

}  // namespace cpe::tr181
