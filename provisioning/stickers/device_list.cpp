#include "device_list.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace cpe::stickers {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// `s` for an error message: at most 40 characters, control and non-ASCII bytes as \xNN.
std::string shown(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < 40; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (s.size() > 40) out += "…";
    return out;
}

Error bad_mac(std::string_view text, const std::string& why) {
    return make_error(Errc::parse_error, "invalid MAC '" + shown(text) + "': " + why);
}

}  // namespace

Result<MacAddress> parse_mac(std::string_view input) {
    std::string_view text = trim(input);
    if (text.empty()) return make_error(Errc::parse_error, "empty MAC address");
    char sep = 0;
    for (char c : text) {
        if (hex_value(c) >= 0) continue;
        if (c != ':' && c != '-' && c != '.') {
            char buf[8];
            std::snprintf(buf, sizeof buf,
                          static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f
                              ? "\\x%02x"
                              : "%c",
                          static_cast<unsigned char>(c));
            return bad_mac(input,
                           std::string("'") + buf + "' is neither a hex digit nor a separator (: - .)");
        }
        if (sep == 0) sep = c;
        if (c != sep)
            return bad_mac(input, std::string("mixes the separators '") + sep + "' and '" + c + "'");
    }
    std::vector<std::string_view> groups;
    if (sep == 0) {
        groups.push_back(text);
    } else {
        size_t start = 0;
        while (true) {
            size_t end = text.find(sep, start);
            groups.push_back(
                text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
            if (end == std::string_view::npos) break;
            start = end + 1;
        }
    }
    // The groupings in use: 6 × 1–2 digits, 3 × 4, 2 × 6, 1 × 12.
    bool shape_ok = false;
    if (groups.size() == 6) {
        shape_ok =
            std::all_of(groups.begin(), groups.end(), [](auto g) { return g.size() == 1 || g.size() == 2; });
    } else if (groups.size() == 3) {
        shape_ok = std::all_of(groups.begin(), groups.end(), [](auto g) { return g.size() == 4; });
    } else if (groups.size() == 2) {
        shape_ok = std::all_of(groups.begin(), groups.end(), [](auto g) { return g.size() == 6; });
    } else if (groups.size() == 1) {
        shape_ok = groups[0].size() == 12;
    }
    if (!shape_ok) {
        size_t digits = 0;
        for (auto g : groups) digits += g.size();
        if (groups.size() == 1) {
            return bad_mac(input, std::to_string(digits) + " hex digits where a MAC has 12");
        }
        std::string sizes;
        for (auto g : groups) sizes += (sizes.empty() ? "" : ",") + std::to_string(g.size());
        return bad_mac(input,
                       std::to_string(digits) + " hex digits in groups of " + sizes +
                           ": expected 6 groups of 2 (aa:bb:cc:dd:ee:ff), 3 of 4 (aabb.ccdd.eeff), 2 of 6 or "
                           "12 digits in a row");
    }
    // Concatenate as 12 digits (a 1-digit group of six is one byte with a leading zero).
    std::string hex;
    for (auto g : groups) {
        if (groups.size() == 6 && g.size() == 1) hex += '0';
        hex += g;
    }
    MacAddress mac;
    for (size_t i = 0; i < 6; ++i) {
        mac.bytes[i] = static_cast<uint8_t>(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
    }
    if (mac.is_zero()) return bad_mac(input, "the all-zero address is no device's");
    if (mac.is_multicast()) {
        return bad_mac(input,
                       std::all_of(mac.bytes.begin(), mac.bytes.end(), [](uint8_t b) { return b == 0xff; })
                           ? "the broadcast address is no device's"
                           : "a multicast address (first byte odd) is no device's");
    }
    return mac;
}

std::string mac_url_form(const MacAddress& mac) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : mac.bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

Result<std::string> parse_hub_url(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return make_error(Errc::invalid_argument, "hub URL '" + shown(text) + "': " + why);
    };
    std::string_view rest = text;
    if (rest.substr(0, 8) == "https://") {
        rest.remove_prefix(8);
    } else if (rest.substr(0, 7) == "http://") {
        rest.remove_prefix(7);
    } else {
        return bad("must start with https:// (or http://)");
    }
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return bad("holds a space, control or non-ASCII character");
        if (c == '?' || c == '#') return bad("must not have a query or fragment");
        if (c == '@') return bad("must not carry user info");
        if (c == '\\' || c == '"' || c == '<' || c == '>') return bad(std::string("holds '") + c + "'");
    }
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (authority.empty()) return bad("has no host");
    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad("an IPv6 host lacks its ']'");
        host = authority.substr(0, close + 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad("text after the IPv6 host");
            port = after.substr(1);
            if (port.empty()) return bad("an empty port");
        }
    } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.empty()) return bad("an empty port");
    }
    if (host.empty() || host == "[]") return bad("has no host");
    if (host.front() != '[' &&
        host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
            std::string_view::npos) {
        return bad("the host may hold letters, digits, '.' and '-' only");
    }
    if (!port.empty()) {
        if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
            std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535) {
            return bad("the port must be 1-65535");
        }
    }
    std::string out(text);
    while (out.back() == '/') out.pop_back();
    return out;
}

std::string sticker_url(const std::string& hub, const MacAddress& mac) {
    return hub + "/q/" + mac_url_form(mac);
}

namespace {

struct Record {
    std::vector<std::string> fields;
    size_t line = 0;  // where the record starts
};

// Splits RFC 4180 CSV into records. A malformed record (an unterminated quote, text after a closing quote)
// gives an error instead; its line is skipped up to the next line break outside quotes.
class CsvReader {
  public:
    explicit CsvReader(std::string_view text) : text_(text) {
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);  // a spreadsheet's UTF-8 BOM
    }

    bool done() const { return pos_ >= text_.size(); }

    // One record, or the error of a malformed one. `line` is set to the record's first line either way.
    Result<Record> next(size_t& line) {
        Record rec;
        rec.line = line_;
        line = line_;
        std::string field;
        bool quoted = false, after_quote = false;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (quoted) {
                if (c == '"') {
                    if (pos_ < text_.size() && text_[pos_] == '"') {
                        field += '"';
                        ++pos_;
                    } else {
                        quoted = false;
                        after_quote = true;
                    }
                } else {
                    if (c == '\n') ++line_;
                    field += c;
                }
                continue;
            }
            if (c == ',') {
                rec.fields.push_back(std::move(field));
                field.clear();
                after_quote = false;
                continue;
            }
            if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') continue;  // CRLF
            if (c == '\n') {
                ++line_;
                rec.fields.push_back(std::move(field));
                return rec;
            }
            if (after_quote) {
                if (is_space(c)) continue;
                skip_line();
                return make_error(Errc::parse_error,
                                  "text after a closing quote (a quote inside a quoted field "
                                  "is written \"\")");
            }
            if (c == '"' && trim(field).empty()) {
                field.clear();
                quoted = true;
                continue;
            }
            field += c;
        }
        if (quoted)
            return make_error(Errc::parse_error, "a quoted field is not closed before the end of the file");
        rec.fields.push_back(std::move(field));
        return rec;
    }

  private:
    void skip_line() {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        if (pos_ < text_.size()) {
            ++pos_;
            ++line_;
        }
    }

    std::string_view text_;
    size_t pos_ = 0;
    size_t line_ = 1;
};

bool blank(const Record& r) {
    return std::all_of(r.fields.begin(), r.fields.end(),
                       [](const std::string& f) { return trim(f).empty(); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

}  // namespace

void DeviceCollector::fail(const std::string& where, const std::string& why) {
    if (out_.errors.size() >= limits_.max_errors) {
        ++out_.errors_not_listed;
        return;
    }
    out_.errors.push_back(where + ": " + why);
}

bool DeviceCollector::add(std::string_view serial_in, std::string_view mac_text, const std::string& where,
                          size_t line) {
    std::string_view serial = trim(serial_in);
    if (serial.empty()) {
        fail(where, "empty serial");
        return false;
    }
    if (serial.size() > limits_.max_serial_length) {
        fail(where, "serial '" + shown(serial) + "' is " + std::to_string(serial.size()) +
                        " characters long (at most " + std::to_string(limits_.max_serial_length) + ")");
        return false;
    }
    auto odd = std::find_if(serial.begin(), serial.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f;
    });
    if (odd != serial.end()) {
        fail(where, "serial '" + shown(serial) + "' holds a control or non-ASCII character at position " +
                        std::to_string(odd - serial.begin() + 1) + " (serials are printable ASCII)");
        return false;
    }
    auto mac = parse_mac(mac_text);
    if (!mac) {
        fail(where, mac.error().message);
        return false;
    }
    std::string key = mac_url_form(*mac);
    if (auto it = mac_seen_.find(key); it != mac_seen_.end()) {
        fail(where, "MAC " + mac->str() + " is already on " + it->second);
        return false;
    }
    if (auto it = serial_seen_.find(std::string(serial)); it != serial_seen_.end()) {
        fail(where, "serial '" + std::string(serial) + "' is already on " + it->second);
        return false;
    }
    std::string first = line ? "line " + std::to_string(line) : where;
    mac_seen_.emplace(std::move(key), first);
    serial_seen_.emplace(std::string(serial), first);
    out_.devices.push_back(Device{std::string(serial), *mac, line, where});
    return true;
}

DeviceList parse_device_csv(std::string_view text, std::string_view what, const CsvLimits& limits) {
    DeviceCollector out(limits);
    auto where = [&](size_t line) { return std::string(what) + ":" + std::to_string(line); };
    auto fail = [&](size_t line, const std::string& why) { out.fail(where(line), why); };
    CsvReader reader(text);
    size_t line = 1;
    // The header: the first record that is not blank.
    std::optional<Record> header;
    while (!reader.done()) {
        auto rec = reader.next(line);
        if (!rec) {
            fail(line, rec.error().message);
            return out.take();
        }
        if (!blank(*rec)) {
            header = std::move(*rec);
            break;
        }
    }
    if (!header) {
        fail(line, "no header: the file is empty (expected a first line naming the columns: serial,mac)");
        return out.take();
    }
    int serial_col = -1, mac_col = -1;
    for (size_t i = 0; i < header->fields.size(); ++i) {
        std::string name = lower(trim(header->fields[i]));
        int* col = name == "serial" ? &serial_col : name == "mac" ? &mac_col : nullptr;
        if (!col) continue;
        if (*col >= 0) {
            fail(header->line, "the header names the column '" + name + "' twice");
            return out.take();
        }
        *col = static_cast<int>(i);
    }
    if (serial_col < 0 || mac_col < 0) {
        bool looks_like_data = std::any_of(header->fields.begin(), header->fields.end(),
                                           [](const std::string& f) { return parse_mac(f).ok(); });
        fail(header->line,
             looks_like_data ? "no header: the first line must name the columns (serial,mac), it holds a MAC"
                             : std::string("the header has no '") + (serial_col < 0 ? "serial" : "mac") +
                                   "' column (expected the columns serial,mac)");
        return out.take();
    }
    const size_t needed = static_cast<size_t>(std::max(serial_col, mac_col)) + 1;
    size_t rows = 0;
    while (!reader.done()) {
        auto rec = reader.next(line);
        if (!rec) {
            fail(line, rec.error().message);
            continue;
        }
        if (blank(*rec)) continue;
        if (++rows > limits.max_rows) {
            fail(rec->line, "more than " + std::to_string(limits.max_rows) + " devices in one run");
            return out.take();
        }
        if (rec->fields.size() < needed) {
            fail(rec->line, std::string("no ") +
                                (static_cast<size_t>(serial_col) >= rec->fields.size() ? "serial" : "mac") +
                                " field (the row has " + std::to_string(rec->fields.size()) + " field" +
                                (rec->fields.size() == 1 ? "" : "s") + ", the header " +
                                std::to_string(header->fields.size()) + ")");
            continue;
        }
        out.add(rec->fields[static_cast<size_t>(serial_col)], rec->fields[static_cast<size_t>(mac_col)],
                where(rec->line), rec->line);
    }
    return out.take();
}

}  // namespace cpe::stickers
