#include "api/lookup.hpp"

#include <algorithm>

#include "api/devices_api.hpp"
#include "api/reply.hpp"
#include "json/json.hpp"
#include "sources/genieacs_model.hpp"

namespace cpe::hub::api {

int match_rank(sources::LookupMethod m) {
    using M = sources::LookupMethod;
    switch (m) {
        case M::serial:
            return 1;
        case M::gpon_suffix:
            return 2;
        case M::id_contains:
            return 3;
        case M::none:
            break;
    }
    return 4;
}

sources::LookupMethod lookup_method_named(const std::string& name) {
    using M = sources::LookupMethod;
    for (M m : {M::serial, M::gpon_suffix, M::id_contains})
        if (name == sources::lookup_method_name(m)) return m;
    return M::none;
}

Lookup::Lookup(DevicesApi& api, net::Responder res, std::string serial, bool refresh)
    : api_(api),
      alive_(api.lifetime_.token()),
      res_(std::move(res)),
      serial_(std::move(serial)),
      refresh_(refresh) {}

void Lookup::start() {
    using M = sources::LookupMethod;
    auto self = shared_from_this();
    int64_t now = now_ms();
    in_.now_ms = now;
    in_.thresholds = api_.config_.optical;
    in_.agent_status.state = api_.hub_.controller() ? diag::SourceState::not_found : diag::SourceState::off;
    in_.genieacs_status.state =
        api_.genieacs_.configured() ? diag::SourceState::not_found : diag::SourceState::off;
    in_.erpnext_status.state =
        api_.erpnext_.configured() ? diag::SourceState::not_found : diag::SourceState::off;
    in_.bridge_status.state =
        api_.bridge_.configured() ? diag::SourceState::not_found : diag::SourceState::off;
    deadline_ = api_.hub_.loop().add_timer(api_.config_.lookup_budget_ms, [self] { self->answer(true); });

    // 1. Agents the hub knows, by the three fallbacks.
    std::string su = upper(serial_);
    std::string tail = su.size() >= 8 ? su.substr(su.size() - 8) : "";
    for (const auto* e : api_.hub_.registry().list()) {
        M level = M::none;
        const auto& id = e->record.endpoint_id;
        std::string gpon;
        if (const DeviceBrief* b = api_.agents_.brief(id)) gpon = upper(b->gpon_serial);
        if (upper(e->record.serial) == su)
            level = M::serial;
        else if (!tail.empty() && gpon.size() >= 8 && gpon.compare(gpon.size() - 8, 8, tail) == 0)
            level = M::gpon_suffix;
        else if (upper(id).find(su) != std::string::npos)
            level = M::id_contains;
        if (level != M::none &&
            (match_rank(level) < match_rank(ep_match_) || (level == ep_match_ && e->record.online))) {
            ep_ = id;
            ep_match_ = level;
        }
    }
    // Two live agents claiming the serial: neither is believed; a quarantined match is shown as such
    // (docs/security-identity.md).
    std::vector<std::string> claimants;
    for (const auto* e : api_.hub_.registry().list())
        if (e->record.online && !e->record.serial.empty() && upper(e->record.serial) == su)
            claimants.push_back(e->record.endpoint_id);
    if (claimants.size() >= 2)
        return finish_identity(
            "conflict", claimants,
            std::to_string(claimants.size()) + " connected agents claim serial_ '" + serial_ + "'");
    if (const auto* e = ep_.empty() ? nullptr : api_.hub_.registry().find(ep_); e && e->quarantined)
        return finish_identity("quarantined", {ep_},
                               "agent '" + ep_ + "' is quarantined: " + e->quarantine_reason);
    // 2. GenieACS (TR-069), in parallel; an exact agent match does not wait for it. Its last answer to this
    //    query is reused within cache.genieacs_s.
    if (api_.genieacs_.configured()) {
        const SourceAnswer<GenieHit>* c = refresh_ ? nullptr : api_.cache_.genieacs(serial_, now);
        if (c) {
            genie_cached_ = true;
            genie_ = c->value;
            in_.genieacs_status.cached = true;
            keep_until(c->fetched_ms + api_.cache_.windows().genieacs_ms);
        } else {
            genie_pending_ = true;
            fetched_live();
            api_.genieacs_.find(serial_, kGenieFull, [self](Result<std::optional<GenieHit>> r) {
                if (self->alive_.expired()) return;
                int64_t t = now_ms();
                std::shared_ptr<const GenieHit> hit;
                if (r && *r) hit = std::make_shared<const GenieHit>(std::move(**r));
                // Kept for the next lookups even when this one has already answered.
                if (r) {
                    self->api_.cache_.put_genieacs(self->serial_, hit, t);
                    self->api_.seen_genie_.ok(t);
                } else {
                    self->api_.seen_genie_.failed(t, r.error().message);
                }
                if (self->answered_) return;
                self->genie_pending_ = false;
                auto& st = self->in_.genieacs_status;
                if (!r) {
                    st.state = diag::SourceState::failed;
                    st.error = r.error().message;
                    self->genie_errc_ = r.error().code;
                } else if (!hit) {
                    st.state = diag::SourceState::not_found;
                } else {
                    self->genie_ = std::move(hit);
                }
                self->resolved();
            });
        }
    }
    if (ep_match_ == M::serial || !genie_pending_) resolved();
}

diag::DeviceIdentity Lookup::genie_identity() const {
    return diag::identity_of(genie_->params);
}

// Called when the device may be identified: starts phase 2 once, merges late GenieACS data.
void Lookup::resolved() {
    using M = sources::LookupMethod;
    if (genie_ && (ep_match_ == M::none ||
                   (!phase2_ && match_rank(lookup_method_named(genie_->match)) < match_rank(ep_match_)))) {
        // GenieACS matched better: a TR-069 device, or an agent device found through its GenieACS record
        // (same serial, GPON serial or MAC: its TR-069 serial may be a factory one).
        diag::DeviceIdentity gid = genie_identity();
        std::string found;
        bool found_online = false;
        for (const auto* e : api_.hub_.registry().list()) {
            if (!diag::same_device(api_.agents_.identity(*e), gid)) continue;
            if (found.empty() || (e->record.online && !found_online)) {
                found = e->record.endpoint_id;
                found_online = e->record.online;
            }
        }
        ep_ = found;
        ep_match_ = lookup_method_named(genie_->match);
    }
    if (genie_ && (ep_.empty() || same_device())) {
        in_.genieacs = genie_->params;
        in_.genieacs_status.state = diag::SourceState::fresh;
        // The age of the values shown (their _timestamp), DeviceInfo and optical by the record's data
        // model; _lastInform only when none has a timestamp.
        const auto& mp = sources::model_paths(sources::model_of(genie_->params));
        in_.genieacs_status.data_ms = oldest_value_ms(*genie_, {mp.device_info, mp.optical});
        if (!in_.genieacs_status.data_ms) in_.genieacs_status.data_ms = genie_->last_inform_ms;
    } else if (genie_) {
        in_.genieacs_status.state = diag::SourceState::not_found;
        in_.genieacs_status.error = "GenieACS matched another device (" + genie_->id + ")";
    }
    if (!phase2_) {
        if (ep_.empty() && !genie_) {
            if (!genie_pending_) finish_not_found();
            return;
        }
        phase2_ = true;
        start_phase2();
    }
    maybe_answer();
}

bool Lookup::same_device() const {
    const auto* e = api_.hub_.registry().find(ep_);
    return e && diag::same_device(api_.agents_.identity(*e), genie_identity());
}

void Lookup::start_phase2() {
    auto self = shared_from_this();
    int64_t now = now_ms();
    const controller::Endpoint* e = ep_.empty() ? nullptr : api_.hub_.registry().find(ep_);
    in_.id = e ? ep_ : genie_->id;
    in_.kind = e ? "usp" : "tr069";
    std::string dev_serial = serial_;
    std::vector<std::string> macs;
    if (e) {
        in_.online = e->record.online;
        in_.last_seen_ms = e->record.last_seen_ms;
        dev_serial = e->record.serial.empty() ? serial_ : e->record.serial;
        size_t start = 0;
        const std::string& m = e->record.macs;
        while (start < m.size()) {
            size_t end = m.find(',', start);
            if (end == std::string::npos) end = m.size();
            std::string mac = diag::normalize_mac(m.substr(start, end - start));
            if (!mac.empty()) macs.push_back(mac);
            start = end + 1;
        }
        // Agent: its last full snapshot within cache.agent_s (and no notification since); else a live Get
        // within its budget; the last snapshot, stale, if that fails.
        const AgentSnapshot* snap = api_.agents_.snapshot(ep_);
        if (e->record.online && api_.hub_.controller() && !refresh_ && snap &&
            api_.cache_.agent_fresh(ep_, snap->time_ms, now)) {
            in_.agent = snap->params;
            in_.agent_status.state = diag::SourceState::fresh;
            in_.agent_status.data_ms = snap->time_ms;
            in_.agent_status.error.clear();
            in_.agent_status.cached = true;
            keep_until(snap->time_ms + api_.cache_.windows().agent_ms);
        } else if (e->record.online && api_.hub_.controller()) {
            agent_pending_ = true;
            fetched_live();
            uint64_t budget = std::min(api_.config_.agent_budget_ms, api_.config_.lookup_budget_ms);
            api_.agent_get(ep_, kFullPaths, budget, [self](Result<diag::Params> r) {
                if (self->alive_.expired()) return;
                int64_t t = now_ms();
                if (r) self->api_.remember(self->ep_, *r, t, true);
                if (self->answered_) return;
                self->agent_pending_ = false;
                if (r) {
                    self->in_.agent = std::move(r).value();
                    self->in_.agent_status.state = diag::SourceState::fresh;
                    self->in_.agent_status.data_ms = t;
                    self->in_.agent_status.error.clear();
                } else {
                    self->use_snapshot(r.error().message, true);
                }
                self->maybe_answer();
            });
        } else {
            use_snapshot("agent is offline", false);
        }
    } else {
        in_.online = genie_->last_inform_ms &&
                     now - *genie_->last_inform_ms < api_.config_.genieacs.online_window_s * 1000LL;
        in_.last_seen_ms = genie_->last_inform_ms;
        dev_serial = diag::get(genie_->params, "_deviceId._SerialNumber").value_or(serial_);
        // ERPNext knows the sticker serial; a factory TR-069 serial is not it: its MACs are the fallback.
        macs = diag::identity_of(genie_->params).macs;
    }
    // The bridge knows modems by their ERPNext equipment name (docs/bridge.md): asked once ERPNext answered.
    bridge_fallback_id_ = dev_serial;
    bridge_pending_ = api_.bridge_.configured();
    if (api_.erpnext_.configured()) {
        erp_key_ = dev_serial + "\n" + (macs.empty() ? std::string() : macs.front());
        const SourceAnswer<ErpData>* c = refresh_ ? nullptr : api_.cache_.erpnext(erp_key_, now);
        if (c) {
            use_erp(c->value, c->fetched_ms, true);
        } else {
            erp_pending_ = true;
            fetched_live();
            api_.erpnext_.equipment(dev_serial, macs, [self](Result<std::optional<ErpData>> r) {
                if (self->alive_.expired()) return;
                int64_t t = now_ms();
                std::shared_ptr<const ErpData> data;
                if (r && *r) data = std::make_shared<const ErpData>(std::move(**r));
                if (r) {
                    self->api_.cache_.put_erpnext(self->erp_key_, data, t);
                    self->api_.seen_erp_.ok(t);
                } else {
                    self->api_.seen_erp_.failed(t, r.error().message);
                }
                if (self->answered_) return;
                self->erp_pending_ = false;
                if (r) {
                    self->use_erp(data, t, false);
                } else {
                    self->in_.erpnext_status = {diag::SourceState::failed, std::nullopt, r.error().message};
                    self->reusable_ = false;
                    if (self->bridge_pending_) self->start_bridge(self->bridge_fallback_id_);
                }
                self->maybe_answer();
            });
        }
    } else if (bridge_pending_) {
        start_bridge(dev_serial);
    }
}

// ERPNext's answer (null: it does not know the device); then the bridge, by the equipment name.
void Lookup::use_erp(const std::shared_ptr<const ErpData>& data, int64_t fetched_ms, bool cached) {
    erp_pending_ = false;
    auto& st = in_.erpnext_status;
    st = {data ? diag::SourceState::fresh : diag::SourceState::not_found, fetched_ms, ""};
    st.cached = cached;
    if (data) {
        in_.equipment = json_copy(data->equipment);
        in_.location = json_copy(data->location);
        in_.customer = json_copy(data->customer);
    }
    keep_until(fetched_ms + api_.cache_.windows().erpnext_ms);
    if (bridge_pending_) {
        const cJSON* name =
            in_.equipment ? cJSON_GetObjectItemCaseSensitive(in_.equipment.get(), "name") : nullptr;
        start_bridge(cJSON_IsString(name) ? name->valuestring : bridge_fallback_id_);
    }
}

// The last snapshot, stale. `retry`: a live Get failed (the next lookup asks again); else the agent is
// offline.
void Lookup::use_snapshot(const std::string& why, bool retry) {
    if (retry) {
        reusable_ = false;
        api_.seen_agent_.failed(now_ms(), why);
    }
    if (const auto* s = api_.agents_.snapshot(ep_)) {
        in_.agent = s->params;
        in_.agent_status = {diag::SourceState::stale, s->time_ms, why};
    } else {
        in_.agent_status = {diag::SourceState::failed, std::nullopt, why + "; no earlier snapshot"};
    }
}

void Lookup::maybe_answer() {
    if (!phase2_ || genie_pending_ || agent_pending_ || erp_pending_ || bridge_pending_) return;
    answer(false);
}

// 409: the identity cannot be trusted ("conflict", "quarantined"); the endpoints involved are named.
void Lookup::finish_identity(const std::string& identity, const std::vector<std::string>& endpoints,
                             const std::string& msg) {
    if (answered_ || alive_.expired()) return;
    answered_ = true;
    deadline_.cancel();
    auto o = json::make_object();
    json::add_string(o.get(), "error", msg);
    json::add_number(o.get(), "status", 409);
    json::add_string(o.get(), "identity", identity);
    auto list = json::make_array();
    for (const auto& id : endpoints) json::append(list.get(), json::Ptr(cJSON_CreateString(id.c_str())));
    json::add(o.get(), "endpoints", std::move(list));
    res_.json(409, json::print(o.get()));
}

void Lookup::finish_not_found() {
    if (answered_ || alive_.expired()) return;
    answered_ = true;
    deadline_.cancel();
    // Nothing matched: the next search asks GenieACS again (a device just installed must not stay unknown
    // for a whole window; "not found" is kept only when the query found an agent).
    api_.cache_.drop_genieacs(serial_);
    auto o = json::make_object();
    bool genie_failed = in_.genieacs_status.state == diag::SourceState::failed;
    int status = genie_failed ? status_for(make_error(genie_errc_, "")) : 404;
    std::string msg =
        "no device matches serial_ '" + serial_ + "' (exact serial_, GPON serial_ suffix, id containing it)";
    if (genie_failed) msg += "; GenieACS could not be asked: " + in_.genieacs_status.error;
    json::add_string(o.get(), "error", msg);
    json::add_number(o.get(), "status", status);
    auto src = json::make_object();
    for (auto [name, st] : {std::pair{"agent", &in_.agent_status}, {"genieacs", &in_.genieacs_status}}) {
        auto s = json::make_object();
        json::add_string(s.get(), "state", diag::state_name(st->state));
        if (st->cached) json::add_bool(s.get(), "cached", true);
        if (!st->error.empty()) json::add_string(s.get(), "error", st->error);
        json::add(src.get(), name, std::move(s));
    }
    json::add(o.get(), "sources", std::move(src));
    res_.json(status, json::print(o.get()));
}

void Lookup::answer(bool at_deadline) {
    using M = sources::LookupMethod;
    if (answered_ || alive_.expired()) return;
    if (!phase2_) {
        if (at_deadline) {
            in_.genieacs_status = {diag::SourceState::failed, std::nullopt,
                                   "no answer within the lookup budget of " +
                                       std::to_string(api_.config_.lookup_budget_ms) + " ms"};
            genie_errc_ = Errc::timeout;
            genie_pending_ = false;
            reusable_ = false;
            if (ep_.empty()) return finish_not_found();
            phase2_ = true;
            start_phase2();
            // Sources just started have no time left: answer with what is known.
        } else {
            return;
        }
    }
    answered_ = true;
    deadline_.cancel();
    std::string late =
        "no answer within the lookup budget of " + std::to_string(api_.config_.lookup_budget_ms) + " ms";
    if (agent_pending_) use_snapshot(late, true);
    if (genie_pending_) in_.genieacs_status = {diag::SourceState::failed, std::nullopt, late};
    if (erp_pending_) in_.erpnext_status = {diag::SourceState::failed, std::nullopt, late};
    if (bridge_pending_) in_.bridge_status = {diag::SourceState::failed, std::nullopt, late};
    if (genie_pending_ || erp_pending_ || bridge_pending_) reusable_ = false;
    // Optical history: the current reading first (TR-069 devices too; a cached document adds nothing new),
    // then the trend.
    if (in_.genieacs && in_.kind == "tr069" && !genie_cached_)
        api_.record_optical(in_.id, *in_.genieacs, in_.genieacs_status.data_ms.value_or(in_.now_ms),
                            "genieacs");
    in_.optical_history = api_.history_of(in_.id);
    in_.now_ms = now_ms();  // every age as of this answer
    std::string body = diag::device_view_json(in_);
    // The fallback that found it.
    body.pop_back();
    M match = ep_match_ != M::none && in_.kind == "usp" ? ep_match_
              : genie_                                  ? lookup_method_named(genie_->match)
                                                        : M::none;
    body += ",\"match\":" + quote(sources::lookup_method_name(match));
    if (genie_ &&
        !genie_->steps.empty()) {  // the GenieACS lookup's steps: which found it, which were skipped
        auto steps = json::make_array();
        for (const auto& st : genie_->steps)
            json::append(steps.get(), json::Ptr(cJSON_CreateString(st.c_str())));
        body += ",\"genieacs_steps\":" + json::print(steps.get());
    }
    body += "}";
    if (reusable_ && !refresh_) {
        int64_t until = expires_ms_;
        for (const diag::SourceStatus* st :
             {&in_.agent_status, &in_.genieacs_status, &in_.erpnext_status, &in_.bridge_status})
            if (st->data_ms) until = std::min(until, next_age_change(in_.now_ms, *st->data_ms));
        if (in_.kind == "tr069" && in_.online &&
            in_.last_seen_ms)  // "online" flips when the inform gets too old
            until = std::min(until, *in_.last_seen_ms +
                                        static_cast<int64_t>(api_.config_.genieacs.online_window_s) * 1000);
        if (until > in_.now_ms) api_.cache_.put_answer(serial_, in_.id, body, until);
    }
    res_.json(200, std::move(body));
}

}  // namespace cpe::hub::api
