#include "usp/builder.hpp"

namespace cpe::usp::detail {

std::vector<uint8_t> pack(const ProtobufCMessage* message) {
    std::vector<uint8_t> out(protobuf_c_message_get_packed_size(message));
    size_t written = protobuf_c_message_pack(message, out.data());
    out.resize(written);
    return out;
}

}  // namespace cpe::usp::detail
