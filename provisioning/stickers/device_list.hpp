// The sticker sheet's input: MAC addresses in any common notation, and the `serial,mac` CSV file. Pure
// parsing (no I/O), fuzzed by tests/fuzz/provisioning_stickers.cmake. docs/stickers.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/mac.hpp"
#include "util/result.hpp"

namespace cpe::stickers {

// A device MAC in any common notation, surrounding spaces ignored, any case:
//   aa:bb:cc:dd:ee:ff  aa-bb-cc-dd-ee-ff  (a group may drop its leading zero: a:b:c:d:e:f, as BSD's arp
//   prints) aabb.ccdd.eeff     aabb-ccdd-eeff     (Cisco style, 3 groups of 4) aabbcc-ddeeff aabbcc:ddeeff (2
//   groups of 6) aabbccddeeff       (bare hex)
// One separator throughout. Refused: anything else, and the all-zero, broadcast and multicast addresses (not
// a device's own address). The error says what was wrong.
Result<MacAddress> parse_mac(std::string_view text);

// "aabbccddeeff": the form in a sticker's URL (https://<hub>/q/<mac>).
std::string mac_url_form(const MacAddress& mac);

// The hub's public base URL as the stickers carry it: http:// or https://, a host (name, IPv4 or [IPv6]), an
// optional port and path; no query, fragment, user info or spaces. A trailing '/' is dropped.
Result<std::string> parse_hub_url(std::string_view text);
// "<hub>/q/<aabbccddeeff>".
std::string sticker_url(const std::string& hub, const MacAddress& mac);

struct Device {
    std::string serial;
    MacAddress mac;
    size_t line = 0;    // in the input file (1 = the header); 0 when not from a file
    std::string where;  // for messages: "devices.csv:7", "ERPNext Service Equipment EQP-00012"
};

struct CsvLimits {
    size_t max_rows = 100000;  // a bigger list is refused as a whole
    size_t max_errors = 50;    // errors beyond this are counted, not listed
    size_t max_serial_length = 64;
};

struct DeviceList {
    std::vector<Device> devices;      // the good rows, in file order
    std::vector<std::string> errors;  // "<what>:<line>: <problem>", in file order
    size_t errors_not_listed = 0;     // beyond CsvLimits::max_errors
};

// Checks and de-duplicates devices from any source (the CSV reader, the ERPNext query): the serial (trimmed)
// must be 1–max_serial_length printable ASCII characters, the MAC valid (parse_mac), neither seen before.
// Each refused row becomes one error "<where>: <problem>"; errors beyond max_errors are counted.
class DeviceCollector {
  public:
    explicit DeviceCollector(const CsvLimits& limits = {}) : limits_(limits) {}
    // False (and an error) when the row is refused. `line` > 0: duplicates name "line N" rather than `where`.
    bool add(std::string_view serial, std::string_view mac, const std::string& where, size_t line = 0);
    void fail(const std::string& where, const std::string& why);
    DeviceList take() { return std::move(out_); }

  private:
    CsvLimits limits_;
    DeviceList out_;
    std::unordered_map<std::string, std::string> serial_seen_, mac_seen_;  // → where first seen
};

// CSV (RFC 4180: quoted fields, "" inside quotes, CRLF or LF, a UTF-8 BOM tolerated) with a header naming the
// columns `serial` and `mac` (any case, any order; other columns ignored). Blank lines are skipped. Each bad
// row gives one error naming its line and what was wrong: a missing field, a malformed MAC, an empty / too
// long / non-printable serial, a MAC or serial already seen (naming the first line). `what` names the input
// in errors
// ("devices.csv"). A missing or wrong header is an error for line 1 and no rows are read.
DeviceList parse_device_csv(std::string_view text, std::string_view what, const CsvLimits& limits = {});

}  // namespace cpe::stickers
