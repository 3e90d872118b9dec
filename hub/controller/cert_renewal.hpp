// Certificate renewal before expiry (docs/security.md "Certificate renewal"): when an agent connects with a
// verified client certificate that names its endpoint id (ConnectionInfo::proven) and whose notAfter is
// within `days_before_expiry`, the hub drives the agent's two vendor commands:
//   1. Operate Device.LocalAgent.<prefix>RenewCertificate()  → the CSR of a key made on the device
//   2. the CSR checked (its signature, P-256, subject exactly CN=<the endpoint id this connection is bound
//      to>) and signed by the fleet CA (fleet_ca.hpp)
//   3. Operate Device.LocalAgent.<prefix>InstallCertificate(Certificate=…); the agent reconnects with it
// Checked when an agent connects and again every `check_interval_s` for the agents still connected (a device
// that stays connected for months is renewed too). Each outcome is logged and recorded as a "cert_renewal"
// entry in the endpoint's notifications (stored, and on the SSE stream). One renewal per endpoint at a time;
// after an attempt, none for that endpoint before `retry_after_s` (an agent that keeps failing is not asked
// on every reconnect). Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "controller/controller.hpp"
#include "controller/fleet_ca.hpp"
#include "controller/transport.hpp"
#include "net/event_loop.hpp"
#include "util/lifetime.hpp"

namespace cpe::hub::controller {

struct CertRenewalOptions {
    uint32_t days_before_expiry = 30;  // renew when notAfter is this close (or past)
    uint32_t validity_days = 825;      // of the new certificate (as provisioning/certs/sign-csr.sh)
    std::string vendor_prefix;         // the agents' vendor_prefix (hub usp.vendor_prefix), required
    int64_t retry_after_s = 86400;     // after an attempt on an endpoint, the next one waits this long
    int64_t check_interval_s = 3600;   // connected agents' certificates are looked at again this often
};

struct CertRenewalStats {
    uint64_t started = 0;
    uint64_t renewed = 0;  // the agent accepted the new certificate
    uint64_t failed = 0;
};

class CertRenewal {
  public:
    using Clock = std::function<int64_t()>;  // unix seconds; default time()
    CertRenewal(net::EventLoop& loop, Controller& controller, CertRenewalOptions options,
                std::unique_ptr<FleetCa> ca, Clock clock = {});

    // From the transport, after the controller heard of the connection.
    void on_connected(const std::string& endpoint_id, const ConnectionInfo& info);
    const CertRenewalStats& stats() const { return stats_; }

  private:
    void consider(const std::string& endpoint_id, const ConnectionInfo& info);
    void recheck();
    void install(const std::string& endpoint_id, const std::string& csr, int64_t old_not_after);
    void finish(const std::string& endpoint_id, bool ok, const std::string& step, const std::string& detail,
                int64_t old_not_after, int64_t new_not_after = 0);

    net::EventLoop& loop_;
    Controller& controller_;
    CertRenewalOptions options_;
    std::unique_ptr<FleetCa> ca_;
    Clock clock_;
    std::set<std::string> busy_;
    std::set<std::string> watched_;  // certificate-bound endpoints seen connecting (dropped once offline)
    net::TimerHandle timer_;
    std::map<std::string, int64_t> last_attempt_;  // endpoint → unix time; pruned past retry_after_s
    CertRenewalStats stats_;
    Lifetime life_;
};

}  // namespace cpe::hub::controller
