// The lookup's bridge reads (Lookup::start_bridge…use_bridge): the modem's optical levels and mesh, and the
// OLT's row of the device's ONU, merged into one reading. The rest of the state machine: lookup.cpp.
#include "api/devices_api.hpp"
#include "api/lookup.hpp"
#include "api/reply.hpp"
#include "json/json.hpp"

namespace cpe::hub::api {

// The bridge: the modem's own optical levels (GET /modems/<equipment>/optical, TP-Link modems it logs into)
// and the OLT's row for the device's position (GET /olts/<olt_name>/pons/<slot>/<port>, from the Service
// Location's olt_name and olt_port "<slot>/<port>/<onu>"), merged into one reading: oltRxDbm, onuStatus,
// distanceM, and the ONU's rx/tx where the modem gave none.
struct Lookup::BridgeRead {
    int pending = 0;
    std::optional<json::Ptr> modem, onu, mesh;
    std::string error;
    bool any_ok = false;
};

void Lookup::start_bridge(const std::string& modem_id) {
    std::string olt;
    std::optional<OltPosition> pos;
    if (in_.location) {
        const cJSON* name = cJSON_GetObjectItemCaseSensitive(in_.location.get(), "olt_name");
        const cJSON* port = cJSON_GetObjectItemCaseSensitive(in_.location.get(), "olt_port");
        if (cJSON_IsString(name) && *name->valuestring && cJSON_IsString(port)) {
            pos = parse_olt_port(port->valuestring);
            if (pos) olt = name->valuestring;
        }
    }
    bridge_key_ = modem_id;
    if (pos)
        bridge_key_ += "\n" + olt + "/" + std::to_string(pos->slot) + "/" + std::to_string(pos->port) + "/" +
                       std::to_string(pos->onu);
    const SourceAnswer<json::Ptr>* c = refresh_ ? nullptr : api_.cache_.bridge(bridge_key_, now_ms());
    if (c) return use_bridge(c->value, c->fetched_ms, true);
    fetched_live();
    auto self = shared_from_this();
    auto read = std::make_shared<BridgeRead>();
    read->pending = pos ? 3 : 2;
    auto done = [self, read](const char* what, Result<std::optional<json::Ptr>> r,
                             std::optional<json::Ptr>& slot) {
        if (!r)
            read->error += std::string(read->error.empty() ? "" : "; ") + what + ": " + r.error().message;
        else {
            read->any_ok = true;
            slot = std::move(*r);
        }
        if (--read->pending == 0) self->bridge_answered(*read);
    };
    api_.bridge_.optical(modem_id, [self, read, done](Result<std::optional<json::Ptr>> r) {
        if (self->alive_.expired()) return;
        done("modem", std::move(r), read->modem);
    });
    // The modem's mesh nodes (issue 16): the same cached read at the bridge, no second modem login.
    api_.bridge_.mesh(modem_id, [self, read, done](Result<std::optional<json::Ptr>> r) {
        if (self->alive_.expired()) return;
        done("mesh", std::move(r), read->mesh);
    });
    if (pos)
        api_.bridge_.onu(olt, pos->slot, pos->port, pos->onu,
                         [self, read, done](Result<std::optional<json::Ptr>> r) {
                             if (self->alive_.expired()) return;
                             done("OLT", std::move(r), read->onu);
                         });
}

void Lookup::bridge_answered(BridgeRead& read) {
    int64_t t = now_ms();
    std::shared_ptr<const json::Ptr> reading;
    if (read.modem || read.onu) {
        json::Ptr merged = read.modem ? std::move(*read.modem) : json::make_object();
        if (read.onu) {
            for (const cJSON* v = read.onu->get()->child; v; v = v->next) {
                // the modem's own levels first; the OLT's view of the ONU otherwise
                if (cJSON_GetObjectItemCaseSensitive(merged.get(), v->string)) continue;
                json::add(merged.get(), v->string, json::Ptr(cJSON_Duplicate(v, true)));
            }
        }
        if (read.mesh) json::add(merged.get(), "mesh", std::move(*read.mesh));
        reading = std::make_shared<const json::Ptr>(std::move(merged));
    }
    if (read.any_ok && read.error.empty()) {
        api_.cache_.put_bridge(bridge_key_, reading, t);
        api_.seen_bridge_.ok(t);
    } else if (!read.error.empty()) {
        api_.seen_bridge_.failed(t, read.error);
    }
    if (answered_) return;
    if (read.any_ok) {
        use_bridge(reading, t, false);
        if (!read.error.empty()) {
            in_.bridge_status.error = read.error;  // half of the reading: say which half is missing
            reusable_ = false;
        }
    } else {
        bridge_pending_ = false;
        in_.bridge_status = {diag::SourceState::failed, std::nullopt, read.error};
        reusable_ = false;
    }
    maybe_answer();
}

void Lookup::use_bridge(const std::shared_ptr<const json::Ptr>& reading, int64_t fetched_ms, bool cached) {
    bridge_pending_ = false;
    auto& st = in_.bridge_status;
    st = {reading ? diag::SourceState::fresh : diag::SourceState::not_found, fetched_ms, ""};
    st.cached = cached;
    if (reading) in_.bridge = json_copy(*reading);
    keep_until(fetched_ms + api_.cache_.windows().bridge_ms);
}

}  // namespace cpe::hub::api
