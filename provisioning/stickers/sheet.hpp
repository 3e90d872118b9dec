// Sticker sheets: one label per device on a layout's grid, pages as needed, as a PDF or SVG file. Each label:
// the QR code of <hub>/q/<mac> (level M, its 4-module quiet zone kept clear), under (or beside) it the serial
// and the MAC as aa:bb:cc:dd:ee:ff. docs/stickers.md.
#pragma once

#include <string>
#include <vector>

#include "device_list.hpp"
#include "layout.hpp"
#include "util/result.hpp"

namespace cpe::stickers {

enum class Format { pdf, svg };

// sheet.pdf → pdf, sheet.svg → svg (any case); anything else is an error naming the extension.
Result<Format> format_of(const std::string& path);

struct SheetRequest {
    std::vector<Device> devices;
    Layout layout;
    std::string hub;     // from parse_hub_url
    std::string output;  // the PDF, or the SVG (one file per page: <stem>-<n>.svg when there are several)
    Format format = Format::pdf;
    int skip = 0;          // label positions left blank at the start of the first page (a partly used sheet)
    bool outline = false;  // thin outlines of the labels, for a test print on plain paper
};

struct SheetResult {
    std::vector<std::string> files;  // written, in page order
    int pages = 0;
    double module_mm = 0;  // the printed size of one QR module (the smallest on the sheet)
    double font_pt = 0;    // the text size used
};

// Nothing is left behind on failure: every file is written under a temporary name and renamed at the end.
Result<SheetResult> render_sheets(const SheetRequest& request);

}  // namespace cpe::stickers
