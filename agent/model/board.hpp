// A board at run time: its profile, the reader its collectors use (live device or fixture rootfs),
// and the model rebuilt from them on each refresh with stable instance numbers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "collectors/source.hpp"
#include "model/builder.hpp"
#include "model/profile.hpp"
#include "tr181/instances.hpp"
#include "tr181/schema.hpp"
#include "tr181/tree.hpp"

namespace cpe::agent {

struct CollectorFailure {
    std::string collector;
    Error error;
};

class Board {
  public:
    // root empty: the live device; otherwise a fixture rootfs.
    static Result<std::unique_ptr<Board>> open(const std::string& board_dir, const std::string& root);

    // Runs every collector and rebuilds the model. A failing collector is logged (rate-limited) and
    // only its parameters are missing; the failures of the last refresh are kept for inspection.
    // `stop_requested` (checked between collectors) cuts a refresh short: the model stays as it was.
    // The daemon calls this on its Worker thread (collectors/worker.hpp), never on the event loop.
    const tr181::Tree& refresh(int64_t now, const std::function<bool()>& stop_requested = nullptr);
    const tr181::Tree& model() const { return tree_; }
    const BoardData& data() const { return data_; }
    const Profile& profile() const { return profile_; }
    const std::vector<CollectorFailure>& failures() const { return failures_; }
    // What the collectors read through (stateless: an AsyncCommandRunner may share it).
    SourceReader& reader() { return *reader_; }
    void set_endpoint_id(std::string id) { endpoint_id_ = std::move(id); }
    // Keeps the instance numbers (Hosts.Host by MAC, …) in `path` across restarts: loads it now (absent: a
    // fresh start; unreadable or garbled: logged, a fresh start) and rewrites it (temporary file + rename)
    // after each refresh that assigned or forgot a number. Only an unwritable location is an error.
    Status keep_instance_numbers(std::string path);

  private:
    Board(Profile profile, std::unique_ptr<SourceReader> reader)
        : profile_(std::move(profile)), reader_(std::move(reader)) {}

    Profile profile_;
    std::unique_ptr<SourceReader> reader_;
    tr181::InstanceNumbers numbers_;
    BoardData data_;
    tr181::Tree tree_;
    std::vector<CollectorFailure> failures_;
    std::string endpoint_id_;
    std::string numbers_file_;
};

// The capture time a fixture rootfs records in <root>/.capture-time (UNIX seconds, one line). Errc::not_found
// when the fixture has none; Errc::parse_error naming the file when it is not a plain non-negative number.
Result<int64_t> fixture_capture_time(const std::string& root);

// The operator's TR-106 prefix of the agent's extension parameters (tr181/vendor.hpp): "" (the default)
// offers none. Set at start; a bad prefix is refused with the reason.
Status set_vendor_prefix(const std::string& prefix, const std::string& what);
const std::string& vendor_prefix();

// The compiled-in supported model with the vendor prefix applied, parsed once.
const tr181::Schema& device_schema();
// Its text (`cpe-agent schema`).
std::string device_model_text_with_prefix();

}  // namespace cpe::agent
