// The endpoints the hub knows: identity and online state in memory, persisted in the store (survives hub
// restarts; every endpoint starts offline). Store failures are logged (rate-limited) and do not stop the
// in-memory registry. Loop thread only.
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
};

enum class EndpointChange { connected, disconnected, identified };

class Registry {
public:
    using Listener = std::function<void(const Endpoint&, EndpointChange)>;

    // `store` may be null (memory only). now_ms() is injectable for tests.
    explicit Registry(store::Store* store, std::function<int64_t()> now_ms = {});

    // Loads the persisted endpoints and marks them all offline.
    Status load();

    void connected(const std::string& endpoint_id, const ConnectionInfo& info);
    void disconnected(const std::string& endpoint_id);
    // Identity from a GetResp of Device.DeviceInfo. (and optionally MAC address paths).
    void identify(const std::string& endpoint_id, const usp::GetResp& resp);

    const Endpoint* find(const std::string& endpoint_id) const;
    std::vector<const Endpoint*> list() const;  // sorted by endpoint id
    size_t size() const { return endpoints_.size(); }
    size_t online_count() const { return online_; }
    // The last DeviceInfo snapshot as JSON ("" if none), from the store.
    std::string device_info(const std::string& endpoint_id) const;

    // Several listeners may watch; each gets every change.
    void listen(Listener listener) { listeners_.push_back(std::move(listener)); }

    store::Store* store() const { return store_; }
    int64_t now_ms() const { return now_(); }

private:
    void notify(const Endpoint& e, EndpointChange change);

    store::Store* store_;
    std::function<int64_t()> now_;
    std::map<std::string, Endpoint> endpoints_;
    size_t online_ = 0;
    std::vector<Listener> listeners_;
};

// Fills model/serial/OUI/product class/firmware/MACs from a GetResp; the snapshot JSON gets every
// resolved object under Device.DeviceInfo. as {"<resolved path>": {"<param>": "<value>"}}.
void identity_from_get_resp(const usp::GetResp& resp, store::EndpointRecord& out);

}  // namespace cpe::hub::controller
