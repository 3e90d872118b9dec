// decode_msg on arbitrary bytes must not crash; whatever decodes must convert, re-encode and decode
// to the same value (a property a wrong oneof or map mapping in the codec breaks).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "usp/msg.hpp"

namespace {

using namespace cpe::usp;

template <typename T>
void check(const Msg& msg, cpe::Result<T> (Msg::*accessor)() const) {
    auto value = (msg.*accessor)();
    if (!value.ok()) return;  // a named conversion error (missing oneof) is a valid outcome
    auto again = decode_msg(encode_msg(msg.msg_id(), *value));
    if (!again.ok()) {
        std::fprintf(stderr, "re-encoded %s does not decode: %s\n", msg_type_name(msg.type()),
                     again.error().message.c_str());
        std::abort();
    }
    auto value2 = (*again.*accessor)();
    if (!value2.ok() || !(*value2 == *value) || again->msg_id() != msg.msg_id()) {
        std::fprintf(stderr, "%s changed across a round trip\n", msg_type_name(msg.type()));
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto msg = decode_msg(std::span<const uint8_t>(data, size));
    if (!msg.ok()) {
        if (msg.error().message.empty()) std::abort();
        return 0;
    }
    switch (msg->type()) {
        case MsgType::error:
            check(*msg, &Msg::error);
            break;
        case MsgType::get:
            check(*msg, &Msg::get);
            break;
        case MsgType::get_resp:
            check(*msg, &Msg::get_resp);
            break;
        case MsgType::get_instances:
            check(*msg, &Msg::get_instances);
            break;
        case MsgType::get_instances_resp:
            check(*msg, &Msg::get_instances_resp);
            break;
        case MsgType::get_supported_dm:
            check(*msg, &Msg::get_supported_dm);
            break;
        case MsgType::get_supported_dm_resp:
            check(*msg, &Msg::get_supported_dm_resp);
            break;
        case MsgType::get_supported_proto:
            check(*msg, &Msg::get_supported_protocol);
            break;
        case MsgType::get_supported_proto_resp:
            check(*msg, &Msg::get_supported_protocol_resp);
            break;
        case MsgType::set:
            check(*msg, &Msg::set);
            break;
        case MsgType::set_resp:
            check(*msg, &Msg::set_resp);
            break;
        case MsgType::add:
            check(*msg, &Msg::add);
            break;
        case MsgType::add_resp:
            check(*msg, &Msg::add_resp);
            break;
        case MsgType::delete_:
            check(*msg, &Msg::delete_);
            break;
        case MsgType::delete_resp:
            check(*msg, &Msg::delete_resp);
            break;
        case MsgType::operate:
            check(*msg, &Msg::operate);
            break;
        case MsgType::operate_resp:
            check(*msg, &Msg::operate_resp);
            break;
        case MsgType::notify:
            check(*msg, &Msg::notify);
            break;
        case MsgType::notify_resp:
            check(*msg, &Msg::notify_resp);
            break;
        default:
            break;  // Register/Deregister: no typed accessor
    }
    // Every accessor of another kind must refuse, not misread the union.
    if (msg->type() != MsgType::get && msg->get().ok()) std::abort();
    if (msg->type() != MsgType::notify && msg->notify().ok()) std::abort();
    return 0;
}
