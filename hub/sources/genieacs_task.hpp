// GenieACS NBI tasks, validated before they are sent: the real NBI (1.2.16) crashes its worker on a task with
// a bad shape (the client then hangs) and faults a parameter name with a trailing dot ("Device.Hosts.Host.").
// A Task can only be made by these builders or by Task::from_json, which run the same checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cJSON.h>

#include "util/result.hpp"

namespace cpe::hub::sources {

// A parameter or object path as the NBI accepts it: segments of [A-Za-z0-9_-] separated by single dots,
// starting with a letter or '_', no trailing dot, at most 512 characters. The error names the path and the
// byte offset.
Status validate_parameter_path(std::string_view path);

class Task {
  public:
    static Result<Task> get_parameter_values(const std::vector<std::string>& names);
    static Result<Task> refresh_object(std::string_view object_name);
    struct SetValue {
        std::string path;
        std::string value;
        std::string type;  // "" (let GenieACS infer), or xsd:string, xsd:boolean, xsd:int, xsd:unsignedInt,
                           // xsd:dateTime
    };
    static Result<Task> set_parameter_values(const std::vector<SetValue>& values);
    static Result<Task> add_object(std::string_view object_name);
    static Result<Task> delete_object(std::string_view object_name);
    static Result<Task> download(std::string_view file_id);
    static Result<Task> reboot();
    static Result<Task> factory_reset();
    // Any task as JSON (e.g. from an operator tool), checked with validate_task.
    static Result<Task> from_json(std::string_view text);

    // The same task with `expiry` (seconds, 1…604800): GenieACS drops it unrun once that long has passed
    // (GenieACS NBI docs, "expiry"; lib/nbi.ts turns it into an absolute time), so a task queued for a device
    // that stays offline does not run days later.
    Result<Task> with_expiry(uint32_t seconds) const;

    const std::string& name() const { return name_; }
    const std::string& json() const { return json_; }
    // What the task acts on: objectName, the parameter names (comma-joined), or "" (reboot, factoryReset).
    // Two tasks with the same name() and target() for a device are duplicates.
    const std::string& target() const { return target_; }

  private:
    Task(std::string name, std::string json, std::string target)
        : name_(std::move(name)), json_(std::move(json)), target_(std::move(target)) {}
    std::string name_;
    std::string json_;
    std::string target_;
};

// The NBI's GET /tasks/ answer (a JSON array of tasks): the _id of the first one with the same name and
// target as `task` (nullopt: none). Network input (fuzzed); the error names what was wrong.
Result<std::optional<std::string>> find_duplicate_task(std::string_view body, const Task& task);

struct TaskFault {
    std::string code;  // "cwmp.9002", …
    std::string message;
};
// The NBI's GET /faults/ answer (a JSON array): its first fault (nullopt: none). Network input (fuzzed).
Result<std::optional<TaskFault>> parse_task_fault(std::string_view body);

// What a task JSON acts on (Task::target()).
std::string task_target(const cJSON* task);

// The shape checks the NBI does not do for itself.
Status validate_task(const cJSON* task);

// How the NBI answered POST /devices/<id>/tasks.
enum class TaskOutcome {
    done,                      // 200: the device ran it without fault
    queued,                    // 202 "Task queued but not processed" (or 202 with the reason unknown)
    offline,                   // 202 "Device is offline"
    faulted,                   // 202 "Task faulted"
    connection_request_error,  // 202 "Connection request error: …"
    no_such_device,            // 404 "No such device"
};
const char* task_outcome_name(TaskOutcome o);
// Maps a status and its reason phrase (HTTP status text). Unknown 202 phrases give `queued`.
Result<TaskOutcome> task_outcome_from(long status, std::string_view reason_phrase);

}  // namespace cpe::hub::sources
