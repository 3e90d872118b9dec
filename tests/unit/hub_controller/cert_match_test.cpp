// Endpoint id against certificate identity, with certificates made by the openssl CLI at test time.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/cert_match.hpp"

using namespace cpe::hub::controller;

TEST(CertMatch, ExactCnDnsOrUspUrn) {
    CertIdentity c;
    c.cn = "os::0C8063-A1";
    EXPECT_TRUE(endpoint_matches_cert("os::0C8063-A1", c));
    EXPECT_FALSE(endpoint_matches_cert("os::0C8063-A2", c));
    EXPECT_FALSE(endpoint_matches_cert("os::0c8063-a1", c));  // case matters
    EXPECT_FALSE(endpoint_matches_cert("", c));
    CertIdentity s;
    s.cn = "something else";
    s.uris = {"urn:bbf:usp:id:os::0C8063-B1"};
    s.dns_names = {"proto::dns-name"};
    EXPECT_TRUE(endpoint_matches_cert("os::0C8063-B1", s));
    EXPECT_TRUE(endpoint_matches_cert("proto::dns-name", s));
    EXPECT_FALSE(endpoint_matches_cert("os::0C8063-B", s));  // no prefix matches
    EXPECT_FALSE(endpoint_matches_cert("urn:bbf:usp:id:", s));
    EXPECT_NE(describe(s).find("URI 'urn:bbf:usp:id:os::0C8063-B1'"), std::string::npos);
}

TEST(CertMatch, ReadsCnAndSanFromARealCertificate) {
    std::string t = (std::filesystem::temp_directory_path() / "hub-cert-XXXXXX").string();
    std::string dir = mkdtemp(t.data());
    std::ofstream(dir + "/ext") << "subjectAltName=URI:urn:bbf:usp:id:os::0C8063-C1,DNS:agent.example\n";
    std::string cmd = "cd '" + dir +
                      "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 1 "
                      "-subj '/CN=os::0C8063-C1' -addext "
                      "'subjectAltName=URI:urn:bbf:usp:id:os::0C8063-C1,DNS:agent.example' "
                      ">/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream in(dir + "/c.pem");
    std::stringstream pem;
    pem << in.rdbuf();
    auto id = cert_identity_from_pem(pem.str());
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(id->cn, "os::0C8063-C1");
    ASSERT_EQ(id->dns_names.size(), 1u);
    EXPECT_EQ(id->dns_names[0], "agent.example");
    ASSERT_EQ(id->uris.size(), 1u);
    EXPECT_EQ(id->uris[0], "urn:bbf:usp:id:os::0C8063-C1");
    EXPECT_TRUE(endpoint_matches_cert("os::0C8063-C1", *id));

    auto bad = cert_identity_from_pem("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    EXPECT_FALSE(bad.ok());
}
