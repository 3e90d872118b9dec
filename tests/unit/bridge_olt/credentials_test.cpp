#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "credentials.hpp"

using namespace cpe::bridge::olt;

TEST(OltCredentials, CommunityFirstNonCommentLine) {
    auto c = parse_community("# the OLT\n\n  s3cret-c  \nignored\n", "comm");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(std::get<V2cCredentials>(c->value).community, "s3cret-c");
    EXPECT_EQ(c->describe(), "SNMPv2c");
    auto e = parse_community("# nothing\n", "comm");
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("comm: no community"), std::string::npos);
}

TEST(OltCredentials, V3File) {
    auto c = parse_v3(
        "user = olt\nauth = SHA-256\nauth_passphrase = a-very-secret\npriv = AES\n"
        "priv_passphrase = another-secret\n",
        "v3");
    ASSERT_TRUE(c.ok()) << c.error().message;
    const auto& v3 = std::get<V3Credentials>(c->value);
    EXPECT_EQ(v3.user, "olt");
    EXPECT_EQ(v3.auth, AuthProtocol::sha256);
    const std::string d = c->describe();
    EXPECT_EQ(d.find("secret"), std::string::npos) << d;
    EXPECT_NE(d.find("'olt'"), std::string::npos);
}

TEST(OltCredentials, V3ErrorsNameLineAndKeyButNotTheSecret) {
    auto e = parse_v3("user = olt\nauth_passphrase = short7!\n", "v3.conf");
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("v3.conf:2: auth_passphrase must be 8..1024"), std::string::npos)
        << e.error().message;
    EXPECT_EQ(e.error().message.find("short7!"), std::string::npos);
    EXPECT_NE(parse_v3("user = olt\nauth = MD5\n", "f").error().message.find("f:2: auth must be SHA"),
              std::string::npos);
    EXPECT_NE(parse_v3("user = olt\npriv = DES\n", "f").error().message.find("priv must be AES"),
              std::string::npos);
    EXPECT_NE(parse_v3("bogus\n", "f").error().message.find("f:1: expected 'key = value'"),
              std::string::npos);
    EXPECT_NE(parse_v3("colour = blue\n", "f").error().message.find("unknown key 'colour'"),
              std::string::npos);
    EXPECT_NE(parse_v3("auth_passphrase = 12345678\npriv_passphrase = 12345678\n", "f")
                  .error()
                  .message.find("missing 'user'"),
              std::string::npos);
    EXPECT_NE(parse_v3("user = u\npriv_passphrase = 12345678\n", "f")
                  .error()
                  .message.find("missing 'auth_passphrase'"),
              std::string::npos);
}

TEST(OltCredentials, FileMustNotBeReadableByOthers) {
    char path[] = "/tmp/cpe-olt-cred-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "community\n", 10), 10);
    ::close(fd);
    ::chmod(path, 0644);
    auto e = load_community_file(path);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, cpe::Errc::denied);
    ::chmod(path, 0600);
    auto c = load_community_file(path);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ::unlink(path);
    EXPECT_EQ(load_community_file(path).error().code, cpe::Errc::not_found);
}
