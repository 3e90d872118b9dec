// Label stock as data: page size, label size, grid, margins and pitch, read from JSON (layouts.json is built
// in;
// --layouts adds more). All lengths in PDF points (1/72 in) once parsed. docs/stickers.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::stickers {

enum class TextPlacement { below, right };

struct Layout {
    std::string name;
    std::string description;
    double page_w = 0, page_h = 0;  // points
    double label_w = 0, label_h = 0;
    double margin_left = 0, margin_top = 0;  // the first label's corner
    double pitch_x = 0, pitch_y = 0;         // corner to corner
    double padding = 0;                      // kept blank inside each label
    double font_pt = 7;                      // largest text size
    int columns = 0, rows = 0;
    TextPlacement text = TextPlacement::below;

    int per_page() const { return columns * rows; }
    // Top-left corner of label `index` (0 … per_page()-1), row by row.
    double label_x(int index) const { return margin_left + (index % columns) * pitch_x; }
    double label_y(int index) const { return margin_top + (index / columns) * pitch_y; }
};

// {"layouts": [ {name, description, unit ("mm"|"in"), page, label, grid, margin, pitch, padding, text,
// font_pt} ]}. Each layout is checked: positive sizes, labels that do not overlap (pitch ≥ label) and lie on
// the page, padding smaller than half the label. Errors name `what`, the layout and the key.
Result<std::vector<Layout>> parse_layouts(std::string_view json_text, std::string_view what);

// The layouts of provisioning/stickers/layouts.json, compiled in.
const std::vector<Layout>& builtin_layouts();
std::string_view builtin_layouts_json();

}  // namespace cpe::stickers
