// The hub's configuration file (JSON; hub/config/hub.example.json), the device API's settings included (its
// "devices" section). Parsed in one place; an error names
// the file and the field ("hub.json: usp.port: expected an integer in 0..65535"). Relative file paths
// are taken relative to the directory of the config file.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "api/devices_config.hpp"
#include "controller/controller.hpp"
#include "log/log.hpp"
#include "net/usp_ws_server.hpp"
#include "util/result.hpp"

namespace cpe::hub::app {

struct HubConfig {
    struct Http {
        std::string bind = "127.0.0.1";
        int port = 3300;
        // Non-standard request headers the API reads (lower-case): the SSO proxy's staff headers (access.cpp
        // reads x-authentik-email and x-authentik-groups), the request id, the service key. Others never
        // reach a handler.
        std::vector<std::string> capture_headers = {"x-authentik-email",    "x-authentik-groups",
                                                    "x-authentik-username", "x-authentik-uid",
                                                    "x-request-id",         "x-api-key"};
    } http;
    // One TLS options struct and one spelling for the agent, the hub and the bridge: cert_file, key_file,
    // ca_file, require_client_cert (usp.tls.cert / key / ca are still read, with a warning, for this
    // release).
    using Tls = net::TlsFiles;
    struct Usp {
        bool enabled = true;  // the operator's switch: off = no USP listener, /usp routes answer 503
        // Loopback by default. A bind any other host can reach needs tls.require_client_cert: without a
        // client certificate nothing proves an endpoint id (docs/security-identity.md).
        std::string bind = "127.0.0.1";
        int port = 8080;
        Tls tls;
        std::string endpoint_id = "self::cpe-hub";
        // The operator's TR-106 prefix of the agents' extension parameters (the agents' vendor_prefix, the
        // same value); "" = the hub reads none (mesh node names fall back to MAC addresses).
        std::string vendor_prefix;
        uint64_t request_timeout_ms = 10000;
        size_t max_record_bytes = 1 << 20;
        unsigned notifications_per_endpoint = 100;
        size_t notification_bytes_per_endpoint = 256 << 10;
        struct Admission {
            controller::Admission mode = controller::Admission::identified;
            std::set<std::string> allow;  // mode allow_list: the endpoint ids that may connect
            int64_t unidentified_ttl_s = 86400;
            // Mode erpnext (the device API's devices.erpnext source): a Service Equipment with the serial and
            // a status not in refused_statuses admits; one check's bound, the verdicts' cache, the retry
            // back-off.
            std::vector<std::string> refused_statuses = {"Defectueux", "Défectueux", "Retourne", "Retourné"};
            uint64_t check_timeout_ms = 10000;
            int64_t check_cache_s = 600;
            uint64_t retry_min_ms = 1000;
            uint64_t retry_max_s = 60;
        } admission;
        // Admission on the USP port: connections one peer address may hold (0 = no limit), and descriptors it
        // may never take (kept for the HTTP API and outgoing work).
        unsigned max_connections_per_address = 64;
        unsigned descriptor_reserve = 256;
        bool identify = true;
        bool subscribe = true;
        // Certificate renewal before expiry over USP (controller/cert_renewal.hpp; docs/security.md): on when
        // the section is given. Needs usp.tls.require_client_cert and usp.vendor_prefix.
        struct CertRenewal {
            bool enabled = false;
            uint32_t days_before_expiry = 30;  // renew when a connected agent's notAfter is this close
            uint32_t validity_days = 825;      // of the new certificate; more than days_before_expiry
            int64_t retry_after_s = 86400;     // after an attempt, that endpoint waits this long
            int64_t check_interval_s = 3600;   // connected agents are looked at again this often
            std::string ca_cert_file;          // the fleet CA (provisioning/certs/make-certs.sh: ca.pem)
            std::string ca_key_file;           // and its private key (ca.key)
        } cert_renewal;
        std::vector<controller::SubscriptionSpec> subscriptions =
            controller::ControllerOptions{}.subscriptions;
    } usp;
    struct Store {
        std::string path = "cpe-hub.db";
    } store;
    log::Level log_level = log::Level::info;
    // The device API (GET /devices/…): the "devices" section (api/devices_config.hpp; docs/api.md).
    api::DevicesConfig devices;
    bool devices_given = false;  // the file has a "devices" section
};

// `what` names the text in errors (usually the file name); `base_dir` resolves relative paths ("" = as is).
Result<HubConfig> parse_config(std::string_view text, std::string_view what,
                               const std::string& base_dir = "");
Result<HubConfig> load_config(const std::string& path);

}  // namespace cpe::hub::app
