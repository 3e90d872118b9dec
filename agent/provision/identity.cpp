#include "provision/identity.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "provision/csr.hpp"
#include "tr181/value.hpp"
#include "util/mbedtls.hpp"

namespace cpe::agent::provision {
namespace {

using mbed::Crt;
using mbed::CsrWriter;
using mbed::Drbg;
using mbed::Entropy;
using mbed::Pk;

const unsigned char* bytes(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.c_str());
}

Result<std::string> read_file(const std::string& path, size_t max) {
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) return make_error(Errc::not_found, path + ": cannot open");
    std::string text;
    char buf[2048];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && text.size() <= max) text.append(buf, n);
    fclose(f);
    if (text.size() > max) return make_error(Errc::too_large, path + ": larger than " + std::to_string(max));
    return text;
}

bool usable_cn(const std::string& id) {
    return !id.empty() && id.size() <= 64 && id.find_first_of(",=+\"\\<>;") == std::string::npos;
}

}  // namespace

Status check_certificate(const std::string& cert_pem, const std::string& key_pem,
                         const std::string& endpoint_id, const std::string& ca_file, int64_t now) {
    if (cert_pem.empty()) return make_error(Errc::invalid_argument, "Certificate is empty");
    if (cert_pem.size() > kMaxCertificatePem)
        return make_error(Errc::invalid_argument,
                          "Certificate is larger than " + std::to_string(kMaxCertificatePem) + " bytes");
    if (cert_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        return make_error(Errc::parse_error, "Certificate is not a PEM certificate");
    Crt chain;
    // mbedtls_x509_crt_parse wants the PEM text's terminating NUL in the length.
    if (int rc = mbedtls_x509_crt_parse(chain.get(), bytes(cert_pem), cert_pem.size() + 1); rc != 0)
        return make_error(Errc::parse_error,
                          "Certificate is not a PEM certificate (mbedtls " + std::to_string(rc) + ")");
    Pk key;
    if (mbedtls_pk_parse_key(key.get(), bytes(key_pem), key_pem.size() + 1, nullptr, 0) != 0)
        return make_error(Errc::internal, "the pending key cannot be read");
    if (mbedtls_pk_check_pair(&chain.v.pk, key.get()) != 0)
        return make_error(Errc::invalid_argument,
                          "Certificate's public key is not the key of the last RenewCertificate() request");
    const std::string cn = mbed::common_name(chain.v.subject);
    if (cn != endpoint_id)
        return make_error(
            Errc::invalid_argument,
            "Certificate's subject CN '" + cn + "' is not this agent's endpoint id '" + endpoint_id + "'");
    Crt ca;
    if (mbedtls_x509_crt_parse_file(ca.get(), ca_file.c_str()) != 0)
        return make_error(Errc::io_error, ca_file + ": cannot read the CA certificate(s)");
    uint32_t flags = 0;
    const int rc = mbedtls_x509_crt_verify(&chain.v, ca.get(), nullptr, nullptr, &flags, nullptr, nullptr);
    // Time is checked below against `now` (the agent's clock, given for tests), with the dates in the
    // message.
    flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (rc != 0 && flags != 0) {
        char info[512] = {0};
        mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
        std::string why(info);
        for (char& c : why)
            if (c == '\n') c = ';';
        while (!why.empty() && why.back() == ';') why.pop_back();
        return make_error(Errc::invalid_argument, "Certificate does not chain to " + ca_file + ": " + why);
    }
    if (rc != 0 && flags == 0 && rc != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
        return make_error(Errc::invalid_argument, "Certificate cannot be verified against " + ca_file +
                                                      " (mbedtls " + std::to_string(rc) + ")");
    const int64_t from = mbed::to_unix(chain.v.valid_from), to = mbed::to_unix(chain.v.valid_to);
    if (now < from)
        return make_error(Errc::invalid_argument, "Certificate is not valid before " +
                                                      tr181::format_date_time(from) + " (now " +
                                                      tr181::format_date_time(now) + ")");
    if (now >= to)
        return make_error(Errc::invalid_argument, "Certificate expired at " + tr181::format_date_time(to) +
                                                      " (now " + tr181::format_date_time(now) + ")");
    return {};
}

Result<KeyAndCsr> make_key_and_csr(const std::string& endpoint_id) {
    if (!usable_cn(endpoint_id))
        return make_error(Errc::invalid_argument,
                          "endpoint id '" + endpoint_id + "' cannot be a certificate CN");
    Entropy entropy;
    Drbg drbg;
    static const char kPers[] = "cpe-agent-renew";
    if (mbedtls_ctr_drbg_seed(drbg.get(), mbedtls_entropy_func, entropy.get(),
                              reinterpret_cast<const unsigned char*>(kPers), sizeof(kPers) - 1) != 0)
        return make_error(Errc::internal, "random generator: no entropy");
    Pk key;
    if (mbedtls_pk_setup(key.get(), mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.v), mbedtls_ctr_drbg_random,
                            drbg.get()) != 0)
        return make_error(Errc::internal, "key generation failed");
    KeyAndCsr out;
    std::vector<unsigned char> pem(4096);
    if (mbedtls_pk_write_key_pem(key.get(), pem.data(), pem.size()) != 0)
        return make_error(Errc::internal, "cannot write the key as PEM");
    out.key_pem = reinterpret_cast<const char*>(pem.data());
    CsrWriter w;
    mbedtls_x509write_csr_set_md_alg(w.get(), MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(w.get(), key.get());
    if (mbedtls_x509write_csr_set_subject_name(w.get(), ("CN=" + endpoint_id).c_str()) != 0)
        return make_error(Errc::invalid_argument,
                          "endpoint id '" + endpoint_id + "' cannot be a certificate subject");
    if (mbedtls_x509write_csr_pem(w.get(), pem.data(), pem.size(), mbedtls_ctr_drbg_random, drbg.get()) != 0)
        return make_error(Errc::internal, "cannot write the CSR");
    out.csr_pem = reinterpret_cast<const char*>(pem.data());
    return out;
}

Renewal::Renewal(std::string state_dir, std::string endpoint_id, std::string ca_file)
    : dir_(std::move(state_dir)), endpoint_id_(std::move(endpoint_id)), ca_file_(std::move(ca_file)) {}

std::string Renewal::current() const {
    const std::string p = path(kIdentityFile);
    return access(p.c_str(), R_OK) == 0 ? p : std::string();
}

std::string Renewal::candidate() const {
    const std::string p = path(kCandidateFile);
    return access(p.c_str(), R_OK) == 0 ? p : std::string();
}

Result<std::string> Renewal::request() {
    auto made = make_key_and_csr(endpoint_id_);
    if (!made) return made.error();
    if (Status st = write_file_atomic(path(kPendingKeyFile), made->key_pem, 0600); !st) return st.error();
    return made->csr_pem;
}

Status Renewal::install(const std::string& cert_pem, int64_t now) {
    auto key = read_file(path(kPendingKeyFile), 8192);
    if (!key)
        return make_error(
            Errc::invalid_argument,
            "no pending key: call RenewCertificate() first (a key is used for one certificate)");
    if (Status st = check_certificate(cert_pem, *key, endpoint_id_, ca_file_, now); !st) return st;
    std::string pem = cert_pem;
    if (pem.back() != '\n') pem += '\n';
    pem += *key;
    if (Status st = write_file_atomic(path(kCandidateFile), pem, 0600); !st) return st;
    unlink(path(kPendingKeyFile).c_str());
    return {};
}

Status Renewal::promote() {
    if (rename(path(kCandidateFile).c_str(), path(kIdentityFile).c_str()) != 0)
        return make_error(Errc::io_error, path(kCandidateFile) + ": cannot rename to " + kIdentityFile);
    return {};
}

void Renewal::discard() {
    rename(path(kCandidateFile).c_str(), path(kFailedFile).c_str());
}

}  // namespace cpe::agent::provision
