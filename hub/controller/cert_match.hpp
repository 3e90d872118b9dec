// Does a client certificate speak for a USP endpoint? TR-369 puts the EndpointID in the certificate's
// subjectAltName as a URI "urn:bbf:usp:id:<endpoint id>"; deployments also use the subject CN or a
// dNSName equal to the endpoint id. Comparisons are exact (endpoint ids are case sensitive).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::hub::controller {

struct CertIdentity {
    std::string cn;
    std::vector<std::string> dns_names;
    std::vector<std::string> uris;
};

inline constexpr std::string_view kUspUrnPrefix = "urn:bbf:usp:id:";

bool endpoint_matches_cert(std::string_view endpoint_id, const CertIdentity& cert);

// "CN 'x', DNS 'a', URI 'b'" for log lines and errors.
std::string describe(const CertIdentity& cert);

// Reads subject CN and SAN dNSName/URI entries of a DER certificate (tests; an lws with DER access).
Result<CertIdentity> cert_identity_from_der(const unsigned char* der, size_t len);
// Same for the first certificate of a PEM text.
Result<CertIdentity> cert_identity_from_pem(const std::string& pem);

}  // namespace cpe::hub::controller
