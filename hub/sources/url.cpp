#include "sources/url.hpp"

#include <cstring>

#include "util/text.hpp"

namespace cpe::hub::sources {

std::string url_component(std::string_view text) {
    return cpe::text::percent_encode(text, cpe::text::kUriComponent);
}

std::string regex_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (std::strchr("\\^$.|?*+()[]{}/", c) != nullptr && c != 0) out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

std::string trim_base_url(std::string_view url) {
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    return std::string(url);
}

}  // namespace cpe::hub::sources

namespace cpe::hub::sources {

std::string genieacs_id_part(std::string_view part) {
    return cpe::text::percent_encode(part, "_");
}

std::string genieacs_device_id(std::string_view oui, std::string_view product_class,
                               std::string_view serial) {
    std::string id = genieacs_id_part(oui) + "-";
    if (!product_class.empty()) id += genieacs_id_part(product_class) + "-";
    return id + genieacs_id_part(serial);
}

std::string genieacs_id_fragment_regex(std::string_view text) {
    std::string out;
    size_t start = 0;
    while (true) {
        size_t dash = text.find('-', start);
        out += regex_escape(
            genieacs_id_part(text.substr(start, dash == std::string_view::npos ? dash : dash - start)));
        if (dash == std::string_view::npos) break;
        out += "(-|%2D)";
        start = dash + 1;
    }
    return out;
}

}  // namespace cpe::hub::sources
