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

// `view`: the consolidated view; null = the device API could not give it (→ one failed item saying so).
// Pending items (what the CPE cannot test yet: DNS resolution and the speed test, issue 14) do not change the
// verdict.
InstallCheck evaluate_install(const cJSON* view);
// {"verdict": …, "items": [{"key","state","reason"}]}
std::string install_check_json(const InstallCheck& check);

}  // namespace cpe::hub::qr
