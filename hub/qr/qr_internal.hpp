// QrApi's private types, shared by its two source files (qr_api.cpp: customers; tech.cpp: technicians).
#pragma once

#include "json/json.hpp"
#include "qr/qr_api.hpp"

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

}  // namespace cpe::hub::qr
