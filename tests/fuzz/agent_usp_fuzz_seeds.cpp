// Writes the seed corpus of the agent_usp fuzz target: one record per request kind the agent handles.
// Usage: agent_usp_fuzz_seeds <dir>
#include <cstdio>
#include <string>

#include "usp/msg.hpp"
#include "usp/record.hpp"

namespace u = cpe::usp;

namespace {
void write(const std::string& dir, const char* name, const u::Bytes& msg, bool bare = false) {
    const std::string path = dir + "/" + name;
    FILE* f = fopen(path.c_str(), "wb");
    if (!f) return;
    if (bare) {
        fwrite("M:", 1, 2, f);
        fwrite(msg.data(), 1, msg.size(), f);
    } else {
        u::Bytes rec = u::encode_no_session_record("os::1C61B4-TPLGB43E91D4", "self::fuzz", msg);
        fwrite(rec.data(), 1, rec.size(), f);
    }
    fclose(f);
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        fputs("usage: agent_usp_fuzz_seeds <dir>\n", stderr);
        return 2;
    }
    const std::string d = argv[1];
    write(d, "get", u::encode_msg("1", u::Get{{"Device.Hosts.Host.*.PhysAddress", "Device.DeviceInfo."}, 2}));
    write(d, "get_bad", u::encode_msg("2", u::Get{{"Device.Hosts..X", "Device.Hosts.Host.999."}, 0}));
    write(d, "get_instances",
          u::encode_msg("3", u::GetInstances{{"Device.Hosts.Host.", "Device.WiFi."}, false}));
    u::GetSupportedDM dm;
    dm.obj_paths = {"Device.LocalAgent.", "Device."};
    dm.first_level_only = true;
    dm.return_params = dm.return_commands = dm.return_events = dm.return_unique_key_sets = true;
    write(d, "get_supported_dm", u::encode_msg("4", dm));
    u::Add add;
    add.create_objs = {{"Device.LocalAgent.Subscription.",
                        {{"ID", "s", true},
                         {"NotifType", "ValueChange", true},
                         {"ReferenceList", "Device.Hosts.Host.*.Active", true},
                         {"Enable", "true", true}}}};
    write(d, "add", u::encode_msg("5", add));
    u::Set set;
    set.update_objs = {{"Device.LocalAgent.", {{"PeriodicNotifInterval", "60", true}}},
                       {"Device.LocalAgent.Subscription.*.", {{"Enable", "false", false}}}};
    write(d, "set", u::encode_msg("6", set));
    write(d, "delete", u::encode_msg("7", u::Delete{true, {"Device.LocalAgent.Subscription.*."}}));
    write(d, "operate", u::encode_msg("8", u::Operate{"Device.Reboot()", "k", true, {}}));
    write(d, "notify_resp", u::encode_msg("9", u::NotifyResp{"boot"}));
    write(d, "msg_get", u::encode_msg("10", u::Get{{"Device.Optical."}, 0}), true);
    return 0;
}
