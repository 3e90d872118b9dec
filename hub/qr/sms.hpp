// Sends one SMS through a Twilio-compatible Messages API (shared reference erpnext-twilio.md, Twilio's
// "Create a Message resource": POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From,
// Body, HTTP Basic AccountSid:AuthToken; 201 on success, errors {"code","message","more_info","status"}).
// Credentials come from the environment only (docs/qr.md). Loop thread only.
#pragma once

#include <functional>
#include <string>

#include "net/http_client.hpp"
#include "util/result.hpp"

namespace cpe::hub::qr {

struct SmsOptions {
    std::string base_url = "https://api.twilio.com";
    std::string account_sid;  // QR_TWILIO_ACCOUNT_SID
    std::string auth_token;   // QR_TWILIO_AUTH_TOKEN (or an API key secret with its SID as account)
    std::string from;         // QR_TWILIO_FROM: the sender number
    uint64_t budget_ms = 8000;
};

struct SmsSent {
    std::string sid;
};

// The provider's error, in words for logs: "Twilio 429 (20429): Too Many Requests"; never the credentials.
class SmsClient {
  public:
    SmsClient(net::HttpClient& http, SmsOptions options) : http_(http), options_(std::move(options)) {}
    bool configured() const {
        return !options_.account_sid.empty() && !options_.auth_token.empty() && !options_.from.empty();
    }
    void send(const std::string& to, const std::string& body, std::function<void(Result<SmsSent>)> done);

  private:
    net::HttpClient& http_;
    SmsOptions options_;
};

// Percent-encodes everything but RFC 3986 unreserved characters (a space → %20): query values, path segments
// and form values alike.
std::string pct_encode(std::string_view text);

}  // namespace cpe::hub::qr
