#include "params.hpp"

namespace cpe::bridge::api {

std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 40)) out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
    if (text.size() > 40) out += "...";
    return out;
}

Result<int> parse_pon_number(std::string_view text, std::string_view what) {
    if (text.empty() || text.size() > 2)
        return make_error(Errc::invalid_argument,
                          std::string(what) + " '" + printable(text) + "' must be a number from 0 to 99");
    int v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return make_error(Errc::invalid_argument,
                              std::string(what) + " '" + printable(text) + "' must be a number from 0 to 99");
        v = v * 10 + (c - '0');
    }
    return v;
}

Result<ReadOptions> parse_read_options(const net::HeaderList& query) {
    ReadOptions o;
    for (const auto& [key, value] : query) {
        if (key != "refresh")
            return make_error(Errc::invalid_argument,
                              "unknown query parameter '" + printable(key) + "' (known: refresh)");
        if (value.empty() || value == "1" || value == "true" || value == "yes") {
            o.refresh = true;
        } else if (value == "0" || value == "false" || value == "no") {
            o.refresh = false;
        } else {
            return make_error(Errc::invalid_argument,
                              "refresh '" + printable(value) + "' must be empty, 1/true/yes or 0/false/no");
        }
    }
    return o;
}

}  // namespace cpe::bridge::api
