// Installing a verified self-update next to the running agent and switching to it (the layout and the
// protocol with the supervisor are in packaging/files/supervise): slots under
// <state_dir>/update/versions/<build id>/, small state files each replaced by one rename, so a power cut at
// any point leaves a slot that runs.
#pragma once

#include <string>

#include "update/package.hpp"
#include "util/result.hpp"

namespace cpe::agent::update {

struct InstallTarget {
    std::string board;            // this board's name (profile.json "board")
    std::string architecture;     // this build's CPE target (CMake CPE_TARGET)
    std::string signing_key_pem;  // the public key manifests must be signed with (text)
    std::string update_dir;       // <state_dir>/update
};

// Checks the archive (manifest first, its signature, board, architecture, route "update", then every file's
// size and SHA-256, nothing unlisted, nothing missing) while unpacking it into versions/.staging, then
// renames that to versions/<build id>. The running slot is never touched; on any error the staging is removed
// and the error says why (Errc::denied for a signature, unsupported for another board or architecture,
// io_error for a write that failed, e.g. a full flash).
Result<Manifest> install_archive(const std::string& archive, const InstallTarget& target);

// The slot the supervisor runs: update/current, "factory" when there is none.
std::string current_slot(const std::string& update_dir);
// previous = the current slot, trial = build_id, then current = build_id (the switch itself).
Status switch_to(const std::string& update_dir, const std::string& build_id);
// Writes path.tmp, fsyncs, renames it over path.
Status write_atomic(const std::string& path, const std::string& text);
// The first line of a small file ("" when absent).
std::string read_line(const std::string& path);

}  // namespace cpe::agent::update
