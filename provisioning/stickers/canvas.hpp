// cairo wrapped once: a vector document (a PDF of one or more pages, or one SVG page) written to a file, with
// its drawing context; cairo's sticky error status turned into values.
#pragma once

#include <cairo.h>

#include <memory>
#include <string>

#include "util/result.hpp"

namespace cpe::stickers {

class Canvas {
  public:
    enum class Kind { pdf, svg };

    // A document of pages `width` × `height` points at `path` (created or truncated now).
    static Result<Canvas> create(Kind kind, const std::string& path, double width, double height);

    cairo_t* cr() const { return cr_.get(); }
    // Ends the current page and starts the next (PDF).
    Status next_page();
    // Writes everything out and closes the file; an I/O or drawing error of any earlier call shows here.
    Status finish();

  private:
    struct SurfaceFree {
        void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
    };
    struct ContextFree {
        void operator()(cairo_t* c) const { cairo_destroy(c); }
    };
    Canvas(cairo_surface_t* surface, cairo_t* cr, std::string path)
        : surface_(surface), cr_(cr), path_(std::move(path)) {}
    Status check(const char* doing) const;

    std::unique_ptr<cairo_surface_t, SurfaceFree> surface_;
    std::unique_ptr<cairo_t, ContextFree> cr_;
    std::string path_;
};

}  // namespace cpe::stickers
