// libqrencode wrapped once: a QR code symbol owned in a unique_ptr, encode errors as values.
#pragma once

#include <qrencode.h>

#include <memory>
#include <string_view>

#include "util/result.hpp"

namespace cpe::stickers {

class QrCode {
  public:
    // Byte mode, error correction level M, the smallest version that holds `text` (at most 2,331 bytes at M).
    static Result<QrCode> encode(std::string_view text);

    int version() const { return code_->version; }
    int width() const { return code_->width; }  // modules per side, without the quiet zone
    bool dark(int x, int y) const { return (code_->data[y * code_->width + x] & 1) != 0; }

  private:
    struct Free {
        void operator()(QRcode* code) const { QRcode_free(code); }
    };
    explicit QrCode(QRcode* code) : code_(code) {}
    std::unique_ptr<QRcode, Free> code_;
};

// ISO/IEC 18004: a symbol needs a light margin ("quiet zone") of 4 modules on every side.
constexpr int kQuietZoneModules = 4;

}  // namespace cpe::stickers
