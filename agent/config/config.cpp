#include "config/config.hpp"

#include <cstring>
#include <initializer_list>

#include "json/json.hpp"
#include "tr181/vendor.hpp"

namespace cpe::agent::config {
namespace {

Error bad(const std::string& key, const std::string& why) {
    return make_error(Errc::invalid_argument, "config." + key + ": " + why);
}

Status check_keys(const cJSON* obj, const std::string& where, std::initializer_list<const char*> allowed) {
    for (const cJSON* item = obj->child; item; item = item->next) {
        const char* name = item->string ? item->string : "";
        bool known = false;
        for (const char* a : allowed) known = known || std::strcmp(name, a) == 0;
        if (!known) {
            std::string list;
            for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
            return bad(where.empty() ? std::string(name) : where + "." + name,
                       "unknown key (known: " + list + ")");
        }
    }
    return {};
}

Status get_string(const cJSON* obj, const char* key, const std::string& where, std::string& out) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return {};
    const std::string name = where.empty() ? std::string(key) : where + "." + key;
    if (!cJSON_IsString(item)) return bad(name, "must be a string");
    out = item->valuestring;
    if (out.size() > 4096) return bad(name, "longer than 4096 characters");
    return {};
}

template <typename T>
Status get_uint(const cJSON* obj, const char* key, const std::string& where, T& out, uint64_t min,
                uint64_t max) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return {};
    const std::string name = where.empty() ? std::string(key) : where + "." + key;
    if (!cJSON_IsNumber(item)) return bad(name, "must be a number");
    const double v = item->valuedouble;
    if (v != static_cast<double>(static_cast<int64_t>(v)) || v < static_cast<double>(min) ||
        v > static_cast<double>(max))
        return bad(name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    out = static_cast<T>(v);
    return {};
}

Status get_bool(const cJSON* obj, const char* key, const std::string& where, bool& out) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return {};
    if (!cJSON_IsBool(item)) return bad(where + "." + key, "must be true or false");
    out = cJSON_IsTrue(item);
    return {};
}

Status parse_server(const cJSON* root, Server& sv) {
    const cJSON* obj = cJSON_GetObjectItemCaseSensitive(root, "server");
    if (!obj) return {};
    if (!cJSON_IsObject(obj)) return bad("server", "must be an object");
    Status st = check_keys(obj, "server",
                           {"enabled", "bind", "port", "path", "tls", "allowed_controllers",
                            "max_connections", "first_record_timeout_s", "insecure_lan"});
    if (!st) return st;
    const bool has_port = cJSON_GetObjectItemCaseSensitive(obj, "port") != nullptr;
    for (const Status& s :
         {get_bool(obj, "enabled", "server", sv.enabled), get_string(obj, "bind", "server", sv.bind),
          get_uint(obj, "port", "server", sv.port, 0, 65535), get_string(obj, "path", "server", sv.path),
          get_uint(obj, "max_connections", "server", sv.max_connections, 1, 16),
          get_uint(obj, "first_record_timeout_s", "server", sv.first_record_timeout_s, 1, 3600),
          get_bool(obj, "insecure_lan", "server", sv.insecure_lan)}) {
        if (!s) return s;
    }
    if (!sv.path.starts_with("/") || sv.path.find_first_of("?# ") != std::string::npos)
        return bad("server.path", "must start with '/' and have no query, fragment or space");
    if (const cJSON* tls = cJSON_GetObjectItemCaseSensitive(obj, "tls")) {
        if (!cJSON_IsObject(tls)) return bad("server.tls", "must be an object");
        st = check_keys(tls, "server.tls", {"cert_file", "key_file", "ca_file", "require_client_cert"});
        if (!st) return st;
        ServerTls& t = sv.tls;
        for (const Status& s : {get_string(tls, "cert_file", "server.tls", t.cert_file),
                                get_string(tls, "key_file", "server.tls", t.key_file),
                                get_string(tls, "ca_file", "server.tls", t.ca_file),
                                get_bool(tls, "require_client_cert", "server.tls", t.require_client_cert)}) {
            if (!s) return s;
        }
        if (t.cert_file.empty() != t.key_file.empty())
            return bad(t.cert_file.empty() ? "server.tls.cert_file" : "server.tls.key_file",
                       "cert_file and key_file go together (the server's certificate)");
        if (t.cert_file.empty() && (!t.ca_file.empty() || t.require_client_cert))
            return bad("server.tls.cert_file",
                       "missing: ca_file / require_client_cert need the server's own certificate");
        if (t.require_client_cert && t.ca_file.empty())
            return bad("server.tls.ca_file",
                       "required with require_client_cert (the CA controllers' certificates chain to)");
    }
    if (const cJSON* list = cJSON_GetObjectItemCaseSensitive(obj, "allowed_controllers")) {
        if (!cJSON_IsArray(list))
            return bad("server.allowed_controllers", "must be an array of endpoint ids");
        int i = 0;
        for (const cJSON* item = list->child; item; item = item->next, ++i) {
            const std::string name = "server.allowed_controllers[" + std::to_string(i) + "]";
            if (!cJSON_IsString(item) || !*item->valuestring) return bad(name, "must be a non-empty string");
            if (i >= 32) return bad("server.allowed_controllers", "more than 32 entries");
            sv.allowed_controllers.emplace_back(item->valuestring);
        }
    }
    if (sv.enabled) {
        if (sv.bind.empty())
            return bad("server.bind", "missing: the LAN address or interface to listen on (e.g. \"br-lan\")");
        if (!has_port) return bad("server.port", "missing: the port to listen on (0 = any free port)");
        if (!sv.authenticated() && !sv.insecure_lan)
            return bad("server",
                       "refusing server mode without authentication: set tls.require_client_cert (with "
                       "tls.cert_file, key_file, ca_file) and allowed_controllers, or \"insecure_lan\": true "
                       "to accept any controller on the LAN");
    }
    return {};
}

bool valid_port(std::string_view text, int& port) {
    if (text.empty() || text.size() > 5) return false;
    int v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    if (v < 1 || v > 65535) return false;
    port = v;
    return true;
}

}  // namespace

Result<WsUrl> parse_ws_url(std::string_view text) {
    WsUrl url;
    std::string_view rest;
    if (text.starts_with("ws://")) {
        rest = text.substr(5);
    } else if (text.starts_with("wss://")) {
        url.tls = true;
        rest = text.substr(6);
    } else {
        return make_error(Errc::invalid_argument, "must be a ws:// or wss:// URL");
    }
    for (char c : text)
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
            return make_error(Errc::invalid_argument,
                              "must be a ws:// or wss:// URL (no spaces or control characters)");
    size_t slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (authority.find('@') != std::string_view::npos)
        return make_error(Errc::invalid_argument, "must be a ws:// or wss:// URL without user information");
    std::string_view port_text;
    if (authority.starts_with("[")) {
        size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return make_error(Errc::invalid_argument, "unterminated IPv6 address");
        url.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':')
                return make_error(Errc::invalid_argument, "unexpected text after the IPv6 address");
            port_text = after.substr(1);
            if (port_text.empty()) return make_error(Errc::invalid_argument, "empty port");
        }
    } else {
        size_t colon = authority.find(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return make_error(Errc::invalid_argument, "empty port");
        }
    }
    if (url.host.empty())
        return make_error(Errc::invalid_argument, "must be a ws:// or wss:// URL with a host");
    url.port = url.tls ? 443 : 80;
    if (!port_text.empty() && !valid_port(port_text, url.port))
        return make_error(Errc::invalid_argument,
                          "port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    url.path = path.starts_with("?") ? "/" + std::string(path) : std::string(path);
    if (url.path.find('#') != std::string::npos)
        return make_error(Errc::invalid_argument, "a fragment ('#') is not allowed");
    return url;
}

Result<Config> parse(std::string_view text, std::string_view what) {
    auto doc = json::parse(text, what);
    if (!doc) return doc.error();
    const cJSON* root = doc->get();
    Config c;
    auto in_file = [&](Error e) { return e.with_context(std::string(what)); };
    if (!cJSON_IsObject(root))
        return in_file(make_error(Errc::invalid_argument, "config: must be a JSON object"));
    Status st = check_keys(root, "",
                           {"endpoint_id", "controller", "refresh_interval_s", "periodic_interval_s",
                            "ping_interval_s", "state_dir", "reboot_command", "reconnect", "max_record_bytes",
                            "server", "vendor_prefix", "update", "resolv_conf", "hosts_file"});
    if (!st) return in_file(st.error());
    for (const Status& s : {get_string(root, "endpoint_id", "", c.endpoint_id),
                            get_uint(root, "refresh_interval_s", "", c.refresh_interval_s, 1, 86400),
                            get_uint(root, "periodic_interval_s", "", c.periodic_interval_s, 1, 86400 * 7),
                            get_uint(root, "ping_interval_s", "", c.ping_interval_s, 1, 3600),
                            get_string(root, "state_dir", "", c.state_dir),
                            get_string(root, "reboot_command", "", c.reboot_command),
                            get_string(root, "vendor_prefix", "", c.vendor_prefix),
                            get_string(root, "resolv_conf", "", c.resolv_conf),
                            get_string(root, "hosts_file", "", c.hosts_file),
                            get_uint(root, "max_record_bytes", "", c.max_record_bytes, 1024, 1u << 20)}) {
        if (!s) return in_file(s.error());
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "endpoint_id") && c.endpoint_id.empty())
        return in_file(bad("endpoint_id", "must not be empty (leave it out for os::<OUI>-<serial>)"));
    if (!c.vendor_prefix.empty())
        if (Status vp = tr181::check_vendor_prefix(c.vendor_prefix, "vendor_prefix"); !vp)
            return in_file(vp.error());
    if (c.resolv_conf.empty())
        return in_file(bad("resolv_conf", "must name the resolv.conf that lists the DNS servers"));
    if (c.reboot_command.find_first_not_of(' ') == std::string::npos)
        return in_file(bad("reboot_command", "must name a program"));

    if (const cJSON* rc = cJSON_GetObjectItemCaseSensitive(root, "reconnect")) {
        if (!cJSON_IsObject(rc)) return in_file(bad("reconnect", "must be an object"));
        st = check_keys(rc, "reconnect", {"min_ms", "base_ms", "cap_ms", "stable_s", "initial_jitter_ms"});
        if (!st) return in_file(st.error());
        Reconnect& r = c.reconnect;
        for (const Status& s :
             {get_uint(rc, "min_ms", "reconnect", r.min_ms, 0, 3600000),
              get_uint(rc, "base_ms", "reconnect", r.base_ms, 1, 3600000),
              get_uint(rc, "cap_ms", "reconnect", r.cap_ms, 1, 3600000),
              get_uint(rc, "stable_s", "reconnect", r.stable_s, 1, 86400),
              get_uint(rc, "initial_jitter_ms", "reconnect", r.initial_jitter_ms, 0, 3600000)}) {
            if (!s) return in_file(s.error());
        }
        if (r.min_ms > r.cap_ms) return in_file(bad("reconnect.min_ms", "must not exceed reconnect.cap_ms"));
        if (r.base_ms > r.cap_ms)
            return in_file(bad("reconnect.base_ms", "must not exceed reconnect.cap_ms"));
    }
    if (Status s = parse_server(root, c.server); !s) return in_file(s.error());
    if (const cJSON* up = cJSON_GetObjectItemCaseSensitive(root, "update")) {
        if (!cJSON_IsObject(up)) return in_file(bad("update", "must be an object"));
        st = check_keys(up, "update", {"signing_key", "ca_file", "max_bytes", "timeout_s", "manifest"});
        if (!st) return in_file(st.error());
        for (const Status& s : {get_string(up, "signing_key", "update", c.update.signing_key),
                                get_string(up, "ca_file", "update", c.update.ca_file),
                                get_string(up, "manifest", "update", c.update.manifest),
                                get_uint(up, "max_bytes", "update", c.update.max_bytes, 64 * 1024, 64u << 20),
                                get_uint(up, "timeout_s", "update", c.update.timeout_s, 5, 3600)}) {
            if (!s) return in_file(s.error());
        }
        if (c.update.signing_key.empty())
            return in_file(
                bad("update.signing_key", "missing: the public key update manifests are signed with"));
    }
    const cJSON* ctl = cJSON_GetObjectItemCaseSensitive(root, "controller");
    if (!ctl && c.server.enabled) return c;  // server mode only: controllers connect in
    if (!ctl) return in_file(bad("controller", "missing (needs at least \"url\")"));
    if (!cJSON_IsObject(ctl)) return in_file(bad("controller", "must be an object"));
    st = check_keys(ctl, "controller", {"url", "endpoint_id", "ca_file", "cert_file", "key_file"});
    if (!st) return in_file(st.error());
    Controller& k = c.controller;
    for (const Status& s : {get_string(ctl, "url", "controller", k.url),
                            get_string(ctl, "endpoint_id", "controller", k.endpoint_id),
                            get_string(ctl, "ca_file", "controller", k.ca_file),
                            get_string(ctl, "cert_file", "controller", k.cert_file),
                            get_string(ctl, "key_file", "controller", k.key_file)}) {
        if (!s) return in_file(s.error());
    }
    if (k.url.empty()) return in_file(bad("controller.url", "missing: must be a ws:// or wss:// URL"));
    if (k.endpoint_id.empty())
        return in_file(bad("controller.endpoint_id",
                           "missing: the controller's USP endpoint id (e.g. \"self::cpe-hub\")"));
    auto url = parse_ws_url(k.url);
    if (!url) return in_file(bad("controller.url", url.error().message));
    k.parsed = *url;
    if (k.parsed.tls && k.ca_file.empty())
        return in_file(
            bad("controller.ca_file",
                "required for a wss:// URL (the CA the controller's certificate is checked against)"));
    if (!k.parsed.tls && (!k.ca_file.empty() || !k.cert_file.empty() || !k.key_file.empty()))
        return in_file(
            bad("controller.url", "certificates are configured but the URL is ws:// (use wss://)"));
    if (k.cert_file.empty() != k.key_file.empty())
        return in_file(bad(k.cert_file.empty() ? "controller.cert_file" : "controller.key_file",
                           "cert_file and key_file go together (mutual TLS)"));

    return c;
}

Result<Config> load(const std::string& path) {
    auto doc = json::parse_file(path, 64 * 1024);
    if (!doc) return doc.error();
    std::string text = json::print(doc->get());
    return parse(text, path);
}

}  // namespace cpe::agent::config
