// cpe-stickers' input (provisioning/stickers/device_list.hpp, layout.hpp): a device CSV, then each line as a
// MAC and as a hub URL, then the whole input as a layouts file. Checks what the parsers promise: each
// device's MAC round-trips through its printed forms, errors name a line of the input, bounded output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "device_list.hpp"
#include "layout.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::stickers;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    CsvLimits limits;
    limits.max_rows = 1000;
    DeviceList list = parse_device_csv(text, "f.csv", limits);
    if (list.errors.size() > limits.max_errors) std::abort();
    for (const auto& d : list.devices) {
        auto again = parse_mac(d.mac.str());
        auto bare = parse_mac(mac_url_form(d.mac));
        if (!again || !bare || *again != d.mac || *bare != d.mac) std::abort();
        if (d.serial.empty() || d.serial.size() > limits.max_serial_length) std::abort();
    }
    for (const auto& e : list.errors) {
        if (e.rfind("f.csv:", 0) != 0) std::abort();
    }
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        std::string_view line =
            text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (auto mac = parse_mac(line)) {
            if (mac->is_zero() || mac->is_multicast()) std::abort();
        }
        if (auto hub = parse_hub_url(line)) {
            if (hub->empty() || hub->back() == '/') std::abort();
        }
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    if (auto layouts = parse_layouts(text, "f.json")) {
        for (const auto& l : *layouts) {
            if (l.per_page() < 1 || l.label_x(l.per_page() - 1) + l.label_w > l.page_w + 0.02) std::abort();
        }
    }
    return 0;
}
