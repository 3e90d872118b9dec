// protobuf-c's unpack only says "NULL". When it fails we walk the input ourselves against the same
// descriptor to say where and why: "at byte 17 (body.request.get): field param_paths declares 40
// bytes but 3 remain". Internal to cpe_usp.
#pragma once

#include <protobuf-c/protobuf-c.h>

#include <cstdint>
#include <span>
#include <string>

namespace cpe::usp::detail {

// Describes the first wire-format fault in `bytes` read as `desc`, or a generic sentence if the
// walk finds none (protobuf-c failed for a reason not visible at the wire level, e.g. memory).
std::string describe_wire_error(const ProtobufCMessageDescriptor* desc, std::span<const uint8_t> bytes);

}  // namespace cpe::usp::detail
