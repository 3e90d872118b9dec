// The hub's fleet CA for certificate renewal (controller/fleet_ca.*): what a CSR must be, and what the signed
// certificate holds. CSRs and the CA are made by the openssl CLI at test time.
#include <gtest/gtest.h>
#include <mbedtls/x509_crt.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/cert_match.hpp"
#include "controller/fleet_ca.hpp"

using namespace cpe::hub::controller;
namespace fs = std::filesystem;

namespace {

const std::string kEid = "os::0C8063-CA000001";

class FleetCaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string t = (fs::temp_directory_path() / "hub-fleet-ca-XXXXXX").string();
        dir = mkdtemp(t.data());
        ASSERT_EQ(
            sh("openssl ecparam -name prime256v1 -genkey -noout -out ca.key && openssl req -x509 -new -key "
               "ca.key -sha256 -days 30 -subj '/CN=unit fleet CA/O=Fibre ISP' -out ca.pem && "
               "openssl ecparam -name prime256v1 -genkey -noout -out dev.key"),
            0);
    }
    void TearDown() override { fs::remove_all(dir); }
    int sh(const std::string& cmd) {
        return std::system(("cd '" + dir + "' && " + cmd + " >/dev/null 2>&1").c_str());
    }
    std::string read(const std::string& name) {
        std::ifstream in(dir + "/" + name);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    // A CSR of `key` with `subject` (openssl -subj form).
    std::string csr(const std::string& subject, const std::string& key = "dev.key") {
        if (sh("openssl req -new -key " + key + " -subj '" + subject + "' -out x.csr") != 0) return "";
        return read("x.csr");
    }
    std::string dir;
};

TEST_F(FleetCaTest, ACsrMustNameTheBoundEndpointAndNothingElse) {
    EXPECT_TRUE(check_csr(csr("/CN=" + kEid), kEid).ok());
    auto other = check_csr(csr("/CN=os::0C8063-SOMEONE"), kEid);
    ASSERT_FALSE(other.ok());
    EXPECT_NE(
        other.error().message.find("CSR names CN 'os::0C8063-SOMEONE', not the endpoint '" + kEid + "'"),
        std::string::npos)
        << other.error().message;
    auto extra = check_csr(csr("/CN=" + kEid + "/O=Someone"), kEid);
    ASSERT_FALSE(extra.ok());
    EXPECT_NE(extra.error().message.find("other attributes than CN="), std::string::npos)
        << extra.error().message;
    ASSERT_EQ(sh("openssl genrsa -out rsa.key 2048"), 0);
    auto rsa = check_csr(csr("/CN=" + kEid, "rsa.key"), kEid);
    ASSERT_FALSE(rsa.ok());
    EXPECT_NE(rsa.error().message.find("not an ECDSA P-256 key"), std::string::npos);
    EXPECT_FALSE(check_csr("", kEid).ok());
    EXPECT_FALSE(
        check_csr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", kEid)
            .ok());
    // A CSR whose signature is not its key's: the proof of possession fails. (The last signature byte
    // changed.)
    std::string good = csr("/CN=" + kEid);
    ASSERT_EQ(sh("openssl req -in x.csr -outform DER -out x.der"), 0);
    std::string der = read("x.der");
    der.back() = static_cast<char>(der.back() ^ 0x01);
    std::ofstream(dir + "/y.der", std::ios::binary) << der;
    ASSERT_EQ(sh("openssl req -inform DER -in y.der -out y.csr"), 0);
    auto forged = check_csr(read("y.csr"), kEid);
    ASSERT_FALSE(forged.ok());
    EXPECT_NE(forged.error().message.find("signature does not verify"), std::string::npos)
        << forged.error().message;
}

TEST_F(FleetCaTest, SignsWhatTheHubChecksAndTheCaVerifies) {
    auto bad = FleetCa::load(dir + "/ca.pem", dir + "/dev.key");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("not the key of"), std::string::npos);
    auto ca = FleetCa::load(dir + "/ca.pem", dir + "/ca.key");
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    const int64_t now = time(nullptr);
    EXPECT_FALSE((*ca)->sign(csr("/CN=os::0C8063-SOMEONE"), kEid, now, 400).ok());
    auto pem = (*ca)->sign(csr("/CN=" + kEid), kEid, now, 400);
    ASSERT_TRUE(pem.ok()) << pem.error().message;
    auto id = cert_identity_from_pem(*pem);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->cn, kEid);
    ASSERT_EQ(id->uris.size(), 1u);
    EXPECT_EQ(id->uris[0], kEid);
    // openssl agrees: it chains to the CA (issuer name as the CA's subject), is a client certificate, and two
    // signings give two serials.
    std::ofstream(dir + "/new.pem") << *pem;
    EXPECT_EQ(sh("openssl verify -CAfile ca.pem -purpose sslclient new.pem"), 0);
    EXPECT_EQ(sh("openssl x509 -in new.pem -noout -checkend " + std::to_string(399 * 86400)), 0);
    EXPECT_NE(sh("openssl x509 -in new.pem -noout -checkend " + std::to_string(401 * 86400)), 0);
    auto second = (*ca)->sign(csr("/CN=" + kEid), kEid, now, 400);
    ASSERT_TRUE(second.ok());
    std::ofstream(dir + "/second.pem") << *second;
    ASSERT_EQ(
        sh("openssl x509 -in new.pem -noout -serial > s1 && openssl x509 -in second.pem -noout -serial > s2"),
        0);
    EXPECT_NE(read("s1"), read("s2"));
}

}  // namespace
