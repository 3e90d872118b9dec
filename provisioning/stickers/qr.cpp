#include "qr.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace cpe::stickers {

Result<QrCode> QrCode::encode(std::string_view text) {
    if (text.empty()) return make_error(Errc::invalid_argument, "QR code: nothing to encode");
    if (text.size() > 2331) {  // version 40-M in byte mode
        return make_error(Errc::too_large, "QR code: " + std::to_string(text.size()) +
                                               " bytes do not fit one symbol at level M (at most 2331)");
    }
    errno = 0;
    QRcode* code = QRcode_encodeData(static_cast<int>(text.size()),
                                     reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
    if (!code) {
        int e = errno;
        return make_error(e == ERANGE ? Errc::too_large : Errc::internal,
                          std::string("QR code: libqrencode failed: ") + std::strerror(e));
    }
    return QrCode(code);
}

}  // namespace cpe::stickers
