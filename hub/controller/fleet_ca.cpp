#include "controller/fleet_ca.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <cstring>
#include <ctime>
#include <vector>

#include "util/mbedtls.hpp"

namespace cpe::hub::controller {
namespace {

using mbed::Crt;
using mbed::CrtWriter;
using mbed::Csr;
using mbed::Drbg;
using mbed::Entropy;
using mbed::Mpi;
using mbed::Pk;

constexpr size_t kMaxCsrPem = 8192;

std::string x509_time(int64_t t) {
    const time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[16];
    strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
}

std::string printable(const std::string& s) {
    std::string out;
    for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

// A DER SubjectAltName with one uniformResourceIdentifier, and extendedKeyUsage = clientAuth.
std::vector<unsigned char> san_uri(const std::string& uri) {
    std::vector<unsigned char> out{0x30, static_cast<unsigned char>(uri.size() + 2), 0x86,
                                   static_cast<unsigned char>(uri.size())};
    out.insert(out.end(), uri.begin(), uri.end());
    return out;
}
const unsigned char kClientAuth[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};

}  // namespace

Result<CsrInfo> check_csr(const std::string& csr_pem, const std::string& endpoint_id) {
    if (csr_pem.empty()) return make_error(Errc::invalid_argument, "CSR is empty");
    if (csr_pem.size() > kMaxCsrPem)
        return make_error(Errc::invalid_argument,
                          "CSR is larger than " + std::to_string(kMaxCsrPem) + " bytes");
    if (csr_pem.find("-----BEGIN CERTIFICATE REQUEST-----") == std::string::npos)
        return make_error(Errc::parse_error, "CSR is not a PEM certificate request");
    Csr csr;
    if (int rc = mbedtls_x509_csr_parse(csr.get(), reinterpret_cast<const unsigned char*>(csr_pem.c_str()),
                                        csr_pem.size() + 1);
        rc != 0)
        return make_error(Errc::parse_error, "CSR cannot be parsed (mbedtls " + std::to_string(rc) + ")");
    // mbedTLS parses a CSR without checking its signature: the proof that the device holds the key.
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(csr.v.sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (!md || mbedtls_md(md, csr.v.cri.p, csr.v.cri.len, hash) != 0 ||
        mbedtls_pk_verify_ext(csr.v.sig_pk, csr.v.sig_opts, &csr.v.pk, csr.v.sig_md, hash,
                              mbedtls_md_get_size(md), csr.v.sig.p, csr.v.sig.len) != 0)
        return make_error(Errc::invalid_argument, "CSR's signature does not verify with its own key");
    if (mbedtls_pk_get_type(&csr.v.pk) != MBEDTLS_PK_ECKEY ||
        mbedtls_pk_ec(csr.v.pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1)
        return make_error(Errc::invalid_argument, "CSR's key is not an ECDSA P-256 key");
    CsrInfo info;
    size_t attributes = 0;
    for (const mbedtls_x509_name* n = &csr.v.subject; n && n->oid.p; n = n->next) {
        ++attributes;
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
            info.cn.assign(reinterpret_cast<const char*>(n->val.p), n->val.len);
    }
    if (info.cn != endpoint_id)
        return make_error(Errc::invalid_argument, "CSR names CN '" + printable(info.cn) +
                                                      "', not the endpoint '" + endpoint_id +
                                                      "' this connection is bound to");
    if (attributes != 1)
        return make_error(Errc::invalid_argument,
                          "CSR's subject has other attributes than CN=" + endpoint_id);
    if (endpoint_id.size() > 64 || endpoint_id.find_first_of(",=+\"\\<>;") != std::string::npos)
        return make_error(Errc::invalid_argument,
                          "endpoint id '" + endpoint_id + "' cannot be a certificate CN");
    return info;
}

struct FleetCa::Impl {
    Crt cert;
    Pk key;
    Entropy entropy;
    Drbg drbg;
    std::string issuer;  // the CA's subject as mbedTLS writes names
};

FleetCa::FleetCa() : impl_(std::make_unique<Impl>()) {}
FleetCa::~FleetCa() = default;

Result<std::unique_ptr<FleetCa>> FleetCa::load(const std::string& cert_file, const std::string& key_file) {
    std::unique_ptr<FleetCa> ca(new FleetCa());
    Impl& m = *ca->impl_;
    if (mbedtls_x509_crt_parse_file(m.cert.get(), cert_file.c_str()) != 0)
        return make_error(Errc::parse_error, cert_file + ": not a PEM certificate");
    if (!m.cert.v.ca_istrue) return make_error(Errc::invalid_argument, cert_file + ": not a CA certificate");
    if (mbedtls_pk_parse_keyfile(m.key.get(), key_file.c_str(), nullptr) != 0)
        return make_error(Errc::parse_error, key_file + ": not a PEM private key (unencrypted)");
    if (mbedtls_pk_check_pair(&m.cert.v.pk, m.key.get()) != 0)
        return make_error(Errc::invalid_argument, key_file + ": not the key of " + cert_file);
    char dn[512];
    if (mbedtls_x509_dn_gets(dn, sizeof dn, &m.cert.v.subject) < 0)
        return make_error(Errc::invalid_argument, cert_file + ": subject too long");
    m.issuer = dn;
    static const char kPers[] = "cpe-hub-fleet-ca";
    if (mbedtls_ctr_drbg_seed(m.drbg.get(), mbedtls_entropy_func, m.entropy.get(),
                              reinterpret_cast<const unsigned char*>(kPers), sizeof(kPers) - 1) != 0)
        return make_error(Errc::internal, "random generator: no entropy");
    return ca;
}

Result<std::string> FleetCa::sign(const std::string& csr_pem, const std::string& endpoint_id, int64_t now,
                                  uint32_t validity_days) {
    auto info = check_csr(csr_pem, endpoint_id);
    if (!info) return info.error();
    Csr csr;
    if (mbedtls_x509_csr_parse(csr.get(), reinterpret_cast<const unsigned char*>(csr_pem.c_str()),
                               csr_pem.size() + 1) != 0)
        return make_error(Errc::parse_error, "CSR cannot be parsed");
    Impl& m = *impl_;
    CrtWriter w;
    unsigned char serial_bytes[16];
    if (mbedtls_ctr_drbg_random(m.drbg.get(), serial_bytes, sizeof serial_bytes) != 0)
        return make_error(Errc::internal, "random generator failed");
    serial_bytes[0] &= 0x7f;  // a positive INTEGER
    serial_bytes[0] |= 0x01;  // and never a short one
    Mpi serial;
    const std::string subject = "CN=" + endpoint_id;
    const std::vector<unsigned char> san = san_uri(endpoint_id);
    mbedtls_x509write_crt_set_version(w.get(), MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(w.get(), MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(w.get(), &csr.v.pk);
    mbedtls_x509write_crt_set_issuer_key(w.get(), m.key.get());
    if (mbedtls_mpi_read_binary(serial.get(), serial_bytes, sizeof serial_bytes) != 0 ||
        mbedtls_x509write_crt_set_serial(w.get(), serial.get()) != 0 ||
        mbedtls_x509write_crt_set_subject_name(w.get(), subject.c_str()) != 0 ||
        mbedtls_x509write_crt_set_issuer_name(w.get(), m.issuer.c_str()) != 0 ||
        mbedtls_x509write_crt_set_validity(w.get(), x509_time(now - 300).c_str(),
                                           x509_time(now + int64_t{validity_days} * 86400).c_str()) != 0 ||
        mbedtls_x509write_crt_set_basic_constraints(w.get(), 0, -1) != 0 ||
        mbedtls_x509write_crt_set_subject_key_identifier(w.get()) != 0 ||
        mbedtls_x509write_crt_set_authority_key_identifier(w.get()) != 0 ||
        mbedtls_x509write_crt_set_extension(w.get(), MBEDTLS_OID_SUBJECT_ALT_NAME,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san.data(),
                                            san.size()) != 0 ||
        mbedtls_x509write_crt_set_extension(w.get(), MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, kClientAuth,
                                            sizeof kClientAuth) != 0)
        return make_error(Errc::internal, "cannot build the certificate for '" + endpoint_id + "'");
    std::vector<unsigned char> pem(4096);
    if (mbedtls_x509write_crt_pem(w.get(), pem.data(), pem.size(), mbedtls_ctr_drbg_random, m.drbg.get()) !=
        0)
        return make_error(Errc::internal, "cannot sign the certificate for '" + endpoint_id + "'");
    return std::string(reinterpret_cast<const char*>(pem.data()));
}

}  // namespace cpe::hub::controller
