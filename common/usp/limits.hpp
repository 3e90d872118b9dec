#pragma once

#include <cstddef>

namespace cpe::usp {

// Bounds applied before anything is unpacked. protobuf-c allocates per element, so the memory a
// decode takes can be several times the input: keep max_bytes in line with the device's RAM.
struct DecodeLimits {
    size_t max_bytes = size_t{1} << 20;  // larger input fails with Errc::too_large
};

}  // namespace cpe::usp
