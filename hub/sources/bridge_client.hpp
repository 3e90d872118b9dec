// The hub's client of the bridge's REST API (docs/bridge.md, docs/bridge-olt.md): each GET within a time
// budget and the source's circuit breaker (sources/circuit_breaker.hpp, as the GenieACS and ERPNext clients).
// Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "diag/hosts.hpp"
#include "json/json.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "sources/circuit_breaker.hpp"
#include "util/result.hpp"

namespace cpe::hub::sources {

// A modem's hosts as the bridge read them: the view (parse_bridge_hosts, leases as of now) and when the
// bridge read the modem (now − its Age header; wall-clock milliseconds).
struct BridgeHosts {
    diag::HostsView view;
    int64_t data_ms = 0;
};

class BridgeClient {
  public:
    // base_url "" = not configured (every call fails "the bridge is not configured").
    BridgeClient(net::EventLoop& loop, net::HttpClient& http, std::string base_url, uint64_t budget_ms,
                 BreakerOptions breaker);
    BridgeClient(const BridgeClient&) = delete;
    BridgeClient& operator=(const BridgeClient&) = delete;
    bool configured() const { return !base_.empty(); }
    // GET /modems/<id>/optical → {rxDbm, txDbm} (also accepts rx_dbm/tx_dbm). Value nullopt: 404.
    void optical(const std::string& modem_id, std::function<void(Result<std::optional<json::Ptr>>)> done);
    // GET /modems/<id>/mesh → the mesh nodes (parse_bridge_mesh). Value nullopt: 404 or no mesh read.
    void mesh(const std::string& modem_id, std::function<void(Result<std::optional<json::Ptr>>)> done);
    // GET /olts/<olt>/pons/<slot>/<port> → the row of ONU `onu` (parse_bridge_onu). Value nullopt: the bridge
    // does not know that OLT/PON (404) or the PON has no such ONU.
    void onu(const std::string& olt, int slot, int port, int onu,
             std::function<void(Result<std::optional<json::Ptr>>)> done);
    // GET /modems/<id>/hosts[?refresh=1] (docs/bridge.md) → the hosts view with one node named `modem_id`.
    // refresh: the bridge reads the modem now instead of answering from its cache. Value nullopt: the bridge
    // does not know the modem (404). Errors carry the bridge's own error text.
    void hosts(const std::string& modem_id, bool refresh,
               std::function<void(Result<std::optional<BridgeHosts>>)> done);
    // {configured, circuit, consecutive_failures, failures, rejected, calls, retry_in_ms?, last_ok_age_s?};
    // no error text (it can name a modem).
    json::Ptr health() const;
    // When a call last succeeded (steady milliseconds; 0: never).
    int64_t last_ok_steady_ms() const { return last_ok_ms_; }

  private:
    // One GET within the budget and the breaker; 404 → nullopt; another status than 200 → an error with the
    // bridge's text.
    template <typename T>
    void fetch(std::string path, std::function<Result<std::optional<T>>(const net::HttpResponse&)> parse,
               std::function<void(Result<std::optional<T>>)> done);
    void succeeded();

    net::EventLoop& loop_;
    net::HttpClient& http_;
    std::string base_;
    uint64_t budget_ms_;
    CircuitBreaker breaker_;
    uint64_t calls_ = 0;
    int64_t last_ok_ms_ = 0;
};

}  // namespace cpe::hub::sources
