// The supported data model: which objects, parameters (type, access), commands and events exist.
// It is data, kept apart from the code that fills the model (agent/model/device.tr181), and is what
// USP GetSupportedDM reports. Text form, one declaration per line ('#' comments):
//   object Device.Hosts.Host.{i}. keys=PhysAddress [writable]
//     param PhysAddress string [rw]
//   command Device.Reboot() [async] [in=Name,Name] [out=Name]
//   event Device.Boot! Cause CommandKey FirmwareUpdated ParameterMap
// A param line belongs to the object line above it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tr181/path.hpp"
#include "tr181/tree.hpp"
#include "tr181/value.hpp"
#include "util/result.hpp"

namespace cpe::tr181 {

struct ParamDef {
    std::string name;
    Type type = Type::string;
    bool writable = false;
};

struct CommandDef {
    std::string name;  // "Reboot()"
    bool async = false;
    std::vector<std::string> inputs, outputs;
};

struct EventDef {
    std::string name;  // "Boot!"
    std::vector<std::string> args;
};

struct ObjectDef {
    std::string path;  // supported form, ends with '.': "Device.Hosts.Host.{i}."
    bool multi_instance = false;
    bool writable = false;  // instances may be added/deleted
    std::vector<std::string> unique_keys;
    std::vector<ParamDef> params;
    std::vector<CommandDef> commands;
    std::vector<EventDef> events;

    const ParamDef* param(std::string_view name) const;
};

class Schema {
  public:
    // `what` names the text in errors ("device.tr181"); errors give the line number.
    static Result<Schema> parse(std::string_view text, std::string_view what);

    const std::vector<ObjectDef>& objects() const { return objects_; }
    const ObjectDef* object(std::string_view supported_path) const;
    // The definition of a parameter given in supported form ("Device.Hosts.Host.{i}.PhysAddress").
    const ParamDef* param(std::string_view supported_param_path) const;
    // Whether a request path names something of this model (errors name the first unknown element).
    Status check(const Path& path) const;
    // Every parameter of `tree` is declared with the same type; the error lists the first few that are not.
    Status validate(const Tree& tree) const;

  private:
    std::vector<ObjectDef> objects_;
};

}  // namespace cpe::tr181
