#include "collectors/registry.hpp"

#include <string>

namespace cpe::agent {
namespace {

struct Entry {
    const char* type;
    CollectorFactory factory;
};

// Filled as the collectors land (lead integrates).
constexpr Entry kCollectors[] = {
    {"", nullptr},
};

}  // namespace

CollectorFactory find_collector_factory(std::string_view type) {
    for (const Entry& e : kCollectors)
        if (e.factory && type == e.type) return e.factory;
    return nullptr;
}

std::string known_collector_types() {
    std::string out;
    for (const Entry& e : kCollectors) {
        if (!e.factory) continue;
        if (!out.empty()) out += ", ";
        out += e.type;
    }
    return out;
}

}  // namespace cpe::agent
