// Frappe REST answers → records (hub/sources/frappe_document.hpp): lists, documents, error bodies, DocType
// descriptions (getdoctype) and stored MACs/serials.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/frappe_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto l = cpe::hub::sources::parse_frappe_list(text))
        for (const auto& r : *l) (void)cpe::hub::sources::to_equipment(r);
    if (auto d = cpe::hub::sources::parse_frappe_doc(text)) (void)cpe::hub::sources::to_location(*d);
    (void)cpe::hub::sources::frappe_status_error(417, text, std::nullopt, "fuzz");
    (void)cpe::hub::sources::frappe_status_error(404, text, std::nullopt, "fuzz");
    (void)cpe::hub::sources::frappe_document_absent(404, text, "Customer");
    if (auto f = cpe::hub::sources::parse_frappe_doctype_fields(text, "Service Equipment"))
        (void)cpe::hub::sources::ErpFieldMap().equipment.check_present(*f);
    (void)cpe::hub::sources::canonical_mac(text);
    (void)cpe::hub::sources::canonical_serial(text);
    return 0;
}
