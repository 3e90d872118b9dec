#include "session.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "log/log.hpp"
#include "util/text.hpp"

namespace cpe::tplink {

namespace {

constexpr const char* kTag = "tplink";
constexpr const char* kStack0 = "0,0,0,0,0,0";
constexpr const char* kStack1 = "1,0,0,0,0,0";

std::string trim_line(std::string_view s) {
    return std::string(text::trim(s, " \t\r\n"));
}

std::string ms_query() {
    return "?_=" + std::to_string(now_ms());
}

bool looks_like_html(std::string_view body) {
    return body.find("<html") != std::string_view::npos || body.find("<HTML") != std::string_view::npos ||
           body.find("<!DOCTYPE") != std::string_view::npos;
}

}  // namespace

Result<Credentials> load_secret_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return make_error(Errc::io_error, "secret file " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0077) != 0)
        LOG_WARN(kTag, "secret file %s is readable by group/others; chmod 600 it", path.c_str());
    std::string text;
    char buf[1024];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() <= 16384) text.append(buf, n);
    std::fclose(f);
    if (text.size() > 16384) return make_error(Errc::too_large, "secret file " + path + " is over 16 KiB");
    Credentials c;
    bool keyed = false;
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    for (auto& raw : lines) {
        std::string line = trim_line(raw);
        if (line.rfind("password=", 0) == 0) {
            c.password = line.substr(9);
            keyed = true;
        } else if (line.rfind("user=", 0) == 0) {
            c.user = line.substr(5);
            keyed = true;
        }
    }
    if (!keyed) {
        for (auto& raw : lines) {
            std::string line = trim_line(raw);
            if (!line.empty() && line[0] != '#') {
                c.password = line;
                break;
            }
        }
    }
    if (c.password.empty())
        return make_error(Errc::parse_error, "secret file " + path + ": no password (password=… line)");
    if (c.user.empty()) return make_error(Errc::parse_error, "secret file " + path + ": empty user= line");
    return c;
}

TplinkSession::TplinkSession(ModemConfig config, HttpClient http, Random rng)
    : config_(std::move(config)), http_(std::move(http)), rng_(std::move(rng)) {}

Result<TplinkSession> TplinkSession::open(const ModemConfig& config) {
    auto http = HttpClient::create(config.host, config.timeouts);
    if (!http) return http.error();
    auto rng = Random::create("cpe-bridge-tplink " + config.host);
    if (!rng) return rng.error();
    return TplinkSession(config, std::move(*http), std::move(*rng));
}

Status TplinkSession::login(std::vector<Variant> candidates) {
    failure_.reset();
    forbid_s_.reset();
    auth_times_.reset();
    sign_unread_ = false;
    session_lost_ = false;
    crypto_.reset();
    http_.reset_session();
    if (candidates.empty()) {
        // Detection without a login: the firmware's own crypto script says OAEP/GCM when it uses them
        // (EX920 0.8.0 sets rsaEncrypt = $.rsa.encryptOAEP; see docs/bridge-tplink.md). Not fatal if absent.
        VariantHint hint;
        if (auto js = http_.get("/js/tpEncrypt.js"); js && js->status == 200)
            hint = parse_encrypt_js(js->body);
        Variant first{hint.gcm ? Cipher::gcm : Cipher::cbc,
                      hint.oaep ? RsaPadding::oaep_sha1 : RsaPadding::none};
        candidates.push_back(first);
        for (Variant v : {kCbcRaw, kGcmRaw, kCbcOaep, kGcmOaep})
            if (v != first) candidates.push_back(v);
    }
    std::string notes;
    Status last;
    for (size_t i = 0; i < candidates.size(); ++i) {
        last = login_once(candidates[i], i + 1 < candidates.size(), notes);
        if (last) return last;
        // Only a sign the modem could not read (dropped connection, 71234) moves on to the next variant.
        if (!sign_unread()) return last;
    }
    return last;
}

Status TplinkSession::login_once(Variant v, bool more_to_try, std::string& notes) {
    const std::string name = variant_name(v);
    sign_unread_ = false;
    auto fail = [&](LoginFailure kind, Error err) -> Status {
        failure_ = kind;
        notes += (notes.empty() ? "" : "; ") + name + ": " + err.message;
        return Error{err.code, "login to " + config_.host + " failed (" + notes + ")"};
    };
    http_.reset_session();
    auto parm_resp = http_.post("/cgi/getGDPRParm" + ms_query(), "");
    if (!parm_resp) {
        failure_.reset();  // nothing with credentials was sent
        return parm_resp.error().with_context("login to " + config_.host + ": getGDPRParm");
    }
    if (parm_resp->status != 200) {
        failure_.reset();
        return make_error(Errc::unavailable, "login to " + config_.host + ": getGDPRParm answered HTTP " +
                                                 std::to_string(parm_resp->status));
    }
    auto parm = parse_gdpr_parm(parm_resp->body);
    if (!parm) {
        failure_.reset();
        return parm.error().with_context("login to " + config_.host);
    }
    auto key = RsaPublicKey::from_hex(parm->modulus_hex, parm->exponent_hex);
    if (!key) {
        failure_.reset();
        return key.error().with_context("login to " + config_.host + ": getGDPRParm key");
    }
    auto key_iv = make_key_iv(now_ms(), v.cipher == Cipher::gcm ? 12 : 16, rng_);
    if (!key_iv) return key_iv.error();
    SessionCrypto crypto(std::move(*key), v, std::move(*key_iv),
                         md5_hex(config_.credentials.user + config_.credentials.password), parm->seq);
    auto body = crypto.seal_request(login_payload(config_.credentials.user, config_.credentials.password),
                                    true, rng_);
    if (!body) return body.error().with_context("login to " + config_.host);
    auto resp = http_.post("/cgi_gdpr?9", *body);
    if (!resp) {
        if (more_to_try)
            LOG_INFO(kTag, "%s: %s login not answered; trying the next variant", config_.host.c_str(),
                     name.c_str());
        return fail(LoginFailure::no_answer, resp.error());
    }
    if (resp->status != 200) {
        sign_unread_ = true;
        return fail(LoginFailure::bad_request,
                    make_error(Errc::unavailable, "HTTP " + std::to_string(resp->status)));
    }
    if (auto plain = plain_ret_code(resp->body); plain && *plain != 0) {
        // An unencrypted code: the modem could not read our request.
        LoginFailure kind =
            *plain == kRetBadCredentials ? LoginFailure::bad_credentials : LoginFailure::bad_request;
        sign_unread_ = kind == LoginFailure::bad_request;
        return fail(kind, make_error(kind == LoginFailure::bad_credentials ? Errc::denied : Errc::parse_error,
                                     "$.ret=" + std::to_string(*plain)));
    }
    auto text = crypto.open_response(resp->body);
    if (!text) return fail(LoginFailure::bad_request, text.error());
    // From here on the modem read our sign (its answer decrypts with our key): no other variant is tried.
    auto reply = parse_login_reply(*text);
    if (!reply) return fail(LoginFailure::bad_request, reply.error());
    auth_times_ = reply->auth_times;
    if (reply->locked || reply->ret != kRetOk) {
        if (reply->locked) {
            forbid_s_ = reply->forbid_seconds;
            std::string what = "modem reports a login lockout";
            if (reply->forbid_seconds) what += " for " + std::to_string(*reply->forbid_seconds) + " s";
            if (reply->auth_times)
                what += " after " + std::to_string(*reply->auth_times) + " failed attempts";
            return fail(LoginFailure::locked, make_error(Errc::denied, what));
        }
        if (reply->ret == kRetBadCredentials) {
            std::string what = "wrong user or password ($.ret=71233)";
            if (reply->auth_times) what += ", attempt " + std::to_string(*reply->auth_times);
            return fail(LoginFailure::bad_credentials, make_error(Errc::denied, what));
        }
        return fail(LoginFailure::bad_request,
                    make_error(Errc::parse_error, "$.ret=" + std::to_string(reply->ret)));
    }
    // Logged in. The token comes from the main page.
    auto page = http_.get("/" + ms_query());
    if (!page) return page.error().with_context("after login to " + config_.host + ": token page");
    auto token = parse_token_page(page->body);
    if (!token) return token.error().with_context("after login to " + config_.host);
    http_.set_token(std::move(*token));
    crypto_.emplace(std::move(crypto));
    failure_.reset();
    LOG_INFO(kTag, "%s: logged in (%s)", config_.host.c_str(), name.c_str());
    return {};
}

bool TplinkSession::sign_unread() const {
    return (failure_ == LoginFailure::bad_request && sign_unread_) ||
           (failure_ == LoginFailure::no_answer && http_.last_transport() == Transport::dropped);
}

Result<ActReply> TplinkSession::act(std::string_view op, std::string_view oid, std::string_view stack,
                                    const std::vector<std::string>& attrs, bool allow_refusal) {
    std::string where = config_.host + " " + std::string(op) + " " + std::string(oid);
    if (!crypto_) return make_error(Errc::invalid_argument, where + ": not logged in");
    session_lost_ = false;
    auto body = crypto_->seal_request(act_payload(op, oid, stack, attrs), false, rng_);
    if (!body) return body.error().with_context(where);
    auto resp = http_.post("/cgi_gdpr?9" + ms_query(), *body);
    if (!resp) return resp.error().with_context(where);
    if (resp->status == 401 || resp->status == 403 || looks_like_html(resp->body)) {
        session_lost_ = true;
        return make_error(Errc::denied,
                          where + ": session no longer valid (logged out, or taken over by a web-UI login)");
    }
    if (resp->status != 200)
        return make_error(Errc::unavailable, where + ": HTTP " + std::to_string(resp->status));
    if (auto plain = plain_ret_code(resp->body))
        return make_error(Errc::parse_error, where + ": modem answered $.ret=" + std::to_string(*plain));
    auto text = crypto_->open_response(resp->body);
    if (!text) return text.error().with_context(where);
    auto reply = parse_act_reply(*text);
    if (!reply) return reply.error().with_context(where);
    if (!reply->success && !allow_refusal)
        return make_error(Errc::unavailable, where + ": modem answered success=false, errorcode " +
                                                 std::to_string(reply->errorcode));
    return reply;
}

Result<Snapshot> TplinkSession::read_all() {
    struct Read {
        const char* op;
        const char* oid;
        const char* stack;
        void (*apply)(Snapshot&, const ActReply&);
    };
    // DEV2_ADT_WAN and DEV2_ADT_LAN are multi-instance (one item per WAN connection / LAN interface): read as
    // lists with stack 1,0,0,0,0,0 as the web UI does (issue 16; tplinkrouterc6u's EX client also lists
    // them), and the mapping picks the live instance.
    static const Read reads[] = {
        {"go", "DEV2_DEV_INFO", kStack0, apply_dev_info},
        {"gl", "DEV2_ADT_WAN", kStack1, apply_wan},
        {"gl", "DEV2_ADT_LAN", kStack1, apply_lan},
        {"gl", "DEV2_ADT_WIFI_COMMON", kStack0, apply_wifi},
        {"gl", "DEV2_HOST_ENTRY", kStack0, apply_hosts},
        {"go", "DEV2_OPTC_GPON_CFG", kStack0, apply_optical},
        {"go", "DEV2_MEM_STATUS", kStack0, apply_mem},
        {"go", "DEV2_PROC_STATUS", kStack0, apply_proc},
    };
    Snapshot s;
    s.variant = variant_name(variant());
    for (const Read& r : reads) {
        auto reply = act(r.op, r.oid, r.stack);
        if (!reply) return reply.error();
        r.apply(s, *reply);
    }
    // The mesh (EasyMesh nodes, then the Wi-Fi clients per node). Object names are an ASSUMPTION (no public
    // capture of an EX web UI reading its mesh; they follow the DEV2_ naming of TR-181's
    // Device.WiFi.MultiAP.APDevice.{i} and …AssociatedDevice.{i}, whose fields the real XX230v dump shows).
    // A modem that does not serve them (success=false) simply has no mesh in the snapshot.
    auto nodes = act("gl", "DEV2_MULTIAP_APDEVICE", kStack0, {}, true);
    if (!nodes) return nodes.error();
    if (nodes->success) {
        apply_mesh_nodes(s, *nodes);
        auto clients = act("gl", "DEV2_MULTIAP_ASSOCDEV", kStack0, {}, true);
        if (!clients) return clients.error();
        if (clients->success) apply_mesh_clients(s, *clients);
    }
    return s;
}

Status TplinkSession::logout() {
    if (!crypto_) return {};
    std::string where = config_.host + " logout";
    auto body = crypto_->seal_request(logout_payload(), false, rng_);
    crypto_.reset();
    if (!body) return body.error().with_context(where);
    auto resp = http_.post("/cgi_gdpr?9" + ms_query(), *body);
    http_.reset_session();
    if (!resp) return resp.error().with_context(where);
    if (resp->status != 200)
        return make_error(Errc::unavailable, where + ": HTTP " + std::to_string(resp->status));
    return {};
}

}  // namespace cpe::tplink
