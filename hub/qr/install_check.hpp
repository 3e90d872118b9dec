// The technician's install check: one verdict from the device's consolidated view (GET /devices/lookup,
// docs/api.md) with each item's reason. Pure (no network): unit-tested on views of both device kinds.
// docs/qr.md "Install check".
#pragma once

#include <string>
#include <vector>

#include <cJSON.h>

namespace cpe::hub::qr {

enum class ItemState { pass, warn, fail, pending };
const char* item_state_name(ItemState s);  // "pass", "warn", "fail", "pending"

struct CheckItem {
    std::string key;  // "online", "wan", "dns", "optical", "mesh:<node>", "speedtest"
    ItemState state = ItemState::pending;
    std::string reason;  // in English, for the Dispatch Job's comment and the page
};

struct InstallCheck {
    std::string verdict;  // "pass", "pass_with_warnings", "fail"
    std::vector<CheckItem> items;
};

// A diagnostic the check ran from the CPE (hub/diagnostics, docs/api.md "Diagnostics"): its record as
// GET /devices/:id/diagnostics/:did answers it, or why it did not run.
struct CheckDiagnostic {
    const cJSON* record = nullptr;                       // null = not run
    std::string not_run = "the check did not start it";  // with no record: why (offline, 501, …) → pending
};
struct CheckDiagnostics {
    CheckDiagnostic dns;    // type "nslookup"
    CheckDiagnostic speed;  // type "download"
    double pass_mbps = 50;  // download at or above: pass
    double warn_mbps = 10;  // at or above (below pass_mbps): warn; below: fail
};

// `view`: the consolidated view; null = the device API could not give it (→ one failed item saying so).
// "dns" and "speedtest" are graded from `diag`; pending (not counted in the verdict) only when not run.
InstallCheck evaluate_install(const cJSON* view, const CheckDiagnostics& diag = {});
// {"verdict": …, "items": [{"key","state","reason"}]}
std::string install_check_json(const InstallCheck& check);

}  // namespace cpe::hub::qr
