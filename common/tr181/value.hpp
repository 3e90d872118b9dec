// TR-181 typed values and their string forms (TR-106 data types).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "util/result.hpp"

namespace cpe::tr181 {

enum class Type : uint8_t {
    string,
    boolean,
    int_,
    unsigned_int,
    long_,
    unsigned_long,
    date_time,
    dbm1000,
    base64,
    hex_binary
};

const char* type_name(Type type);  // "string", "boolean", "int", "unsignedInt", "long", …, "Dbm1000"
Result<Type> type_from_name(std::string_view name);

// dateTime values are seconds since the UNIX epoch; these two sentinels have fixed TR-106 forms.
constexpr int64_t kUnknownTime = INT64_MIN;   // "0001-01-01T00:00:00Z"
constexpr int64_t kInfiniteTime = INT64_MAX;  // "9999-12-31T23:59:59Z"

class Value {
  public:
    Value() : type_(Type::string), data_(std::string()) {}

    static Value string(std::string s) { return Value(Type::string, std::move(s)); }
    static Value boolean(bool b) { return Value(Type::boolean, b); }
    static Value int32(int32_t v) { return Value(Type::int_, static_cast<int64_t>(v)); }
    static Value uint32(uint32_t v) { return Value(Type::unsigned_int, static_cast<uint64_t>(v)); }
    static Value int64(int64_t v) { return Value(Type::long_, v); }
    static Value uint64(uint64_t v) { return Value(Type::unsigned_long, v); }
    static Value date_time(int64_t epoch_s) { return Value(Type::date_time, epoch_s); }
    static Value dbm1000(int32_t milli_dbm) { return Value(Type::dbm1000, static_cast<int64_t>(milli_dbm)); }

    // Parses the TR-106 string form of `type` (booleans also accept 1/0; dateTime accepts
    // "YYYY-MM-DDThh:mm:ss[.fff]Z" and "+hh:mm" offsets). The error names the type and the text.
    static Result<Value> parse(Type type, std::string_view text);

    Type type() const { return type_; }
    std::string to_string() const;

    bool as_bool() const { return std::get<bool>(data_); }
    int64_t as_int() const {
        return std::holds_alternative<int64_t>(data_) ? std::get<int64_t>(data_)
                                                      : static_cast<int64_t>(std::get<uint64_t>(data_));
    }
    uint64_t as_uint() const {
        return std::holds_alternative<uint64_t>(data_) ? std::get<uint64_t>(data_)
                                                       : static_cast<uint64_t>(std::get<int64_t>(data_));
    }
    const std::string& as_string() const { return std::get<std::string>(data_); }

    bool operator==(const Value& other) const = default;

  private:
    using Data = std::variant<std::string, bool, int64_t, uint64_t>;
    Value(Type type, Data data) : type_(type), data_(std::move(data)) {}
    Type type_;
    Data data_;
};

std::string format_date_time(int64_t epoch_s);
Result<int64_t> parse_date_time(std::string_view text);

}  // namespace cpe::tr181
