#include "usp/record.hpp"

#include <cstdio>
#include <string>

#include "usp-record-1-4.pb-c.h"
#include "usp/builder.hpp"
#include "usp/wire_check.hpp"

namespace cpe::usp {
namespace {

std::string_view view(const char* s) {
    return s != nullptr ? std::string_view(s) : std::string_view();
}

std::string who(const UspRecord__Record* r) {
    std::string from(view(r->from_id));
    return from.empty() ? "USP record" : "USP record from '" + from + "'";
}

Bytes finish(detail::Arena& arena, UspRecord__Record* rec, std::string_view to_id, std::string_view from_id,
             std::string_view version) {
    rec->version = arena.copy(version);
    rec->to_id = arena.copy(to_id);
    rec->from_id = arena.copy(from_id);
    rec->payload_security = USP_RECORD__RECORD__PAYLOAD_SECURITY__PLAINTEXT;
    return detail::pack(&rec->base);
}

}  // namespace

void Record::Deleter::operator()(UspRecord__Record* record) const {
    if (record != nullptr) usp_record__record__free_unpacked(record, nullptr);
}

const char* record_type_name(RecordType type) {
    switch (type) {
        case RecordType::none:
            return "none";
        case RecordType::no_session_context:
            return "no_session_context";
        case RecordType::session_context:
            return "session_context";
        case RecordType::websocket_connect:
            return "websocket_connect";
        case RecordType::mqtt_connect:
            return "mqtt_connect";
        case RecordType::stomp_connect:
            return "stomp_connect";
        case RecordType::disconnect:
            return "disconnect";
        case RecordType::uds_connect:
            return "uds_connect";
    }
    return "none";
}

std::string_view Record::version() const {
    return view(rec_->version);
}
std::string_view Record::to_id() const {
    return view(rec_->to_id);
}
std::string_view Record::from_id() const {
    return view(rec_->from_id);
}
bool Record::plaintext() const {
    return detail::enum_value(rec_->payload_security) == USP_RECORD__RECORD__PAYLOAD_SECURITY__PLAINTEXT;
}

RecordType Record::type() const {
    switch (rec_->record_type_case) {
        case USP_RECORD__RECORD__RECORD_TYPE_NO_SESSION_CONTEXT:
            return RecordType::no_session_context;
        case USP_RECORD__RECORD__RECORD_TYPE_SESSION_CONTEXT:
            return RecordType::session_context;
        case USP_RECORD__RECORD__RECORD_TYPE_WEBSOCKET_CONNECT:
            return RecordType::websocket_connect;
        case USP_RECORD__RECORD__RECORD_TYPE_MQTT_CONNECT:
            return RecordType::mqtt_connect;
        case USP_RECORD__RECORD__RECORD_TYPE_STOMP_CONNECT:
            return RecordType::stomp_connect;
        case USP_RECORD__RECORD__RECORD_TYPE_DISCONNECT:
            return RecordType::disconnect;
        case USP_RECORD__RECORD__RECORD_TYPE_UDS_CONNECT:
            return RecordType::uds_connect;
        default:
            return RecordType::none;
    }
}

Result<std::span<const uint8_t>> Record::payload() const {
    if (rec_->record_type_case != USP_RECORD__RECORD__RECORD_TYPE_NO_SESSION_CONTEXT) {
        return make_error(Errc::unsupported, who(rec_.get()) + ": unsupported record type " +
                                                 record_type_name(type()) +
                                                 " (only no_session_context carries a message here)");
    }
    const auto* nsc = rec_->no_session_context;
    if (nsc == nullptr || nsc->payload.len == 0 || nsc->payload.data == nullptr) {
        return make_error(Errc::parse_error, who(rec_.get()) + ": no_session_context record has no payload");
    }
    return std::span<const uint8_t>(nsc->payload.data, nsc->payload.len);
}

std::string_view Record::disconnect_reason() const {
    if (rec_->record_type_case != USP_RECORD__RECORD__RECORD_TYPE_DISCONNECT || rec_->disconnect == nullptr)
        return {};
    return view(rec_->disconnect->reason);
}

uint32_t Record::disconnect_reason_code() const {
    if (rec_->record_type_case != USP_RECORD__RECORD__RECORD_TYPE_DISCONNECT || rec_->disconnect == nullptr)
        return 0;
    return rec_->disconnect->reason_code;
}

std::string_view Record::mqtt_subscribed_topic() const {
    if (rec_->record_type_case != USP_RECORD__RECORD__RECORD_TYPE_MQTT_CONNECT ||
        rec_->mqtt_connect == nullptr) {
        return {};
    }
    return view(rec_->mqtt_connect->subscribed_topic);
}

MqttVersion Record::mqtt_version() const {
    if (rec_->record_type_case != USP_RECORD__RECORD__RECORD_TYPE_MQTT_CONNECT ||
        rec_->mqtt_connect == nullptr) {
        return MqttVersion::v3_1_1;
    }
    return static_cast<MqttVersion>(detail::enum_value(rec_->mqtt_connect->version));
}

Result<Record> decode_record(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
    if (bytes.size() > limits.max_bytes) {
        return make_error(Errc::too_large, "USP record: " + std::to_string(bytes.size()) +
                                               " bytes exceeds the " + std::to_string(limits.max_bytes) +
                                               "-byte limit");
    }
    UspRecord__Record* raw = usp_record__record__unpack(nullptr, bytes.size(), bytes.data());
    if (raw == nullptr) {
        return make_error(Errc::parse_error,
                          "USP record: protobuf decode failed " +
                              detail::describe_wire_error(&usp_record__record__descriptor, bytes));
    }
    Record record(raw);
    if (record.type() == RecordType::none) {
        return make_error(Errc::parse_error, who(raw) + ": record has no payload (no record_type set)");
    }
    return record;
}

Bytes encode_no_session_record(std::string_view to_id, std::string_view from_id, std::span<const uint8_t> msg,
                               std::string_view version) {
    detail::Arena arena;
    auto* rec = arena.make(usp_record__record__init);
    auto* nsc = arena.make(usp_record__no_session_context_record__init);
    nsc->payload.len = msg.size();
    nsc->payload.data = const_cast<uint8_t*>(msg.data());
    rec->record_type_case = USP_RECORD__RECORD__RECORD_TYPE_NO_SESSION_CONTEXT;
    rec->no_session_context = nsc;
    return finish(arena, rec, to_id, from_id, version);
}

Bytes encode_websocket_connect_record(std::string_view to_id, std::string_view from_id,
                                      std::string_view version) {
    detail::Arena arena;
    auto* rec = arena.make(usp_record__record__init);
    rec->record_type_case = USP_RECORD__RECORD__RECORD_TYPE_WEBSOCKET_CONNECT;
    rec->websocket_connect = arena.make(usp_record__web_socket_connect_record__init);
    return finish(arena, rec, to_id, from_id, version);
}

Bytes encode_mqtt_connect_record(std::string_view to_id, std::string_view from_id, MqttVersion mqtt_version,
                                 std::string_view subscribed_topic, std::string_view version) {
    detail::Arena arena;
    auto* rec = arena.make(usp_record__record__init);
    auto* mqtt = arena.make(usp_record__mqttconnect_record__init);
    detail::set_enum(mqtt->version, mqtt_version);
    mqtt->subscribed_topic = arena.copy(subscribed_topic);
    rec->record_type_case = USP_RECORD__RECORD__RECORD_TYPE_MQTT_CONNECT;
    rec->mqtt_connect = mqtt;
    return finish(arena, rec, to_id, from_id, version);
}

Bytes encode_uds_connect_record(std::string_view to_id, std::string_view from_id, std::string_view version) {
    detail::Arena arena;
    auto* rec = arena.make(usp_record__record__init);
    rec->record_type_case = USP_RECORD__RECORD__RECORD_TYPE_UDS_CONNECT;
    rec->uds_connect = arena.make(usp_record__udsconnect_record__init);
    return finish(arena, rec, to_id, from_id, version);
}

Bytes encode_disconnect_record(std::string_view to_id, std::string_view from_id, std::string_view reason,
                               uint32_t reason_code, std::string_view version) {
    detail::Arena arena;
    auto* rec = arena.make(usp_record__record__init);
    auto* disc = arena.make(usp_record__disconnect_record__init);
    disc->reason = arena.copy(reason);
    disc->reason_code = reason_code;
    rec->record_type_case = USP_RECORD__RECORD__RECORD_TYPE_DISCONNECT;
    rec->disconnect = disc;
    return finish(arena, rec, to_id, from_id, version);
}

}  // namespace cpe::usp
