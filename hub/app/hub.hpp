// The hub as a library: owns the store, the endpoint registry, the USP controller and its WebSocket
// server, the HTTP server with the USP routes, and the SSE event stream. main.cpp only loads the config,
// makes the loop and calls create() + start(). Other hub modules (device API, sources) take what they need:
//   hub.controller()  send USP requests (Controller::request), listen to notifications
//   hub.registry()    endpoints and their identity, change listeners
//   hub.route()/sse() add HTTP routes through the middleware chain (access control hooks in here)
//   hub.events()      publish to SSE topics
// Loop thread only.
#pragma once

#include <cJSON.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/events.hpp"
#include "controller/cert_renewal.hpp"
#include "controller/controller.hpp"
#include "controller/registry.hpp"
#include "controller/ws_server.hpp"
#include "net/event_loop.hpp"
#include "net/http_server.hpp"
#include "store/registry_store.hpp"

namespace cpe::hub::app {

// Runs before every route and SSE stream added through Hub: return a Response to answer (refuse) the
// request, nullopt to let it through. Middlewares run in the order added.
using Middleware = std::function<std::optional<net::Response>(const net::Request&)>;

class Hub {
  public:
    // Opens the store (creating/migrating it) and builds everything; listens only after start().
    static Result<std::unique_ptr<Hub>> create(net::EventLoop& loop, HubConfig config);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // Binds the HTTP server and (when usp.enabled) the USP WebSocket server. Errors name the address.
    Status start();

    void add_middleware(Middleware middleware) { middlewares_.push_back(std::move(middleware)); }
    void route(const std::string& method, const std::string& pattern, net::HttpServer::Handler handler);
    void sse(const std::string& pattern, net::HttpServer::SseHandler handler);
    // GET /health (open: a liveness check): {"status": "ok", "usp": {…}, "sse_clients": N} plus the members
    // each part adds (the device API: its sources, poller and lookup cache), in the order added. A part sees
    // the request so it can add more for an authenticated caller; it must never add device data.
    using HealthPart = std::function<void(cJSON* health, const net::Request& request)>;
    void add_health(HealthPart part) { health_parts_.push_back(std::move(part)); }
    std::string health_json(const net::Request& request) const;

    net::HttpServer& http() { return *http_; }
    EventStream& events() { return events_; }
    controller::Registry& registry() { return *registry_; }
    controller::Controller* controller() { return controller_.get(); }  // nullptr when USP is disabled
    controller::UspWsServer* usp_server() { return ws_.get(); }         // nullptr when USP is disabled
    store::Store& store() { return *store_; }
    const HubConfig& config() const { return config_; }
    net::EventLoop& loop() { return loop_; }

  private:
    Hub(net::EventLoop& loop, HubConfig config);
    struct Sink;
    std::optional<net::Response> check(const net::Request& request) const;
    void add_usp_routes();
    // An admitted endpoint (the others are not shown: docs/security-identity.md).
    bool known(const std::string& endpoint_id) const {
        const auto* e = registry_->find(endpoint_id);
        return e && e->admitted;
    }
    void usp_call(const net::Request& req, const net::Responder& res,
                  const std::function<void(const std::string& endpoint_id)>& send);

    net::EventLoop& loop_;
    HubConfig config_;
    // Declaration order is destruction order reversed: the HTTP server goes first (its SSE streams call
    // back into events_), then the WebSocket server (calls into the controller), controller, registry, store.
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<controller::Registry> registry_;
    std::unique_ptr<Sink> sink_;
    std::unique_ptr<controller::CertRenewal> cert_renewal_;  // usp.cert_renewal; called by the controller
    std::unique_ptr<controller::Controller> controller_;
    std::unique_ptr<controller::UspWsServer> ws_;
    EventStream events_;
    std::unique_ptr<net::HttpServer> http_;
    std::vector<Middleware> middlewares_;
    std::vector<HealthPart> health_parts_;
};

}  // namespace cpe::hub::app
