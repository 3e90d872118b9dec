// `iw dev <if> info` parser on arbitrary bytes: bounded notes, an SSID of at most 32 bytes, a plausible
// channel.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/wifi_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    ParseNotes notes;
    auto info = parse_iw_info(std::string_view(reinterpret_cast<const char*>(data), size), "ra0", notes);
    if (notes.messages.size() > ParseNotes::kMaxKept) std::abort();
    if (info && (info->ssid.size() > 32 || info->interface != "ra0" || info->type.size() > 16 ||
                 (info->channel && (*info->channel < 1 || *info->channel > 233))))
        std::abort();
    return 0;
}
