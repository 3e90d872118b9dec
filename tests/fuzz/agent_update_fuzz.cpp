// Self-update input: the first byte picks the parser; the rest is a manifest, a signature or tar header
// blocks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "update/package.hpp"

namespace {
// A P-256 public key (made for this target, its private half discarded): signatures of random bytes must
// fail.
constexpr const char* kKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEt69LzhJzHwG2995j83Bw8e9u8rRX\n"
    "10740oQJEkPcVxC3Nd1CWe6BkUXrVBLxCqGyaULIToLF1IYcSXti86kOXA==\n"
    "-----END PUBLIC KEY-----\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent::update;
    if (size < 1) return 0;
    const uint8_t mode = data[0] % 3;
    std::span<const uint8_t> rest(data + 1, size - 1);
    std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
    if (mode == 0) {
        auto m = parse_manifest(text);
        if (m) {
            if (m->files.empty() || m->files.size() > kMaxManifestFiles || m->build_id.size() != 16)
                std::abort();
            for (const ManifestFile& f : m->files)
                if (!safe_relative_path(f.path) || f.sha256.size() != 64) std::abort();
        }
    } else if (mode == 1) {
        const size_t half = rest.size() / 2;
        if (verify_signature(text.substr(0, half), rest.subspan(half), kKey)) std::abort();
    } else {
        for (size_t off = 0; off + kTarBlock <= rest.size(); off += kTarBlock) {
            auto h = parse_tar_header(rest.subspan(off, kTarBlock));
            if (h && !h->end && (h->mode > 07777)) std::abort();
        }
        (void)safe_relative_path(text);
    }
    return 0;
}
