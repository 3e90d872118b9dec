#include "controller/cert_renewal.hpp"

#include <mbedtls/x509_crt.h>

#include <ctime>

#include "log/log.hpp"
#include "net/ws_util.hpp"
#include "tr181/value.hpp"
#include "util/mbedtls.hpp"

namespace cpe::hub::controller {
namespace {

constexpr size_t kMaxRemembered = 100000;  // endpoints with a recent attempt (bounded memory)

std::string utc(int64_t t) {
    return t > 0 ? tr181::format_date_time(t) : "";
}

// notAfter of a PEM certificate (0 if it cannot be read).
int64_t not_after_of(const std::string& pem) {
    mbed::Crt crt;
    if (mbedtls_x509_crt_parse(crt.get(), reinterpret_cast<const unsigned char*>(pem.c_str()),
                               pem.size() + 1) != 0)
        return 0;
    return mbed::to_unix(crt.v.valid_to);
}

// The single result of an OperateResp: output arguments, or the failure as an error text.
Result<usp::StrMap> output_of(const Result<usp::Msg>& r) {
    if (!r) return r.error();
    auto resp = r->operate_resp();
    if (!resp) return resp.error();
    if (resp->operation_results.size() != 1)
        return make_error(Errc::parse_error,
                          "OperateResp with " + std::to_string(resp->operation_results.size()) + " results");
    const auto& res = resp->operation_results[0].operation_resp;
    if (const auto* out = std::get_if<usp::OutputArgs>(&res)) return out->output_args;
    if (const auto* fail = std::get_if<usp::CommandFailure>(&res))
        return make_error(Errc::io_error,
                          "USP error " + std::to_string(fail->err_code) + ": " + fail->err_msg);
    return make_error(Errc::parse_error, "the command answered asynchronously (a Request object)");
}

}  // namespace

CertRenewal::CertRenewal(net::EventLoop& loop, Controller& controller, CertRenewalOptions options,
                         std::unique_ptr<FleetCa> ca, Clock clock)
    : loop_(loop),
      controller_(controller),
      options_(std::move(options)),
      ca_(std::move(ca)),
      clock_(std::move(clock)) {
    if (!clock_) clock_ = [] { return static_cast<int64_t>(time(nullptr)); };
    timer_ = loop_.add_timer(static_cast<uint64_t>(options_.check_interval_s) * 1000,
                             life_.guard([this] { recheck(); }));
}

void CertRenewal::recheck() {
    for (auto it = watched_.begin(); it != watched_.end();) {
        const Endpoint* e = controller_.registry().find(*it);
        if (!e || !e->record.online) {
            it = watched_.erase(it);
            continue;
        }
        consider(*it, e->connection);
        ++it;
    }
    timer_ = loop_.add_timer(static_cast<uint64_t>(options_.check_interval_s) * 1000,
                             life_.guard([this] { recheck(); }));
}

void CertRenewal::on_connected(const std::string& endpoint_id, const ConnectionInfo& info) {
    if (!info.proven || info.cert_not_after <= 0) return;  // renewal only for certificate-bound connections
    watched_.insert(endpoint_id);
    consider(endpoint_id, info);
}

void CertRenewal::consider(const std::string& endpoint_id, const ConnectionInfo& info) {
    if (!info.proven || info.cert_not_after <= 0) return;
    const int64_t now = clock_();
    if (info.cert_not_after - now > int64_t{options_.days_before_expiry} * 86400) return;
    if (busy_.count(endpoint_id)) return;
    for (auto it = last_attempt_.begin(); it != last_attempt_.end();)
        it = now - it->second >= options_.retry_after_s ? last_attempt_.erase(it) : std::next(it);
    if (last_attempt_.count(endpoint_id)) return;
    if (last_attempt_.size() >= kMaxRemembered) last_attempt_.erase(last_attempt_.begin());
    last_attempt_[endpoint_id] = now;
    busy_.insert(endpoint_id);
    ++stats_.started;
    const int64_t old = info.cert_not_after;
    LOG_INFO("cert-renewal", "endpoint '%s': certificate expires %s (within %u days): renewing",
             endpoint_id.c_str(), utc(old).c_str(), options_.days_before_expiry);
    usp::Operate op;
    op.command = "Device.LocalAgent." + options_.vendor_prefix + "RenewCertificate()";
    op.command_key = "cpe-hub-cert-renewal";
    op.send_resp = true;
    controller_.request(endpoint_id, op, life_.guard([this, endpoint_id, old](Result<usp::Msg> r) {
        auto out = output_of(r);
        if (!out) return finish(endpoint_id, false, "RenewCertificate()", out.error().message, old);
        auto csr = out->find("CSR");
        if (csr == out->end())
            return finish(endpoint_id, false, "RenewCertificate()", "no CSR in the answer", old);
        install(endpoint_id, csr->second, old);
    }));
}

void CertRenewal::install(const std::string& endpoint_id, const std::string& csr, int64_t old) {
    auto cert = ca_->sign(csr, endpoint_id, clock_(), options_.validity_days);
    if (!cert) return finish(endpoint_id, false, "signing", cert.error().message, old);
    const int64_t new_not_after = not_after_of(*cert);
    usp::Operate op;
    op.command = "Device.LocalAgent." + options_.vendor_prefix + "InstallCertificate()";
    op.command_key = "cpe-hub-cert-renewal";
    op.send_resp = true;
    op.input_args["Certificate"] = *cert;
    controller_.request(
        endpoint_id, op, life_.guard([this, endpoint_id, old, new_not_after](Result<usp::Msg> r) {
            auto out = output_of(r);
            if (!out) return finish(endpoint_id, false, "InstallCertificate()", out.error().message, old);
            finish(endpoint_id, true, "InstallCertificate()", "", old, new_not_after);
        }));
}

void CertRenewal::finish(const std::string& endpoint_id, bool ok, const std::string& step,
                         const std::string& detail, int64_t old_not_after, int64_t new_not_after) {
    busy_.erase(endpoint_id);
    std::map<std::string, std::string> fields{
        {"status", ok ? "renewed" : "failed"}, {"step", step}, {"old_not_after", utc(old_not_after)}};
    if (ok) {
        ++stats_.renewed;
        fields["new_not_after"] = utc(new_not_after);
        LOG_INFO("cert-renewal",
                 "endpoint '%s': new certificate installed (valid to %s); the agent reconnects with it",
                 endpoint_id.c_str(), utc(new_not_after).c_str());
    } else {
        ++stats_.failed;
        // The agent's error text, one line and bounded, in the log and the record.
        const std::string shown = net::printable(detail, 300);
        fields["error"] = shown;
        LOG_WARN("cert-renewal", "endpoint '%s': renewal failed at %s: %s", endpoint_id.c_str(), step.c_str(),
                 shown.c_str());
    }
    controller_.record(endpoint_id, "cert_renewal", fields);
}

}  // namespace cpe::hub::controller
