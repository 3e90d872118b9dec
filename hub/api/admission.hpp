// The USP registry's admission source in mode erpnext (usp.admission.mode; docs/security-identity.md): an
// endpoint that reported a serial number is admitted when ERPNext holds a Service Equipment with that serial
// (compared as the lookups compare it: case and whitespace ignored) whose status is not one of
// usp.admission.refused_statuses (the operator's statuses: Active/Inactive/En stock/Defectueux/Retourne —
// shared reference operator-system.md; returned and defective units are refused by default). ERPNext
// unreachable, a misconfigured field map or an open circuit is an error: the registry decides nothing and
// asks again later. Loop thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/source_clients.hpp"
#include "controller/registry.hpp"
#include "sources/frappe_document.hpp"

namespace cpe::hub::api {

// The verdict for `serial` from the Service Equipment rows that carry it (any row with an accepted status
// admits).
controller::Vetting admission_verdict(const std::string& serial,
                                      const std::vector<sources::ServiceEquipment>& rows,
                                      const std::vector<std::string>& refused_statuses);

// The vetting hook for the registry. `alive`: the owner's lifetime (after it the hook never answers; the
// registry's own time bound ends the check).
controller::Vetter erpnext_vetter(ErpNext& erpnext, std::vector<std::string> refused_statuses,
                                  std::weak_ptr<void> alive);

}  // namespace cpe::hub::api
