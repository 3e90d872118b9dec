// The fleet CA as the hub uses it for certificate renewal (docs/security.md "Certificate renewal"): signs a
// device's CSR the way provisioning/certs/sign-csr.sh does (subject CN = the endpoint id, SAN URI = the
// endpoint id, CA:FALSE, extendedKeyUsage clientAuth, SHA-256, a random 128-bit serial), after checking the
// CSR: its own signature, an ECDSA P-256 key, and a subject that is exactly CN=<the endpoint id the
// connection is bound to>. mbedTLS (already linked by the controller for cert_match), no new library.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "util/result.hpp"

namespace cpe::hub::controller {

struct CsrInfo {
    std::string cn;
};
// Parses a PEM CSR and checks its signature, key type and subject; `endpoint_id` is the id it must name.
// The error names what is wrong ("CSR names CN 'x', not the endpoint 'y'").
Result<CsrInfo> check_csr(const std::string& csr_pem, const std::string& endpoint_id);

class FleetCa {
  public:
    // Reads the CA certificate and its private key (PEM files); the error names the file.
    static Result<std::unique_ptr<FleetCa>> load(const std::string& cert_file, const std::string& key_file);
    ~FleetCa();
    FleetCa(const FleetCa&) = delete;
    FleetCa& operator=(const FleetCa&) = delete;

    // check_csr, then a certificate valid from now - 5 min to now + validity_days (PEM).
    Result<std::string> sign(const std::string& csr_pem, const std::string& endpoint_id, int64_t now,
                             uint32_t validity_days);

  private:
    FleetCa();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cpe::hub::controller
