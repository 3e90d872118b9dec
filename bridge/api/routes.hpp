// The REST routes of cpe-bridge on an HttpServer, answered by a BridgeService.
#pragma once

#include "net/http_server.hpp"
#include "service.hpp"

namespace cpe::bridge::api {

void add_routes(net::HttpServer& server, BridgeService& service);

}  // namespace cpe::bridge::api
