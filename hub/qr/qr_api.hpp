// The QR sticker flow (issue 13, docs/qr.md): /q/<mac> for customers (SMS one-time code, then a diagnostic
// portal for that one device) and for technicians (a /t/<token> link's signed session, or staff SSO headers
// from the trusted proxy): the device, its customer and location, open Dispatch Jobs, bind and install check.
//
// Wiring (hub/main.cpp, after the device API's config is read and before Hub::start):
//   auto qrc = cpe::hub::qr::qr_config_from_file(config_path);   // the hub config's "qr" section +
//   environment auto qr = cpe::hub::qr::install(**hub, std::move(qrc).value(), devices_config);
// Loop thread only.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <cJSON.h>

#include "api/devices_config.hpp"
#include "app/hub.hpp"
#include "net/http_client.hpp"
#include "qr/erp_write.hpp"
#include "qr/qr_core.hpp"
#include "qr/qr_store.hpp"
#include "qr/sms.hpp"
#include "sources/erpnext_client.hpp"
#include "util/lifetime.hpp"

namespace cpe::hub::qr {

struct QrConfig {
    bool enabled = true;
    // Cookies carry Secure (the hub is behind a TLS proxy in production); false only for a plain-HTTP demo.
    bool cookie_secure = true;
    OtpLimits otp;
    unsigned customer_session_s = 3600;
    unsigned tech_session_s = 12 * 3600;
    unsigned token_days = 30;               // a token link's default lifetime
    unsigned restart_min_interval_s = 600;  // customer restarts per device: one per this many seconds
    std::string public_url;  // https://hub.example.net: the /t/ links issued say it ("" = path only)
    std::string hub_url;  // the hub's own API for the consolidated view ("" = http://127.0.0.1:<http.port>)
    uint64_t budget_ms = 9000;    // a page's data (ERPNext + the device API) within this
    SmsOptions sms;               // sms.url from the file; account, token, sender from the environment
    struct InstallCheckOptions {  // the tech's install check: diagnostics run from the CPE (docs/qr.md)
        std::string dns_name = "example.com";  // NSLookup of this name (IANA's reserved example domain)
        std::string
            download_url;  // "" = the hub's own TR-143 endpoint (diagnostics tr143.default_download_bytes)
        unsigned download_duration_s = 0;  // TimeBasedTestDuration; 0 = the whole file
        unsigned pass_mbps = 50;           // download at or above: pass
        unsigned warn_mbps = 10;           // at or above (below pass_mbps): warn; below: fail
        unsigned budget_s = 60;            // both diagnostics' results within this, else failed items
        unsigned poll_ms = 1000;           // GET of the records this often meanwhile
    } install_check;
    std::string session_key;  // QR_SESSION_KEY (≥ 32 characters); random per start when unset
    struct CustomerSso {      // a second trusted proxy list: the customer portal's SSO
        std::vector<std::string> trusted_proxies;
        std::string header =
            "x-authentik-email";         // one the HTTP server captures: x-authentik-email/-username/-uid
        std::string field = "email_id";  // the Customer field that must equal the identity
    } customer_sso;
};

// The "qr" member of a hub configuration text (every key checked; absent = defaults, enabled), then the
// environment.
Result<QrConfig> parse_qr_config(std::string_view text, std::string_view what);
Result<QrConfig> qr_config_from_file(const std::string& path);

class QrApi {
  public:
    QrApi(app::Hub& hub, QrConfig config, const api::DevicesConfig& devices, std::unique_ptr<QrStore> store);
    ~QrApi();
    QrApi(const QrApi&) = delete;
    QrApi& operator=(const QrApi&) = delete;
    void start();
    bool enabled() const { return config_.enabled; }

    struct Viewer;  // who asks: a technician, a customer of one device, or nobody yet

  private:
    Viewer viewer(const net::Request& req, const std::string& mac);
    void page_q(const net::Request& req, net::Responder res);
    void post_code(const net::Request& req, net::Responder res);
    void page_verify(const net::Request& req, net::Responder res);
    void post_verify(const net::Request& req, net::Responder res);
    void page_portal(const net::Request& req, net::Responder res);
    void get_status(const net::Request& req, net::Responder res);
    void post_restart(const net::Request& req, net::Responder res);
    void page_token(const net::Request& req, net::Responder res);
    void post_token(const net::Request& req, net::Responder res);
    void list_tokens(const net::Request& req, net::Responder res);
    void delete_token(const net::Request& req, net::Responder res);
    void tech_page(const net::Request& req, const std::string& mac, const Viewer& tech, net::Responder res);
    void post_bind(const net::Request& req, net::Responder res);
    void post_check(const net::Request& req, net::Responder res);
    // The install check's DNS and download diagnostics on device `id` (run at once, polled within the
    // budget).
    struct CheckRun;
    void run_check_diagnostics(const std::string& id, std::function<void(std::shared_ptr<CheckRun>)> done);
    void poll_check(std::shared_ptr<CheckRun> run);

    // The device behind a sticker: ERPNext (MAC → equipment → location → customer), then the hub's
    // consolidated view by the equipment's serial. `view` null when the device API could not give it (`error`
    // says why).
    struct DeviceData;
    void device_data(const std::string& mac, bool with_hosts,
                     std::function<void(std::shared_ptr<DeviceData>)> done);
    void hub_call(const std::string& method, const std::string& path, std::string body,
                  std::function<void(Result<net::HttpResponse>)> done);

    // The technician's bind: `job`'s location gets this device (created, updated, or moved with `move`).
    void bind(const net::Request& req, const std::string& mac, const Viewer& tech, const std::string& job,
              bool move, const std::string& serial, net::Responder res);

    app::Hub& hub_;
    QrConfig config_;
    api::AccessConfig api_access_;  // /qr/tokens: the device API's access rules (service token or staff SSO)
    api::AccessConfig staff_access_;  // /q/: staff SSO headers only
    std::string service_token_;
    std::unique_ptr<QrStore> store_;
    net::HttpClient http_;
    SmsClient sms_;
    std::unique_ptr<sources::ErpNextClient> erp_;
    std::unique_ptr<ErpWriter> writer_;
    std::string erp_error_;          // why ERPNext is off ("" = configured)
    std::set<std::string> sending_;  // MACs with an SMS in flight: a second request waits for the first
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    Lifetime life_;  // guards the install check's diagnostics callbacks and timers
};

Result<std::unique_ptr<QrApi>> install(app::Hub& hub, QrConfig config, const api::DevicesConfig& devices);

}  // namespace cpe::hub::qr
