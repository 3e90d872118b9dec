// Certificate renewal on the agent (agent/provision/identity.*, renewal_commands.*): the checks an installed
// certificate must pass, the state-directory files, and the commands' USP errors. The fleet CA is made by the
// openssl CLI at test time and signs the CSRs the agent makes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "provision/identity.hpp"
#include "provision/renewal_commands.hpp"

using namespace cpe::agent::provision;
namespace fs = std::filesystem;

namespace {

const std::string kEid = "os::0C8063-UNIT0001";

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class Identity : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string t = (fs::temp_directory_path() / "agent-identity-XXXXXX").string();
        dir = mkdtemp(t.data());
        ASSERT_EQ(sh("openssl ecparam -name prime256v1 -genkey -noout -out ca.key && openssl req -x509 -new "
                     "-key ca.key "
                     "-sha256 -days 30 -subj '/CN=unit fleet CA' -out ca.pem && "
                     "openssl ecparam -name prime256v1 -genkey -noout -out rogue.key && openssl req -x509 "
                     "-new -key "
                     "rogue.key -sha256 -days 30 -subj '/CN=unit fleet CA' -out rogue.pem"),
                  0);
    }
    void TearDown() override { fs::remove_all(dir); }
    int sh(const std::string& cmd) {
        return std::system(("cd '" + dir + "' && " + cmd + " >/dev/null 2>&1").c_str());
    }
    // The CSR text signed by `ca` (ca or rogue), `days` long.
    std::string sign(const std::string& csr, const std::string& ca = "ca", int days = 10) {
        std::ofstream(dir + "/in.csr") << csr;
        if (sh("openssl x509 -req -in in.csr -CA " + ca + ".pem -CAkey " + ca +
               ".key -CAcreateserial -days " + std::to_string(days) + " -out out.pem") != 0)
            return "";
        return slurp(dir + "/out.pem");
    }
    std::string dir;
};

TEST_F(Identity, ACertificateForThePendingKeyPassesEveryCheck) {
    auto made = make_key_and_csr(kEid);
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_NE(made->key_pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
    const std::string cert = sign(made->csr_pem);
    ASSERT_FALSE(cert.empty());
    const int64_t now = time(nullptr);
    EXPECT_TRUE(check_certificate(cert, made->key_pem, kEid, dir + "/ca.pem", now).ok());

    auto cn = check_certificate(cert, made->key_pem, "os::0C8063-UNIT0002", dir + "/ca.pem", now);
    ASSERT_FALSE(cn.ok());
    EXPECT_NE(cn.error().message.find("subject CN 'os::0C8063-UNIT0001' is not this agent's endpoint id"),
              std::string::npos)
        << cn.error().message;
    auto other = make_key_and_csr(kEid);
    ASSERT_TRUE(other.ok());
    auto key = check_certificate(cert, other->key_pem, kEid, dir + "/ca.pem", now);
    ASSERT_FALSE(key.ok());
    EXPECT_NE(key.error().message.find("public key is not the key"), std::string::npos)
        << key.error().message;
    auto chain = check_certificate(cert, made->key_pem, kEid, dir + "/rogue.pem", now);
    ASSERT_FALSE(chain.ok());
    EXPECT_NE(chain.error().message.find("does not chain to " + dir + "/rogue.pem"), std::string::npos)
        << chain.error().message;
    auto expired = check_certificate(cert, made->key_pem, kEid, dir + "/ca.pem", now + 11 * 86400);
    ASSERT_FALSE(expired.ok());
    EXPECT_NE(expired.error().message.find("Certificate expired at"), std::string::npos)
        << expired.error().message;
    auto early = check_certificate(cert, made->key_pem, kEid, dir + "/ca.pem", now - 86400);
    ASSERT_FALSE(early.ok());
    EXPECT_NE(early.error().message.find("not valid before"), std::string::npos) << early.error().message;
    auto garbage = check_certificate("hello", made->key_pem, kEid, dir + "/ca.pem", now);
    ASSERT_FALSE(garbage.ok());
    EXPECT_NE(garbage.error().message.find("not a PEM certificate"), std::string::npos);
    auto broken = check_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                    made->key_pem, kEid, dir + "/ca.pem", now);
    EXPECT_FALSE(broken.ok());
}

TEST_F(Identity, RenewalKeepsTheKeyInTheStateDirectoryAndSwapsByRename) {
    Renewal r(dir, kEid, dir + "/ca.pem");
    EXPECT_EQ(r.current(), "");
    auto none = r.install("x", time(nullptr));
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("no pending key"), std::string::npos);
    auto csr = r.request();
    ASSERT_TRUE(csr.ok()) << csr.error().message;
    struct stat st {};
    ASSERT_EQ(stat((dir + "/" + kPendingKeyFile).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // A certificate that fails a check leaves nothing behind but the pending key.
    ASSERT_FALSE(r.install(sign(*csr, "rogue"), time(nullptr)).ok());
    EXPECT_EQ(r.candidate(), "");
    ASSERT_TRUE(r.install(sign(*csr), time(nullptr)).ok());
    EXPECT_EQ(r.candidate(), dir + "/" + kCandidateFile);
    EXPECT_FALSE(fs::exists(dir + "/" + kPendingKeyFile));
    const std::string both = slurp(r.candidate());
    EXPECT_NE(both.find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_NE(both.find("PRIVATE KEY"), std::string::npos);
    ASSERT_TRUE(r.promote().ok());
    EXPECT_EQ(r.current(), dir + "/" + kIdentityFile);
    EXPECT_EQ(r.candidate(), "");
    // A second round whose candidate fails is set aside; the current identity stays.
    auto again = r.request();
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(r.install(sign(*again), time(nullptr)).ok());
    r.discard();
    EXPECT_EQ(r.candidate(), "");
    EXPECT_TRUE(fs::exists(dir + "/" + kFailedFile));
    EXPECT_EQ(slurp(r.current()), both);
}

TEST(RenewalCommands, ArgumentsAndAvailabilityAreUspErrors) {
    auto now = [] { return int64_t{0}; };
    RenewalCommands off(nullptr, "X_0C8063_", "no state_dir is configured", now);
    EXPECT_FALSE(off.handle("Device.Reboot()", {}).has_value());
    auto unavailable = off.handle("Device.LocalAgent.X_0C8063_RenewCertificate()", {});
    ASSERT_TRUE(unavailable.has_value());
    const auto* f = std::get_if<cpe::usp::CommandFailure>(&*unavailable);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->err_code, 7022u);
    EXPECT_NE(f->err_msg.find("not available: no state_dir is configured"), std::string::npos);
    auto extra = off.handle("Device.LocalAgent.X_0C8063_RenewCertificate()", {{"Key", "x"}});
    ASSERT_TRUE(extra.has_value());
    f = std::get_if<cpe::usp::CommandFailure>(&*extra);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->err_code, 7027u);
    EXPECT_NE(f->err_msg.find("has no input argument Key (it takes none)"), std::string::npos);
    auto wrong = off.handle("Device.LocalAgent.X_0C8063_InstallCertificate()", {{"Cert", "x"}});
    ASSERT_TRUE(wrong.has_value());
    f = std::get_if<cpe::usp::CommandFailure>(&*wrong);
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->err_msg.find("has no input argument Cert (it takes Certificate)"), std::string::npos);

    std::string t = (fs::temp_directory_path() / "agent-renewal-XXXXXX").string();
    const std::string dir = mkdtemp(t.data());
    Renewal r(dir, kEid, dir + "/missing-ca.pem");
    RenewalCommands on(&r, "X_0C8063_", "", now);
    auto missing = on.handle(on.install_path(), {});
    ASSERT_TRUE(missing.has_value());
    f = std::get_if<cpe::usp::CommandFailure>(&*missing);
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->err_msg.find("Certificate is required"), std::string::npos);
    auto csr = on.handle(on.renew_path(), {});
    ASSERT_TRUE(csr.has_value());
    const auto* out = std::get_if<cpe::usp::OutputArgs>(&*csr);
    ASSERT_NE(out, nullptr);
    EXPECT_NE(out->output_args.at("CSR").find("BEGIN CERTIFICATE REQUEST"), std::string::npos);
    auto bad = on.handle(on.install_path(), {{"Certificate", "not a certificate"}});
    f = std::get_if<cpe::usp::CommandFailure>(&*bad);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->err_code, 7012u);
    EXPECT_NE(f->err_msg.find("InstallCertificate(): Certificate is not a PEM certificate"),
              std::string::npos);
    EXPECT_FALSE(on.take_installed());
    // Without a vendor prefix the commands are not offered at all.
    RenewalCommands no_prefix(&r, "", "", now);
    EXPECT_FALSE(no_prefix.handle("Device.LocalAgent.RenewCertificate()", {}).has_value());
    fs::remove_all(dir);
}

}  // namespace
