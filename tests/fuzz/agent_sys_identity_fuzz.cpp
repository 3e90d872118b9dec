// Identity: the first-line reader on arbitrary bytes, and the profile's identity block as JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/identity.hpp"
#include "json/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string line = identity_first_line(text);
    if (line.size() > 256 || line.find('\n') != std::string::npos) std::abort();
    auto doc = cpe::json::parse(text, "fuzz");
    if (doc.ok()) {
        auto values = parse_identity_spec(doc->get(), "profile.identity");
        if (values.ok()) {
            for (const IdentityValue& v : *values) {
                Identity id;
                if (!set_identity_field(id, v.key, v.text)) std::abort();
                if (v.kind == IdentityValue::Kind::command && v.argv.empty()) std::abort();
            }
        } else if (values.error().message.find("profile.identity") == std::string::npos) {
            std::abort();
        }
    }
    return 0;
}
