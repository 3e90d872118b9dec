// Plain C++ values for the bodies of USP messages (TR-369 Messages, usp-msg-1-4 schema). The same
// structs are what the encoders take and what Msg's typed accessors return, so a round trip is
// `encode_msg(id, x)` → `decode_msg(bytes)->get()` == x. Field names follow the .proto.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace cpe::usp {

using StrMap = std::map<std::string, std::string>;

enum class MsgType : int {
    error = 0,
    get = 1,
    get_resp = 2,
    notify = 3,
    set = 4,
    set_resp = 5,
    operate = 6,
    operate_resp = 7,
    add = 8,
    add_resp = 9,
    delete_ = 10,
    delete_resp = 11,
    get_supported_dm = 12,
    get_supported_dm_resp = 13,
    get_instances = 14,
    get_instances_resp = 15,
    notify_resp = 16,
    get_supported_proto = 17,
    get_supported_proto_resp = 18,
    register_ = 19,
    register_resp = 20,
    deregister = 21,
    deregister_resp = 22,
};

// The .proto enum name ("GET_RESP"); "UNKNOWN(<n>)" is not returned — unknown values give "UNKNOWN".
const char* msg_type_name(MsgType type);

// ---- shared pieces ---------------------------------------------------------------------------

struct ParamSetting {  // Set.UpdateParamSetting / Add.CreateParamSetting
    std::string param;
    std::string value;
    bool required = false;
    bool operator==(const ParamSetting&) const = default;
};

struct ParamError {  // SetResp.ParameterError / AddResp.ParameterError
    std::string param;
    uint32_t err_code = 0;
    std::string err_msg;
    bool operator==(const ParamError&) const = default;
};

struct OperFailure {  // the oper_failure of Add/Delete responses
    uint32_t err_code = 0;
    std::string err_msg;
    bool operator==(const OperFailure&) const = default;
};

struct OutputArgs {  // req_output_args of OperateResp and Notify.OperationComplete
    StrMap output_args;
    bool operator==(const OutputArgs&) const = default;
};

struct CommandFailure {  // cmd_failure of OperateResp and Notify.OperationComplete
    uint32_t err_code = 0;
    std::string err_msg;
    bool operator==(const CommandFailure&) const = default;
};

// ---- Error -----------------------------------------------------------------------------------

struct ErrorMsg {
    struct ParamErr {
        std::string param_path;
        uint32_t err_code = 0;
        std::string err_msg;
        bool operator==(const ParamErr&) const = default;
    };
    uint32_t err_code = 0;  // see error_codes.hpp
    std::string err_msg;
    std::vector<ParamErr> param_errs;
    bool operator==(const ErrorMsg&) const = default;
};

// ---- Get -------------------------------------------------------------------------------------

struct Get {
    std::vector<std::string> param_paths;
    uint32_t max_depth = 0;  // 0: no limit
    bool operator==(const Get&) const = default;
};

struct GetResp {
    struct ResolvedPathResult {
        std::string resolved_path;
        StrMap result_params;  // relative parameter name → value
        bool operator==(const ResolvedPathResult&) const = default;
    };
    struct RequestedPathResult {
        std::string requested_path;
        uint32_t err_code = 0;  // 0: success
        std::string err_msg;
        std::vector<ResolvedPathResult> resolved_path_results;
        bool operator==(const RequestedPathResult&) const = default;
    };
    std::vector<RequestedPathResult> req_path_results;
    bool operator==(const GetResp&) const = default;
};

// ---- GetInstances ----------------------------------------------------------------------------

struct GetInstances {
    std::vector<std::string> obj_paths;
    bool first_level_only = false;
    bool operator==(const GetInstances&) const = default;
};

struct GetInstancesResp {
    struct CurrInstance {
        std::string instantiated_obj_path;
        StrMap unique_keys;
        bool operator==(const CurrInstance&) const = default;
    };
    struct RequestedPathResult {
        std::string requested_path;
        uint32_t err_code = 0;
        std::string err_msg;
        std::vector<CurrInstance> curr_insts;
        bool operator==(const RequestedPathResult&) const = default;
    };
    std::vector<RequestedPathResult> req_path_results;
    bool operator==(const GetInstancesResp&) const = default;
};

// ---- GetSupportedDM --------------------------------------------------------------------------

struct GetSupportedDM {
    std::vector<std::string> obj_paths;
    bool first_level_only = false;
    bool return_commands = false;
    bool return_events = false;
    bool return_params = false;
    bool return_unique_key_sets = false;
    bool operator==(const GetSupportedDM&) const = default;
};

struct GetSupportedDMResp {
    // Values as on the wire; an unknown number received is kept as is.
    enum class ObjAccess : int { read_only = 0, add_delete = 1, add_only = 2, delete_only = 3 };
    enum class ParamAccess : int { read_only = 0, read_write = 1, write_only = 2 };
    enum class ValueType : int {
        unknown = 0,
        base_64 = 1,
        boolean = 2,
        date_time = 3,
        decimal = 4,
        hex_binary = 5,
        int_ = 6,
        long_ = 7,
        string = 8,
        unsigned_int = 9,
        unsigned_long = 10,
    };
    enum class ValueChange : int { unknown = 0, allowed = 1, will_ignore = 2 };
    enum class CmdType : int { unknown = 0, sync = 1, async = 2 };

    struct SupportedParam {
        std::string param_name;
        ParamAccess access = ParamAccess::read_only;
        ValueType value_type = ValueType::unknown;
        ValueChange value_change = ValueChange::unknown;
        bool operator==(const SupportedParam&) const = default;
    };
    struct SupportedCommand {
        std::string command_name;
        std::vector<std::string> input_arg_names;
        std::vector<std::string> output_arg_names;
        CmdType command_type = CmdType::unknown;
        bool operator==(const SupportedCommand&) const = default;
    };
    struct SupportedEvent {
        std::string event_name;
        std::vector<std::string> arg_names;
        bool operator==(const SupportedEvent&) const = default;
    };
    struct SupportedObject {
        std::string supported_obj_path;
        ObjAccess access = ObjAccess::read_only;
        bool is_multi_instance = false;
        std::vector<SupportedCommand> supported_commands;
        std::vector<SupportedEvent> supported_events;
        std::vector<SupportedParam> supported_params;
        std::vector<std::string> divergent_paths;
        std::vector<std::vector<std::string>> unique_key_sets;  // each: key_names
        bool operator==(const SupportedObject&) const = default;
    };
    struct RequestedObjectResult {
        std::string req_obj_path;
        uint32_t err_code = 0;
        std::string err_msg;
        std::string data_model_inst_uri;
        std::vector<SupportedObject> supported_objs;
        bool operator==(const RequestedObjectResult&) const = default;
    };
    std::vector<RequestedObjectResult> req_obj_results;
    bool operator==(const GetSupportedDMResp&) const = default;
};

// ---- GetSupportedProtocol --------------------------------------------------------------------

struct GetSupportedProtocol {
    std::string controller_supported_protocol_versions;  // comma separated, e.g. "1.0,1.3"
    bool operator==(const GetSupportedProtocol&) const = default;
};

struct GetSupportedProtocolResp {
    std::string agent_supported_protocol_versions;
    bool operator==(const GetSupportedProtocolResp&) const = default;
};

// ---- Set -------------------------------------------------------------------------------------

struct Set {
    struct UpdateObject {
        std::string obj_path;
        std::vector<ParamSetting> param_settings;
        bool operator==(const UpdateObject&) const = default;
    };
    bool allow_partial = false;
    std::vector<UpdateObject> update_objs;
    bool operator==(const Set&) const = default;
};

struct SetResp {
    struct UpdatedInstanceResult {
        std::string affected_path;
        std::vector<ParamError> param_errs;
        StrMap updated_params;
        bool operator==(const UpdatedInstanceResult&) const = default;
    };
    struct UpdatedInstanceFailure {
        std::string affected_path;
        std::vector<ParamError> param_errs;
        bool operator==(const UpdatedInstanceFailure&) const = default;
    };
    struct Success {
        std::vector<UpdatedInstanceResult> updated_inst_results;
        bool operator==(const Success&) const = default;
    };
    struct Failure {
        uint32_t err_code = 0;
        std::string err_msg;
        std::vector<UpdatedInstanceFailure> updated_inst_failures;
        bool operator==(const Failure&) const = default;
    };
    struct UpdatedObjectResult {
        std::string requested_path;
        std::variant<Success, Failure> oper_status;
        bool operator==(const UpdatedObjectResult&) const = default;
    };
    std::vector<UpdatedObjectResult> updated_obj_results;
    bool operator==(const SetResp&) const = default;
};

// ---- Add -------------------------------------------------------------------------------------

struct Add {
    struct CreateObject {
        std::string obj_path;  // the table, e.g. "Device.IP.Interface."
        std::vector<ParamSetting> param_settings;
        bool operator==(const CreateObject&) const = default;
    };
    bool allow_partial = false;
    std::vector<CreateObject> create_objs;
    bool operator==(const Add&) const = default;
};

struct AddResp {
    struct Success {
        std::string instantiated_path;
        std::vector<ParamError> param_errs;
        StrMap unique_keys;
        bool operator==(const Success&) const = default;
    };
    struct CreatedObjectResult {
        std::string requested_path;
        std::variant<Success, OperFailure> oper_status;
        bool operator==(const CreatedObjectResult&) const = default;
    };
    std::vector<CreatedObjectResult> created_obj_results;
    bool operator==(const AddResp&) const = default;
};

// ---- Delete ----------------------------------------------------------------------------------

struct Delete {
    bool allow_partial = false;
    std::vector<std::string> obj_paths;
    bool operator==(const Delete&) const = default;
};

struct DeleteResp {
    struct UnaffectedPathError {
        std::string unaffected_path;
        uint32_t err_code = 0;
        std::string err_msg;
        bool operator==(const UnaffectedPathError&) const = default;
    };
    struct Success {
        std::vector<std::string> affected_paths;
        std::vector<UnaffectedPathError> unaffected_path_errs;
        bool operator==(const Success&) const = default;
    };
    struct DeletedObjectResult {
        std::string requested_path;
        std::variant<Success, OperFailure> oper_status;
        bool operator==(const DeletedObjectResult&) const = default;
    };
    std::vector<DeletedObjectResult> deleted_obj_results;
    bool operator==(const DeleteResp&) const = default;
};

// ---- Operate ---------------------------------------------------------------------------------

struct Operate {
    std::string command;  // e.g. "Device.Reboot()"
    std::string command_key;
    bool send_resp = false;
    StrMap input_args;
    bool operator==(const Operate&) const = default;
};

struct OperateResp {
    struct ReqObjPath {  // asynchronous command: the Request object created for it
        std::string path;
        bool operator==(const ReqObjPath&) const = default;
    };
    struct OperationResult {
        std::string executed_command;
        std::variant<ReqObjPath, OutputArgs, CommandFailure> operation_resp;
        bool operator==(const OperationResult&) const = default;
    };
    std::vector<OperationResult> operation_results;
    bool operator==(const OperateResp&) const = default;
};

// ---- Notify ----------------------------------------------------------------------------------

struct Notify {
    struct Event {  // e.g. Boot!: obj_path "Device.", event_name "Boot!"
        std::string obj_path;
        std::string event_name;
        StrMap params;
        bool operator==(const Event&) const = default;
    };
    struct ValueChange {
        std::string param_path;
        std::string param_value;
        bool operator==(const ValueChange&) const = default;
    };
    struct ObjectCreation {
        std::string obj_path;
        StrMap unique_keys;
        bool operator==(const ObjectCreation&) const = default;
    };
    struct ObjectDeletion {
        std::string obj_path;
        bool operator==(const ObjectDeletion&) const = default;
    };
    struct OperationComplete {
        std::string obj_path;
        std::string command_name;
        std::string command_key;
        std::variant<OutputArgs, CommandFailure> operation_resp;
        bool operator==(const OperationComplete&) const = default;
    };
    struct OnBoardRequest {
        std::string oui;
        std::string product_class;
        std::string serial_number;
        std::string agent_supported_protocol_versions;
        bool operator==(const OnBoardRequest&) const = default;
    };
    std::string subscription_id;
    bool send_resp = false;
    std::variant<Event, ValueChange, ObjectCreation, ObjectDeletion, OperationComplete, OnBoardRequest>
        notification;
    bool operator==(const Notify&) const = default;
};

struct NotifyResp {
    std::string subscription_id;
    bool operator==(const NotifyResp&) const = default;
};

}  // namespace cpe::usp
