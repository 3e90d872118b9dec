// The live reader against real commands and files of this machine; the fixture reader against a temp rootfs.
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <cerrno>

#include "collectors/source.hpp"
#include "test_util.hpp"

namespace cpe::agent {
namespace {

using testing::TempDir;

size_t open_fd_count() {
    size_t n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return 0;
    while (const dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n;
}

// True when this process has no child left, running or zombie.
bool no_children_left() {
    errno = 0;
    pid_t r = ::waitpid(-1, nullptr, WNOHANG);
    return r == -1 && errno == ECHILD;
}

TEST(LiveReader, RunsCommandWithoutShell) {
    auto reader = make_live_reader();
    auto out = reader->run({"printf", "%s|", "a b", "$HOME", "*"});
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, "a b|$HOME|*|");
    EXPECT_TRUE(no_children_left());
}

TEST(LiveReader, ReadsOutputLargerThanThePipeBuffer) {
    auto reader = make_live_reader();
    auto out = reader->run({"head", "-c", "200000", "/dev/zero"}, 5000, 200000);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(out->size(), 200000u);
}

TEST(LiveReader, KillsACommandThatOutlivesTheTimeout) {
    auto reader = make_live_reader();
    auto out = reader->run({"sleep", "30"}, 200);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::timeout);
    EXPECT_NE(out.error().message.find("sleep 30"), std::string::npos) << out.error().message;
    EXPECT_TRUE(no_children_left());
}

TEST(LiveReader, TimesOutWhenTheCommandClosesStdoutButKeepsRunning) {
    auto reader = make_live_reader();
    auto out = reader->run({"sh", "-c", "echo partial; exec >&-; sleep 30"}, 300);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::timeout);
    EXPECT_TRUE(no_children_left());
}

TEST(LiveReader, TimesOutWhenAHelperKeepsStdoutOpen) {
    auto reader = make_live_reader();
    auto out = reader->run({"sh", "-c", "sleep 30 & echo started"}, 300);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::timeout);
    EXPECT_TRUE(no_children_left());
}

TEST(LiveReader, StopsReadingPastMaxBytes) {
    auto reader = make_live_reader();
    auto out = reader->run({"yes"}, 5000, 4096);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::too_large);
    EXPECT_NE(out.error().message.find("4096"), std::string::npos) << out.error().message;
    EXPECT_TRUE(no_children_left());
}

TEST(LiveReader, ReportsAMissingCommand) {
    auto reader = make_live_reader();
    auto out = reader->run({"cpe-no-such-command-h1", "x"});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::not_found);
    EXPECT_NE(out.error().message.find("cpe-no-such-command-h1"), std::string::npos) << out.error().message;
    EXPECT_TRUE(no_children_left());
}

TEST(LiveReader, ReportsANonZeroExitWithItsStatus) {
    auto reader = make_live_reader();
    auto out = reader->run({"sh", "-c", "echo some output; exit 3"});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::io_error);
    EXPECT_NE(out.error().message.find("status 3"), std::string::npos) << out.error().message;
    EXPECT_NE(out.error().message.find("sh -c"), std::string::npos) << out.error().message;
}

TEST(LiveReader, ReportsACommandKilledByASignal) {
    auto reader = make_live_reader();
    auto out = reader->run({"sh", "-c", "kill -TERM $$"});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::io_error);
    EXPECT_NE(out.error().message.find("signal 15"), std::string::npos) << out.error().message;
}

TEST(LiveReader, TheCommandDoesNotInheritTheCallersSignalMask) {
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &old), 0);
    auto reader = make_live_reader();
    auto out = reader->run({"sh", "-c", "kill -TERM $$; echo survived"}, 3000);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    ASSERT_FALSE(out.ok()) << "output: " << (out.ok() ? *out : "");
    EXPECT_NE(out.error().message.find("signal 15"), std::string::npos) << out.error().message;
}

TEST(LiveReader, StderrIsNotPartOfTheOutput) {
    auto reader = make_live_reader();
    auto out = reader->run({"sh", "-c", "echo to-stderr >&2; echo to-stdout"});
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, "to-stdout\n");
}

TEST(LiveReader, RefusesAnEmptyCommand) {
    auto reader = make_live_reader();
    auto out = reader->run({});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::invalid_argument);
}

TEST(LiveReader, LeaksNoFileDescriptors) {
    auto reader = make_live_reader();
    const size_t before = open_fd_count();
    ASSERT_GT(before, 0u);
    for (int i = 0; i < 3; ++i) {
        (void)reader->run({"echo", "x"});
        (void)reader->run({"yes"}, 5000, 1024);
        (void)reader->run({"cpe-no-such-command-h1"});
        (void)reader->run({"sleep", "5"}, 50);
        (void)reader->read_file("/proc/uptime");
        (void)reader->read_file("/nonexistent-h1");
        (void)reader->list_dir("/proc/self");
    }
    EXPECT_EQ(open_fd_count(), before);
}

TEST(LiveReader, ReadsProcfsFilesThatReportSizeZero) {
    auto reader = make_live_reader();
    struct stat st {};
    ASSERT_EQ(::stat("/proc/uptime", &st), 0);
    EXPECT_EQ(st.st_size, 0);
    auto text = reader->read_file("/proc/uptime");
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_FALSE(text->empty());
}

TEST(LiveReader, ReadFileBoundsAndErrors) {
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    dir.write("big", std::string(10000, 'x'));
    dir.write("small", "hello\n");
    auto reader = make_live_reader();

    auto small = reader->read_file(dir.path() + "/small");
    ASSERT_TRUE(small.ok());
    EXPECT_EQ(*small, "hello\n");

    auto big = reader->read_file(dir.path() + "/big", 9999);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, Errc::too_large);
    auto exact = reader->read_file(dir.path() + "/big", 10000);
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(exact->size(), 10000u);

    auto missing = reader->read_file(dir.path() + "/missing");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("missing"), std::string::npos);

    auto directory = reader->read_file(dir.path());
    ASSERT_FALSE(directory.ok());
    EXPECT_EQ(directory.error().code, Errc::invalid_argument);
}

TEST(LiveReader, RefusesAFifoInsteadOfBlocking) {
    TempDir dir;
    const std::string fifo = dir.path() + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto reader = make_live_reader();
    auto out = reader->read_file(fifo);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, Errc::invalid_argument);
}

TEST(LiveReader, ListsADirectorySorted) {
    TempDir dir;
    dir.write("b", "");
    dir.write("a", "");
    dir.write("c/x", "");
    auto reader = make_live_reader();
    auto names = reader->list_dir(dir.path());
    ASSERT_TRUE(names.ok()) << names.error().message;
    EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "c"}));
    auto missing = reader->list_dir(dir.path() + "/nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(FixtureReader, ReadsFilesUnderTheRoot) {
    TempDir root;
    root.write("proc/uptime", "12.5 3.0\n");
    root.write("sys/class/net/eth0/operstate", "up\n");
    auto reader = make_fixture_reader(root.path());
    auto text = reader->read_file("/proc/uptime");
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(*text, "12.5 3.0\n");
    auto names = reader->list_dir("/sys/class/net");
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(*names, std::vector<std::string>{"eth0"});
    auto missing = reader->read_file("/proc/meminfo");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(FixtureReader, RefusesPathTraversal) {
    TempDir base;
    base.write("secret", "do not read");
    base.write("root/proc/uptime", "1 1\n");
    auto reader = make_fixture_reader(base.path() + "/root");
    for (const char* path :
         {"/../secret", "../secret", "/proc/../../secret", "/proc/..", "..", "/proc/../uptime"}) {
        auto out = reader->read_file(path);
        ASSERT_FALSE(out.ok()) << path;
        EXPECT_EQ(out.error().code, Errc::invalid_argument) << path;
        EXPECT_NE(out.error().message.find(".."), std::string::npos) << out.error().message;
    }
    auto listed = reader->list_dir("/..");
    ASSERT_FALSE(listed.ok());
    EXPECT_EQ(listed.error().code, Errc::invalid_argument);
    // Names that merely contain dots are ordinary names.
    base.write("root/tmp/..data", "ok");
    auto dots = reader->read_file("/tmp/..data");
    ASSERT_TRUE(dots.ok()) << dots.error().message;
}

TEST(FixtureReader, RunsCapturedCommands) {
    TempDir root;
    root.write("captured/iw_dev_ra0_station_dump.out", "Station aa:bb:cc:dd:ee:ff (on ra0)\n");
    root.write("captured/wl_-i_wl0_sta_info_aa:bb:cc:dd:ee:ff.out", "STA aa:bb:cc:dd:ee:ff:\n");
    auto reader = make_fixture_reader(root.path());
    auto out = reader->run({"iw", "dev", "ra0", "station", "dump"});
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, "Station aa:bb:cc:dd:ee:ff (on ra0)\n");
    auto wl = reader->run({"wl", "-i", "wl0", "sta_info", "aa:bb:cc:dd:ee:ff"});
    ASSERT_TRUE(wl.ok()) << wl.error().message;

    auto missing = reader->run({"iw", "dev", "ra1", "station", "dump"});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("iw_dev_ra1_station_dump.out"), std::string::npos)
        << missing.error().message;

    auto big = reader->run({"iw", "dev", "ra0", "station", "dump"}, 1000, 10);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, Errc::too_large);
}

TEST(CapturedName, JoinsArgvAndReplacesOtherCharacters) {
    EXPECT_EQ(captured_name({"iw", "dev", "ra0", "station", "dump"}), "iw_dev_ra0_station_dump.out");
    EXPECT_EQ(captured_name({"diag", "pon", "get", "transceiver", "rx-power"}),
              "diag_pon_get_transceiver_rx-power.out");
    EXPECT_EQ(captured_name({"wl", "-i", "wl0", "sta_info", "aa:bb:cc:dd:ee:ff"}),
              "wl_-i_wl0_sta_info_aa:bb:cc:dd:ee:ff.out");
    EXPECT_EQ(captured_name({"cat", "/proc/x y", "a*b"}), "cat_-proc-x-y_a-b.out");
    EXPECT_EQ(captured_name({"../../etc"}), "..-..-etc.out");
}

}  // namespace
}  // namespace cpe::agent
