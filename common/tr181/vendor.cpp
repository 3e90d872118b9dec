#include "tr181/vendor.hpp"

namespace cpe::tr181 {
namespace {

bool upper_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}
bool upper_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}
bool separator(char c) {
    return c == '-' || c == '_';
}

}  // namespace

Status check_vendor_prefix(std::string_view prefix, std::string_view what) {
    const std::string w(what);
    auto bad = [&](const std::string& why) {
        return make_error(Errc::invalid_argument, w + ": '" + std::string(prefix) + "' " + why +
                                                      " (TR-106: X_<OUI>_ with six upper-case hex digits, or "
                                                      "X_<DOMAIN>_ such as X_EXAMPLE-COM_)");
    };
    if (prefix.size() < 5 || prefix.substr(0, 2) != "X_" || prefix.back() != '_')
        return bad("must start with X_ and end with _");
    const std::string_view vendor = prefix.substr(2, prefix.size() - 3);
    bool all_hex = vendor.size() == 6;
    for (char c : vendor) all_hex = all_hex && upper_hex(c);
    if (all_hex) return {};
    // A domain name: labels of upper-case letters and digits, joined by '-' or '_' where the dots were.
    bool has_separator = false;
    for (size_t i = 0; i < vendor.size(); ++i) {
        const char c = vendor[i];
        if (separator(c)) {
            if (i == 0 || i + 1 == vendor.size() || separator(vendor[i - 1]))
                return bad("has an empty domain label");
            has_separator = true;
        } else if (!upper_alnum(c)) {
            if (c >= 'a' && c <= 'z') return bad("must be upper case");
            if (c == '.') return bad("must replace each dot of the domain by '-' or '_'");
            return bad(std::string("holds '") + c + "'");
        }
    }
    if (!has_separator)
        return bad("is neither an OUI (six hex digits) nor a domain name with its dots replaced");
    return {};
}

std::string apply_vendor_prefix(std::string_view text, std::string_view prefix) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const size_t end = text.find('\n');
        std::string_view line = text.substr(0, end == std::string_view::npos ? text.size() : end + 1);
        text.remove_prefix(line.size());
        const size_t at = line.find(kVendorPlaceholder);
        if (at == std::string_view::npos) {
            out += line;
        } else if (!prefix.empty()) {
            out += line.substr(0, at);
            out += prefix;
            out += line.substr(at + kVendorPlaceholder.size());
        }
    }
    return out;
}

}  // namespace cpe::tr181
