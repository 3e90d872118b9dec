#include "bridge_process.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "json/json.hpp"

namespace cpe::test {

Result<std::unique_ptr<Child>> Child::start(std::vector<std::string> argv, const std::string& stderr_path) {
    int out[2];
    if (::pipe(out) != 0) return make_error(Errc::io_error, "pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) return make_error(Errc::io_error, "fork failed");
    if (pid == 0) {
        ::dup2(out[1], 1);
        int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (err >= 0) ::dup2(err, 2);
        ::close(out[0]);
        ::close(out[1]);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out[1]);
    std::unique_ptr<Child> c(new Child());
    c->pid_ = pid;
    c->fd_ = out[0];
    std::string buf;
    while (buf.find('\n') == std::string::npos) {
        pollfd p{c->fd_, POLLIN, 0};
        if (::poll(&p, 1, 30000) <= 0) return make_error(Errc::timeout, argv[0] + ": no first line within 30 s");
        char tmp[256];
        ssize_t n = ::read(c->fd_, tmp, sizeof tmp);
        if (n <= 0) {
            int st = 0;
            ::waitpid(pid, &st, 0);
            c->pid_ = -1;
            return make_error(Errc::unavailable, argv[0] + " exited before its first line (status " +
                                                     std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : -1) + ")");
        }
        buf.append(tmp, static_cast<size_t>(n));
    }
    c->line_ = buf.substr(0, buf.find('\n'));
    return c;
}

void Child::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int st = 0;
    for (int i = 0; i < 500; ++i) {
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
            pid_ = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        pid_ = -1;
    }
}

Child::~Child() {
    stop();
    if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<TplinkSim>> TplinkSim::start(std::vector<std::string> args, const std::string& dir) {
    std::vector<std::string> argv = {CPE_PYTHON3, TPLINK_SIM, "--port", "0"};
    if (std::find(args.begin(), args.end(), "--fixture") == args.end()) {
        argv.push_back("--fixture");  // built-in board data unless the test asks for the board fixture
        argv.push_back("");
    }
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = Child::start(argv, dir + "/tplink_sim.log");
    if (!child) return child.error();
    std::unique_ptr<TplinkSim> sim(new TplinkSim());
    std::istringstream in((*child)->first_line());
    std::string word;
    in >> word;
    if (word != "READY") return make_error(Errc::parse_error, "simulator said: " + (*child)->first_line());
    int port;
    while (in >> port) sim->ports.push_back(port);
    sim->child_ = std::move(*child);
    return sim;
}

int64_t TplinkSim::stat(const char* key, size_t i) const {
    auto r = http_get("http://" + host(i) + "/__sim/stats", 10000);
    if (!r || r->status != 200) return -1;
    auto doc = json::parse(r->body, "sim stats");
    if (!doc) return -1;
    return json::opt_int(doc->get(), key).value_or(-1);
}

namespace {

size_t on_body(char* p, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(p, size * n);
    return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* user) {
    std::string line(p, size * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    }
    return size * n;
}

}  // namespace

Result<HttpAnswer> http_get(const std::string& url, long timeout_ms) {
    CURL* c = curl_easy_init();
    if (!c) return make_error(Errc::internal, "curl_easy_init failed");
    HttpAnswer a;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a.headers);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) return make_error(Errc::io_error, "GET " + url + ": " + curl_easy_strerror(rc));
    return a;
}

std::string make_temp_dir(const char* prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) return "";
    return tmpl;
}

void write_file(const std::string& path, const std::string& text, unsigned mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) return;
    ssize_t n = ::write(fd, text.data(), text.size());
    (void)n;
    ::fchmod(fd, mode);
    ::close(fd);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace cpe::test
