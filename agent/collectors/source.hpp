// Where collectors read from. A live reader reads the device's own files and runs its commands
// (with a timeout and bounded output, never through a shell); a fixture reader reads a captured
// rootfs: files under <root>/, command output from <root>/captured/<argv joined by '_'>.out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace cpe::agent {

constexpr size_t kDefaultMaxSourceBytes = 256 * 1024;
constexpr int kDefaultCommandTimeoutMs = 3000;

class SourceReader {
  public:
    virtual ~SourceReader() = default;
    // Errc::not_found when absent, Errc::too_large when longer than max_bytes (nothing partial is returned).
    virtual Result<std::string> read_file(const std::string& path,
                                          size_t max_bytes = kDefaultMaxSourceBytes) = 0;
    // Names of the entries of a directory, sorted, without "." and "..".
    virtual Result<std::vector<std::string>> list_dir(const std::string& path) = 0;
    // Runs argv[0] (PATH lookup) with the arguments; stdout only. Errc::timeout if it outlives
    // timeout_ms (the process is killed), Errc::too_large past max_bytes, Errc::io_error on a non-zero exit.
    virtual Result<std::string> run(const std::vector<std::string>& argv,
                                    int timeout_ms = kDefaultCommandTimeoutMs,
                                    size_t max_bytes = kDefaultMaxSourceBytes) = 0;
};

std::unique_ptr<SourceReader> make_live_reader();
std::unique_ptr<SourceReader> make_fixture_reader(const std::string& root);

// "iw dev ra0 station dump" → "iw_dev_ra0_station_dump.out" (characters outside [A-Za-z0-9._:-] become '-').
std::string captured_name(const std::vector<std::string>& argv);

}  // namespace cpe::agent
