#include "sources/provenance.hpp"

#include <chrono>

namespace cpe::hub::sources {

const char* freshness_name(Freshness f) {
    switch (f) {
        case Freshness::ok:
            return "ok";
        case Freshness::stale:
            return "stale";
        case Freshness::failed:
            return "failed";
    }
    return "failed";
}

int64_t wall_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace cpe::hub::sources
