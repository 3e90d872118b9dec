// `cpe-agent run`: the agent as a USP endpoint. Loads the board and the config, refreshes the model on a
// timer, keeps a WebSocket MTP connection to the controller and serves USP until SIGTERM/SIGINT.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cpe::agent {

struct DaemonArgs {
    std::string board_dir;
    std::string root;  // fixture rootfs ("" = the live device); Reboot() is then only recorded
    std::string config_path;
    int64_t now = 0;  // a fixed clock for fixtures (--now); 0 = the real time
};

// `cpe-agent diag <Command()> Name=Value…`: runs one diagnostic in the foreground and prints its output
// arguments
// ("Name = value" lines). 2 for a bad board, an unknown command or a bad argument (named).
int run_diag_command(const std::string& board_dir, const std::string& root, const std::string& command,
                     const std::vector<std::string>& args);

// Exit codes: 0 after a clean stop, 2 for a bad config or board, 1 when the event loop cannot start.
int run_daemon(const DaemonArgs& args);

}  // namespace cpe::agent
