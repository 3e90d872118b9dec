#include "hub_process.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace cpe::hub::test {

const char* const kServiceToken = "test-service-token-0123456789abcdef";

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cpe-hub-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data())) path_ = buf.data();
}

TempDir::~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& text) const {
    std::ofstream out(file(name), std::ios::binary);
    out << text;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

int run_command(const std::string& command, std::string* output) {
    std::string cmd = command + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        if (output) output->append(buf, n);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

namespace {
size_t collect(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}
struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

int port_after(const std::string& line, const std::string& marker) {
    auto p = line.find(marker);
    if (p == std::string::npos) return 0;
    auto colon = line.find(':', p + marker.size());
    if (colon == std::string::npos) return 0;
    return std::atoi(line.c_str() + colon + 1);
}
}  // namespace

HttpResult http(const std::string& method, const std::string& url, const std::string& body, long timeout_s,
                bool with_token) {
    HttpResult r;
    std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    if (with_token) headers.reset(curl_slist_append(nullptr, (std::string("Authorization: Bearer ") + kServiceToken).c_str()));
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c.get(), CURLOPT_NOPROXY, "*");
    if (method == "POST") {
        if (curl_slist* h = curl_slist_append(headers.get(), "Content-Type: application/json")) {
            (void)headers.release();  // h is the same list (or a new one when it was empty)
            headers.reset(h);
        }
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    if (headers) curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
    CURLcode rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) {
        r.error = curl_easy_strerror(rc);
        return r;
    }
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &r.status);
    return r;
}

HubProcess::HubProcess(const std::string& binary, const TempDir& dir, const std::string& config_json) {
    dir.write("hub.json", config_json);
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        std::string cfg = dir.file("hub.json");
        setenv("HUB_SERVICE_TOKEN", kServiceToken, 1);
        execl(binary.c_str(), binary.c_str(), "--config", cfg.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    err_fd_ = fds[0];
    reader_ = std::thread([this] {
        std::string partial;
        char buf[4096];
        while (true) {
            ssize_t n = read(err_fd_, buf, sizeof buf);
            if (n <= 0) break;
            partial.append(buf, static_cast<size_t>(n));
            size_t nl;
            while ((nl = partial.find('\n')) != std::string::npos) {
                std::string line = partial.substr(0, nl);
                partial.erase(0, nl + 1);
                std::lock_guard<std::mutex> lock(mutex_);
                if (int p = port_after(line, "HTTP API on "); p) http_port_ = p;
                if (int p = port_after(line, "USP WebSocket server on "); p) usp_port_ = p;
                lines_.push_back(std::move(line));
            }
        }
    });
    // Wait (bounded) for the HTTP port line.
    for (int i = 0; i < 200; ++i) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (http_port_ > 0) break;
        }
        int st = 0;
        if (waitpid(pid_, &st, WNOHANG) == pid_) {
            pid_ = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

int HubProcess::stop() {
    int code = -1;
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int st = 0;
        for (int i = 0; i < 200; ++i) {
            if (waitpid(pid_, &st, WNOHANG) == pid_) {
                code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                pid_ = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &st, 0);
            pid_ = -1;
        }
    }
    if (reader_.joinable()) reader_.join();
    if (err_fd_ >= 0) close(err_fd_);
    err_fd_ = -1;
    return code;
}

HubProcess::~HubProcess() { stop(); }

std::vector<std::string> HubProcess::log_lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
}

size_t HubProcess::count_lines(const std::string& needle) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& l : lines_)
        if (l.find(needle) != std::string::npos) ++n;
    return n;
}

SseReader::SseReader(int port, const std::string& path_and_query) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return;
    std::string req = "GET " + path_and_query + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                      "Authorization: Bearer " + kServiceToken + "\r\n\r\n";
    (void)send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
}

SseReader::~SseReader() {
    if (fd_ >= 0) close(fd_);
}

bool SseReader::wait_for(const std::string& needle, int timeout_ms) {
    return wait_until([&](const std::string& text) { return text.find(needle) != std::string::npos; }, timeout_ms);
}

bool SseReader::wait_until(const std::function<bool(const std::string&)>& done, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done(buffer_)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char buf[4096];
        ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return false;
        buffer_.append(buf, static_cast<size_t>(n));
    }
    return true;
}

bool make_ca_and_server(const TempDir& dir, TestPki& pki, std::string& error) {
    pki.ca_cert = dir.file("ca.crt");
    pki.ca_key = dir.file("ca.key");
    pki.server_cert = dir.file("server.crt");
    pki.server_key = dir.file("server.key");
    dir.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    const std::string d = dir.path();
    std::string cmds =
        "cd '" + d + "' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=cpe-hub test CA' && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' && "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 "
        "-extfile server.ext";
    std::string out;
    if (run_command(cmds, &out) != 0) {
        error = "openssl failed: " + out;
        return false;
    }
    return true;
}

bool make_client_cert(const TempDir& dir, const TestPki& pki, const std::string& name, const std::string& cn,
                      const std::string& san_uri, std::string& error) {
    (void)pki;
    const std::string d = dir.path();
    std::string ext = name + ".ext";
    dir.write(ext, san_uri.empty() ? "basicConstraints=CA:FALSE\n" : "subjectAltName=URI:" + san_uri + "\n");
    std::string cmds = "cd '" + d + "' && openssl req -newkey rsa:2048 -nodes -keyout " + name + ".key -out " + name +
                       ".csr -subj '/CN=" + cn + "' && openssl x509 -req -in " + name +
                       ".csr -CA ca.crt -CAkey ca.key -CAcreateserial -out " + name + ".crt -days 2 -extfile " + ext +
                       " && cat " + name + ".key " + name + ".crt > " + name + ".pem";
    std::string out;
    if (run_command(cmds, &out) != 0) {
        error = "openssl failed: " + out;
        return false;
    }
    return true;
}

}  // namespace cpe::hub::test
