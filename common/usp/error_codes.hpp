// USP error codes (TR-369 "Error Codes"): what an Error message, a ParamError, an oper_failure or a
// Disconnect record carries in err_code. 7800-7999 are vendor specific.
#pragma once

#include <cstdint>

namespace cpe::usp::err {

// Message errors
inline constexpr uint32_t message_failed = 7000;         // general failure, described in err_msg
inline constexpr uint32_t message_not_supported = 7001;  // message type not understood / not implemented
inline constexpr uint32_t request_denied = 7002;         // cannot or will not process the message
inline constexpr uint32_t internal_error = 7003;
inline constexpr uint32_t invalid_arguments = 7004;
inline constexpr uint32_t resources_exceeded = 7005;
inline constexpr uint32_t permission_denied = 7006;
inline constexpr uint32_t invalid_configuration = 7007;
// Parameter errors
inline constexpr uint32_t invalid_path_syntax = 7008;
inline constexpr uint32_t parameter_action_failed = 7009;
inline constexpr uint32_t unsupported_parameter = 7010;
inline constexpr uint32_t invalid_type = 7011;
inline constexpr uint32_t invalid_value = 7012;
inline constexpr uint32_t parameter_read_only = 7013;
inline constexpr uint32_t value_conflict = 7014;
// Object / CRUD errors
inline constexpr uint32_t crud_failure = 7015;
inline constexpr uint32_t object_does_not_exist = 7016;
inline constexpr uint32_t object_could_not_be_created = 7017;
inline constexpr uint32_t object_not_a_table = 7018;
inline constexpr uint32_t object_not_creatable = 7019;
inline constexpr uint32_t object_could_not_be_updated = 7020;
inline constexpr uint32_t required_parameter_failed = 7021;
// Command errors
inline constexpr uint32_t command_failure = 7022;
inline constexpr uint32_t command_canceled = 7023;
inline constexpr uint32_t object_not_deletable = 7024;
inline constexpr uint32_t unique_key_conflict = 7025;
inline constexpr uint32_t invalid_path = 7026;
inline constexpr uint32_t invalid_command_arguments = 7027;
// Register / Deregister (USP 1.3+)
inline constexpr uint32_t register_failure = 7028;
inline constexpr uint32_t already_in_use = 7029;
inline constexpr uint32_t deregister_failure = 7030;
inline constexpr uint32_t path_already_registered = 7031;
// Record errors (carried in a DisconnectRecord's reason_code or a brokered error)
inline constexpr uint32_t record_not_parsed = 7100;
inline constexpr uint32_t secure_session_required = 7101;
inline constexpr uint32_t secure_session_not_supported = 7102;
inline constexpr uint32_t segmentation_not_supported = 7103;
inline constexpr uint32_t record_field_invalid = 7104;
inline constexpr uint32_t session_context_terminated = 7105;
inline constexpr uint32_t session_context_not_allowed = 7106;

inline constexpr uint32_t vendor_first = 7800;
inline constexpr uint32_t vendor_last = 7999;

// Short English name of a code ("object does not exist"); "vendor specific" for 7800-7999,
// "unknown" otherwise. Never nullptr.
const char* name(uint32_t code);

}  // namespace cpe::usp::err
