#include "qr/erp_write.hpp"

#include "qr/sms.hpp"

namespace cpe::hub::qr {

void ErpWriter::create(const std::string& doctype, const std::string& fields_json,
                       std::function<void(Result<sources::FrappeRecord>)> done) {
    send("POST", "/api/resource/" + pct_encode(doctype), doctype + " create", fields_json, std::move(done));
}

void ErpWriter::update(const std::string& doctype, const std::string& name, const std::string& fields_json,
                       std::function<void(Result<sources::FrappeRecord>)> done) {
    send("PUT", "/api/resource/" + pct_encode(doctype) + "/" + pct_encode(name),
         doctype + " " + name + " update", fields_json, std::move(done));
}

void ErpWriter::send(const std::string& method, const std::string& path, const std::string& what,
                     const std::string& body, std::function<void(Result<sources::FrappeRecord>)> done) {
    if (base_.empty()) {
        done(make_error(Errc::unavailable, "ERPNext is not configured (erpnext.url)"));
        return;
    }
    std::string base = base_;
    while (!base.empty() && base.back() == '/') base.pop_back();
    net::HttpRequest r;
    r.method = method;
    r.url = base + path;
    r.headers = {{"Authorization", "token " + creds_.api_key + ":" + creds_.api_secret},
                 {"Accept", "application/json"},
                 {"Content-Type", "application/json"}};
    r.body = body;
    r.total_timeout_ms = budget_ms_;
    r.connect_timeout_ms = std::min<uint64_t>(budget_ms_, 2000);
    http_.request(std::move(r), [done = std::move(done), what](Result<net::HttpResponse> res) {
        if (!res) return done(res.error().with_context("ERPNext " + what));
        if (res->status != 200 && res->status != 201)
            return done(sources::frappe_status_error(res->status, res->body, res->header("Retry-After"),
                                                     "ERPNext " + what));
        auto doc = sources::parse_frappe_doc(res->body);
        if (!doc) return done(doc.error().with_context("ERPNext " + what));
        done(std::move(doc).value());
    });
}

}  // namespace cpe::hub::qr
