// The device's own TLS identity, made on the device (first boot, from the identity hook) or at the bench:
// an ECDSA P-256 key that never leaves the device and a certificate signing request whose CN is the USP
// endpoint id, for the fleet CA (provisioning/certs/sign-csr.sh). mbedTLS only.
#pragma once

#include <string>

#include "util/result.hpp"

namespace cpe::agent::provision {

// Writes key_path (mode 0600, PEM) unless it exists (then its key is reused: a renewal keeps the key unless
// ops remove it) and csr_path (PEM) with subject CN=<endpoint_id>.
// Writes `text` to path.tmp (mode `mode`), fsyncs it and renames it over `path`: readers see the old file or
// the new one, never a part.
Status write_file_atomic(const std::string& path, const std::string& text, unsigned mode);

Status make_csr(const std::string& key_path, const std::string& csr_path, const std::string& endpoint_id);

}  // namespace cpe::agent::provision
