// The ERPNext admission verdict (api/admission.hpp): which Service Equipment rows admit a serial.
#include <gtest/gtest.h>

#include "api/admission.hpp"

using cpe::hub::api::admission_verdict;
using cpe::hub::sources::ServiceEquipment;

namespace {
ServiceEquipment row(const std::string& name, const std::string& status) {
    ServiceEquipment e;
    e.name = name;
    e.serial_number = "S1";
    e.status = status;
    return e;
}
const std::vector<std::string> kRefused = {"Defectueux", "Défectueux", "Retourne", "Retourné"};
}  // namespace

TEST(HubAdmission, NoEquipmentIsRefused) {
    auto v = admission_verdict("S1", {}, kRefused);
    EXPECT_FALSE(v.admitted);
    EXPECT_EQ(v.reason, "ERPNext holds no Service Equipment with serial 'S1'");
}

TEST(HubAdmission, ActiveInactiveAndInStockAreAdmitted) {
    for (const char* s : {"Active", "Inactive", "En stock", ""}) {
        auto v = admission_verdict("S1", {row("EQP-00001", s)}, kRefused);
        EXPECT_TRUE(v.admitted) << s;
    }
    EXPECT_EQ(admission_verdict("S1", {row("EQP-00001", "Active")}, kRefused).reason,
              "ERPNext Service Equipment EQP-00001 (status Active)");
}

TEST(HubAdmission, ReturnedAndDefectiveAreRefusedInAnyCase) {
    for (const char* s : {"Retourne", "retourne", " RETOURNE ", "Defectueux", "Défectueux", "Retourné"}) {
        auto v = admission_verdict("S1", {row("EQP-00001", s)}, kRefused);
        EXPECT_FALSE(v.admitted) << s;
    }
    auto v =
        admission_verdict("S1", {row("EQP-00001", "Retourne"), row("EQP-00002", "Defectueux")}, kRefused);
    EXPECT_EQ(v.reason,
              "ERPNext Service Equipment with serial 'S1' has only refused statuses: EQP-00001 (Retourne), "
              "EQP-00002 (Defectueux) (usp.admission.refused_statuses)");
}

TEST(HubAdmission, OneAcceptedRowAmongRefusedOnesAdmits) {
    // A unit returned once and back in stock under a new record.
    auto v = admission_verdict("S1", {row("EQP-00001", "Retourne"), row("EQP-00009", "En stock")}, kRefused);
    EXPECT_TRUE(v.admitted);
    EXPECT_EQ(v.reason, "ERPNext Service Equipment EQP-00009 (status En stock)");
}
