#include "qr/sms.hpp"

#include "json/json.hpp"
#include "qr/qr_core.hpp"

namespace cpe::hub::qr {

std::string pct_encode(std::string_view text) {
    static const char* d = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += d[c >> 4];
            out += d[c & 15];
        }
    }
    return out;
}

namespace {
std::string basic(std::string_view user, std::string_view pass) {
    // Standard base64 (RFC 7617), from the URL-safe one.
    std::string b = base64url(std::string(user) + ":" + std::string(pass));
    for (auto& c : b) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (b.size() % 4) b += '=';
    return "Basic " + b;
}
}  // namespace

void SmsClient::send(const std::string& to, const std::string& body,
                     std::function<void(Result<SmsSent>)> done) {
    if (!configured()) {
        done(make_error(
            Errc::unavailable,
            "SMS provider not configured (QR_TWILIO_ACCOUNT_SID, QR_TWILIO_AUTH_TOKEN, QR_TWILIO_FROM)"));
        return;
    }
    net::HttpRequest req;
    req.method = "POST";
    std::string base = options_.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    req.url = base + "/2010-04-01/Accounts/" + pct_encode(options_.account_sid) + "/Messages.json";
    req.headers = {{"Authorization", basic(options_.account_sid, options_.auth_token)},
                   {"Content-Type", "application/x-www-form-urlencoded"},
                   {"Accept", "application/json"}};
    req.body = "To=" + pct_encode(to) + "&From=" + pct_encode(options_.from) + "&Body=" + pct_encode(body);
    req.connect_timeout_ms = std::min<uint64_t>(options_.budget_ms, 3000);
    req.total_timeout_ms = options_.budget_ms;
    req.max_body_bytes = 64 << 10;
    std::string where = net::redact_url(req.url);
    http_.request(std::move(req), [done = std::move(done), where](Result<net::HttpResponse> r) {
        if (!r) {
            done(r.error().with_context("SMS provider " + where));
            return;
        }
        auto doc = json::parse(r->body, "SMS provider answer");
        if (r->status == 201 || r->status == 200) {
            SmsSent sent;
            if (doc) sent.sid = json::opt_string(doc->get(), "sid").value_or("");
            done(sent);
            return;
        }
        std::string what = "SMS provider " + where + ": HTTP " + std::to_string(r->status);
        if (doc) {
            auto code = json::opt_int(doc->get(), "code");
            auto msg = json::opt_string(doc->get(), "message");
            if (code) what += " (" + std::to_string(*code) + ")";
            if (msg) what += ": " + msg->substr(0, 200);
        }
        done(make_error(r->status == 401 || r->status == 403 ? Errc::denied : Errc::unavailable, what));
    });
}

}  // namespace cpe::hub::qr
