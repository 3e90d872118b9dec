#include "routes.hpp"

#include "params.hpp"

namespace cpe::bridge::api {

namespace {

BridgeService::Reply reply_to(net::Responder res) {
    return [res](net::Response r) { res.send(std::move(r)); };
}

void modem_route(net::HttpServer& server, BridgeService& service, const char* suffix, ModemPart part) {
    server.route("GET", std::string("/modems/:id/") + suffix,
                 [&service, part](const net::Request& req, net::Responder res) {
                     auto opts = parse_read_options(req.query);
                     if (!opts) return res.error(400, opts.error().message);
                     service.modem(req.param("id"), part, opts->refresh, reply_to(res));
                 });
}

}  // namespace

void add_routes(net::HttpServer& server, BridgeService& service) {
    server.route("GET", "/health",
                 [&service](const net::Request&, net::Responder res) { res.send(service.health()); });
    server.route("GET", "/modems",
                 [&service](const net::Request&, net::Responder res) { res.send(service.modems()); });
    server.route("GET", "/olts",
                 [&service](const net::Request&, net::Responder res) { res.send(service.olts()); });
    modem_route(server, service, "status", ModemPart::status);
    modem_route(server, service, "hosts", ModemPart::hosts);
    modem_route(server, service, "optical", ModemPart::optical);
    modem_route(server, service, "wifi", ModemPart::wifi);
    modem_route(server, service, "mesh", ModemPart::mesh);
    server.route("GET", "/olts/:id/pons/:slot/:port",
                 [&service](const net::Request& req, net::Responder res) {
                     auto slot = parse_pon_number(req.param("slot"), "slot");
                     if (!slot) return res.error(400, slot.error().message);
                     auto port = parse_pon_number(req.param("port"), "port");
                     if (!port) return res.error(400, port.error().message);
                     auto opts = parse_read_options(req.query);
                     if (!opts) return res.error(400, opts.error().message);
                     service.pon(req.param("id"), *slot, *port, opts->refresh, reply_to(res));
                 });
}

}  // namespace cpe::bridge::api
