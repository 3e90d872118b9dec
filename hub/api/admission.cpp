#include "api/admission.hpp"

#include <cctype>

namespace cpe::hub::api {

namespace {
bool same_status(std::string_view a, std::string_view b) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        return s;
    };
    a = trim(a);
    b = trim(b);
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}
}  // namespace

controller::Vetting admission_verdict(const std::string& serial,
                                      const std::vector<sources::ServiceEquipment>& rows,
                                      const std::vector<std::string>& refused_statuses) {
    if (rows.empty()) return {false, "ERPNext holds no Service Equipment with serial '" + serial + "'"};
    for (const auto& e : rows) {
        bool refused = false;
        for (const auto& s : refused_statuses) refused = refused || same_status(e.status, s);
        if (!refused)
            return {true, "ERPNext Service Equipment " + e.name + " (status " +
                              (e.status.empty() ? std::string("unset") : e.status) + ")"};
    }
    std::string names;
    for (const auto& e : rows) names += (names.empty() ? "" : ", ") + e.name + " (" + e.status + ")";
    return {false, "ERPNext Service Equipment with serial '" + serial +
                       "' has only refused statuses: " + names + " (usp.admission.refused_statuses)"};
}

controller::Vetter erpnext_vetter(ErpNext& erpnext, std::vector<std::string> refused_statuses,
                                  std::weak_ptr<void> alive) {
    ErpNext* erp = &erpnext;
    return [erp, refused = std::move(refused_statuses), alive](const std::string& serial,
                                                               controller::VetDone done) {
        if (alive.expired()) return;
        erp->equipment_by_serial(
            serial, [done, refused, serial, alive](Result<std::vector<sources::ServiceEquipment>> r) {
                if (alive.expired()) return;
                if (!r) return done(r.error().with_context("ERPNext admission check"));
                done(admission_verdict(serial, *r, refused));
            });
    };
}

}  // namespace cpe::hub::api
