#include "tr181/tree.hpp"

#include "usp/error_codes.hpp"

namespace cpe::tr181 {

const Value* Object::param(std::string_view name) const {
    auto it = params_.find(name);
    return it == params_.end() ? nullptr : &it->second;
}

Object& Object::child(std::string_view name) {
    auto it = children_.find(name);
    if (it != children_.end()) return it->second;
    return children_.emplace(std::string(name), Object{}).first->second;
}

Table& Object::table(std::string_view name) {
    auto it = tables_.find(name);
    if (it != tables_.end()) return it->second;
    return tables_.emplace(std::string(name), Table{}).first->second;
}

const Object* Object::find_child(std::string_view name) const {
    auto it = children_.find(name);
    return it == children_.end() ? nullptr : &it->second;
}

const Table* Object::find_table(std::string_view name) const {
    auto it = tables_.find(name);
    return it == tables_.end() ? nullptr : &it->second;
}

const Object* Table::find(uint32_t instance) const {
    auto it = instances_.find(instance);
    return it == instances_.end() ? nullptr : &it->second;
}

namespace {

// A position during resolution: an object, or a table awaiting its instance segment.
struct Cursor {
    const Object* object = nullptr;
    const Table* table = nullptr;
    std::string prefix;  // path so far, ending in '.'
};

void collect_params(const Object& obj, const std::string& prefix, unsigned depth_left,
                    std::vector<ParamEntry>& out) {
    for (const auto& [name, value] : obj.params()) out.push_back({prefix + name, &value});
    if (depth_left == 1) return;
    const unsigned next = depth_left == 0 ? 0 : depth_left - 1;
    for (const auto& [name, child] : obj.children()) collect_params(child, prefix + name + ".", next, out);
    for (const auto& [name, table] : obj.tables())
        for (const auto& [n, inst] : table.instances())
            collect_params(inst, prefix + name + "." + std::to_string(n) + ".", next, out);
}

void walk(const Object& obj, const std::string& prefix,
          const std::function<void(const std::string&, const Value&)>& fn) {
    for (const auto& [name, value] : obj.params()) fn(prefix + name, value);
    for (const auto& [name, child] : obj.children()) walk(child, prefix + name + ".", fn);
    for (const auto& [name, table] : obj.tables())
        for (const auto& [n, inst] : table.instances())
            walk(inst, prefix + name + "." + std::to_string(n) + ".", fn);
}

Error missing(const std::string& what) {
    return make_error(Errc::not_found, what + " does not exist");
}

// A missing object instance carries its USP code (7016) so a USP answer need not tell it from a missing
// parameter by the wording.
Error missing_object(const std::string& path) {
    return missing("object " + path).with_usp_error(usp::err::object_does_not_exist);
}

// Resolves every segment but the last of a parameter path (or all of an object path) into cursors.
Result<std::vector<Cursor>> resolve(const Object& root, const Path& path, size_t segment_count) {
    std::vector<Cursor> cursors{{&root, nullptr, "Device."}};
    const auto& segs = path.segments();
    bool wildcarded = false;
    for (size_t i = 1; i < segment_count; ++i) {
        const Segment& seg = segs[i];
        std::vector<Cursor> next;
        for (const Cursor& c : cursors) {
            if (c.table) {
                if (seg.kind == Segment::Kind::instance) {
                    if (const Object* inst = c.table->find(seg.instance)) {
                        next.push_back({inst, nullptr, c.prefix + std::to_string(seg.instance) + "."});
                    } else if (!wildcarded) {
                        return missing_object(c.prefix + std::to_string(seg.instance) + ".");
                    }
                } else if (seg.kind == Segment::Kind::wildcard) {
                    for (const auto& [n, inst] : c.table->instances())
                        next.push_back({&inst, nullptr, c.prefix + std::to_string(n) + "."});
                } else {
                    return make_error(Errc::invalid_argument,
                                      "path " + path.str() + ": " + c.prefix +
                                          " is a multi-instance object: expected an instance "
                                          "number or '*' after it");
                }
                continue;
            }
            if (seg.kind != Segment::Kind::name) {
                return make_error(Errc::invalid_argument,
                                  "path " + path.str() + ": " + c.prefix + " is not a multi-instance object");
            }
            if (const Object* child = c.object->find_child(seg.name)) {
                next.push_back({child, nullptr, c.prefix + seg.name + "."});
            } else if (const Table* table = c.object->find_table(seg.name)) {
                next.push_back({nullptr, table, c.prefix + seg.name + "."});
            } else if (!wildcarded) {
                return missing_object(c.prefix + seg.name + ".");
            }
        }
        wildcarded = wildcarded || seg.kind == Segment::Kind::wildcard;
        cursors = std::move(next);
    }
    return cursors;
}

}  // namespace

Result<std::vector<ParamEntry>> Tree::get(const Path& path, unsigned max_depth) const {
    std::vector<ParamEntry> out;
    const auto& segs = path.segments();
    if (path.is_command() || path.is_event())
        return make_error(Errc::invalid_argument,
                          "path " + path.str() + " names a command or event, not a parameter");
    if (path.is_partial()) {
        auto cursors = resolve(root_, path, segs.size());
        if (!cursors) return cursors.error();
        for (const Cursor& c : *cursors) {
            if (c.object) {
                collect_params(*c.object, c.prefix, max_depth, out);
            } else {  // "Device.Hosts.Host." — every instance, one level deeper
                for (const auto& [n, inst] : c.table->instances())
                    collect_params(inst, c.prefix + std::to_string(n) + ".", max_depth, out);
            }
        }
        return out;
    }
    auto cursors = resolve(root_, path, segs.size() - 1);
    if (!cursors) return cursors.error();
    const std::string& name = segs.back().name;
    for (const Cursor& c : *cursors) {
        if (!c.object) {
            return make_error(Errc::invalid_argument,
                              "path " + path.str() + ": " + c.prefix +
                                  " is a multi-instance object: expected an instance number");
        }
        if (const Value* v = c.object->param(name)) {
            out.push_back({c.prefix + name, v});
        } else if (!path.has_wildcard()) {
            if (c.object->find_child(name) || c.object->find_table(name))
                return make_error(
                    Errc::invalid_argument,
                    "path " + path.str() + " names an object: end it with '.' to get its parameters");
            return missing("parameter " + c.prefix + name);
        }
    }
    return out;
}

Result<std::vector<InstanceEntry>> Tree::resolve_objects(const Path& path) const {
    if (!path.is_partial())
        return make_error(Errc::invalid_argument, "path " + path.str() + " is not an object path (add '.')");
    auto cursors = resolve(root_, path, path.segments().size());
    if (!cursors) return cursors.error();
    std::vector<InstanceEntry> out;
    for (const Cursor& c : *cursors) {
        if (c.object) {
            out.push_back({c.prefix, c.object});
        } else {
            for (const auto& [n, inst] : c.table->instances())
                out.push_back({c.prefix + std::to_string(n) + ".", &inst});
        }
    }
    return out;
}

namespace {
void collect_instances(const Object& obj, const std::string& prefix, bool recurse,
                       std::vector<InstanceEntry>& out) {
    for (const auto& [name, child] : obj.children())
        if (recurse) collect_instances(child, prefix + name + ".", recurse, out);
    for (const auto& [name, table] : obj.tables()) {
        for (const auto& [n, inst] : table.instances()) {
            std::string p = prefix + name + "." + std::to_string(n) + ".";
            out.push_back({p, &inst});
            if (recurse) collect_instances(inst, p, recurse, out);
        }
    }
}
}  // namespace

Result<std::vector<InstanceEntry>> Tree::instances(const Path& path, bool first_level_only) const {
    if (!path.is_partial())
        return make_error(Errc::invalid_argument, "path " + path.str() + " is not an object path (add '.')");
    auto cursors = resolve(root_, path, path.segments().size());
    if (!cursors) return cursors.error();
    std::vector<InstanceEntry> out;
    for (const Cursor& c : *cursors) {
        if (c.table) {
            for (const auto& [n, inst] : c.table->instances()) {
                std::string p = c.prefix + std::to_string(n) + ".";
                out.push_back({p, &inst});
                if (!first_level_only) collect_instances(inst, p, true, out);
            }
        } else {
            collect_instances(*c.object, c.prefix, !first_level_only, out);
        }
    }
    return out;
}

void Tree::for_each_param(const std::function<void(const std::string&, const Value&)>& fn) const {
    walk(root_, "Device.", fn);
}

}  // namespace cpe::tr181
