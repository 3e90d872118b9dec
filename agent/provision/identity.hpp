// Certificate renewal over USP (docs/security.md "Certificate renewal"): the device's TLS identity replaced
// before it expires, driven by the hub. Two vendor commands (the operator's prefix, tr181/vendor.hpp):
//   Device.LocalAgent.<prefix>RenewCertificate()         a fresh P-256 key kept in the state directory (it
//                                                        never leaves the device) → output CSR (PEM, CN = our
//                                                        endpoint id)
//   Device.LocalAgent.<prefix>InstallCertificate(Certificate)  the fleet CA's certificate for that key
// An installed certificate must match the pending key, name our endpoint id as CN, chain to the configured
// CA and be valid now; it then becomes the candidate identity (one file, certificate + key, written and
// renamed). The client reconnects with it; the first connection that gets through promotes it to the current
// identity (rename over the old one). If that connection fails, the candidate is set aside and the old pair
// is used again. State-directory files:
//   tls-identity.pem          the current renewed identity (used instead of controller.cert_file/key_file)
//   tls-identity.next.pem     the candidate until a connection with it succeeds
//   tls-identity.pending.key  the key of the last CSR, until a certificate for it is installed
//   tls-identity.failed.pem   the last candidate that failed its handshake (for ops)
// mbedTLS only; synchronous (a P-256 key takes milliseconds).
#pragma once

#include <cstdint>
#include <string>

#include "util/result.hpp"

namespace cpe::agent::provision {

inline constexpr const char* kIdentityFile = "tls-identity.pem";
inline constexpr const char* kCandidateFile = "tls-identity.next.pem";
inline constexpr const char* kPendingKeyFile = "tls-identity.pending.key";
inline constexpr const char* kFailedFile = "tls-identity.failed.pem";
inline constexpr size_t kMaxCertificatePem = 16 * 1024;  // a larger Certificate argument is refused

// Checks a certificate (PEM; the first certificate is the device's, any more are intermediates) before it
// is installed. Each failure names what is wrong: not a PEM certificate, its public key is not the pending
// key's, CN '<x>' is not the endpoint id, it does not chain to <ca_file> (with mbedTLS's reasons), expired
// or not yet valid at `now`.
Status check_certificate(const std::string& cert_pem, const std::string& key_pem,
                         const std::string& endpoint_id, const std::string& ca_file, int64_t now);

// The PEM private key `key_pem` and its CSR with subject CN=endpoint_id (fresh ECDSA P-256 key).
struct KeyAndCsr {
    std::string key_pem;
    std::string csr_pem;
};
Result<KeyAndCsr> make_key_and_csr(const std::string& endpoint_id);

// The renewal state of one agent, in its state directory.
class Renewal {
  public:
    // `ca_file`: what a new certificate must chain to (the agent's controller.ca_file).
    Renewal(std::string state_dir, std::string endpoint_id, std::string ca_file);

    // The identity to present: tls-identity.pem when it exists, else "" (the configured files apply).
    std::string current() const;
    // RenewCertificate(): a new pending key (replacing an earlier pending one) and its CSR.
    Result<std::string> request();
    // InstallCertificate(): checks `cert_pem` (check_certificate) and writes the candidate.
    Status install(const std::string& cert_pem, int64_t now);
    // The candidate's path, "" without one.
    std::string candidate() const;
    // A connection with the candidate succeeded: it becomes the current identity.
    Status promote();
    // A connection with the candidate failed: it is set aside (tls-identity.failed.pem).
    void discard();

  private:
    std::string path(const char* name) const { return dir_ + "/" + name; }
    std::string dir_;
    std::string endpoint_id_;
    std::string ca_file_;
};

}  // namespace cpe::agent::provision
