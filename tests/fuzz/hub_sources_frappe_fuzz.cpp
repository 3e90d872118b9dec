// Frappe REST answers → records (hub/sources/frappe_document.hpp): lists, documents and error bodies.
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
    return 0;
}
