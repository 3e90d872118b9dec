// SNMP credentials for one OLT, read from a secret file. Secrets never reach logs or messages:
// describe() names the version and user only.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "util/result.hpp"

namespace cpe::bridge::olt {

struct V2cCredentials {
    std::string community;
};

enum class AuthProtocol : uint8_t { sha1, sha256 };
enum class PrivProtocol : uint8_t { aes128 };

struct V3Credentials {
    std::string user;
    AuthProtocol auth = AuthProtocol::sha1;
    std::string auth_passphrase;
    PrivProtocol priv = PrivProtocol::aes128;
    std::string priv_passphrase;
};

// SNMPv3 is always authPriv here: an OLT reachable from the bridge network is not read in clear.
struct Credentials {
    std::variant<V2cCredentials, V3Credentials> value;

    bool is_v3() const { return std::holds_alternative<V3Credentials>(value); }
    std::string describe() const;  // "SNMPv2c" / "SNMPv3 authPriv user 'x' SHA/AES" — no secrets
};

// A community file holds the community on its first non-empty, non-'#' line (surrounding blanks trimmed).
Result<Credentials> parse_community(std::string_view text, std::string_view what);
// A v3 file holds "key = value" lines: user, auth (SHA | SHA-256), auth_passphrase, priv (AES),
// priv_passphrase; '#' starts a comment line. Passphrases need at least 8 characters (RFC 3414 keys).
Result<Credentials> parse_v3(std::string_view text, std::string_view what);

// Read from files (≤ 64 KiB); a file readable by group or others is refused as a leaked secret would be.
Result<Credentials> load_community_file(const std::string& path);
Result<Credentials> load_v3_file(const std::string& path);

}  // namespace cpe::bridge::olt
