// GenieACS /devices answers → GenieDevice records (hub/sources/genieacs_document.hpp), fleet pages
// (parse_device_page: the poller's paged read), task JSON validation, and the /tasks and /faults answers a
// task call reads (find_duplicate_task, parse_task_fault), the /files and /operations answers of the firmware
// route (parse_file_list, parse_operation_count).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/genieacs_document.hpp"
#include "sources/genieacs_files.hpp"
#include "sources/genieacs_task.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    cpe::hub::sources::GenieParseLimits limits;
    limits.max_params = 5000;
    auto devices = cpe::hub::sources::parse_device_list(text, limits);
    if (devices)
        for (const auto& d : *devices)
            for (const auto& [path, p] : d.params) (void)cpe::hub::sources::validate_parameter_path(path);
    // The poller's fleet pages: bad documents left out, the rest kept; ids for paging.
    limits.max_devices = 200;
    limits.max_params = 1000;
    if (auto page = cpe::hub::sources::parse_device_page(text, limits)) {
        if (page->ids.size() != page->devices.size() + page->invalid_ids.size()) __builtin_trap();
        if (page->invalid.size() > cpe::hub::sources::GeniePage::kMaxInvalidMessages) __builtin_trap();
    }
    (void)cpe::hub::sources::Task::from_json(text);
    static const auto refresh = cpe::hub::sources::Task::refresh_object("Device.Hosts");
    (void)cpe::hub::sources::find_duplicate_task(text, *refresh);
    (void)cpe::hub::sources::parse_task_fault(text);
    if (auto files = cpe::hub::sources::parse_file_list(text))
        for (const auto& f : *files) {
            (void)cpe::hub::sources::validate_file_name(f.name);
            (void)cpe::hub::sources::validate_file_meta(f.meta);
        }
    (void)cpe::hub::sources::parse_operation_count(text);
    return 0;
}
