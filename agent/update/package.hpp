// A signed agent package as the agent reads it (packaging/README.md): the manifest (JSON), its ECDSA P-256
// signature checked with mbedTLS against the installed public key, and the ustar archive of a self-update.
// Everything here parses bytes from the network: each parser bounds what it accepts and names what is wrong.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::agent::update {

struct ManifestFile {
    std::string path;  // relative, no "..", no leading '/'
    uint64_t size = 0;
    uint32_t mode = 0;   // octal permission bits
    std::string sha256;  // 64 lowercase hex digits
};

struct Manifest {
    std::string board;
    std::string architecture;
    std::string version;
    std::string build_id;  // 16 hex digits: the slot name on the device
    std::string route;
    std::vector<ManifestFile> files;
};

inline constexpr size_t kMaxManifestBytes = 64 * 1024;
inline constexpr size_t kMaxManifestFiles = 64;

Result<Manifest> parse_manifest(std::string_view text);

// The DER ECDSA signature `sig` over SHA-256(`data`) verifies with the PEM public key in `pem` (text).
Status verify_signature(std::string_view data, std::span<const uint8_t> sig, std::string_view pem);

// SHA-256 as 64 lowercase hex digits (incremental for large files).
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::span<const uint8_t> data);
    std::string hex();

  private:
    alignas(8) std::array<uint8_t, 256> ctx_{};  // mbedtls_sha256_context, kept out of this header
};

// One ustar header block (512 bytes).
struct TarHeader {
    std::string name;  // prefix + "/" + name when the ustar prefix is used
    uint64_t size = 0;
    uint32_t mode = 0;
    char type = '0';   // '0' or '\0' regular file, '5' directory; others are refused by the installer
    bool end = false;  // an all-zero block: the end of the archive
};
inline constexpr size_t kTarBlock = 512;
Result<TarHeader> parse_tar_header(std::span<const uint8_t> block);

// A relative path we are willing to create: no "..", no "." segments, no leading '/', no empty segment,
// printable characters only, at most 200 bytes.
bool safe_relative_path(std::string_view path);

}  // namespace cpe::agent::update
