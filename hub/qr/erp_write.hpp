// Writes to ERPNext for the technicians' actions (Frappe REST, shared reference erpnext-twilio.md; Frappe
// docs "Creating, Updating & Deleting": POST /api/resource/<DocType> creates and answers the document with
// its name, PUT /api/resource/<DocType>/<name> changes only the fields sent). Reads go through
// sources::ErpNextClient; the hub/sources client has no writes, so they are here, with the same token and the
// same error mapping (sources::frappe_status_error). Loop thread only.
#pragma once

#include <functional>
#include <string>

#include "net/http_client.hpp"
#include "sources/erpnext_client.hpp"
#include "sources/frappe_document.hpp"
#include "util/result.hpp"

namespace cpe::hub::qr {

class ErpWriter {
  public:
    ErpWriter(net::HttpClient& http, std::string base_url, sources::ErpCredentials credentials,
              uint64_t budget_ms)
        : http_(http), base_(std::move(base_url)), creds_(std::move(credentials)), budget_ms_(budget_ms) {}
    // `fields_json`: a JSON object of the fields. The answer: the whole document as ERPNext saved it.
    void create(const std::string& doctype, const std::string& fields_json,
                std::function<void(Result<sources::FrappeRecord>)> done);
    void update(const std::string& doctype, const std::string& name, const std::string& fields_json,
                std::function<void(Result<sources::FrappeRecord>)> done);

  private:
    void send(const std::string& method, const std::string& url, const std::string& what,
              const std::string& body, std::function<void(Result<sources::FrappeRecord>)> done);
    net::HttpClient& http_;
    std::string base_;
    sources::ErpCredentials creds_;
    uint64_t budget_ms_;
};

}  // namespace cpe::hub::qr
