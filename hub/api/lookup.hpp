// GET /devices/lookup?serial=…: one lookup as a state machine of its own. Phase 1 finds the device: the
// agents the hub knows and GenieACS, each by the three fallbacks (exact serial, GPON serial suffix, id
// containing it — sources::LookupMethod, best first); two live agents claiming the serial (or a quarantined
// one) end it with 409. Phase 2 reads the sources for it in parallel (the agent, ERPNext and then the bridge
// by the equipment name), each from the lookup cache within its window, and answers with the consolidated
// view when all have answered or at lookup_budget_ms with what is known. docs/api.md. Loop thread only.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/parse.hpp"
#include "api/source_clients.hpp"
#include "diag/consolidate.hpp"
#include "diag/identity.hpp"
#include "net/event_loop.hpp"
#include "net/http_server.hpp"
#include "sources/genieacs_client.hpp"

namespace cpe::hub::api {

class DevicesApi;

// A lower rank is a better match; none ranks below every method.
int match_rank(sources::LookupMethod m);
// "serial", "gpon_suffix", "id_contains" → the method; anything else (a GenieACS read by id) → none.
sources::LookupMethod lookup_method_named(const std::string& name);

class Lookup : public std::enable_shared_from_this<Lookup> {
  public:
    // `api` outlives every callback that runs (they check its lifetime token).
    Lookup(DevicesApi& api, net::Responder res, std::string serial, bool refresh);
    void start();

  private:
    struct BridgeRead;

    diag::DeviceIdentity genie_identity() const;
    // Called when the device may be identified: starts phase 2 once, merges late GenieACS data.
    void resolved();
    // Whether the matched agent and the GenieACS record are the same device.
    bool same_device() const;
    void start_phase2();
    void use_erp(const std::shared_ptr<const ErpData>& data, int64_t fetched_ms, bool cached);
    void start_bridge(const std::string& modem_id);
    void bridge_answered(BridgeRead& read);
    void use_bridge(const std::shared_ptr<const json::Ptr>& reading, int64_t fetched_ms, bool cached);
    void use_snapshot(const std::string& why, bool retry);
    void maybe_answer();
    void finish_identity(const std::string& identity, const std::vector<std::string>& endpoints,
                         const std::string& msg);
    void finish_not_found();
    void answer(bool at_deadline);
    bool gone() const { return alive_.expired(); }
    void keep_until(int64_t t) { expires_ms_ = std::min(expires_ms_, t); }
    void fetched_live() {
        reusable_ = false;
    }  // this answer shows live data: the next lookup renders from the cache

    DevicesApi& api_;
    std::weak_ptr<void> alive_;  // the api's lifetime
    net::Responder res_;
    std::string serial_;
    bool refresh_ = false;  // ?refresh: ask every source whatever the cache holds (and refill it)
    net::TimerHandle deadline_;
    bool answered_ = false;
    bool phase2_ = false;
    // The rendered answer may be reused (LookupCache::answer) only when every source's part came from the
    // cache (so each one's "cached" flag is true) and none failed; until `expires_ms_` (a cached answer
    // leaves its window).
    bool reusable_ = true;
    int64_t expires_ms_ = std::numeric_limits<int64_t>::max();

    std::string ep_;  // matched agent endpoint ("" = none)
    sources::LookupMethod ep_match_ = sources::LookupMethod::none;
    std::shared_ptr<const GenieHit> genie_;
    bool genie_cached_ = false;
    bool genie_pending_ = false, agent_pending_ = false, erp_pending_ = false, bridge_pending_ = false;
    Errc genie_errc_ =
        Errc::unavailable;  // why GenieACS failed: the same status as every endpoint gives it (status_for)
    std::string bridge_fallback_id_, erp_key_, bridge_key_;
    diag::DeviceInputs in_;
};

}  // namespace cpe::hub::api
