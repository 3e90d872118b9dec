// TR-143 download and upload (agent/diag/transfer.*) against the tests' small HTTP server on loopback
// (tests/integration/agent_diag/tr143_server.py): byte counts, timings in order, several connections, a
// time-based test, and the failures TR-143 names — refused connection, a port that does not speak HTTP, a 404
// — plus the URL parser.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "diag/transfer.hpp"

extern char** environ;

using namespace cpe::agent::diag;
namespace usp = cpe::agent::usp;

namespace {

TEST(HttpUrl, Parses) {
    auto u = parse_http_url("http://speed.example:8080/bytes/100?x=1");
    ASSERT_TRUE(u);
    EXPECT_FALSE(u->tls);
    EXPECT_EQ(u->host, "speed.example");
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->path, "/bytes/100?x=1");
    auto v6 = parse_http_url("https://[2001:db8::1]/f");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->tls);
    EXPECT_EQ(v6->host, "2001:db8::1");
    EXPECT_EQ(v6->port, 443);
    EXPECT_EQ(parse_http_url("http://h")->path, "/");
    for (const char* bad : {"ftp://h/f", "http://", "http://:80/", "http://h:0/", "http://h:99999/",
                            "http://u@h/", "http://h/a b", "http://[::1/", "h/f"})
        EXPECT_FALSE(parse_http_url(bad)) << bad;
}

TEST(HttpUrl, TimesHaveMicroseconds) {
    // date -u -d @1795000000 → 2026-11-18 11:06:40
    EXPECT_EQ(format_time_us(1795000000123456), "2026-11-18T11:06:40.123456Z");
    EXPECT_EQ(format_time_us(0), "0001-01-01T00:00:00Z");
}

int free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    close(s);
    return ntohs(a.sin_port);
}

class TransferTest : public ::testing::Test {
  protected:
    void SetUp() override {
        port = free_port();
        std::string script = std::string(CPE_SOURCE_DIR) + "/tests/integration/agent_diag/tr143_server.py";
        std::string p = std::to_string(port);
        std::vector<char*> argv = {const_cast<char*>("python3"), script.data(),
                                   const_cast<char*>("127.0.0.1"), p.data(), nullptr};
        ASSERT_EQ(posix_spawnp(&pid, "python3", nullptr, nullptr, argv.data(), environ), 0);
        // Wait until it accepts connections.
        for (int i = 0; i < 100; ++i) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<uint16_t>(port));
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            const bool up = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
            close(s);
            if (up) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL() << "the test HTTP server did not start";
    }
    void TearDown() override {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
        }
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    usp::Args run(const usp::CommandSpec& spec, usp::Args args) {
        auto bad = usp::validate_args(spec, args);
        EXPECT_FALSE(bad) << (bad ? bad->message : "");
        if (bad) return {};
        std::atomic<bool> cancelled{false};
        usp::RunContext ctx{args, cancelled, std::chrono::steady_clock::now() + std::chrono::seconds(60)};
        return spec.run(ctx);
    }
    int port = 0;
    pid_t pid = -1;
};

TEST_F(TransferTest, DownloadOverFourConnections) {
    auto out = run(download_command(resolve_literal), {{"DownloadURL", url("/bytes/2000000")},
                                                       {"NumberOfConnections", "4"},
                                                       {"EnablePerConnectionResults", "true"}});
    ASSERT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["TestBytesReceived"], "8000000");
    EXPECT_EQ(out["IPAddressUsed"], "127.0.0.1");
    for (int i = 1; i <= 4; ++i)
        EXPECT_EQ(out["PerConnectionResult." + std::to_string(i) + ".TestBytesReceived"], "2000000") << i;
    // TR-143 order: TCP open request ≤ TCP open response ≤ ROM ≤ BOM ≤ EOM (same-width strings compare as
    // times).
    EXPECT_LE(out["TCPOpenRequestTime"], out["TCPOpenResponseTime"]);
    EXPECT_LE(out["TCPOpenResponseTime"], out["ROMTime"]);
    EXPECT_LE(out["ROMTime"], out["BOMTime"]);
    EXPECT_LT(out["BOMTime"], out["EOMTime"]);
    EXPECT_EQ(out["ROMTime"].size(), 27u);  // microsecond precision
}

TEST_F(TransferTest, UploadSendsTestFileLength) {
    auto out = run(upload_command(resolve_literal),
                   {{"UploadURL", url("/up")}, {"TestFileLength", "3000000"}, {"NumberOfConnections", "2"}});
    ASSERT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["TestBytesSent"], "6000000");
    EXPECT_EQ(out["TestFileLength"], "3000000");
    EXPECT_LT(out["BOMTime"], out["EOMTime"]);
}

TEST_F(TransferTest, TimeBasedDownloadStopsAtItsDuration) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = run(download_command(resolve_literal),
                   {{"DownloadURL", url("/bytes/100000000000")}, {"TimeBasedTestDuration", "1"}});
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_GT(std::stoull(out["TestBytesReceived"]), 0u);
    EXPECT_LT(took, std::chrono::seconds(10));  // not the 100 GB
}

TEST_F(TransferTest, FailuresAreNamedAsTr143Does) {
    auto spec = download_command(resolve_literal);
    EXPECT_EQ(run(spec, {{"DownloadURL", url("/nothing")}})["Status"], "Error_TransferFailed");  // 404
    const int closed = free_port();
    EXPECT_EQ(run(spec, {{"DownloadURL", "http://127.0.0.1:" + std::to_string(closed) + "/f"}})["Status"],
              "Error_InitConnectionFailed");
    EXPECT_EQ(run(spec, {{"DownloadURL", "http://no.such.host.invalid/f"}})["Status"],
              "Error_CannotResolveHostName");
    // A port that accepts and closes without a word: no HTTP response.
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    listen(s, 4);
    socklen_t len = sizeof(a);
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    std::thread closer([s] {
        int c = accept(s, nullptr, nullptr);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        close(c);
    });
    auto mute = run(spec, {{"DownloadURL", "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/f"}});
    closer.join();
    close(s);
    EXPECT_EQ(mute["Status"], "Error_NoResponse");
    // Arguments: a URL that is not HTTP is refused before anything runs, naming the argument.
    usp::Args bad{{"DownloadURL", "ftp://127.0.0.1/f"}};
    auto e = usp::validate_args(spec, bad);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->arg, "DownloadURL");
    usp::Args zero{{"UploadURL", url("/up")}, {"TestFileLength", "0"}};
    auto z = usp::validate_args(upload_command(resolve_literal), zero);
    ASSERT_TRUE(z);
    EXPECT_EQ(z->arg, "TestFileLength");
}

}  // namespace
