// decode_record on arbitrary bytes must not crash; a decoded record's fields must survive
// re-encoding, and a no_session_context payload goes on through decode_msg.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "usp/msg.hpp"
#include "usp/record.hpp"

using namespace cpe::usp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto rec = decode_record(std::span<const uint8_t>(data, size));
    if (!rec.ok()) {
        if (rec.error().message.empty()) std::abort();
        return 0;
    }
    std::string to(rec->to_id()), from(rec->from_id()), version(rec->version());
    Bytes again;
    switch (rec->type()) {
        case RecordType::no_session_context: {
            auto payload = rec->payload();
            if (!payload.ok()) return 0;  // empty payload: a named error
            auto msg = decode_msg(*payload);
            (void)msg;
            again = encode_no_session_record(to, from, *payload, version);
            break;
        }
        case RecordType::disconnect:
            again = encode_disconnect_record(to, from, rec->disconnect_reason(),
                                             rec->disconnect_reason_code(), version);
            break;
        case RecordType::mqtt_connect:
            again = encode_mqtt_connect_record(to, from, rec->mqtt_version(), rec->mqtt_subscribed_topic(),
                                               version);
            break;
        case RecordType::websocket_connect:
            again = encode_websocket_connect_record(to, from, version);
            break;
        case RecordType::uds_connect:
            again = encode_uds_connect_record(to, from, version);
            break;
        default:
            if (rec->payload().ok()) std::abort();  // session_context / stomp carry nothing we hand out
            return 0;
    }
    auto rec2 = decode_record(again);
    if (!rec2.ok() || rec2->type() != rec->type() || rec2->to_id() != to || rec2->from_id() != from ||
        rec2->version() != version || rec2->disconnect_reason() != rec->disconnect_reason() ||
        rec2->disconnect_reason_code() != rec->disconnect_reason_code() ||
        rec2->mqtt_subscribed_topic() != rec->mqtt_subscribed_topic()) {
        std::fprintf(stderr, "record changed across a round trip\n");
        std::abort();
    }
    return 0;
}
