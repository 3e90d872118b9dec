#include "sources/genieacs_task.hpp"

#include <cstring>

#include "json/json.hpp"

namespace cpe::hub::sources {

namespace {

bool seg_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

Status check_string_path(const cJSON* v, const char* what) {
    if (!cJSON_IsString(v))
        return make_error(Errc::invalid_argument, std::string("task ") + what + ": expected a string");
    if (auto st = validate_parameter_path(v->valuestring); !st)
        return st.error().with_context(std::string("task ") + what);
    return {};
}

const char* kNames[] = {"getParameterValues", "setParameterValues", "refreshObject", "addObject",
                        "deleteObject",       "download",           "reboot",        "factoryReset"};
const char* kTypes[] = {"xsd:string",       "xsd:boolean",  "xsd:int",    "xsd:unsignedInt", "xsd:long",
                        "xsd:unsignedLong", "xsd:dateTime", "xsd:base64", "xsd:hexBinary"};

Result<Task> from_node(const cJSON* node) {
    if (auto st = validate_task(node); !st) return st.error();
    return Task::from_json(json::print(node));
}

Result<Task> object_task(const char* name, std::string_view object_name) {
    auto t = json::make_object();
    json::add_string(t.get(), "name", name);
    json::add_string(t.get(), "objectName", object_name);
    return from_node(t.get());
}

}  // namespace

Status validate_parameter_path(std::string_view path) {
    std::string shown(path.substr(0, 120));
    if (path.empty()) return make_error(Errc::invalid_argument, "parameter path is empty");
    if (path.size() > 512)
        return make_error(Errc::invalid_argument,
                          "parameter path '" + shown + "…' is longer than 512 characters");
    if (path.back() == '.')
        return make_error(
            Errc::invalid_argument,
            "parameter path '" + shown + "' ends with '.': GenieACS 1.2.16 faults it; drop the trailing dot");
    char c0 = path[0];
    if (!((c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z') || c0 == '_'))
        return make_error(Errc::invalid_argument,
                          "parameter path '" + shown + "' must start with a letter or '_'");
    for (size_t i = 0; i < path.size(); ++i) {
        char c = path[i];
        if (c == '.') {
            if (path[i - 1] == '.')
                return make_error(
                    Errc::invalid_argument,
                    "parameter path '" + shown + "' has an empty segment at byte " + std::to_string(i));
        } else if (!seg_char(c)) {
            return make_error(
                Errc::invalid_argument,
                "parameter path '" + shown + "' has a character not allowed at byte " + std::to_string(i));
        }
    }
    return {};
}

Status validate_task(const cJSON* task) {
    if (!cJSON_IsObject(task)) return make_error(Errc::invalid_argument, "task: expected a JSON object");
    const cJSON* name = cJSON_GetObjectItemCaseSensitive(task, "name");
    if (!cJSON_IsString(name)) return make_error(Errc::invalid_argument, "task: missing string 'name'");
    std::string n = name->valuestring;
    bool known = false;
    for (const char* k : kNames) known = known || n == k;
    if (!known) return make_error(Errc::invalid_argument, "task: unknown name '" + n.substr(0, 64) + "'");
    if (n == "getParameterValues") {
        const cJSON* pn = cJSON_GetObjectItemCaseSensitive(task, "parameterNames");
        if (!cJSON_IsArray(pn) || !pn->child)
            return make_error(Errc::invalid_argument,
                              "task getParameterValues: parameterNames must be a non-empty array");
        int i = 0;
        for (const cJSON* p = pn->child; p; p = p->next, ++i)
            if (auto st = check_string_path(
                    p, ("getParameterValues parameterNames[" + std::to_string(i) + "]").c_str());
                !st)
                return st;
    } else if (n == "setParameterValues") {
        const cJSON* pv = cJSON_GetObjectItemCaseSensitive(task, "parameterValues");
        if (!cJSON_IsArray(pv) || !pv->child)
            return make_error(Errc::invalid_argument,
                              "task setParameterValues: parameterValues must be a non-empty array");
        int i = 0;
        for (const cJSON* e = pv->child; e; e = e->next, ++i) {
            std::string w = "setParameterValues parameterValues[" + std::to_string(i) + "]";
            int len = cJSON_GetArraySize(e);
            if (!cJSON_IsArray(e) || len < 2 || len > 3)
                return make_error(Errc::invalid_argument,
                                  "task " + w + ": expected [path, value] or [path, value, type]");
            if (auto st = check_string_path(cJSON_GetArrayItem(e, 0), (w + "[0]").c_str()); !st) return st;
            const cJSON* v = cJSON_GetArrayItem(e, 1);
            if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v))
                return make_error(Errc::invalid_argument,
                                  "task " + w + "[1]: value must be a string, number or boolean");
            if (len == 3) {
                const cJSON* t = cJSON_GetArrayItem(e, 2);
                bool ok = false;
                if (cJSON_IsString(t))
                    for (const char* k : kTypes) ok = ok || std::strcmp(k, t->valuestring) == 0;
                if (!ok) return make_error(Errc::invalid_argument, "task " + w + "[2]: unknown xsd type");
            }
        }
    } else if (n == "refreshObject" || n == "addObject" || n == "deleteObject") {
        if (auto st = check_string_path(cJSON_GetObjectItemCaseSensitive(task, "objectName"),
                                        (n + " objectName").c_str());
            !st)
            return st;
    } else if (n == "download") {
        const cJSON* f = cJSON_GetObjectItemCaseSensitive(task, "file");
        const cJSON* ft = cJSON_GetObjectItemCaseSensitive(task, "fileType");
        const cJSON* fn = cJSON_GetObjectItemCaseSensitive(task, "fileName");
        bool by_id = cJSON_IsString(f) && *f->valuestring;
        bool by_name = cJSON_IsString(ft) && *ft->valuestring && cJSON_IsString(fn) && *fn->valuestring;
        if (!by_id && !by_name)
            return make_error(Errc::invalid_argument,
                              "task download: needs 'file', or 'fileType' and 'fileName'");
    }
    if (const cJSON* ex = cJSON_GetObjectItemCaseSensitive(task, "expiry");
        ex && (!cJSON_IsNumber(ex) || ex->valuedouble < 1 || ex->valuedouble > 604800))
        return make_error(Errc::invalid_argument, "task: 'expiry' must be a number of seconds (1 to 604800)");
    return {};
}

Result<std::optional<std::string>> find_duplicate_task(std::string_view body, const Task& task) {
    auto list = json::parse(body, "GenieACS tasks answer");
    if (!list) return make_error(Errc::parse_error, list.error().message);
    if (!cJSON_IsArray(list->get()))
        return make_error(Errc::parse_error, "GenieACS tasks answer: expected a JSON array");
    for (const cJSON* t = list->get()->child; t; t = t->next) {
        if (!cJSON_IsObject(t))
            return make_error(Errc::parse_error, "GenieACS tasks answer: an entry is not an object");
        auto id = json::opt_string(t, "_id");
        auto name = json::opt_string(t, "name");
        if (!id || !name || *name != task.name()) continue;
        // Not validate_task: GenieACS lists `expiry` and `timestamp` as dates (lib/api-functions.ts).
        if (task_target(t) == task.target()) return std::optional<std::string>(*id);
    }
    return std::optional<std::string>{};
}

Result<std::optional<TaskFault>> parse_task_fault(std::string_view body) {
    auto list = json::parse(body, "GenieACS faults answer");
    if (!list) return make_error(Errc::parse_error, list.error().message);
    if (!cJSON_IsArray(list->get()))
        return make_error(Errc::parse_error, "GenieACS faults answer: expected a JSON array");
    const cJSON* f = list->get()->child;
    if (!f) return std::optional<TaskFault>{};
    if (!cJSON_IsObject(f))
        return make_error(Errc::parse_error, "GenieACS faults answer: the fault is not an object");
    TaskFault out;
    out.code = json::opt_string(f, "code").value_or("");
    out.message = json::opt_string(f, "message").value_or("");
    return std::optional<TaskFault>(std::move(out));
}

std::string task_target(const cJSON* task) {
    if (auto o = json::opt_string(task, "objectName")) return *o;
    std::string out;
    if (const cJSON* pn = cJSON_GetObjectItemCaseSensitive(task, "parameterNames"))
        for (const cJSON* p = pn->child; p; p = p->next)
            if (cJSON_IsString(p)) out += (out.empty() ? "" : ",") + std::string(p->valuestring);
    if (auto f = json::opt_string(task, "file")) out = *f;
    return out;
}

Result<Task> Task::from_json(std::string_view text) {
    auto node = json::parse(text, "task");
    if (!node) return Error{Errc::invalid_argument, node.error().message};
    if (auto st = validate_task(node->get()); !st) return st.error();
    return Task(cJSON_GetObjectItemCaseSensitive(node->get(), "name")->valuestring, json::print(node->get()),
                task_target(node->get()));
}

Result<Task> Task::with_expiry(uint32_t seconds) const {
    if (seconds < 1 || seconds > 604800)
        return make_error(Errc::invalid_argument,
                          "task expiry must be 1 to 604800 seconds, got " + std::to_string(seconds));
    auto node = json::parse(json_, "task");
    if (!node) return node.error();
    cJSON_DeleteItemFromObjectCaseSensitive(node->get(), "expiry");
    json::add_number(node->get(), "expiry", seconds);
    return from_json(json::print(node->get()));
}

Result<Task> Task::get_parameter_values(const std::vector<std::string>& names) {
    auto t = json::make_object();
    json::add_string(t.get(), "name", "getParameterValues");
    auto arr = json::make_array();
    for (const auto& n : names) {
        if (n.find('\0') != std::string::npos)
            return make_error(Errc::invalid_argument, "parameter path contains a NUL byte");
        json::append(arr.get(), json::Ptr(cJSON_CreateString(n.c_str())));
    }
    json::add(t.get(), "parameterNames", std::move(arr));
    return from_node(t.get());
}

Result<Task> Task::refresh_object(std::string_view object_name) {
    return object_task("refreshObject", object_name);
}
Result<Task> Task::add_object(std::string_view object_name) {
    return object_task("addObject", object_name);
}
Result<Task> Task::delete_object(std::string_view object_name) {
    return object_task("deleteObject", object_name);
}

Result<Task> Task::set_parameter_values(const std::vector<SetValue>& values) {
    auto t = json::make_object();
    json::add_string(t.get(), "name", "setParameterValues");
    auto arr = json::make_array();
    for (const auto& v : values) {
        auto e = json::make_array();
        json::append(e.get(), json::Ptr(cJSON_CreateString(v.path.c_str())));
        json::append(e.get(), json::Ptr(cJSON_CreateString(v.value.c_str())));
        if (!v.type.empty()) json::append(e.get(), json::Ptr(cJSON_CreateString(v.type.c_str())));
        json::append(arr.get(), std::move(e));
    }
    json::add(t.get(), "parameterValues", std::move(arr));
    return from_node(t.get());
}

Result<Task> Task::download(std::string_view file_id) {
    auto t = json::make_object();
    json::add_string(t.get(), "name", "download");
    json::add_string(t.get(), "file", file_id);
    return from_node(t.get());
}

Result<Task> Task::reboot() {
    return Task::from_json(R"({"name":"reboot"})");
}
Result<Task> Task::factory_reset() {
    return Task::from_json(R"({"name":"factoryReset"})");
}

const char* task_outcome_name(TaskOutcome o) {
    switch (o) {
        case TaskOutcome::done:
            return "done";
        case TaskOutcome::queued:
            return "queued";
        case TaskOutcome::offline:
            return "offline";
        case TaskOutcome::faulted:
            return "faulted";
        case TaskOutcome::connection_request_error:
            return "connection_request_error";
        case TaskOutcome::no_such_device:
            return "no_such_device";
    }
    return "queued";
}

Result<TaskOutcome> task_outcome_from(long status, std::string_view reason) {
    if (status == 200) return TaskOutcome::done;
    if (status == 404) return TaskOutcome::no_such_device;
    if (status == 202) {
        if (reason == "Device is offline") return TaskOutcome::offline;
        if (reason == "Task faulted") return TaskOutcome::faulted;
        if (reason.rfind("Connection request error", 0) == 0) return TaskOutcome::connection_request_error;
        return TaskOutcome::queued;
    }
    return make_error(Errc::unsupported,
                      "GenieACS task answer: unexpected HTTP status " + std::to_string(status));
}

}  // namespace cpe::hub::sources
