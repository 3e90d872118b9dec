#include "provision/csr.hpp"

#include <fcntl.h>
#include <mbedtls/ecp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "util/mbedtls.hpp"

namespace cpe::agent::provision {
namespace {

using mbed::CsrWriter;
using mbed::Drbg;
using mbed::Entropy;
using mbed::Pk;

}  // namespace

Status write_file_atomic(const std::string& path, const std::string& text, unsigned mode) {
    const std::string tmp = path + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0) return make_error(Errc::io_error, tmp + ": " + strerror(errno));
    const size_t n = text.size();
    const bool ok = write(fd, text.data(), n) == static_cast<ssize_t>(n) && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
        unlink(tmp.c_str());
        return make_error(Errc::io_error, path + ": write failed");
    }
    return {};
}

Status make_csr(const std::string& key_path, const std::string& csr_path, const std::string& endpoint_id) {
    if (endpoint_id.empty() || endpoint_id.size() > 64 ||
        endpoint_id.find_first_of(",=+\"\\<>;") != std::string::npos)
        return make_error(Errc::invalid_argument,
                          "endpoint id '" + endpoint_id + "' cannot be a certificate CN");
    Entropy entropy;  // before the generator: freed after it
    Drbg drbg;
    static const char kPers[] = "cpe-agent-csr";
    if (mbedtls_ctr_drbg_seed(drbg.get(), mbedtls_entropy_func, entropy.get(),
                              reinterpret_cast<const unsigned char*>(kPers), sizeof(kPers) - 1) != 0)
        return make_error(Errc::internal, "random generator: no entropy");
    Pk key;
    if (access(key_path.c_str(), F_OK) == 0) {
        if (mbedtls_pk_parse_keyfile(key.get(), key_path.c_str(), nullptr) != 0)
            return make_error(Errc::parse_error, key_path + ": not a PEM private key");
    } else {
        if (mbedtls_pk_setup(key.get(), mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
            mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.v), mbedtls_ctr_drbg_random,
                                drbg.get()) != 0)
            return make_error(Errc::internal, "key generation failed");
        std::vector<unsigned char> pem(2048);
        if (mbedtls_pk_write_key_pem(key.get(), pem.data(), pem.size()) != 0)
            return make_error(Errc::internal, "cannot write the key as PEM");
        if (Status st = write_file_atomic(key_path, reinterpret_cast<const char*>(pem.data()), 0600); !st)
            return st;
    }
    CsrWriter w;
    mbedtls_x509write_csr_set_md_alg(w.get(), MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(w.get(), key.get());
    const std::string subject = "CN=" + endpoint_id;
    if (mbedtls_x509write_csr_set_subject_name(w.get(), subject.c_str()) != 0)
        return make_error(Errc::invalid_argument,
                          "endpoint id '" + endpoint_id + "' cannot be a certificate subject");
    std::vector<unsigned char> pem(4096);
    if (mbedtls_x509write_csr_pem(w.get(), pem.data(), pem.size(), mbedtls_ctr_drbg_random, drbg.get()) != 0)
        return make_error(Errc::internal, "cannot write the CSR");
    return write_file_atomic(csr_path, reinterpret_cast<const char*>(pem.data()), 0644);
}

}  // namespace cpe::agent::provision
