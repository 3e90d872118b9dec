// DownloadURL / UploadURL as a controller may send them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "diag/transfer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto u = cpe::agent::diag::parse_http_url(text);
    if (u) {
        if (u->host.empty() || u->port == 0 || u->path.empty() || u->path[0] != '/') __builtin_trap();
        if (u->host.size() > text.size()) __builtin_trap();
    }
    return 0;
}
