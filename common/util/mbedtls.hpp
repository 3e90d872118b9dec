// mbedTLS, wrapped once: each context a CStruct (util/c_handle.hpp) initialised and freed by the library's
// own functions, and the X.509 facts read in more than one place. Header-only: the agent links a static -Os
// mbedTLS, the hub and the bridge Debian's; each program links the library it uses.
#pragma once

#include <mbedtls/aes.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <cstdint>
#include <cstring>  // MBEDTLS_OID_CMP
#include <ctime>
#include <string>

#include "util/c_handle.hpp"

namespace cpe::mbed {

using Pk = CStruct<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;
using Crt = CStruct<mbedtls_x509_crt, mbedtls_x509_crt_init, mbedtls_x509_crt_free>;
using Csr = CStruct<mbedtls_x509_csr, mbedtls_x509_csr_init, mbedtls_x509_csr_free>;
using CsrWriter = CStruct<mbedtls_x509write_csr, mbedtls_x509write_csr_init, mbedtls_x509write_csr_free>;
using CrtWriter = CStruct<mbedtls_x509write_cert, mbedtls_x509write_crt_init, mbedtls_x509write_crt_free>;
using Entropy = CStruct<mbedtls_entropy_context, mbedtls_entropy_init, mbedtls_entropy_free>;
using Drbg = CStruct<mbedtls_ctr_drbg_context, mbedtls_ctr_drbg_init, mbedtls_ctr_drbg_free>;
using Mpi = CStruct<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;
using Aes = CStruct<mbedtls_aes_context, mbedtls_aes_init, mbedtls_aes_free>;
using Gcm = CStruct<mbedtls_gcm_context, mbedtls_gcm_init, mbedtls_gcm_free>;

// The first CN of an X.509 name ("" when it has none).
inline std::string common_name(const mbedtls_x509_name& name) {
    for (const mbedtls_x509_name* n = &name; n; n = n->next)
        if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
            return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
    return {};
}

// An X.509 time (UTC) as Unix seconds.
inline int64_t to_unix(const mbedtls_x509_time& t) {
    std::tm tm{};
    tm.tm_year = t.year - 1900;
    tm.tm_mon = t.mon - 1;
    tm.tm_mday = t.day;
    tm.tm_hour = t.hour;
    tm.tm_min = t.min;
    tm.tm_sec = t.sec;
    return static_cast<int64_t>(timegm(&tm));
}

}  // namespace cpe::mbed
