#include "usp/wire_check.hpp"

#include <cstdio>

namespace cpe::usp::detail {
namespace {

enum WireType : unsigned {
    varint = 0,
    fixed64 = 1,
    length_delimited = 2,
    start_group = 3,
    end_group = 4,
    fixed32 = 5
};

bool read_varint(const uint8_t*& p, const uint8_t* end, uint64_t& out) {
    out = 0;
    for (unsigned i = 0; i < 10; ++i) {
        if (p >= end) return false;
        uint8_t b = *p++;
        out |= uint64_t(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) return true;
    }
    return false;  // more than 10 bytes: not a valid varint
}

unsigned expected_wire_type(ProtobufCType type) {
    switch (type) {
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_FLOAT:
            return fixed32;
        case PROTOBUF_C_TYPE_FIXED64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_DOUBLE:
            return fixed64;
        case PROTOBUF_C_TYPE_STRING:
        case PROTOBUF_C_TYPE_BYTES:
        case PROTOBUF_C_TYPE_MESSAGE:
            return length_delimited;
        default:
            return varint;
    }
}

struct Walk {
    const uint8_t* base;
    std::string problem;

    bool fail(const uint8_t* at, const std::string& path, const std::string& what) {
        char head[64];
        std::snprintf(head, sizeof head, "at byte %zu", size_t(at - base));
        problem = head;
        if (!path.empty()) problem += " (" + path + ")";
        problem += ": " + what;
        return false;
    }

    // Returns false (with `problem` set) at the first fault.
    bool message(const ProtobufCMessageDescriptor* desc, const uint8_t* p, const uint8_t* end,
                 const std::string& path, unsigned depth) {
        if (depth > 64) return fail(p, path, "nesting deeper than 64 messages");
        while (p < end) {
            const uint8_t* field_start = p;
            uint64_t tag = 0;
            if (!read_varint(p, end, tag)) return fail(field_start, path, "truncated or over-long field tag");
            uint64_t number = tag >> 3;
            unsigned wire = unsigned(tag & 7);
            if (number == 0 || number > 536870911u) {
                return fail(field_start, path, "invalid field number " + std::to_string(number));
            }
            const ProtobufCFieldDescriptor* field =
                desc != nullptr ? protobuf_c_message_descriptor_get_field(desc, unsigned(number)) : nullptr;
            std::string name = field != nullptr ? std::string(field->name) : "#" + std::to_string(number);
            if (field != nullptr) {
                unsigned want = expected_wire_type(field->type);
                bool packed_ok = field->label == PROTOBUF_C_LABEL_REPEATED && want != length_delimited &&
                                 wire == length_delimited;
                if (wire != want && !packed_ok) {
                    return fail(field_start, path,
                                "field " + name + " has wire type " + std::to_string(wire) + ", expected " +
                                    std::to_string(want));
                }
            }
            switch (wire) {
                case varint: {
                    uint64_t v = 0;
                    if (!read_varint(p, end, v))
                        return fail(field_start, path, "truncated varint in field " + name);
                    break;
                }
                case fixed64:
                    if (end - p < 8)
                        return fail(
                            field_start, path,
                            "field " + name + " needs 8 bytes, " + std::to_string(end - p) + " remain");
                    p += 8;
                    break;
                case fixed32:
                    if (end - p < 4)
                        return fail(
                            field_start, path,
                            "field " + name + " needs 4 bytes, " + std::to_string(end - p) + " remain");
                    p += 4;
                    break;
                case length_delimited: {
                    uint64_t len = 0;
                    if (!read_varint(p, end, len))
                        return fail(field_start, path, "truncated length of field " + name);
                    if (len > uint64_t(end - p)) {
                        return fail(field_start, path,
                                    "field " + name + " declares " + std::to_string(len) + " bytes but " +
                                        std::to_string(end - p) + " remain");
                    }
                    if (field != nullptr && field->type == PROTOBUF_C_TYPE_MESSAGE) {
                        auto* sub = static_cast<const ProtobufCMessageDescriptor*>(field->descriptor);
                        std::string sub_path = path.empty() ? name : path + "." + name;
                        if (!message(sub, p, p + len, sub_path, depth + 1)) return false;
                    }
                    p += len;
                    break;
                }
                case start_group:
                case end_group:
                    return fail(field_start, path, "group wire type (field " + name + ") is not supported");
                default:
                    return fail(field_start, path,
                                "invalid wire type " + std::to_string(wire) + " (field " + name + ")");
            }
        }
        return true;
    }
};

}  // namespace

std::string describe_wire_error(const ProtobufCMessageDescriptor* desc, std::span<const uint8_t> bytes) {
    Walk walk{bytes.data(), {}};
    if (!walk.message(desc, bytes.data(), bytes.data() + bytes.size(), "", 0)) return walk.problem;
    return "with no visible wire-format fault (" + std::to_string(bytes.size()) + " bytes; out of memory?)";
}

}  // namespace cpe::usp::detail
