#include "usp/error_codes.hpp"

namespace cpe::usp::err {

const char* name(uint32_t code) {
    switch (code) {
        case message_failed:
            return "message failed";
        case message_not_supported:
            return "message not supported";
        case request_denied:
            return "request denied";
        case internal_error:
            return "internal error";
        case invalid_arguments:
            return "invalid arguments";
        case resources_exceeded:
            return "resources exceeded";
        case permission_denied:
            return "permission denied";
        case invalid_configuration:
            return "invalid configuration";
        case invalid_path_syntax:
            return "invalid path syntax";
        case parameter_action_failed:
            return "parameter action failed";
        case unsupported_parameter:
            return "unsupported parameter";
        case invalid_type:
            return "invalid type";
        case invalid_value:
            return "invalid value";
        case parameter_read_only:
            return "attempt to update non-writeable parameter";
        case value_conflict:
            return "value conflict";
        case crud_failure:
            return "operation error";
        case object_does_not_exist:
            return "object does not exist";
        case object_could_not_be_created:
            return "object could not be created";
        case object_not_a_table:
            return "object is not a table";
        case object_not_creatable:
            return "attempt to create non-creatable object";
        case object_could_not_be_updated:
            return "object could not be updated";
        case required_parameter_failed:
            return "required parameter failed";
        case command_failure:
            return "command failure";
        case command_canceled:
            return "command canceled";
        case object_not_deletable:
            return "delete failure";
        case unique_key_conflict:
            return "object exists with duplicate key";
        case invalid_path:
            return "invalid path";
        case invalid_command_arguments:
            return "invalid command arguments";
        case register_failure:
            return "register failure";
        case already_in_use:
            return "already in use";
        case deregister_failure:
            return "deregister failure";
        case path_already_registered:
            return "path already registered";
        case record_not_parsed:
            return "record could not be parsed";
        case secure_session_required:
            return "secure session required";
        case secure_session_not_supported:
            return "secure session not supported";
        case segmentation_not_supported:
            return "segmentation and reassembly not supported";
        case record_field_invalid:
            return "invalid record value";
        case session_context_terminated:
            return "session context terminated";
        case session_context_not_allowed:
            return "session context not allowed";
        default:
            break;
    }
    if (code >= vendor_first && code <= vendor_last) return "vendor specific";
    return "unknown";
}

}  // namespace cpe::usp::err
