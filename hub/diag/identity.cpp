#include "diag/identity.hpp"

#include <algorithm>
#include <cctype>

#include "diag/consolidate.hpp"
#include "diag/hosts.hpp"
#include "util/text.hpp"

namespace cpe::hub::diag {

namespace {
std::string upper(std::string_view s) {
    return text::upper(text::trim(s));
}

void add_mac(std::vector<std::string>& macs, std::string_view text) {
    std::string m = normalize_mac(std::string(text));
    if (m.empty() || m == "00:00:00:00:00:00" || m == "FF:FF:FF:FF:FF:FF") return;
    macs.push_back(std::move(m));
}

void finish(std::vector<std::string>& macs) {
    std::sort(macs.begin(), macs.end());
    macs.erase(std::unique(macs.begin(), macs.end()), macs.end());
}

std::string_view family_of(std::string_view model, const std::vector<std::string>& families) {
    for (std::string_view f : families)
        if (!f.empty() && model.size() > f.size() && model.compare(0, f.size(), f) == 0 &&
            model[f.size()] == '-')
            return f;
    return {};
}
}  // namespace

DeviceIdentity identity_of(const Params& p) {
    DeviceIdentity id;
    for (const char* path : {"Device.DeviceInfo.SerialNumber",
                             "InternetGatewayDevice.DeviceInfo.SerialNumber", "_deviceId._SerialNumber"}) {
        auto v = get(p, path);
        if (v && !v->empty()) {
            id.serial = upper(*v);
            break;
        }
    }
    id.gpon_serial = upper(gpon_serial(p));
    for (std::string_view table :
         {std::string_view("Device.Ethernet.Interface."),
          std::string_view("InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.")}) {
        for (const auto& [i, e] : instances(p, table)) {
            (void)i;
            if (auto m = get(e, "MACAddress")) add_mac(id.macs, *m);
        }
    }
    finish(id.macs);
    return id;
}

DeviceIdentity make_identity(std::string_view serial, std::string_view gpon, std::string_view macs_csv) {
    DeviceIdentity id;
    id.serial = upper(serial);
    id.gpon_serial = upper(gpon);
    size_t start = 0;
    while (start < macs_csv.size()) {
        size_t end = macs_csv.find(',', start);
        if (end == std::string_view::npos) end = macs_csv.size();
        add_mac(id.macs, macs_csv.substr(start, end - start));
        start = end + 1;
    }
    finish(id.macs);
    return id;
}

bool same_device(const DeviceIdentity& a, const DeviceIdentity& b) {
    for (const std::string* x : {&a.serial, &a.gpon_serial}) {
        if (x->empty()) continue;
        if (*x == b.serial || *x == b.gpon_serial) return true;
    }
    // Both sorted: one merge pass.
    auto i = a.macs.begin(), j = b.macs.begin();
    while (i != a.macs.end() && j != b.macs.end()) {
        if (*i == *j) return true;
        if (*i < *j)
            ++i;
        else
            ++j;
    }
    return false;
}

std::string model_family(std::string_view model, const std::vector<std::string>& families) {
    if (model.empty()) return "unknown";
    std::string_view f = family_of(model, families);
    return std::string(f.empty() ? model : f);
}

std::string model_variant(std::string_view model_name, std::string_view product_class,
                          const std::vector<std::string>& families) {
    if (!model_name.empty() && family_of(model_name, families).empty() &&
        family_of(product_class, families) == model_name)
        return std::string(product_class);
    return std::string(model_name.empty() ? product_class : model_name);
}

}  // namespace cpe::hub::diag
