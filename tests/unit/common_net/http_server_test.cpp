#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "json/json.hpp"
#include "net_test_util.hpp"

using namespace cpe::net;
using cpe::Result;
using cpe::net::test::body_of;
using cpe::net::test::RawSocket;
using cpe::net::test::status_of;

namespace {

cpe::json::Ptr parse(const std::string& text) {
    auto j = cpe::json::parse(text, "response");
    EXPECT_TRUE(j.ok()) << text;
    return j.ok() ? std::move(j).value() : cpe::json::make_object();
}

std::string str(const cJSON* obj, const char* key) {
    return cpe::json::opt_string(obj, key).value_or("<missing>");
}

class HttpServerTest : public cpe::net::test::NetFixture {};

}  // namespace

TEST_F(HttpServerTest, RouteParamsQueryHeadersAndPeer) {
    HttpServerOptions o;
    o.capture_headers = {"x-authentik-email", "x-authentik-groups"};  // as the hub configures them
    make(o);
    Request seen;
    server->route("GET", "/devices/:id/hosts", [&](const Request& req, Responder res) {
        seen = req;
        res.json(200, "{\"ok\":true}");
    });
    start();
    HttpRequest r;
    r.url = url("/devices/TPLG%20C41/hosts?refresh&topic=a&topic=b%26c&name=J%C3%A9r%C3%B4me+X&empty=");
    r.headers = {{"X-Authentik-Email", "tech@example.net"},
                 {"X-Authentik-Groups", "staff|noc"},
                 {"Authorization", "token abc:def"}};
    auto got = fetch(r);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->header("content-type").value_or(""), "application/json");
    EXPECT_EQ(seen.method, "GET");
    EXPECT_EQ(seen.path, "/devices/TPLG C41/hosts");
    EXPECT_EQ(seen.param("id"), "TPLG C41");
    EXPECT_TRUE(seen.has_query("refresh"));
    EXPECT_EQ(seen.query_value("refresh").value_or("x"), "");
    EXPECT_EQ(seen.query_values("topic"), (std::vector<std::string>{"a", "b&c"}));
    EXPECT_EQ(seen.query_value("name").value_or(""), "J\xC3\xA9r\xC3\xB4me X");
    EXPECT_EQ(seen.query_value("empty").value_or("x"), "");
    EXPECT_FALSE(seen.has_query("absent"));
    EXPECT_EQ(seen.header("x-authentik-email").value_or(""), "tech@example.net");
    EXPECT_EQ(seen.header("X-Authentik-Groups").value_or(""), "staff|noc");
    EXPECT_EQ(seen.header("authorization").value_or(""), "token abc:def");
    EXPECT_TRUE(seen.header("host").has_value());
    EXPECT_FALSE(seen.header("x-not-sent").has_value());
    EXPECT_EQ(seen.peer, "127.0.0.1");
}

TEST_F(HttpServerTest, PostBodyReachesTheHandler) {
    make();
    server->route("POST", "/devices/:id/tasks", [](const Request& req, Responder res) {
        auto obj = cpe::json::make_object();
        cpe::json::add_string(obj.get(), "id", req.param("id"));
        cpe::json::add_string(obj.get(), "body", req.body);
        res.json(201, cpe::json::print(obj.get()));
    });
    start();
    HttpRequest r;
    r.method = "POST";
    r.url = url("/devices/42/tasks");
    r.body = std::string(50000, 'x') + "{\"task\":\"reboot\"}";
    r.headers = {{"Content-Type", "application/json"}};
    auto got = fetch(r);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 201);
    auto j = parse(got->body);
    EXPECT_EQ(str(j.get(), "id"), "42");
    EXPECT_EQ(str(j.get(), "body"), r.body);

    // An empty POST is a request too.
    r.body.clear();
    got = fetch(r);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 201);
    EXPECT_EQ(str(parse(got->body).get(), "body"), "");
}

TEST_F(HttpServerTest, OversizedBodyGets413NamingTheLimitAndServerCarriesOn) {
    HttpServerOptions o;
    o.max_body_bytes = 1024;
    make(o);
    int calls = 0;
    server->route("POST", "/upload", [&](const Request&, Responder res) {
        ++calls;
        res.json(200, "{}");
    });
    start();
    HttpRequest r;
    r.method = "POST";
    r.url = url("/upload");
    r.body = std::string(64 * 1024, 'a');
    auto got = fetch(r);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 413);
    auto j = parse(got->body);
    EXPECT_NE(str(j.get(), "error").find("1024"), std::string::npos) << got->body;
    EXPECT_EQ(cpe::json::opt_int(j.get(), "status").value_or(0), 413);
    EXPECT_EQ(calls, 0);

    r.body = std::string(1024, 'a');  // exactly the limit is fine
    got = fetch(r);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(calls, 1);
}

TEST_F(HttpServerTest, HugeDeclaredBodyIsRefusedWithoutReadingIt) {
    HttpServerOptions o;
    o.max_body_bytes = 1024;
    make(o);
    server->route("POST", "/upload", [](const Request&, Responder res) { res.json(200, "{}"); });
    start();
    std::string raw;
    with_client_thread([&] {
        RawSocket s(server->port());
        ASSERT_TRUE(s.connected());
        s.send_all("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\npartial");
        s.read_to_eof(raw);
    });
    EXPECT_EQ(status_of(raw), 413) << raw;
    EXPECT_NE(body_of(raw).find("1024"), std::string::npos) << raw;
}

TEST_F(HttpServerTest, NotFoundAndMethodNotAllowedAreJsonErrors) {
    make();
    server->route("GET", "/health", [](const Request&, Responder res) { res.json(200, "{\"ok\":true}"); });
    server->route("DELETE", "/health", [](const Request&, Responder res) { res.json(200, "{}"); });
    start();
    auto nf = get("/nothing/here");
    ASSERT_TRUE(nf.ok()) << nf.error().message;
    EXPECT_EQ(nf->status, 404);
    auto j = parse(nf->body);
    EXPECT_NE(str(j.get(), "error").find("/nothing/here"), std::string::npos) << nf->body;
    EXPECT_EQ(cpe::json::opt_int(j.get(), "status").value_or(0), 404);

    HttpRequest r;
    r.method = "PUT";
    r.url = url("/health");
    r.body = "{}";
    auto na = fetch(r);
    ASSERT_TRUE(na.ok()) << na.error().message;
    EXPECT_EQ(na->status, 405);
    EXPECT_EQ(na->header("allow").value_or(""), "GET, DELETE");
    EXPECT_EQ(cpe::json::opt_int(parse(na->body).get(), "status").value_or(0), 405);
}

TEST_F(HttpServerTest, HandlerErrorsAndExceptionsBecomeJson) {
    make();
    server->route("GET", "/denied", [](const Request&, Responder res) { res.error(401, "no session"); });
    server->route("GET", "/bad", [](const Request&, Responder res) { res.error(400, "serial missing"); });
    server->route("GET", "/throws", [](const Request&, Responder) { throw std::runtime_error("boom"); });
    start();
    auto d = get("/denied");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->status, 401);
    EXPECT_EQ(str(parse(d->body).get(), "error"), "no session");
    auto b = get("/bad");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->status, 400);
    auto t = get("/throws");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->status, 500);
    EXPECT_EQ(cpe::json::opt_int(parse(t->body).get(), "status").value_or(0), 500);
}

TEST_F(HttpServerTest, MalformedRequestsDoNotHurtTheServer) {
    make();
    server->route("GET", "/health", [](const Request&, Responder res) { res.json(200, "{\"ok\":true}"); });
    server->route("POST", "/x", [](const Request&, Responder res) { res.json(200, "{}"); });
    start();
    std::string garbage, bad_length, chunked;
    with_client_thread([&] {
        {
            RawSocket s(server->port());
            s.send_all("\x01\x02 NONSENSE \xff\r\n\r\n");
            s.read_to_eof(garbage);
        }
        {
            RawSocket s(server->port());
            s.send_all("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n");
            s.read_to_eof(bad_length);
        }
        {
            RawSocket s(server->port());
            s.send_all(
                "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            s.read_to_eof(chunked);
        }
    });
    // Garbage: lws answers 4xx or just closes; either way not a 2xx.
    EXPECT_TRUE(garbage.empty() || (status_of(garbage) >= 400 && status_of(garbage) < 500)) << garbage;
    // A Content-Length lws cannot parse is refused (by lws itself or by us), never handled.
    EXPECT_GE(status_of(bad_length), 400) << bad_length;
    EXPECT_LT(status_of(bad_length), 500) << bad_length;
    EXPECT_EQ(status_of(chunked), 411) << chunked;
    EXPECT_NE(body_of(chunked).find("Content-Length"), std::string::npos) << chunked;
    auto h = get("/health");
    ASSERT_TRUE(h.ok()) << h.error().message;
    EXPECT_EQ(h->status, 200);
}

TEST_F(HttpServerTest, AsyncResponderAnswersLater) {
    make();
    server->route("GET", "/slow", [&](const Request& req, Responder res) {
        EXPECT_TRUE(res.pending());
        std::string id = req.query_value("id").value_or("");
        loop->add_timer(30, [res, id] { res.json(200, "{\"id\":\"" + id + "\"}"); });
    });
    start();
    auto got = get("/slow?id=7");
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(str(parse(got->body).get(), "id"), "7");
}

TEST_F(HttpServerTest, ResponderFromAnotherThreadIsPostedToTheLoop) {
    make();
    std::thread worker;
    server->route("GET", "/threaded", [&](const Request&, Responder res) {
        worker = std::thread([res] { res.json(200, "{\"from\":\"worker\"}"); });
    });
    start();
    auto got = get("/threaded");
    worker.join();
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(str(parse(got->body).get(), "from"), "worker");
}

TEST_F(HttpServerTest, ClientGoneBeforeAsyncAnswerIsHarmless) {
    make();
    std::optional<Responder> held;
    bool arrived = false;
    server->route("GET", "/held", [&](const Request&, Responder res) {
        held = res;
        arrived = true;
    });
    server->route("GET", "/health", [](const Request&, Responder res) { res.json(200, "{}"); });
    start();
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
        // wait until the loop has the request, then leave without reading
        std::atomic<bool> seen{false};
        while (!seen) {
            loop->post([&] { seen = arrived; });
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        s.close();
    });
    ASSERT_TRUE(arrived);
    ASSERT_TRUE(held.has_value());
    // lws does not read a connection while its request is being handled, so it learns of the close when the
    // late answer is written: that must end the exchange quietly.
    held->json(200, "{\"late\":true}");
    held->json(200, "{\"twice\":true}");  // second answer ignored
    for (int i = 0; i < 50 && server->open_connections() > 0; ++i) ASSERT_TRUE(get("/health").ok());
    EXPECT_EQ(server->open_connections(), 0u);
    EXPECT_FALSE(held->pending());
    auto again = get("/health");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, 200);
}

TEST_F(HttpServerTest, HandlerThatNeverAnswersGets504) {
    HttpServerOptions o;
    o.handler_timeout_ms = 100;
    make(o);
    server->route("GET", "/never", [](const Request&, Responder) {});
    start();
    auto got = get("/never");
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 504);
    EXPECT_NE(str(parse(got->body).get(), "error").find("100 ms"), std::string::npos) << got->body;
}

TEST_F(HttpServerTest, KeepAliveConnectionServesSeveralRequests) {
    make();
    int n = 0;
    server->route("GET", "/count",
                  [&](const Request&, Responder res) { res.json(200, std::to_string(++n)); });
    start();
    std::string raw;
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("GET /count HTTP/1.1\r\nHost: x\r\n\r\n");
        s.read_until(raw, [](const std::string& b) { return b.find("\r\n\r\n1") != std::string::npos; });
        s.send_all("GET /count HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.read_to_eof(raw);
    });
    EXPECT_EQ(n, 2);
    EXPECT_NE(raw.find("\r\n\r\n2"), std::string::npos) << raw;
}

// ---------------------------------------------------------------- static files

class StaticFiles : public HttpServerTest {
  protected:
    void SetUp() override {
        root = std::filesystem::temp_directory_path() / ("cpe-net-static-" + std::to_string(::getpid()));
        std::filesystem::remove_all(root);
        std::filesystem::create_directories(root / "www" / "css");
        write(root / "www" / "index.html", "<html>hello</html>");
        write(root / "www" / "app.js", "console.log(1)");
        write(root / "www" / "css" / "site.css", "body{}");
        write(root / "www" / "data.bin", "\x01\x02");
        write(root / "secret.txt", "TOP-SECRET");
        std::filesystem::create_symlink(root / "secret.txt", root / "www" / "link.txt");
        make();
        server->route("GET", "/health", [](const Request&, Responder res) { res.json(200, "{}"); });
        server->serve_static("/", (root / "www").string());
        start();
    }
    void TearDown() override {
        HttpServerTest::TearDown();
        std::filesystem::remove_all(root);
    }
    static void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }
    std::filesystem::path root;
};

TEST_F(StaticFiles, ServesFilesWithContentTypes) {
    auto index = get("/");
    ASSERT_TRUE(index.ok()) << index.error().message;
    EXPECT_EQ(index->status, 200);
    EXPECT_EQ(index->body, "<html>hello</html>");
    EXPECT_EQ(index->header("content-type").value_or(""), "text/html; charset=utf-8");
    auto js = get("/app.js");
    ASSERT_TRUE(js.ok());
    EXPECT_EQ(js->header("content-type").value_or(""), "text/javascript; charset=utf-8");
    auto css = get("/css/site.css");
    ASSERT_TRUE(css.ok());
    EXPECT_EQ(css->status, 200);
    EXPECT_EQ(css->header("content-type").value_or(""), "text/css; charset=utf-8");
    auto bin = get("/data.bin");
    ASSERT_TRUE(bin.ok());
    EXPECT_EQ(bin->header("content-type").value_or(""), "application/octet-stream");
    auto missing = get("/nope.html");
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(missing->status, 404);
    auto routed = get("/health");  // routes win over files
    ASSERT_TRUE(routed.ok());
    EXPECT_EQ(routed->body, "{}");
}

TEST_F(StaticFiles, TraversalIsRefused) {
    const char* attempts[] = {
        "GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /css/..%2f..%2fsecret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /css/%2E%2E/%2E%2E/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /..\\secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /link.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    };
    std::vector<std::string> answers;
    with_client_thread([&] {
        for (const char* a : attempts) {
            RawSocket s(server->port());
            std::string raw;
            s.send_all(a);
            s.read_to_eof(raw);
            answers.push_back(raw);
        }
    });
    ASSERT_EQ(answers.size(), std::size(attempts));
    for (size_t i = 0; i < answers.size(); ++i) {
        EXPECT_EQ(answers[i].find("TOP-SECRET"), std::string::npos) << attempts[i] << answers[i];
        EXPECT_GE(status_of(answers[i]), 400) << attempts[i] << answers[i];
    }
}

// ---------------------------------------------------------------- server-sent events

TEST_F(HttpServerTest, SseDeliversEventsToARealSocket) {
    make();
    std::shared_ptr<SseStream> stream;
    std::string topic;
    server->sse("/sse", [&](const Request& req, std::shared_ptr<SseStream> s) {
        topic = req.query_value("topics").value_or("");
        stream = s;
        s->send("hello", "{\"n\":1}");
        s->send("", "line one\nline two");
    });
    start();
    std::string raw;
    bool got_all = false;
    std::atomic<bool> first_read{false};
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("GET /sse?topics=customer:C-1 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
        s.read_until(raw,
                     [](const std::string& b) { return b.find("data: line two\n\n") != std::string::npos; });
        first_read = true;
        // A later event, sent from the loop, then a clean close from the server side.
        loop->post([&] {
            stream->send("update", "{\"n\":2}");
            stream->close();
        });
        got_all = s.read_to_eof(raw);
    });
    EXPECT_TRUE(got_all) << raw;
    EXPECT_EQ(topic, "customer:C-1");
    EXPECT_EQ(status_of(raw), 200) << raw;
    EXPECT_NE(raw.find("content-type: text/event-stream"), std::string::npos) << raw;
    EXPECT_NE(raw.find("event: hello\ndata: {\"n\":1}\n\n"), std::string::npos) << raw;
    EXPECT_NE(raw.find("data: line one\ndata: line two\n\n"), std::string::npos) << raw;
    EXPECT_NE(raw.find("event: update\ndata: {\"n\":2}\n\n"), std::string::npos) << raw;
    EXPECT_FALSE(stream->is_open());
    EXPECT_FALSE(stream->send("late", "x"));
}

TEST_F(HttpServerTest, SseSlowClientDropsOldestAndCounts) {
    HttpServerOptions o;
    o.sse_queue_limit = 4;
    make(o);
    std::shared_ptr<SseStream> stream;
    server->sse("/sse", [&](const Request&, std::shared_ptr<SseStream> s) {
        stream = s;
        // Nothing is written while this callback runs, so the queue overflows deterministically.
        for (int i = 0; i < 100; ++i) s->send("n", std::to_string(i));
        s->close();
    });
    start();
    std::string raw;
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n");
        s.read_to_eof(raw);
    });
    ASSERT_TRUE(stream);
    EXPECT_EQ(stream->dropped(), 96u);
    EXPECT_EQ(raw.find("data: 95\n"), std::string::npos) << raw;
    for (int i = 96; i < 100; ++i)
        EXPECT_NE(raw.find("data: " + std::to_string(i) + "\n"), std::string::npos) << raw;
}

TEST_F(HttpServerTest, SseKeepAliveAndClientDisconnect) {
    HttpServerOptions o;
    o.sse_keepalive_ms = 30;
    make(o);
    std::shared_ptr<SseStream> stream;
    bool closed = false;
    server->sse("/sse", [&](const Request&, std::shared_ptr<SseStream> s) {
        stream = s;
        s->on_close([&] { closed = true; });
    });
    server->route("GET", "/health", [](const Request&, Responder res) { res.json(200, "{}"); });
    start();
    std::string raw;
    bool got_comment = false;
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n");
        got_comment = s.read_until(
            raw, [](const std::string& b) { return b.find(": keep-alive\n\n") != std::string::npos; });
        s.close();
    });
    EXPECT_TRUE(got_comment) << raw;
    // The next keep-alive writes find the connection gone; on_close stops the loop.
    stream->on_close([&] {
        closed = true;
        loop->stop();
    });
    run_until_stopped();
    EXPECT_TRUE(closed);
    ASSERT_TRUE(stream);
    EXPECT_FALSE(stream->is_open());
    EXPECT_FALSE(stream->send("x", "y"));
}

TEST_F(HttpServerTest, SseStreamsEndCleanlyWhenTheServerGoes) {
    make();
    std::shared_ptr<SseStream> stream;
    bool closed = false;
    server->sse("/sse", [&](const Request&, std::shared_ptr<SseStream> s) {
        stream = s;
        s->on_close([&] { closed = true; });
        s->send("hi", "1");
    });
    start();
    std::string raw;
    bool eof = false;
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n");
        s.read_until(raw, [](const std::string& b) { return b.find("data: 1\n\n") != std::string::npos; });
        loop->post([&] { server.reset(); });
        eof = s.read_to_eof(raw);
    });
    EXPECT_TRUE(eof);
    EXPECT_TRUE(closed);
    EXPECT_FALSE(stream->send("x", "y"));
}

TEST(HttpServerStart, BusyPortIsAnErrorNamingTheAddress) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok());
    HttpServer first(**loop, {});
    ASSERT_TRUE(first.start().ok());
    HttpServerOptions o;
    o.name = "second";
    o.bind_address = "127.0.0.1";
    o.port = first.port();
    // lws shares a listener between vhosts on the same address+port, so use a foreign socket holder instead.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    ::listen(fd, 1);
    socklen_t sl = sizeof(sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &sl);
    o.port = ntohs(sa.sin_port);
    HttpServer second(**loop, o);
    auto st = second.start();
    ::close(fd);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("second"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find(std::to_string(o.port)), std::string::npos) << st.error().message;
}

// ---------------------------------------------------------------- issue 10: request-head checks

namespace {
// One raw request on a fresh connection; the whole answer (the server closes after a refusal).
std::string exchange(int port, const std::string& request) {
    RawSocket s(port);
    EXPECT_TRUE(s.connected());
    s.send_all(request);
    std::string raw;
    s.read_until(raw, [](const std::string& b) {
        size_t h = b.find("\r\n\r\n");
        if (h == std::string::npos) return false;
        size_t cl = b.find("content-length: ");
        return cl != std::string::npos && b.size() >= h + 4 + std::strtoul(b.c_str() + cl + 16, nullptr, 10);
    });
    return raw;
}
}  // namespace

// The core names no program's headers: a non-standard header reaches a handler only when the program lists
// it.
TEST_F(HttpServerTest, NonStandardHeadersOnlyWhenListed) {
    make();
    Request seen;
    server->route("GET", "/who", [&](const Request& req, Responder res) {
        seen = req;
        res.json(200, "{}");
    });
    start();
    HttpRequest r;
    r.url = url("/who");
    r.headers = {{"X-Authentik-Email", "tech@example.net"}, {"X-Api-Key", "k"}};
    auto got = fetch(r);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->status, 200);
    EXPECT_FALSE(seen.header("x-authentik-email"));
    EXPECT_FALSE(seen.header("x-api-key"));
}

TEST_F(HttpServerTest, ControlBytesInTheTargetNeverReachAHandler) {
    HttpServerOptions o;
    o.capture_headers = {"x-authentik-email", "x-authentik-groups"};
    make(o);
    int calls = 0;
    Request seen;
    server->route("GET", "/who", [&](const Request& req, Responder res) {
        ++calls;
        seen = req;
        res.json(200, "{}");
    });
    start();
    std::vector<std::string> bad = {
        "GET /who?x=%0aX-Authentik-Groups:noc, HTTP/1.1\r\nHost: x\r\n\r\n",  // the probe's injection
        "GET /who?x=%0dX-Authentik-Groups:noc, HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /who%0aX-Forged:1 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /who?x=a%00b HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /who HTTP/1.1\r\nHost: x\r\nX-Authentik-Email: a\0b@example.org\r\n\r\n",
        "GET /who\r\nHost: x\r\n\r\n",  // no HTTP version at all
    };
    bad[4] = std::string("GET /who HTTP/1.1\r\nHost: x\r\nX-Authentik-Email: a") + std::string(1, '\0') +
             "b@example.org\r\n\r\n";
    std::vector<std::string> answers;
    with_client_thread([&] {
        for (const auto& r : bad) answers.push_back(exchange(server->port(), r));
    });
    ASSERT_EQ(answers.size(), bad.size());
    for (size_t i = 0; i < bad.size(); ++i) {
        // A decoded NUL in the target makes lws itself drop the connection (its URI decoder fails on it,
        // before any callback): no status, and no handler either.
        const int expected = i == 3 ? 0 : 400;
        EXPECT_EQ(status_of(answers[i]), expected) << i << ": " << answers[i];
    }
    EXPECT_EQ(calls, 0) << "a handler saw header " << seen.header("x-authentik-groups").value_or("(none)");
    EXPECT_NE(answers[0].find("HTTP version"), std::string::npos) << answers[0];
}

TEST_F(HttpServerTest, OversizedTargetAndHeaderGetStatusesNotASilentClose) {
    make();
    server->route("GET", "/x", [](const Request&, Responder res) { res.json(200, "{}"); });
    start();
    std::string long_target, long_header;
    with_client_thread([&] {
        long_target =
            exchange(server->port(), "GET /x?q=" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
        long_header = exchange(
            server->port(), "GET /x HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(5000, 'c') + "\r\n\r\n");
    });
    EXPECT_EQ(status_of(long_target), 414) << long_target;
    EXPECT_EQ(status_of(long_header), 431) << long_header;
    EXPECT_NE(long_header.find("cookie"), std::string::npos) << long_header;
}

TEST_F(HttpServerTest, ContentLengthWithChunkedOrTwiceIsRefused) {
    make();
    int calls = 0;
    server->route("POST", "/t", [&](const Request&, Responder res) {
        ++calls;
        res.json(201, "{}");
    });
    start();
    std::string both, twice, good;
    with_client_thread([&] {
        both =
            exchange(server->port(),
                     "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "0\r\n\r\n");
        twice = exchange(server->port(),
                         "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 4\r\n\r\nabcd");
        good = exchange(server->port(), "POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    });
    EXPECT_EQ(status_of(both), 400) << both;
    EXPECT_NE(both.find("Transfer-Encoding"), std::string::npos) << both;
    EXPECT_EQ(status_of(twice), 400) << twice;
    EXPECT_EQ(status_of(good), 201) << good;
    EXPECT_EQ(calls, 1);
}

TEST_F(HttpServerTest, HeadOnAGetRouteAnswersHeadersWithoutBody) {
    make();
    server->route("GET", "/doc",
                  [](const Request&, Responder res) { res.json(200, "{\"body\":\"not for HEAD\"}"); });
    start();
    std::string head, after;
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("HEAD /doc HTTP/1.1\r\nHost: x\r\n\r\n");
        s.read_until(head, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
        // The same connection carries on: the next answer starts right after the HEAD headers.
        s.send_all("GET /doc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.read_to_eof(after);
    });
    EXPECT_EQ(status_of(head), 200) << head;
    EXPECT_NE(head.find("content-length: 23"), std::string::npos) << head;
    EXPECT_EQ(body_of(head), "") << head;
    EXPECT_EQ(status_of(after), 200) << after;
    EXPECT_EQ(body_of(after), "{\"body\":\"not for HEAD\"}") << after;
}

TEST_F(HttpServerTest, SseRefusalIsAnHttpErrorStatus) {
    make();
    server->sse("/sse", [](const Request&, std::shared_ptr<SseStream> s) {
        s->refuse(Response::error(403, "not in an allowed group"));
    });
    start();
    std::string raw;
    with_client_thread([&] {
        RawSocket s(server->port());
        s.send_all("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n");
        s.read_to_eof(raw);
    });
    EXPECT_EQ(status_of(raw), 403) << raw;
    EXPECT_EQ(raw.find("text/event-stream"), std::string::npos) << raw;
    EXPECT_NE(raw.find("not in an allowed group"), std::string::npos) << raw;
}

// Issue 10 item 6: a client that never reads is disconnected once its backlog passes the byte limit.
TEST_F(HttpServerTest, SseClientThatNeverReadsIsDroppedAtTheByteLimit) {
    HttpServerOptions o;
    o.sse_queue_limit = 1000000;  // only the byte limit applies
    o.sse_max_queued_bytes = 256 * 1024;
    make(o);
    std::shared_ptr<SseStream> stream;
    bool closed = false;
    size_t sent_bytes = 0;
    const std::string payload(64 * 1024, 'p');
    std::function<void()> pump = [&] {
        // Until the server gives up on the client, or a hang guard's worth of data (256 MB) went out.
        if (!stream || !stream->is_open() || sent_bytes > (256u << 20)) return;
        for (int i = 0; i < 16 && stream->send("blob", payload); ++i) sent_bytes += payload.size();
        loop->add_timer(1, pump);
    };
    server->sse("/sse", [&](const Request&, std::shared_ptr<SseStream> s) {
        stream = s;
        s->on_close([&] {
            closed = true;
            loop->stop();
        });
        loop->add_timer(1, pump);
    });
    start();
    RawSocket client(server->port());  // sends its request, then never reads
    ASSERT_TRUE(client.send_all("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n"));
    run_until_stopped();
    ASSERT_TRUE(stream);
    EXPECT_TRUE(closed);
    EXPECT_TRUE(stream->overrun());
    EXPECT_FALSE(stream->is_open());
    EXPECT_EQ(stream->queued_bytes(), 0u);
    EXPECT_LT(sent_bytes, 256u << 20);
}

TEST(RequestHeadCheck, NamesWhatWasWrong) {
    Request req;
    req.method = "GET";
    req.path = "/a";
    RequestHeadFacts facts;
    facts.version = "HTTP/1.1";
    EXPECT_FALSE(check_request_head(req, facts).has_value());
    facts.h2 = true;
    facts.version = "";
    EXPECT_FALSE(check_request_head(req, facts).has_value());
    facts.h2 = false;
    EXPECT_EQ(check_request_head(req, facts)->status, 400);
    facts.version = "HTTP/1.0";
    req.query.emplace_back("x", "a\nb");
    EXPECT_EQ(check_request_head(req, facts)->status, 400);
    req.query.clear();
    req.headers["x-authentik-email"] = std::string("a\rb");
    auto h = check_request_head(req, facts);
    ASSERT_TRUE(h);
    EXPECT_NE(h->body.find("x-authentik-email"), std::string::npos) << h->body;
    req.headers.clear();
    facts.truncated_header = "cookie";
    EXPECT_EQ(check_request_head(req, facts)->status, 431);
    facts.target_truncated = true;
    EXPECT_EQ(check_request_head(req, facts)->status, 414);
    facts = RequestHeadFacts{};
    facts.version = "HTTP/1.1";
    facts.content_length_fields = 1;
    facts.transfer_encoding = true;
    EXPECT_EQ(check_request_head(req, facts)->status, 400);
}

// ---------------------------------------------------------------- issue 10 item 7: admission

namespace {
// A GET on an open connection (keep-alive); the status, 0 when the server closed instead.
int get_on(RawSocket& s, const std::string& path) {
    if (!s.send_all("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")) return 0;
    std::string raw;
    s.read_until(raw, [](const std::string& b) {
        size_t h = b.find("\r\n\r\n");
        size_t cl = b.find("content-length: ");
        return h != std::string::npos && cl != std::string::npos &&
               b.size() >= h + 4 + std::strtoul(b.c_str() + cl + 16, nullptr, 10);
    });
    return status_of(raw);
}
}  // namespace

TEST_F(HttpServerTest, ConnectionsPerAddressAreLimited) {
    HttpServerOptions o;
    o.max_connections_per_address = 2;
    make(o);
    server->route("GET", "/health", [](const Request&, Responder res) { res.json(200, "{}"); });
    start();
    int first = 0, second = 0, third = 0, after_one_left = 0;
    with_client_thread([&] {
        auto a = std::make_unique<RawSocket>(server->port());
        RawSocket b(server->port());
        first = get_on(*a, "/health");
        second = get_on(b, "/health");
        {
            RawSocket c(server->port());  // TCP connects (backlog), then the server closes it unread
            third = get_on(c, "/health");
        }
        a.reset();  // one leaves: a new connection is admitted once the server has seen it go
        for (int i = 0; i < 100 && after_one_left != 200; ++i) {
            RawSocket d(server->port());
            after_one_left = get_on(d, "/health");
            if (after_one_left != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
    EXPECT_EQ(first, 200);
    EXPECT_EQ(second, 200);
    EXPECT_EQ(third, 0) << "a third connection from the same address was served";
    EXPECT_EQ(after_one_left, 200);
}

TEST(HttpServerAdmission, DescriptorReserveKeepsTheApiReachable) {
    cpe::net::LoopOptions lo;
    lo.descriptor_reserve = 16;
    auto l = EventLoop::create(lo);
    ASSERT_TRUE(l.ok());
    auto loop = std::move(l).value();
    HttpServerOptions uo;
    uo.name = "usp-like";
    uo.use_descriptor_reserve = false;
    HttpServer usp(*loop, uo);
    HttpServer api(*loop, {});
    for (auto* s : {&usp, &api})
        s->route("GET", "/health", [](const Request&, Responder res) { res.json(200, "{}"); });
    ASSERT_TRUE(usp.start().ok());
    ASSERT_TRUE(api.start().ok());

    rlimit saved{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
    const int probe = ::dup(0);
    ::close(probe);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(probe) + 40;  // room for a few connections, then the reserve
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);

    int served = 0, refused_at = -1, api_status = 0;
    std::thread t([&] {
        std::vector<std::unique_ptr<RawSocket>> held;
        for (int i = 0; i < 40 && refused_at < 0; ++i) {
            held.push_back(std::make_unique<RawSocket>(usp.port()));
            if (!held.back()->connected()) break;  // this process ran out of descriptors itself
            if (get_on(*held.back(), "/health") == 200)
                ++served;
            else
                refused_at = i;
        }
        held.pop_back();  // the refused one
        RawSocket a(api.port());
        api_status = get_on(a, "/health");
        loop->post([&] { loop->stop(); });
    });
    bool hung = false;
    auto guard = loop->add_timer(20000, [&] {
        hung = true;
        loop->stop();
    });
    loop->run();
    guard.cancel();
    t.join();
    setrlimit(RLIMIT_NOFILE, &saved);
    EXPECT_FALSE(hung);
    EXPECT_GT(served, 0);
    EXPECT_GE(refused_at, 0) << "the restricted listener took descriptors from the reserve";
    EXPECT_EQ(api_status, 200) << "the API could not be reached with the USP-like listener full";
}
