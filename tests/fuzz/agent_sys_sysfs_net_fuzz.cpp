// sysfs_net attribute parser: the input is split at NUL bytes into the 13 attribute files (address,
// operstate, carrier, speed, duplex, then the 8 statistics); a missing piece is an unreadable file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/sysfs_net.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    SysfsNetFiles files;
    std::optional<std::string>* slots[13] = {&files.address, &files.operstate, &files.carrier, &files.speed,
                                             &files.duplex};
    for (size_t i = 0; i < files.stats.size(); ++i) slots[5 + i] = &files.stats[i];
    for (auto* slot : slots) {
        if (text.empty()) break;
        size_t nul = text.find('\0');
        *slot = std::string(text.substr(0, nul));
        text = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
    }
    ParseNotes notes;
    NetInterface nic = parse_sysfs_interface("eth0", files, notes);
    if (nic.speed_mbps && *nic.speed_mbps <= 0) std::abort();
    if (!nic.duplex.empty() && nic.duplex != "full" && nic.duplex != "half") std::abort();
    if (notes.messages.size() > ParseNotes::kMaxKept) std::abort();
    return 0;
}
