// Configuration of the device API (GET /devices/…): sources, budgets, access, optical thresholds, poller.
// The "devices" section of the hub configuration (hub/app/config.hpp parses it with parse_devices_section;
// every key checked, unknown keys are errors naming the key). The older file of its own named by
// HUB_DEVICES_CONFIG is still read, with a warning naming the new section. Secrets come only from the
// environment: HUB_SERVICE_TOKEN (service access to the API) and ERP_SERVICE_TOKEN ("<api key>:<api secret>"
// for ERPNext; or ERPNEXT_API_KEY + ERPNEXT_API_SECRET, h11's names). Example and every key: docs/api.md.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/access.hpp"
#include "diag/optical.hpp"
#include "sources/frappe_document.hpp"
#include "util/result.hpp"

namespace cpe::hub::api {

struct DevicesConfig {
    AccessConfig access;
    struct Genieacs {
        std::string url;                  // NBI base, e.g. http://genieacs:7557 ; "" = off
        uint64_t budget_ms = 2500;        // per NBI call
        uint64_t task_timeout_ms = 3000;  // connection-request wait for tasks (?timeout=)
        // A task's HTTP answer is sent by then (0: budget_ms + task_timeout_ms); a task still running is
        // followed to its end (GET /devices/:id/tasks/:taskId, SSE "task" on device:<id>).
        uint64_t task_answer_ms = 0;
        unsigned online_window_s = 900;  // _lastInform newer than this = online
        // The firmware route (docs/genieacs.md): POST /firmware reads images from this directory (a file
        // name, never a path) and uploads them to GenieACS's file server; "" = POST /firmware off (downloads
        // of files already in GenieACS still work). Images larger than firmware_max_mb are refused.
        std::string firmware_dir;
        unsigned firmware_max_mb = 64;
        uint64_t download_poll_ms =
            5000;  // a download is followed to its TransferComplete, polled this often
        unsigned download_follow_s =
            3900;  // … for at most this long (GenieACS's cwmp.downloadTimeout: 3600 s)
        // GPON serial leaves by data model: XX230v (TR-181, the real dump); HT803G (TR-098, leaf name
        // unconfirmed).
        std::vector<std::string> gpon_paths = {
            "Device.Optical.Interface.1.GponAuth.GponSn",
            "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.GponSn"};
    } genieacs;
    struct Erpnext {
        std::string url;            // e.g. http://erpnext:8000 ; "" = off
        std::string token;          // from ERP_SERVICE_TOKEN, trimmed and checked (sources::parse_erp_token)
        uint64_t budget_ms = 2500;  // per call (a lookup makes at most two in sequence)
        // DocType and field names (erpnext.fields.{equipment,location,customer}: {"doctype": …, <key>:
        // <fieldname>}); checked against ERPNext at start-up (docs/sources-hub.md "ERPNext field map").
        sources::ErpFieldMap fields;
    } erpnext;
    struct Bridge {
        std::string url;  // e.g. http://bridge:3301 ; "" = off
        uint64_t budget_ms = 2000;
    } bridge;
    uint64_t agent_budget_ms = 3000;   // live USP Get
    uint64_t lookup_budget_ms = 6000;  // whole lookup: the answer is sent by then, whatever is missing
    diag::OpticalThresholds optical;
    unsigned history_keep = 288;  // readings per device
    unsigned history_min_interval_s = 60;
    struct Poller {
        bool enabled = true;
        unsigned interval_s = 60;
        unsigned stale_after_s = 300;  // agent snapshot older than this is polled
        unsigned concurrency = 4;
        unsigned jitter_ms = 2000;
        unsigned genieacs_limit = 5000;     // devices read per poll through NBI projections
        unsigned genieacs_page_size = 200;  // devices per NBI page (sorted by _id; 1…1000)
    } poller;
    struct Cache {             // lookup freshness windows per source (0 = always ask); docs/api.md "Cache"
        unsigned agent_s = 5;  // the agent's last full Get (void once it sends a notification)
        unsigned genieacs_s = 60;     // the NBI document (its age stays the device's last inform)
        unsigned erpnext_s = 300;     // Service Equipment → Location → Customer
        unsigned bridge_s = 30;       // the bridge's optical reading (cpe-bridge caches modem reads 30 s too)
        unsigned max_devices = 1000;  // entries per source (LRU)
        unsigned genieacs_max_mb = 64;  // GenieACS documents in memory (approximate; ~0.4 MB per XX230v)
    } cache;
    std::string history_path;       // "" = the hub's store file
    unsigned breaker_failures = 3;  // consecutive failures that open a source's circuit
    unsigned breaker_open_s = 30;
    // Models sold in variants named by a suffix: the fleet summary counts HT803G-W, HT803G-WS2, … under the
    // family (diag::model_family). Board data: boards.md "Raisecom HT803G (GPON ONT; HT803G-W, HT803G-WS2,
    // 1GE variants)"; the XX230v has none.
    std::vector<std::string> model_families = {"HT803G"};
};

// `what` names the text in errors. Environment values are not read here.
Result<DevicesConfig> parse_devices_config(std::string_view text, std::string_view what);
// The section object (`prefix` before each key in errors: "devices.").
Result<DevicesConfig> parse_devices_section(const cJSON* section, std::string_view what,
                                            std::string_view prefix);
// `base` (the hub configuration's "devices" section, or defaults) + HUB_SERVICE_TOKEN + ERP_SERVICE_TOKEN.
// The older HUB_DEVICES_CONFIG file replaces `base` with a warning; with `from_hub_config` (the section was
// given) it is an error to name one.
Result<DevicesConfig> devices_config_from_env(DevicesConfig base, bool from_hub_config);
Result<DevicesConfig> devices_config_from_env();  // defaults as the base

}  // namespace cpe::hub::api
