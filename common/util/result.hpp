// Errors as values across modules: the message is written where the failure starts,
// callers pass the Error upward (optionally prefixing context) and never re-describe it.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cpe {

enum class Errc {
    invalid_argument,  // caller passed something malformed (path, config key, CLI flag)
    parse_error,       // a file, command output or network message could not be understood
    not_found,         // the thing asked for does not exist (path, file, device)
    io_error,          // read/write/exec failed
    timeout,           // a bounded operation ran out of time
    too_large,         // input exceeded a capacity limit
    unsupported,       // well-formed but not something we implement
    denied,            // authentication / authorisation refused
    unavailable,       // a peer or source is down
    internal,          // broken invariant
};

const char* errc_name(Errc code);

// What kind of number an Error carries beside its message (Error::detail).
enum class Detail : uint8_t {
    none,
    usp_error,    // a USP error code (TR-369 "Error Codes", common/usp/error_codes.hpp)
    http_status,  // the HTTP status a server answered with
};

struct Error {
    Errc code = Errc::internal;
    std::string message;
    // A number naming the failure in the peer's own terms, set where the failure starts: callers read it
    // here, never out of the message text.
    Detail detail_kind = Detail::none;
    uint32_t detail = 0;

    // "context: message" — used when passing an error up through a layer that adds where it happened.
    Error with_context(const std::string& context) const {
        Error e = *this;
        e.message = context + ": " + message;
        return e;
    }
    Error with_usp_error(uint32_t usp_code) const { return with_detail(Detail::usp_error, usp_code); }
    Error with_http_status(int status) const {
        return with_detail(Detail::http_status, static_cast<uint32_t>(status));
    }

    std::optional<uint32_t> usp_error() const {
        return detail_kind == Detail::usp_error ? std::optional<uint32_t>(detail) : std::nullopt;
    }
    std::optional<int> http_status() const {
        return detail_kind == Detail::http_status ? std::optional<int>(static_cast<int>(detail))
                                                  : std::nullopt;
    }

  private:
    Error with_detail(Detail kind, uint32_t value) const {
        Error e = *this;
        e.detail_kind = kind;
        e.detail = value;
        return e;
    }
};

inline Error make_error(Errc code, std::string message) {
    return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value)
        : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error)
        : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(data_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(data_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(data_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const {
        assert(!ok());
        return std::get<1>(data_);
    }

    T value_or(T fallback) const { return ok() ? std::get<0>(data_) : std::move(fallback); }

  private:
    std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        assert(!ok_);
        return error_;
    }

  private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace cpe
