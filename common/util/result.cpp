#include "util/result.hpp"

namespace cpe {

const char* errc_name(Errc code) {
    switch (code) {
        case Errc::invalid_argument:
            return "invalid argument";
        case Errc::parse_error:
            return "parse error";
        case Errc::not_found:
            return "not found";
        case Errc::io_error:
            return "I/O error";
        case Errc::timeout:
            return "timeout";
        case Errc::too_large:
            return "too large";
        case Errc::unsupported:
            return "unsupported";
        case Errc::denied:
            return "denied";
        case Errc::unavailable:
            return "unavailable";
        case Errc::internal:
            return "internal error";
    }
    return "unknown error";
}

}  // namespace cpe
