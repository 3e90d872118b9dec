// The hub's client of ERPNext (Frappe REST, shared reference/erpnext-twilio.md): Service Equipment by serial
// or MAC → Service Location → Customer, and paged lists. Token auth (key/secret never logged). Asynchronous
// on cpe_net_http's HttpClient; call from the loop thread, callbacks run there. Every call has a time budget
// and goes through a circuit breaker; every result carries its provenance. docs/sources-hub.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "sources/circuit_breaker.hpp"
#include "sources/frappe_document.hpp"
#include "sources/provenance.hpp"
#include "util/lifetime.hpp"

namespace cpe::hub::sources {

struct ErpCredentials {
    std::string api_key;
    std::string api_secret;
};
// "key:secret" (ERP_SERVICE_TOKEN, a credentials file's line): surrounding whitespace trimmed, then exactly
// one ':' with a non-empty key and secret and no whitespace inside. Frappe splits the header on ' ' and the
// token on ':' and treats anything else as Guest (v15 frappe/auth.py validate_auth_via_api_keys), so "key:
// secret" would be a 403 far from its cause: it is reported here as malformed. `where` names the source;
// values are never in errors.
Result<ErpCredentials> parse_erp_token(std::string_view text, std::string_view where);
// From the environment (ERPNEXT_API_KEY / ERPNEXT_API_SECRET, each trimmed), else from `file` (one line
// "key:secret"; may be empty to skip). The error names where it looked, never the values.
Result<ErpCredentials> load_erp_credentials(const std::string& file = "",
                                            const char* env_key = "ERPNEXT_API_KEY",
                                            const char* env_secret = "ERPNEXT_API_SECRET");

struct ErpNextOptions {
    std::string base_url = "http://127.0.0.1:8000";
    ErpCredentials credentials;
    uint64_t connect_timeout_ms = 2000;
    uint64_t budget_ms = 8000;  // a whole call, every page or hop included
    size_t page_size = 100;     // always sent: Frappe's default page is 20 rows
    size_t max_rows = 10000;    // a paged list stops (failed, too_large) beyond this
    ErpFieldMap fields;         // DocType and field names (configuration: erpnext.fields)
    BreakerOptions breaker;
    CircuitBreaker::Clock clock;
};

// Equipment with its location and customer (each absent when not linked or not found).
struct ErpSubscriber {
    std::vector<ServiceEquipment> equipment;  // all rows that matched (usually one)
    std::optional<ServiceLocation> location;  // of the first Active match (else the first)
    std::optional<Customer> customer;
};

// One DocType's fitness for the hub: its fields exist (getdoctype) and the API user can read it (a list of
// one).
struct ErpDocTypeCheck {
    std::string doctype;
    std::string problem;  // "" = fine; else what is wrong, naming the field or the permission
};

class ErpNextClient {
  public:
    template <typename T>
    using Callback = std::function<void(Fetched<T>)>;

    ErpNextClient(net::EventLoop& loop, net::HttpClient& http, ErpNextOptions options);
    ~ErpNextClient();
    ErpNextClient(const ErpNextClient&) = delete;
    ErpNextClient& operator=(const ErpNextClient&) = delete;

    // Every matching row of `doctype` (paged with limit_start/limit_page_length, de-duplicated by name).
    void list(const std::string& doctype, const FrappeFilters& filters, std::vector<std::string> fields,
              Callback<std::vector<FrappeRecord>> done, const std::string& order_by = "name asc");
    // One document; value nullopt only when ERPNext answers that it does not exist (JSON DoesNotExistError);
    // any other 404 is a failure naming what it was.
    void get(const std::string& doctype, const std::string& name, Callback<std::optional<FrappeRecord>> done);

    // Service Equipment whose serial number is `serial` in any case, whitespace ignored (a `like` — ILIKE on
    // PostgreSQL — then each candidate verified) → its Service Location → its Customer.
    void subscriber_by_serial(const std::string& serial, Callback<ErpSubscriber> done);
    // Same by MAC in any common notation, as asked and as stored (':' '-' '.', bare, any case, stray spaces):
    // or_filters of three `like` patterns, then each candidate's stored MAC normalised and compared.
    void subscriber_by_mac(const std::string& mac, Callback<ErpSubscriber> done);
    // Each DocType of the field map: its fields exist and the API user can read it. A failure: ERPNext could
    // not be asked (unreachable, key rejected, …); problems of a DocType are in the value.
    void check_schema(Callback<std::vector<ErpDocTypeCheck>> done);
    const ErpFieldMap& fields() const { return options_.fields; }

    BreakerSnapshot health() const { return breaker_.snapshot(); }

  private:
    void subscriber(const std::string& what, FrappeFilters filters, FrappeFilters or_filters,
                    std::function<bool(const ServiceEquipment&)> verify, Callback<ErpSubscriber> done);
    void check_one(const std::shared_ptr<class Call>& call, size_t i,
                   std::shared_ptr<std::vector<ErpDocTypeCheck>> out, std::function<void()> next);
    // Open breaker: delivers the refusal (posted, not counted as a failure) and returns true.
    bool refuse_if_open(const std::function<void(Error)>& deliver);
    void note(const Error* e);
    std::shared_ptr<class Call> start(const std::string& what, std::function<void(Error)> fail);
    void page(const std::shared_ptr<class Call>& call, const std::string& base_url, size_t start,
              std::shared_ptr<std::vector<FrappeRecord>> acc, std::function<void(Result<bool>)> next);
    void fetch_doc(const std::shared_ptr<class Call>& call, const std::string& doctype,
                   const std::string& name, std::function<void(Result<std::optional<FrappeRecord>>)> next);
    net::HttpRequest request(const std::string& url) const;

    net::EventLoop& loop_;
    net::HttpClient& http_;
    ErpNextOptions options_;
    CircuitBreaker breaker_;
    Lifetime life_;  // last: callbacks handed out check it
};

// "1c-61-b4-fb-2a-c8" / "1C61B4FB2AC8" → "1C:61:B4:FB:2A:C8"; error names the input.
Result<std::string> normalise_mac(const std::string& mac);

}  // namespace cpe::hub::sources
