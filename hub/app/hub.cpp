#include "app/hub.hpp"

#include "app/usp_params.hpp"
#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::hub::app {

// The WebSocket server and the controller refer to each other; this forwards the server's events.
struct Hub::Sink : controller::TransportSink {
    controller::Controller* target = nullptr;
    void on_connected(const std::string& id, const controller::ConnectionInfo& info) override {
        if (target) target->on_connected(id, info);
    }
    void on_message(const std::string& id, std::span<const uint8_t> msg) override {
        if (target) target->on_message(id, msg);
    }
    void on_disconnected(const std::string& id) override {
        if (target) target->on_disconnected(id);
    }
};

namespace {
std::string endpoint_json(const controller::Endpoint& e, bool with_snapshot, const std::string& snapshot) {
    auto o = json::make_object();
    const auto& r = e.record;
    json::add_string(o.get(), "endpoint_id", r.endpoint_id);
    json::add_bool(o.get(), "online", r.online);
    json::add_string(o.get(), "model", r.model);
    json::add_string(o.get(), "serial", r.serial);
    json::add_string(o.get(), "oui", r.oui);
    json::add_string(o.get(), "product_class", r.product_class);
    json::add_string(o.get(), "firmware", r.firmware);
    auto macs = json::make_array();
    size_t start = 0;
    while (start < r.macs.size()) {
        size_t end = r.macs.find(',', start);
        if (end == std::string::npos) end = r.macs.size();
        json::append(macs.get(), json::Ptr(cJSON_CreateString(r.macs.substr(start, end - start).c_str())));
        start = end + 1;
    }
    json::add(o.get(), "macs", std::move(macs));
    if (e.quarantined) {
        json::add_bool(o.get(), "quarantined", true);
        json::add_string(o.get(), "quarantine_reason", e.quarantine_reason);
    }
    json::add_number(o.get(), "first_seen_ms", static_cast<double>(r.first_seen_ms));
    json::add_number(o.get(), "last_seen_ms", static_cast<double>(r.last_seen_ms));
    if (r.online) {
        json::add_string(o.get(), "peer", e.connection.peer);
        json::add_bool(o.get(), "tls", e.connection.tls);
        json::add_bool(o.get(), "id_proven", e.connection.proven);
        json::add_number(o.get(), "connected_since_ms", static_cast<double>(e.connected_since_ms));
    }
    if (with_snapshot) {
        auto snap =
            snapshot.empty() ? Result<json::Ptr>(json::make_object()) : json::parse(snapshot, "snapshot");
        json::add(o.get(), "device_info", snap ? std::move(snap).value() : json::make_object());
        json::add_number(o.get(), "device_info_ms", static_cast<double>(r.device_info_ms));
    }
    return json::print(o.get());
}

std::string change_name(controller::EndpointChange c) {
    switch (c) {
        case controller::EndpointChange::connected:
            return "connected";
        case controller::EndpointChange::disconnected:
            return "disconnected";
        case controller::EndpointChange::identified:
            return "identified";
    }
    return "unknown";
}
}  // namespace

Hub::Hub(net::EventLoop& loop, HubConfig config) : loop_(loop), config_(std::move(config)) {}

Result<std::unique_ptr<Hub>> Hub::create(net::EventLoop& loop, HubConfig config) {
    std::unique_ptr<Hub> hub(new Hub(loop, std::move(config)));  // private constructor
    auto st = store::Store::open(hub->config_.store.path);
    if (!st) return st.error().with_context("store.path");
    hub->store_ = std::make_unique<store::Store>(std::move(st).value());
    controller::RegistryOptions ro;
    ro.admission = hub->config_.usp.admission.mode;
    ro.unidentified_ttl_ms = hub->config_.usp.admission.unidentified_ttl_s * 1000;
    ro.check_timeout_ms = hub->config_.usp.admission.check_timeout_ms;
    ro.check_cache_ms = hub->config_.usp.admission.check_cache_s * 1000;
    ro.retry_min_ms = hub->config_.usp.admission.retry_min_ms;
    ro.retry_max_ms = hub->config_.usp.admission.retry_max_s * 1000;
    hub->registry_ = std::make_unique<controller::Registry>(hub->store_.get(), nullptr, ro);
    net::EventLoop* lp = &loop;
    hub->registry_->set_scheduler([lp](uint64_t ms, std::function<void()> fn) -> std::function<void()> {
        auto handle = std::make_shared<net::TimerHandle>(lp->add_timer(ms, std::move(fn)));
        return [handle] { handle->cancel(); };
    });
    if (auto loaded = hub->registry_->load(); !loaded) return loaded.error();

    net::HttpServerOptions ho;
    ho.name = "hub-http";
    ho.bind_address = hub->config_.http.bind;
    ho.port = hub->config_.http.port;
    ho.handler_timeout_ms = hub->config_.usp.request_timeout_ms + 5000;
    ho.capture_headers = hub->config_.http.capture_headers;
    hub->http_ = std::make_unique<net::HttpServer>(loop, ho);

    const auto& u = hub->config_.usp;
    if (u.enabled) {
        hub->sink_ = std::make_unique<Sink>();
        controller::UspWsOptions wo;
        wo.bind_address = u.bind;
        wo.port = u.port;
        wo.tls_cert_path = u.tls.cert_file;
        wo.tls_key_path = u.tls.key_file;
        wo.tls_ca_path = u.tls.ca_file;
        wo.require_client_cert = u.tls.require_client_cert;
        wo.controller_id = u.endpoint_id;
        wo.max_record_bytes = u.max_record_bytes;
        wo.use_allow_list = u.admission.mode == controller::Admission::allow_list;
        wo.allow_list = u.admission.allow;
        hub->ws_ = std::make_unique<controller::UspWsServer>(loop, wo, *hub->sink_);
        controller::ControllerOptions co;
        co.endpoint_id = u.endpoint_id;
        co.request_timeout_ms = u.request_timeout_ms;
        co.notifications_per_endpoint = u.notifications_per_endpoint;
        co.notification_bytes_per_endpoint = u.notification_bytes_per_endpoint;
        co.identify = u.identify;
        co.subscribe = u.subscribe;
        co.subscriptions = u.subscriptions;
        hub->controller_ = std::make_unique<controller::Controller>(loop, co, *hub->registry_, *hub->ws_);
        hub->sink_->target = hub->controller_.get();
        if (const auto& cr = u.cert_renewal; cr.enabled) {
            auto ca = controller::FleetCa::load(cr.ca_cert_file, cr.ca_key_file);
            if (!ca) return ca.error().with_context("usp.cert_renewal");
            controller::CertRenewalOptions rn;
            rn.days_before_expiry = cr.days_before_expiry;
            rn.validity_days = cr.validity_days;
            rn.retry_after_s = cr.retry_after_s;
            rn.check_interval_s = cr.check_interval_s;
            rn.vendor_prefix = u.vendor_prefix;
            hub->cert_renewal_ =
                std::make_unique<controller::CertRenewal>(loop, *hub->controller_, rn, std::move(ca).value());
            controller::CertRenewal* renewal = hub->cert_renewal_.get();
            hub->controller_->on_connection(
                [renewal](const std::string& id, const controller::ConnectionInfo& info) {
                    renewal->on_connected(id, info);
                });
        }

        Hub* self = hub.get();
        hub->controller_->listen([self](const controller::Notification& n) {
            self->events_.publish({"devices", "device:" + n.endpoint_id}, "notification", n.json);
        });
    }
    Hub* self = hub.get();
    hub->registry_->listen([self](const controller::Endpoint& e, controller::EndpointChange change) {
        if (self->events_.clients() == 0) return;
        auto o = json::make_object();
        json::add_string(o.get(), "endpoint_id", e.record.endpoint_id);
        json::add_string(o.get(), "change", change_name(change));
        json::add_bool(o.get(), "online", e.record.online);
        self->events_.publish({"devices", "device:" + e.record.endpoint_id}, "endpoint",
                              json::print(o.get()));
    });
    hub->add_usp_routes();
    return hub;
}

Hub::~Hub() {
    http_.reset();
    ws_.reset();
    if (sink_) sink_->target = nullptr;
    controller_.reset();
}

Status Hub::start() {
    if (ws_) {
        if (auto st = ws_->start(); !st) return st.error().with_context("usp");
        LOG_INFO("hub", "USP WebSocket server on %s:%d%s as '%s'",
                 config_.usp.bind.empty() ? "*" : config_.usp.bind.c_str(), ws_->port(),
                 config_.usp.tls.cert_file.empty()
                     ? ""
                     : (config_.usp.tls.require_client_cert ? " (mutual TLS)" : " (TLS)"),
                 config_.usp.endpoint_id.c_str());
    } else {
        LOG_INFO("hub", "USP is disabled (usp.enabled = false)");
    }
    if (auto st = http_->start(); !st) return st.error().with_context("http");
    LOG_INFO("hub", "HTTP API on %s:%d", config_.http.bind.c_str(), http_->port());
    return {};
}

std::optional<net::Response> Hub::check(const net::Request& request) const {
    for (const auto& m : middlewares_) {
        if (auto refused = m(request)) return refused;
    }
    return std::nullopt;
}

void Hub::route(const std::string& method, const std::string& pattern, net::HttpServer::Handler handler) {
    http_->route(method, pattern,
                 [this, handler = std::move(handler)](const net::Request& req, net::Responder res) {
                     if (auto refused = check(req)) return res.send(std::move(*refused));
                     handler(req, std::move(res));
                 });
}

void Hub::sse(const std::string& pattern, net::HttpServer::SseHandler handler) {
    http_->sse(pattern, [this, handler = std::move(handler)](const net::Request& req,
                                                             std::shared_ptr<net::SseStream> stream) {
        if (auto refused = check(req)) return stream->refuse(std::move(*refused));  // the 401/403 as such
        handler(req, std::move(stream));
    });
}

void Hub::usp_call(const net::Request& req, const net::Responder& res,
                   const std::function<void(const std::string& endpoint_id)>& send) {
    const std::string& ep = req.param("ep");
    if (!controller_)
        return res.json(503,
                        error_json(503,
                                   make_error(Errc::unavailable,
                                              "USP is disabled in this hub's configuration (usp.enabled)"),
                                   ep));
    if (!known(ep))
        return res.json(
            404, error_json(404, make_error(Errc::not_found, "endpoint '" + ep + "' is not known"), ep));
    send(ep);
}

std::string Hub::health_json(const net::Request& request) const {
    auto o = json::make_object();
    json::add_string(o.get(), "status", "ok");
    auto u = json::make_object();
    json::add_bool(u.get(), "enabled", controller_ != nullptr);
    json::add_number(u.get(), "endpoints", static_cast<double>(registry_->size()));
    json::add_number(u.get(), "online", static_cast<double>(registry_->online_count()));
    json::add_number(u.get(), "not_admitted", static_cast<double>(registry_->waiting()));
    json::add_string(u.get(), "admission", controller::admission_name(config_.usp.admission.mode));
    json::add_number(u.get(), "admission_checks", static_cast<double>(registry_->checking()));
    if (controller_)
        json::add_number(u.get(), "pending_requests", static_cast<double>(controller_->pending()));
    if (ws_) {
        const auto& s = ws_->stats();
        json::add_number(u.get(), "accepted", static_cast<double>(s.accepted));
        json::add_number(u.get(), "refused", static_cast<double>(s.refused));
        json::add_number(u.get(), "bad_records", static_cast<double>(s.bad_records));
        json::add_number(u.get(), "refused_id_in_use", static_cast<double>(s.id_in_use));
        json::add_number(u.get(), "refused_unproven", static_cast<double>(s.unproven));
        json::add_number(u.get(), "refused_not_allowed", static_cast<double>(s.not_allowed));
    }
    json::add(o.get(), "usp", std::move(u));
    json::add_number(o.get(), "sse_clients", static_cast<double>(events_.clients()));
    for (const auto& part : health_parts_) part(o.get(), request);
    return json::print(o.get());
}

void Hub::add_usp_routes() {
    route("GET", "/health",
          [this](const net::Request& req, net::Responder res) { res.json(200, health_json(req)); });

    route("GET", "/usp/endpoints", [this](const net::Request& req, net::Responder res) {
        auto online_only = req.query_value("online");
        std::string body = "{\"endpoints\":[";
        bool first = true;
        size_t n = 0;
        for (const auto* e : registry_->list()) {
            if (online_only && *online_only == "true" && !e->record.online) continue;
            if (!first) body += ',';
            first = false;
            body += endpoint_json(*e, false, {});
            ++n;
        }
        body += "],\"total\":" + std::to_string(n) +
                ",\"online\":" + std::to_string(registry_->online_count()) + "}";
        res.json(200, std::move(body));
    });

    route("GET", "/usp/:ep", [this](const net::Request& req, net::Responder res) {
        const std::string& ep = req.param("ep");
        const auto* e = known(ep) ? registry_->find(ep) : nullptr;
        if (!e)
            return res.json(
                404, error_json(404, make_error(Errc::not_found, "endpoint '" + ep + "' is not known"), ep));
        res.json(200, endpoint_json(*e, true, registry_->device_info(ep)));
    });

    route("GET", "/usp/:ep/notifications", [this](const net::Request& req, net::Responder res) {
        const std::string& ep = req.param("ep");
        if (!known(ep))
            return res.json(
                404, error_json(404, make_error(Errc::not_found, "endpoint '" + ep + "' is not known"), ep));
        unsigned limit = 100;
        if (auto l = req.query_value("limit")) {
            if (l->empty() || l->size() > 6 || l->find_first_not_of("0123456789") != std::string::npos)
                return res.json(
                    400, error_json(400,
                                    make_error(Errc::invalid_argument,
                                               "query parameter 'limit': expected an integer 0..999999"),
                                    ep));
            limit = static_cast<unsigned>(std::stoul(*l));
        }
        auto notes = store_->notifications(ep, limit);
        if (!notes) return res.json(500, error_json(500, notes.error(), ep));
        std::string body =
            "{\"endpoint_id\":" + json::print(json::Ptr(cJSON_CreateString(ep.c_str())).get()) +
            ",\"notifications\":[";
        for (size_t i = 0; i < notes->size(); ++i) body += (i ? "," : "") + (*notes)[i].json;
        body += "]}";
        res.json(200, std::move(body));
    });

    // Each USP call: parse the request (400 naming the parameter), send it, map the answer or the error.
    auto answer = [](const net::Responder& res, const std::string& ep, const Result<usp::Msg>& r,
                     auto render) {
        if (!r) {
            int status = http_status_for(r.error());
            return res.json(status, error_json(status, r.error(), ep));
        }
        render();
    };

    route("GET", "/usp/:ep/get", [this, answer](const net::Request& req, net::Responder res) {
        auto get = parse_get_query(req.query);
        if (!get) return res.json(400, error_json(400, get.error(), req.param("ep")));
        usp_call(req, res, [&](const std::string& ep) {
            controller_->request(ep, *get, [res, ep, answer](Result<usp::Msg> r) {
                answer(res, ep, r, [&] {
                    auto resp = r->get_resp();
                    if (!resp) return res.json(502, error_json(502, resp.error(), ep));
                    res.json(200, get_resp_json(ep, *resp));
                });
            });
        });
    });

    route("GET", "/usp/:ep/instances", [this, answer](const net::Request& req, net::Responder res) {
        auto gi = parse_instances_query(req.query);
        if (!gi) return res.json(400, error_json(400, gi.error(), req.param("ep")));
        usp_call(req, res, [&](const std::string& ep) {
            controller_->request(ep, *gi, [res, ep, answer](Result<usp::Msg> r) {
                answer(res, ep, r, [&] {
                    auto resp = r->get_instances_resp();
                    if (!resp) return res.json(502, error_json(502, resp.error(), ep));
                    res.json(200, instances_resp_json(ep, *resp));
                });
            });
        });
    });

    route("GET", "/usp/:ep/supported", [this, answer](const net::Request& req, net::Responder res) {
        auto dm = parse_supported_query(req.query);
        if (!dm) return res.json(400, error_json(400, dm.error(), req.param("ep")));
        usp_call(req, res, [&](const std::string& ep) {
            controller_->request(ep, *dm, [res, ep, answer](Result<usp::Msg> r) {
                answer(res, ep, r, [&] {
                    auto resp = r->get_supported_dm_resp();
                    if (!resp) return res.json(502, error_json(502, resp.error(), ep));
                    res.json(200, supported_resp_json(ep, *resp));
                });
            });
        });
    });

    route("POST", "/usp/:ep/set", [this, answer](const net::Request& req, net::Responder res) {
        auto set = parse_set_body(req.body);
        if (!set) return res.json(400, error_json(400, set.error(), req.param("ep")));
        usp_call(req, res, [&](const std::string& ep) {
            controller_->request(ep, *set, [res, ep, answer](Result<usp::Msg> r) {
                answer(res, ep, r, [&] {
                    auto resp = r->set_resp();
                    if (!resp) return res.json(502, error_json(502, resp.error(), ep));
                    res.json(200, set_resp_json(ep, *resp));
                });
            });
        });
    });

    route("POST", "/usp/:ep/operate", [this, answer](const net::Request& req, net::Responder res) {
        auto op = parse_operate_body(req.body);
        if (!op) return res.json(400, error_json(400, op.error(), req.param("ep")));
        usp_call(req, res, [&](const std::string& ep) {
            controller_->request(ep, *op, [res, ep, answer](Result<usp::Msg> r) {
                answer(res, ep, r, [&] {
                    auto resp = r->operate_resp();
                    if (!resp) return res.json(502, error_json(502, resp.error(), ep));
                    res.json(200, operate_resp_json(ep, *resp));
                });
            });
        });
    });

    sse("/sse", [this](const net::Request& req, std::shared_ptr<net::SseStream> stream) {
        auto topics = EventStream::topics_of(req);
        if (topics.empty()) {
            return stream->refuse(
                net::Response::error(400, "query parameter 'topics' is required (e.g. topics=devices)"));
        }
        events_.subscribe(topics, stream);
        stream->comment("subscribed");
    });
}

}  // namespace cpe::hub::app
