#include "canvas.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>

namespace cpe::stickers {

Result<Canvas> Canvas::create(Kind kind, const std::string& path, double width, double height) {
    cairo_surface_t* surface = kind == Kind::pdf ? cairo_pdf_surface_create(path.c_str(), width, height)
                                                 : cairo_svg_surface_create(path.c_str(), width, height);
    // cairo returns an error surface rather than NULL; it must be destroyed all the same
    std::unique_ptr<cairo_surface_t, SurfaceFree> owned(surface);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        return make_error(Errc::io_error, "cannot create " + path + ": " +
                                              cairo_status_to_string(cairo_surface_status(surface)));
    }
    if (kind == Kind::pdf) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "CPE stickers");
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "cpe-stickers");
    } else {
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PT);  // printed at its physical size
    }
    cairo_t* cr = cairo_create(surface);
    std::unique_ptr<cairo_t, ContextFree> owned_cr(cr);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        return make_error(Errc::internal, "cairo: " + std::string(cairo_status_to_string(cairo_status(cr))));
    }
    return Canvas(owned.release(), owned_cr.release(), path);
}

Status Canvas::check(const char* doing) const {
    cairo_status_t st = cairo_status(cr_.get());
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(surface_.get());
    if (st == CAIRO_STATUS_SUCCESS) return {};
    return make_error(st == CAIRO_STATUS_WRITE_ERROR ? Errc::io_error : Errc::internal,
                      path_ + ": " + doing + ": " + cairo_status_to_string(st));
}

Status Canvas::next_page() {
    cairo_show_page(cr_.get());
    return check("ending a page");
}

Status Canvas::finish() {
    cairo_surface_flush(surface_.get());
    cairo_surface_finish(surface_.get());
    return check("writing");
}

}  // namespace cpe::stickers
