// The endpoints the hub knows: identity and online state in memory, persisted in the store (survives hub
// restarts; every endpoint starts offline). Store failures are logged (rate-limited) and do not stop the
// in-memory registry. Loop thread only.
//
// Admission (docs/security-identity.md): an endpoint is *admitted* when it is on the allow-list (mode allow_list;
// the transport refuses the others) or, in mode identified, when it answers the identification with a serial
// number. Until then it lives in memory only, for as long as it is connected: it is not stored, not listed, not
// counted and no listener hears of it. Under mutual TLS the identity reported must be the certificate's
// (endpoint id "<authority>::<OUI>-<serial>"): otherwise the endpoint is quarantined: listed as such, its
// reported serial kept apart (not matched by lookups, not polled).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/transport.hpp"
#include "store/registry_store.hpp"
#include "usp/types.hpp"

namespace cpe::hub::controller {

struct Endpoint {
    store::EndpointRecord record;  // device_info_json is not kept in memory: ask device_info()
    ConnectionInfo connection;     // valid while online
    int64_t connected_since_ms = 0;
    bool admitted = false;
    bool identified_now = false;   // identified on its current connection
    bool quarantined = false;      // the reported identity contradicts the certificate (record.serial left empty)
    std::string quarantine_reason;
};

enum class Admission { identified, allow_list };

struct RegistryOptions {
    Admission admission = Admission::identified;
    // Stored rows of endpoints never identified (an allow-listed id that never answered, an older hub's rows)
    // are dropped when the registry loads once their last_seen is this old.
    int64_t unidentified_ttl_ms = 24LL * 3600 * 1000;
};

// Splits an endpoint id "<authority>::<OUI>-<serial>" (TR-369 "os::" form); false if it has not that shape.
bool oui_serial_of(const std::string& endpoint_id, std::string& oui, std::string& serial);

enum class EndpointChange { connected, disconnected, identified };

class Registry {
public:
    using Listener = std::function<void(const Endpoint&, EndpointChange)>;

    // `store` may be null (memory only). now_ms() is injectable for tests.
    explicit Registry(store::Store* store, std::function<int64_t()> now_ms = {}, RegistryOptions options = {});

    // Loads the persisted endpoints and marks them all offline.
    Status load();

    void connected(const std::string& endpoint_id, const ConnectionInfo& info);
    void disconnected(const std::string& endpoint_id);
    // Identity from a GetResp of Device.DeviceInfo. (and optionally MAC address paths).
    void identify(const std::string& endpoint_id, const usp::GetResp& resp);

    // Admitted or not (the controller talks to both); callers showing devices check `admitted`.
    const Endpoint* find(const std::string& endpoint_id) const;
    // Admitted endpoints only, sorted by endpoint id.
    std::vector<const Endpoint*> list() const;
    size_t size() const { return endpoints_.size() - waiting_; }  // admitted
    size_t online_count() const { return online_; }               // admitted and online
    size_t waiting() const { return waiting_; }                    // connected, not admitted yet
    const RegistryOptions& options() const { return options_; }
    // The last DeviceInfo snapshot as JSON ("" if none), from the store.
    std::string device_info(const std::string& endpoint_id) const;

    // Several listeners may watch; each gets every change.
    void listen(Listener listener) { listeners_.push_back(std::move(listener)); }

    store::Store* store() const { return store_; }
    int64_t now_ms() const { return now_(); }

private:
    void notify(const Endpoint& e, EndpointChange change);
    void admit(Endpoint& e);

    store::Store* store_;
    std::function<int64_t()> now_;
    RegistryOptions options_;
    size_t waiting_ = 0;
    std::map<std::string, Endpoint> endpoints_;
    size_t online_ = 0;
    std::vector<Listener> listeners_;
};

// Fills model/serial/OUI/product class/firmware/MACs from a GetResp; the snapshot JSON gets every
// resolved object under Device.DeviceInfo. as {"<resolved path>": {"<param>": "<value>"}}.
void identity_from_get_resp(const usp::GetResp& resp, store::EndpointRecord& out);

}  // namespace cpe::hub::controller
