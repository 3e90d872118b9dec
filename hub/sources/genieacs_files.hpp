// GenieACS files (the firmware route, docs/genieacs.md): what the NBI stores for a file, the checks the hub
// makes before it uploads one or names one in a download task, and the parsers of the NBI's answers about
// files and download operations (network input: fuzzed, tests/fuzz/hub_sources_genieacs_fuzz.cpp).
//
// GenieACS (github.com/genieacs/genieacs, read for behaviour): lib/nbi.ts PUT /files/<name> stores the body
// in GridFS with metadata {fileType, oui, productClass, version} from the request headers of those names,
// after deleting a file of the same name (a second PUT overwrites), and answers 201; GET /files/?query=…
// lists the fs.files documents {_id, filename, length, chunkSize, uploadDate, metadata} (lib/db/db.ts:
// collection "fs.files"). A download task names the file ({"name":"download","file":<name>}, lib/cwmp/db.ts
// getDueTasks fills fileType/fileName from it). A CPE that answers the Download with Status 1 leaves an
// operation in /operations (lib/cwmp/db.ts saveOperation: _id "<device>:<command key>", channels as a JSON
// string naming "task_<task id>") until its TransferComplete; a TransferComplete with a fault becomes the
// fault "<device>:task_<task id>" (lib/cwmp.ts transferComplete → recordFault), while the task itself was
// deleted when the session that sent the Download ended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::hub::sources {

struct FileMeta {
    std::string file_type = "1 Firmware Upgrade Image";  // TR-069 Download FileType
    std::string oui;                                     // the devices it is for (6 hex digits); "" = any
    std::string product_class;                           // "" = any
    std::string version;  // required: what the device reports as SoftwareVersion once it runs the image
};

struct FileInfo {
    std::string name;
    int64_t length = -1;
    std::string upload_date;
    FileMeta meta;
};

// A file name the hub uploads or names: 1…128 characters of [A-Za-z0-9._-], not starting with '.'.
// (GenieACS's FILES_REGEX allows more; these travel in a URL path, a header-free download URL and a local
// file name alike.)
Status validate_file_name(std::string_view name);
// file_type one of TR-069's Download FileTypes ("1 Firmware Upgrade Image", "2 Web Content", "3 Vendor
// Configuration File", "4 Tone File", "5 Ringer File"); oui empty or 6 hex digits; product_class empty or
// [A-Za-z0-9_-]{1,64}; version 1…64 printable ASCII characters. The error names the field.
Status validate_file_meta(const FileMeta& meta);

// GET /files/?query=… (a JSON array of fs.files documents). Documents that are not objects or have no string
// _id are errors; a missing metadata leaves the fields empty.
Result<std::vector<FileInfo>> parse_file_list(std::string_view body);
// GET /operations/?query=… (a JSON array): how many operations it holds.
Result<size_t> parse_operation_count(std::string_view body);

}  // namespace cpe::hub::sources
