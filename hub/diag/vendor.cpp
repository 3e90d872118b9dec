#include "diag/vendor.hpp"

namespace cpe::hub::diag {
namespace {
std::string& slot() {
    static std::string prefix;
    return prefix;
}
}  // namespace

void set_vendor_prefix(std::string prefix) {
    slot() = std::move(prefix);
}
const std::string& vendor_prefix() {
    return slot();
}
std::string vendor_param(const char* name) {
    return slot().empty() ? std::string() : slot() + name;
}

}  // namespace cpe::hub::diag
