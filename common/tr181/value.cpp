#include "tr181/value.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>

namespace cpe::tr181 {
namespace {

struct TypeName {
    Type type;
    const char* name;
};
constexpr TypeName kTypeNames[] = {
    {Type::string, "string"},      {Type::boolean, "boolean"},
    {Type::int_, "int"},           {Type::unsigned_int, "unsignedInt"},
    {Type::long_, "long"},         {Type::unsigned_long, "unsignedLong"},
    {Type::date_time, "dateTime"}, {Type::dbm1000, "Dbm1000"},
    {Type::base64, "base64"},      {Type::hex_binary, "hexBinary"},
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-calendar arithmetic, restated).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
    if (text.empty()) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

const char* type_name(Type type) {
    for (const auto& t : kTypeNames)
        if (t.type == type) return t.name;
    return "?";
}

Result<Type> type_from_name(std::string_view name) {
    for (const auto& t : kTypeNames)
        if (name == t.name) return t.type;
    return make_error(Errc::invalid_argument, "unknown TR-181 type '" + std::string(name) + "'");
}

std::string format_date_time(int64_t epoch_s) {
    if (epoch_s == kUnknownTime) return "0001-01-01T00:00:00Z";
    if (epoch_s == kInfiniteTime) return "9999-12-31T23:59:59Z";
    time_t t = static_cast<time_t>(epoch_s);
    tm utc{};
    if (!gmtime_r(&t, &utc)) return "0001-01-01T00:00:00Z";
    char buf[64];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", utc.tm_year + 1900, utc.tm_mon + 1,
             utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return buf;
}

Result<int64_t> parse_date_time(std::string_view text) {
    auto fail = [&] {
        return make_error(Errc::parse_error, "invalid dateTime '" + std::string(text.substr(0, 40)) + "'");
    };
    if (text == "0001-01-01T00:00:00Z") return kUnknownTime;
    if (text == "9999-12-31T23:59:59Z") return kInfiniteTime;
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':')
        return fail();
    int64_t year = 0;
    unsigned mon = 0, day = 0, hh = 0, mm = 0, ss = 0;
    if (!parse_number(text.substr(0, 4), year) || !parse_number(text.substr(5, 2), mon) ||
        !parse_number(text.substr(8, 2), day) || !parse_number(text.substr(11, 2), hh) ||
        !parse_number(text.substr(14, 2), mm) || !parse_number(text.substr(17, 2), ss))
        return fail();
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return fail();
    std::string_view tail = text.substr(19);
    if (!tail.empty() && tail[0] == '.') {
        size_t i = 1;
        while (i < tail.size() && tail[i] >= '0' && tail[i] <= '9') ++i;
        if (i == 1) return fail();
        tail = tail.substr(i);
    }
    int64_t offset = 0;
    if (tail == "Z") {
    } else if (tail.size() == 6 && (tail[0] == '+' || tail[0] == '-') && tail[3] == ':') {
        unsigned oh = 0, om = 0;
        if (!parse_number(tail.substr(1, 2), oh) || !parse_number(tail.substr(4, 2), om) || oh > 23 ||
            om > 59)
            return fail();
        offset = (oh * 3600 + om * 60) * (tail[0] == '+' ? 1 : -1);
    } else {
        return fail();
    }
    return days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

std::string Value::to_string() const {
    switch (type_) {
        case Type::string:
        case Type::base64:
        case Type::hex_binary:
            return std::get<std::string>(data_);
        case Type::boolean:
            return std::get<bool>(data_) ? "true" : "false";
        case Type::int_:
        case Type::long_:
        case Type::dbm1000:
            return std::to_string(std::get<int64_t>(data_));
        case Type::unsigned_int:
        case Type::unsigned_long:
            return std::to_string(std::get<uint64_t>(data_));
        case Type::date_time:
            return format_date_time(std::get<int64_t>(data_));
    }
    return {};
}

Result<Value> Value::parse(Type type, std::string_view text) {
    auto fail = [&](const char* why) {
        return make_error(Errc::parse_error, std::string("invalid ") + type_name(type) + " '" +
                                                 std::string(text.substr(0, 40)) + "'" +
                                                 (why[0] ? ": " : "") + why);
    };
    switch (type) {
        case Type::string:
            return Value::string(std::string(text));
        case Type::base64:
        case Type::hex_binary:
            return Value(type, std::string(text));
        case Type::boolean:
            if (text == "true" || text == "1") return Value::boolean(true);
            if (text == "false" || text == "0") return Value::boolean(false);
            return fail("expected true, false, 1 or 0");
        case Type::int_: {
            int32_t v = 0;
            if (!parse_number(text, v)) return fail("not a 32-bit integer");
            return Value::int32(v);
        }
        case Type::dbm1000: {
            int32_t v = 0;
            if (!parse_number(text, v)) return fail("not a 32-bit integer");
            return Value::dbm1000(v);
        }
        case Type::unsigned_int: {
            uint32_t v = 0;
            if (!parse_number(text, v)) return fail("not a 32-bit unsigned integer");
            return Value::uint32(v);
        }
        case Type::long_: {
            int64_t v = 0;
            if (!parse_number(text, v)) return fail("not a 64-bit integer");
            return Value::int64(v);
        }
        case Type::unsigned_long: {
            uint64_t v = 0;
            if (!parse_number(text, v)) return fail("not a 64-bit unsigned integer");
            return Value::uint64(v);
        }
        case Type::date_time: {
            auto t = parse_date_time(text);
            if (!t) return t.error();
            return Value::date_time(*t);
        }
    }
    return fail("");
}

}  // namespace cpe::tr181
