// Errors as values across modules: the message is written where the failure starts,
// callers pass the Error upward (optionally prefixing context) and never re-describe it.
#pragma once

#include <cassert>
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

struct Error {
    Errc code = Errc::internal;
    std::string message;

    // "context: message" — used when passing an error up through a layer that adds where it happened.
    Error with_context(const std::string& context) const { return Error{code, context + ": " + message}; }
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(data_); }
    const T& value() const& { assert(ok()); return std::get<0>(data_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(data_); }

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
    const Error& error() const { assert(!ok_); return error_; }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace cpe
