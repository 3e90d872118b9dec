// A snapshot of a TR-181 data model: objects holding typed parameters, single-instance child objects
// and multi-instance tables keyed by instance number. The agent builds one per refresh; USP Get,
// GetInstances and the CLI read it. Iteration order is deterministic: parameters by name, then child
// objects by name, then tables by name with instances in numeric order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tr181/path.hpp"
#include "tr181/value.hpp"
#include "util/result.hpp"

namespace cpe::tr181 {

class Table;

class Object {
  public:
    void set(std::string_view name, Value value) {
        params_.insert_or_assign(std::string(name), std::move(value));
    }
    const Value* param(std::string_view name) const;
    Object& child(std::string_view name);
    Table& table(std::string_view name);
    const Object* find_child(std::string_view name) const;
    const Table* find_table(std::string_view name) const;

    const std::map<std::string, Value, std::less<>>& params() const { return params_; }
    const std::map<std::string, Object, std::less<>>& children() const { return children_; }
    const std::map<std::string, Table, std::less<>>& tables() const { return tables_; }
    bool empty() const { return params_.empty() && children_.empty() && tables_.empty(); }

  private:
    std::map<std::string, Value, std::less<>> params_;
    std::map<std::string, Object, std::less<>> children_;
    std::map<std::string, Table, std::less<>> tables_;
};

class Table {
  public:
    Object& add(uint32_t instance) { return instances_[instance]; }
    const Object* find(uint32_t instance) const;
    const std::map<uint32_t, Object>& instances() const { return instances_; }
    size_t size() const { return instances_.size(); }

  private:
    std::map<uint32_t, Object> instances_;
};

struct ParamEntry {
    std::string path;    // full parameter path
    const Value* value;  // points into the tree: valid while the tree lives unchanged
};

struct InstanceEntry {
    std::string path;  // "Device.Hosts.Host.3."
    const Object* object;
};

class Tree {
  public:
    Object& root() { return root_; }  // the "Device." object
    const Object& root() const { return root_; }

    // Parameters matched by a full, partial or wildcard path. max_depth 0 = unlimited; 1 = only the
    // parameters of the objects the path names; each object level below adds one.
    // Errc::not_found names the first path element that does not exist (never for a wildcard match
    // that is merely empty).
    Result<std::vector<ParamEntry>> get(const Path& path, unsigned max_depth = 0) const;

    // The objects a partial path resolves to (wildcards expanded), as "…." paths.
    Result<std::vector<InstanceEntry>> resolve_objects(const Path& path) const;

    // Instances of every multi-instance object at or below `path` (only those of the tables directly
    // named by the path when first_level_only).
    Result<std::vector<InstanceEntry>> instances(const Path& path, bool first_level_only) const;

    // Every parameter, depth-first, as "path" → value text: the form the golden dumps and
    // change detection use.
    void for_each_param(const std::function<void(const std::string& path, const Value& value)>& fn) const;

  private:
    Object root_;
};

}  // namespace cpe::tr181
