#include "controller/cert_match.hpp"

#include <cstring>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "util/mbedtls.hpp"

namespace cpe::hub::controller {

bool endpoint_matches_cert(std::string_view endpoint_id, const CertIdentity& cert) {
    if (endpoint_id.empty()) return false;
    if (cert.cn == endpoint_id) return true;
    for (const auto& d : cert.dns_names)
        if (d == endpoint_id) return true;
    for (const auto& u : cert.uris) {
        if (u == endpoint_id) return true;
        if (u.size() == kUspUrnPrefix.size() + endpoint_id.size() && u.starts_with(kUspUrnPrefix) &&
            std::string_view(u).substr(kUspUrnPrefix.size()) == endpoint_id)
            return true;
    }
    return false;
}

std::string describe(const CertIdentity& cert) {
    std::string out = "CN '" + cert.cn + "'";
    for (const auto& d : cert.dns_names) out += ", DNS '" + d + "'";
    for (const auto& u : cert.uris) out += ", URI '" + u + "'";
    return out;
}

namespace {
using mbed::Crt;

CertIdentity identity_of(const mbedtls_x509_crt& crt) {
    CertIdentity out;
    out.cn = mbed::common_name(crt.subject);
    for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s && s->buf.p; s = s->next) {
        const int tag = s->buf.tag;
        std::string value(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
        if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2))
            out.dns_names.push_back(std::move(value));
        else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6))
            out.uris.push_back(std::move(value));
    }
    return out;
}
}  // namespace

Result<CertIdentity> cert_identity_from_der(const unsigned char* der, size_t len) {
    Crt holder;
    int rc = mbedtls_x509_crt_parse_der(holder.get(), der, len);
    if (rc != 0)
        return make_error(Errc::parse_error,
                          "certificate: DER parse failed (mbedtls " + std::to_string(rc) + ")");
    return identity_of(holder.v);
}

Result<CertIdentity> cert_identity_from_pem(const std::string& pem) {
    Crt holder;
    int rc = mbedtls_x509_crt_parse(holder.get(), reinterpret_cast<const unsigned char*>(pem.c_str()),
                                    pem.size() + 1);
    if (rc != 0)
        return make_error(Errc::parse_error,
                          "certificate: PEM parse failed (mbedtls " + std::to_string(rc) + ")");
    return identity_of(holder.v);
}

}  // namespace cpe::hub::controller
