// The agent as a TR-181 deployment unit (Device.SoftwareModules.DeploymentUnit.1.): InstallDU() and
// DeploymentUnit.1.Update() download a signed self-update over HTTP(S), verify and stage it
// (installer.hpp), switch the slot and stop the agent so that the supervisor (packaging/files/supervise)
// starts the new one on trial. The new agent, once connected to its controller, marks the slot good
// (update/connected) and reports TransferComplete! and OperationComplete; after a rollback the old agent
// reports the failure with the supervisor's reason. Loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "net/event_loop.hpp"
#include "tr181/tree.hpp"
#include "update/download.hpp"
#include "usp/types.hpp"
#include "usp/usp_agent.hpp"

namespace cpe::agent::update {

struct ServiceOptions {
    std::string state_dir;      // "" = updates disabled
    config::Update update;      // signing_key "" = updates disabled
    std::string controller_ca;  // for https downloads when update.ca_file is empty
    std::string board;          // profile.json "board"
    std::string endpoint_id;
    std::string
        factory_manifest;  // the flashed package's manifest ("" = derived from the program's location)
    std::function<void()> send_due;  // notifications were queued: send them now (posted to the loop)
    decltype(DownloadOptions::resolve) resolve;  // host names of download URLs (the daemon's resolver)
};

class Service {
  public:
    // `restart` stops the agent (the supervisor starts the slot it switched to).
    Service(net::EventLoop& loop, usp::UspAgent& agent, ServiceOptions options,
            std::function<void()> restart);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // The Hooks::software_update of UspAgent.
    std::optional<cpe::usp::CommandFailure> start(const std::string& command, const std::string& command_key,
                                                  const cpe::usp::StrMap& args);
    // The controller connection is up: the running slot reached its controller.
    void connected();
    // Reports a finished update once the controller has subscribed to it (call after each handled record).
    void try_report();
    // Hooks::extend_model.
    void extend(tr181::Object& device) const;
    bool busy() const { return download_ != nullptr || switching_; }

  private:
    void downloaded(Result<uint64_t> r);
    // Installs the downloaded file and switches to it once the running slot is no longer on trial.
    void install_when_confirmed(unsigned waited_ms);
    void fail(const std::string& reason, uint32_t code);
    void report(bool ok, const std::string& reason);

    net::EventLoop& loop_;
    usp::UspAgent& agent_;
    ServiceOptions options_;
    std::function<void()> restart_;
    std::string update_dir_;
    std::unique_ptr<Download> download_;
    bool switching_ = false;
    std::string version_;  // of the running slot
    std::string build_id_;
    std::string du_url_;
    net::TimerHandle restart_timer_;
    net::TimerHandle confirm_timer_;
};

// This agent build's CPE target (armv7, mips, mipsel, aarch64, host), as written in its packages' manifests.
const char* agent_architecture();

}  // namespace cpe::agent::update
