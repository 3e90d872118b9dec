#include "collectors/source.hpp"
#include "util/fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace cpe::agent {
namespace {

// posix_spawn's file actions and attributes, destroyed once.
struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    bool actions_ok = posix_spawn_file_actions_init(&actions) == 0;
    bool attr_ok = posix_spawnattr_init(&attr) == 0;
    SpawnSetup() = default;
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    ~SpawnSetup() {
        if (actions_ok) posix_spawn_file_actions_destroy(&actions);
        if (attr_ok) posix_spawnattr_destroy(&attr);
    }
    bool ok() const { return actions_ok && attr_ok; }
};

class Dir {
  public:
    explicit Dir(DIR* dir) : dir_(dir) {}
    Dir(const Dir&) = delete;
    Dir& operator=(const Dir&) = delete;
    ~Dir() {
        if (dir_) ::closedir(dir_);
    }
    DIR* get() const { return dir_; }

  private:
    DIR* dir_;
};

std::string errno_text(int err) {
    return std::strerror(err);
}

std::string command_text(const std::vector<std::string>& argv) {
    std::string out;
    for (const std::string& a : argv) {
        if (!out.empty()) out += ' ';
        out += a;
    }
    if (out.size() > 120) out = out.substr(0, 117) + "...";
    return "`" + out + "`";
}

Result<std::string> read_path(const std::string& path, size_t max_bytes, const std::string& shown) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) return make_error(Errc::not_found, shown + ": no such file");
        return make_error(Errc::io_error, shown + ": cannot open: " + errno_text(err));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return make_error(Errc::io_error, shown + ": fstat: " + errno_text(errno));
    // FIFOs and devices could block or never end; the sources we read are regular files (procfs and
    // sysfs files are regular files that report a size of 0 or 4096: we read them to EOF).
    if (!S_ISREG(st.st_mode)) return make_error(Errc::invalid_argument, shown + ": not a regular file");
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::io_error, shown + ": read: " + errno_text(errno));
        }
        if (n == 0) break;
        if (out.size() + static_cast<size_t>(n) > max_bytes)
            return make_error(Errc::too_large,
                              shown + ": longer than " + std::to_string(max_bytes) + " bytes");
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

Result<std::vector<std::string>> list_path(const std::string& path, const std::string& shown) {
    Dir dir(::opendir(path.c_str()));
    if (!dir.get()) {
        int err = errno;
        if (err == ENOENT) return make_error(Errc::not_found, shown + ": no such directory");
        if (err == ENOTDIR) return make_error(Errc::invalid_argument, shown + ": not a directory");
        return make_error(Errc::io_error, shown + ": cannot open directory: " + errno_text(err));
    }
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir.get());
        if (!entry) {
            if (errno != 0) return make_error(Errc::io_error, shown + ": readdir: " + errno_text(errno));
            break;
        }
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
}

int64_t monotonic_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Kills the child's whole process group (it may have started helpers that hold stdout open) and reaps it.
void kill_and_reap(pid_t pid) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

// Waits for the child to exit until `deadline_ms`. The child has closed its stdout, so it is normally
// exiting; we sleep between checks (1 ms, growing to 20 ms) rather than spin.
bool wait_until(pid_t pid, int64_t deadline_ms, int& status) {
    long sleep_ms = 1;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return true;
        if (r < 0 && errno != EINTR) {
            status = 0;
            return true;  // ECHILD: already reaped elsewhere; nothing more to learn
        }
        int64_t left = deadline_ms - monotonic_ms();
        if (left <= 0) return false;
        long nap = std::min<long>(sleep_ms, static_cast<long>(left));
        timespec ts{nap / 1000, (nap % 1000) * 1000000L};
        ::nanosleep(&ts, nullptr);
        sleep_ms = std::min<long>(sleep_ms * 2, 20);
    }
}

Result<std::string> run_command(const std::vector<std::string>& argv, int timeout_ms, size_t max_bytes) {
    if (argv.empty() || argv[0].empty()) return make_error(Errc::invalid_argument, "run: empty command");
    const std::string shown = command_text(argv);
    for (const std::string& a : argv)
        if (a.find('\0') != std::string::npos)
            return make_error(Errc::invalid_argument, shown + ": argument contains a NUL byte");

    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);

    int out_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0)
        return make_error(Errc::io_error, shown + ": pipe: " + errno_text(errno));
    Fd out_read(out_pipe[0]), out_write(out_pipe[1]);

    // posix_spawnp rather than fork: the agent runs commands from its worker thread, and a spawn (vfork-like
    // on glibc and musl) neither copies the agent's page tables nor runs our code in a forked copy of a
    // threaded process; it also reports a failed exec (ENOENT: not found) as its return value.
    SpawnSetup setup;
    if (!setup.ok()) return make_error(Errc::io_error, shown + ": cannot prepare the spawn");
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1);
    posix_spawn_file_actions_addopen(&setup.actions, 2, "/dev/null", O_WRONLY, 0);
    // Its own process group (it may start helpers that hold stdout open: kill(-pid) reaches them), default
    // SIGPIPE, and no inherited signal mask (the agent blocks signals on its threads for sigwait).
    sigset_t none, pipe_default;
    ::sigemptyset(&none);
    ::sigemptyset(&pipe_default);
    ::sigaddset(&pipe_default, SIGPIPE);
    posix_spawnattr_setflags(&setup.attr,
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setsigdefault(&setup.attr, &pipe_default);

    pid_t pid = -1;
    const int spawn_err = ::posix_spawnp(&pid, cargv[0], &setup.actions, &setup.attr, cargv.data(), environ);
    out_write.reset();
    if (spawn_err != 0) {
        if (spawn_err == ENOENT) return make_error(Errc::not_found, shown + ": command not found");
        return make_error(Errc::io_error, shown + ": cannot execute: " + errno_text(spawn_err));
    }

    const int64_t deadline = monotonic_ms() + std::max(timeout_ms, 0);
    std::string out;
    char buf[4096];
    for (;;) {
        int64_t left = deadline - monotonic_ms();
        if (left <= 0) {
            kill_and_reap(pid);
            return make_error(Errc::timeout,
                              shown + ": no result within " + std::to_string(timeout_ms) + " ms");
        }
        pollfd p{out_read.get(), POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            kill_and_reap(pid);
            return make_error(Errc::io_error, shown + ": poll: " + errno_text(e));
        }
        if (r == 0) continue;  // the deadline check above decides
        ssize_t n = ::read(out_read.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            int e = errno;
            kill_and_reap(pid);
            return make_error(Errc::io_error, shown + ": read: " + errno_text(e));
        }
        if (n == 0) break;
        if (out.size() + static_cast<size_t>(n) > max_bytes) {
            kill_and_reap(pid);
            return make_error(Errc::too_large,
                              shown + ": output longer than " + std::to_string(max_bytes) + " bytes");
        }
        out.append(buf, static_cast<size_t>(n));
    }
    out_read.reset();

    int status = 0;
    if (!wait_until(pid, deadline, status)) {
        kill_and_reap(pid);
        return make_error(Errc::timeout,
                          shown + ": did not exit within " + std::to_string(timeout_ms) + " ms");
    }
    ::kill(-pid, SIGKILL);  // helpers it left behind in its group
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return make_error(Errc::io_error,
                          shown + ": exited with status " + std::to_string(WEXITSTATUS(status)));
    if (WIFSIGNALED(status))
        return make_error(Errc::io_error, shown + ": killed by signal " + std::to_string(WTERMSIG(status)));
    return out;
}

class LiveReader final : public SourceReader {
  public:
    Result<std::string> read_file(const std::string& path, size_t max_bytes) override {
        return read_path(path, max_bytes, path);
    }
    Result<std::vector<std::string>> list_dir(const std::string& path) override {
        return list_path(path, path);
    }
    Result<std::string> run(const std::vector<std::string>& argv, int timeout_ms, size_t max_bytes) override {
        return run_command(argv, timeout_ms, max_bytes);
    }
};

class FixtureReader final : public SourceReader {
  public:
    explicit FixtureReader(std::string root) : root_(std::move(root)) {
        while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    }

    Result<std::string> read_file(const std::string& path, size_t max_bytes) override {
        auto full = resolve(path);
        if (!full) return full.error();
        return read_path(*full, max_bytes, "fixture " + path);
    }
    Result<std::vector<std::string>> list_dir(const std::string& path) override {
        auto full = resolve(path);
        if (!full) return full.error();
        return list_path(*full, "fixture " + path);
    }
    Result<std::string> run(const std::vector<std::string>& argv, int /*timeout_ms*/,
                            size_t max_bytes) override {
        if (argv.empty() || argv[0].empty()) return make_error(Errc::invalid_argument, "run: empty command");
        const std::string name = "/captured/" + captured_name(argv);
        auto out = read_file(name, max_bytes);
        if (!out && out.error().code == Errc::not_found)
            return make_error(Errc::not_found, command_text(argv) + ": no captured output (" + name + ")");
        return out;
    }

  private:
    // Joins `path` under the root, refusing anything that could leave it.
    Result<std::string> resolve(const std::string& path) const {
        if (path.find('\0') != std::string::npos)
            return make_error(Errc::invalid_argument, "fixture path contains a NUL byte");
        size_t start = 0;
        while (start <= path.size()) {
            size_t end = path.find('/', start);
            if (end == std::string::npos) end = path.size();
            if (path.compare(start, end - start, "..") == 0)
                return make_error(Errc::invalid_argument,
                                  "fixture path '" + path + "': '..' segments are refused");
            start = end + 1;
        }
        std::string full = root_;
        if (path.empty() || path.front() != '/') full += '/';
        full += path;
        return full;
    }

    std::string root_;
};

}  // namespace

std::unique_ptr<SourceReader> make_live_reader() {
    return std::make_unique<LiveReader>();
}

std::unique_ptr<SourceReader> make_fixture_reader(const std::string& root) {
    return std::make_unique<FixtureReader>(root);
}

std::string captured_name(const std::vector<std::string>& argv) {
    std::string out;
    for (size_t i = 0; i < argv.size(); ++i) {
        if (i) out += '_';
        for (char c : argv[i]) {
            bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '_' || c == ':' || c == '-';
            out += keep ? c : '-';
        }
    }
    return out + ".out";
}

}  // namespace cpe::agent
