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

#include <atomic>
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

namespace {

int port_after(const std::string& line, const std::string& marker) {
    auto p = line.find(marker);
    if (p == std::string::npos) return 0;
    auto colon = line.find(':', p + marker.size());
    if (colon == std::string::npos) return 0;
    return std::atoi(line.c_str() + colon + 1);
}

int port_in_log(const std::string& text, const std::string& marker) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (int p = port_after(line, marker)) return p;
    return 0;
}

}  // namespace

HttpResult http(const std::string& method, const std::string& url, const std::string& body, long timeout_s,
                bool with_token) {
    std::vector<std::string> headers;
    if (with_token) headers.push_back(std::string("Authorization: Bearer ") + kServiceToken);
    testkit::HttpOptions options;
    options.timeout_ms = timeout_s * 1000;
    testkit::Http r = testkit::request(method, url, headers, body, options);
    return {r.status, std::move(r.body), std::move(r.error)};
}

HubProcess::HubProcess(const std::string& binary, const TempDir& dir, const std::string& config_json) {
    static std::atomic<int> started{0};
    dir.write("hub.json", config_json);
    proc_ = testkit::spawn({binary, "--config", dir.file("hub.json")},
                           dir.file("hub-" + std::to_string(++started) + ".log"),
                           {std::string("HUB_SERVICE_TOKEN=") + kServiceToken});
    const std::string http = testkit::wait_for(proc_, "HTTP API on ", 10);
    if (!http.empty()) http_port_ = port_after("HTTP API on " + http, "HTTP API on ");
}

int HubProcess::usp_port() {
    if (usp_port_ == 0) usp_port_ = port_in_log(slurp(proc_.out), "USP WebSocket server on ");
    return usp_port_;
}

int HubProcess::stop() {
    return testkit::stop(proc_, 10000);
}

HubProcess::~HubProcess() {
    stop();
}

std::vector<std::string> HubProcess::log_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(slurp(proc_.out));
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
    return lines;
}

size_t HubProcess::count_lines(const std::string& needle) const {
    size_t n = 0;
    for (const auto& l : log_lines())
        if (l.find(needle) != std::string::npos) ++n;
    return n;
}

SseReader::SseReader(int port, const std::string& path_and_query) {
    socket_ = testkit::connect_loopback(port, 10);
    if (!socket_) return;
    std::string req = "GET " + path_and_query +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                      "Authorization: Bearer " + kServiceToken + "\r\n\r\n";
    (void)testkit::send_all(socket_.fd(), req);
}

bool SseReader::wait_for(const std::string& needle, int timeout_ms) {
    return wait_until([&](const std::string& text) { return text.find(needle) != std::string::npos; },
                      timeout_ms);
}

bool SseReader::wait_until(const std::function<bool(const std::string&)>& done, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done(buffer_)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{socket_.fd(), POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char buf[4096];
        ssize_t n = recv(socket_.fd(), buf, sizeof buf, 0);
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
        "cd '" + d +
        "' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=cpe-hub "
        "test CA' && "
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
    std::string cmds = "cd '" + d + "' && openssl req -newkey rsa:2048 -nodes -keyout " + name +
                       ".key -out " + name + ".csr -subj '/CN=" + cn + "' && openssl x509 -req -in " + name +
                       ".csr -CA ca.crt -CAkey ca.key -CAcreateserial -out " + name +
                       ".crt -days 2 -extfile " + ext + " && cat " + name + ".key " + name + ".crt > " +
                       name + ".pem";
    std::string out;
    if (run_command(cmds, &out) != 0) {
        error = "openssl failed: " + out;
        return false;
    }
    return true;
}

}  // namespace cpe::hub::test
