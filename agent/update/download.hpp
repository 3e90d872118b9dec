// A file download over HTTP(S) on the agent's EventLoop with libwebsockets' HTTP client (the agent links no
// curl): GET, status 200 only, the body written to a file as it arrives, bounded in size and time. For https
// the server certificate must chain to ca_file. Loop thread only; `done` runs once (not after destruction).
#pragma once

#include <libwebsockets.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/event_loop.hpp"
#include "util/result.hpp"

namespace cpe::agent::update {

struct HttpUrl {
    bool tls = false;
    std::string host;
    int port = 0;
    std::string path;  // starts with '/'
};
// http[s]://host[:port][/path]; the error names what is wrong.
Result<HttpUrl> parse_http_url(std::string_view text);

struct DownloadOptions {
    std::string url;
    std::string ca_file;    // required for https
    std::string dest_path;  // written from scratch
    uint64_t max_bytes = 8u << 20;
    uint32_t timeout_s = 300;
    // Looks a host name up off the loop (the daemon's resolver, agent/mtp/resolve.hpp: never glibc's NSS);
    // `done` runs on the loop. False: not started. Empty: names are refused (IP literals only).
    std::function<bool(const std::string& host, std::function<void(Result<std::vector<std::string>>)> done)>
        resolve;
};

class Download {
  public:
    // `done` gets the number of bytes written, or why the download failed (the file is then removed).
    Download(net::EventLoop& loop, DownloadOptions options, std::function<void(Result<uint64_t>)> done);
    ~Download();
    Download(const Download&) = delete;
    Download& operator=(const Download&) = delete;
    Status start();

  private:
    struct Anchor {
        Download* self = nullptr;
    };
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
    void finish(Result<uint64_t> r);
    Status connect_to(const std::string& address);

    net::EventLoop& loop_;
    DownloadOptions options_;
    std::function<void(Result<uint64_t>)> done_;
    HttpUrl url_;
    lws_vhost* vhost_ = nullptr;
    std::string address_;  // the resolved address connected to (the name stays Host, SNI, certificate name)
    std::shared_ptr<Anchor> anchor_;
    FILE* out_ = nullptr;
    lws* wsi_ = nullptr;
    uint64_t written_ = 0;
    bool finished_ = false;
    std::string error_;
    net::TimerHandle timer_;
};

}  // namespace cpe::agent::update
