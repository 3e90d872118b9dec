// HTTPS on the lws server (mbedTLS) against the curl client (mbedTLS too), with certificates made at test
// time by the openssl command-line tool.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "net_test_util.hpp"

using namespace cpe::net;
using cpe::Result;

namespace {

class TlsTest : public cpe::net::test::NetFixture {
  protected:
    static void SetUpTestSuite() {
        dir() = std::filesystem::temp_directory_path() / ("cpe-net-tls-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir());
        std::filesystem::create_directories(dir());
        const std::string d = dir().string();
        const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
        std::ofstream(dir() / "server.ext") << "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                               "extendedKeyUsage=serverAuth\n";
        std::ofstream(dir() / "client.ext") << "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
        const std::string script =
            "cd '" + d +
            "' && "
            "openssl req -x509" +
            ec +
            "-keyout ca.key -out ca.pem -days 2 -subj /CN=cpe-test-ca "
            "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign && "
            "openssl req" +
            ec +
            "-keyout server.key -out server.csr -subj /CN=127.0.0.1 && "
            "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days "
            "2 "
            "-extfile server.ext && "
            "openssl req" +
            ec +
            "-keyout client.key -out client.csr -subj /CN=cpe-test-client && "
            "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days "
            "2 "
            "-extfile client.ext && "
            // a client certificate from a CA the server does not trust
            "openssl req -x509" +
            ec +
            "-keyout rogue-ca.key -out rogue-ca.pem -days 2 -subj /CN=rogue-ca "
            "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign && "
            "openssl req" +
            ec +
            "-keyout rogue.key -out rogue.csr -subj /CN=rogue-client && "
            "openssl x509 -req -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key -CAcreateserial -out "
            "rogue.pem "
            "-days 2 -extfile client.ext";
        made() = std::system((script + " >/dev/null 2>&1").c_str()) == 0;
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(dir()); }
    static std::filesystem::path& dir() {
        static std::filesystem::path d;
        return d;
    }
    static bool& made() {
        static bool m = false;
        return m;
    }
    static std::string file(const char* name) { return (dir() / name).string(); }

    void make_tls(bool require_client_cert) {
        ASSERT_TRUE(made()) << "openssl could not make the test certificates in " << dir();
        HttpServerOptions o;
        o.tls_cert_path = file("server.pem");
        o.tls_key_path = file("server.key");
        o.tls_ca_path = file("ca.pem");
        o.require_client_cert = require_client_cert;
        make(o);
        server->route("GET", "/health", [this](const Request& req, Responder res) {
            seen_cn = req.client_cert_cn;
            res.json(200, "{\"tls\":true}");
        });
        start();
    }
    std::unique_ptr<HttpClient> tls_client(bool trust_ca, bool with_client_cert,
                                           const char* cert = "client") {
        HttpClientOptions co;
        co.proxy = "";
        if (trust_ca) co.ca_path = file("ca.pem");
        if (with_client_cert) {
            co.client_cert_path = file((std::string(cert) + ".pem").c_str());
            co.client_key_path = file((std::string(cert) + ".key").c_str());
        }
        return std::make_unique<HttpClient>(*loop, co);
    }
    std::string seen_cn;
    HttpRequest health() const {
        HttpRequest r;
        r.url = "https://127.0.0.1:" + std::to_string(server->port()) + "/health";
        return r;
    }
};

}  // namespace

TEST_F(TlsTest, HttpsWithATrustedCa) {
    make_tls(false);
    auto c = tls_client(true, false);
    auto got = fetch(health(), c.get());
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, "{\"tls\":true}");
}

TEST_F(TlsTest, UntrustedServerCertificateIsRefused) {
    make_tls(false);
    auto c = tls_client(false, false);
    auto got = fetch(health(), c.get());
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, cpe::Errc::denied) << got.error().message;
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificate) {
    make_tls(true);
    auto without = tls_client(true, false);
    auto refused = fetch(health(), without.get());
    if (refused.ok()) {
        // libwebsockets on mbedTLS lets the handshake finish: the server itself answers 401.
        EXPECT_EQ(refused->status, 401) << refused->body;
        EXPECT_NE(refused->body.find("client certificate"), std::string::npos) << refused->body;
    } else {
        // On OpenSSL (Debian's libwebsockets) TLS 1.3 refuses in the handshake: the client sees the
        // "certificate required" alert or, when the server has already closed, a dropped connection. Nothing
        // was served.
        const std::string& why = refused.error().message;
        EXPECT_TRUE(why.find("certificate required") != std::string::npos ||
                    why.find("not connected") != std::string::npos ||
                    why.find("reset") != std::string::npos || why.find("SSL") != std::string::npos)
            << why;
    }

    auto rogue = tls_client(true, true, "rogue");
    auto refused_rogue = fetch(health(), rogue.get());
    EXPECT_FALSE(refused_rogue.ok() && refused_rogue->status == 200) << "served a client the CA never signed";

    auto with = tls_client(true, true);
    auto got = fetch(health(), with.get());
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(seen_cn, "cpe-test-client");
}
