#include "erpnext_source.hpp"

#include <memory>
#include <optional>

#include "net/event_loop.hpp"
#include "net/http_client.hpp"

namespace cpe::stickers {

namespace src = hub::sources;

Result<DeviceList> fetch_erp_devices(const ErpQuery& q, const CsvLimits& limits) {
    auto loop = net::EventLoop::create();
    if (!loop) return loop.error().with_context("ERPNext");
    net::HttpClient http(**loop);
    src::ErpNextOptions o;
    o.base_url = q.base_url;
    o.credentials = q.credentials;
    o.budget_ms = q.budget_ms;
    o.page_size = 500;
    o.max_rows = limits.max_rows;
    const src::ErpDocTypeMap& map = o.fields.equipment;
    src::FrappeFilters filters;
    if (!q.status.empty()) filters.add(map.field("status"), "=", q.status);
    if (!q.type.empty()) filters.add(map.field("equipment_type"), "=", q.type);
    if (auto st = filters.status(); !st) return st.error().with_context("ERPNext query");
    const std::string doctype = map.doctype;
    const std::vector<std::string> fields = map.query_fields();
    const std::string order = map.field("serial_number") + " asc";

    src::ErpNextClient client(**loop, http, o);
    std::optional<src::Fetched<std::vector<src::FrappeRecord>>> answer;
    (*loop)->post([&] {
        client.list(
            doctype, filters, fields,
            [&](src::Fetched<std::vector<src::FrappeRecord>> f) {
                answer = std::move(f);
                (*loop)->stop();
            },
            order);
    });
    // The client's own budget ends the call; this bound only guards against a call that never completes.
    auto bound = (*loop)->add_timer(q.budget_ms + 10000, [&] { (*loop)->stop(); });
    (*loop)->run();
    bound.cancel();
    if (!answer) return make_error(Errc::timeout, "ERPNext: the Service Equipment list did not complete");
    if (!answer->ok()) {
        // the client's message names the call ("ERPNext Service Equipment list: …")
        return make_error(answer->provenance.errc.value_or(Errc::unavailable), answer->provenance.error);
    }

    DeviceCollector out(limits);
    for (const auto& rec : answer->value) {
        src::ServiceEquipment eq = src::to_equipment(rec, map);
        std::string where = "ERPNext " + doctype + " " + eq.name;
        std::string serial = src::canonical_serial(eq.serial_number);
        if (!q.serial_from.empty() && serial < q.serial_from) continue;
        if (!q.serial_to.empty() && serial > q.serial_to) continue;
        auto mac = src::canonical_mac(eq.mac_address);
        if (!mac) {
            out.fail(where, eq.mac_address.empty() ? "no MAC address recorded"
                                                   : "MAC address '" + eq.mac_address.substr(0, 40) +
                                                         "' is not one (12 hex digits in any notation)");
            continue;
        }
        out.add(serial, *mac, where);
    }
    return out.take();
}

}  // namespace cpe::stickers
