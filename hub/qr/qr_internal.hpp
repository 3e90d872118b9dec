// QrApi's private types and helpers, shared by its source files (docs/qr.md).
#pragma once

#include <string>
#include <string_view>

#include "json/json.hpp"
#include "qr/pages.hpp"
#include "qr/qr_api.hpp"
#include "sources/provenance.hpp"

namespace cpe::hub::qr {

struct QrApi::Viewer {
    enum Kind { nobody, tech, customer } kind = nobody;
    std::string who;  // tech: "token:<id> (<tech>)" or "staff:<email>"; customer: "otp" or "sso:<email>"
    std::string
        tech_id;  // a token link's technician (e.g. the Dispatch Technician DT-00001); "" for staff SSO
};

struct QrApi::DeviceData {
    bool erp_ok = false;
    std::string erp_error;
    sources::ErpSubscriber sub;
    bool known = false;  // ERPNext has equipment with this MAC
    json::Ptr view;      // the consolidated view (GET /devices/lookup)
    std::string view_error;
    json::Ptr hosts;        // GET /devices/:id/hosts
    json::Ptr diagnostics;  // GET /devices/:id/diagnostics?limit=… (with the hosts)
};

inline int64_t now_ms() {
    return sources::wall_clock_ms();
}

inline std::string e(std::string_view s) {
    return html_escape(s);
}

// The words for an install check verdict ("pass", "pass_with_warnings", "fail"); "" for anything else.
const char* verdict_words(Lang l, const std::string& v);

// The technician's page when ERPNext cannot be read, with a retry link to `self`.
std::string erp_unreachable_page(Lang l, const std::string& self, const std::string& why);

}  // namespace cpe::hub::qr
