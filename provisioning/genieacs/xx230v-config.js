// GenieACS provision "xx230v-config" (TP-Link XX230v, TR-181 Device:2): the settings the fleet needs, declared as
// values (GenieACS sets a parameter only when its known value differs: docs/provisions.rst, declare()).
//
//   args[0]: NTP server 1 (required)            args[1]: NTP server 2 ("" = none)
//   args[2]: remote access to the web UI: true / false (default false)
//   args[3]: periodic inform interval, seconds (default 3600)
//
// TR-069 connection-request credentials come from the extension ext/cpe-credentials.js (a per-device username and a
// password derived from a fleet secret that lives only on the GenieACS host): none is in this repository, and the
// preset holds none. Without the secret the extension fails, the provision faults with that reason (a GenieACS
// fault on the preset's channel) and nothing is set. docs/genieacs.md.
"use strict";

const ntp1 = String(args[0] || "");
const ntp2 = String(args[1] || "");
const remote = String(args[2]) === "true";
const inform = Number(args[3]) || 3600;
if (!ntp1) throw new Error("xx230v-config: args[0] (NTP server 1) is required");

// DeviceID.SerialNumber: GenieACS's own parameter (docs/provisions.rst "Special GenieACS parameters").
const serial = declare("DeviceID.SerialNumber", { value: 1 }).value[0];
const cr = ext("cpe-credentials", "connectionRequest", serial);
declare("Device.ManagementServer.ConnectionRequestUsername", { value: 1 }, { value: cr.username });
declare("Device.ManagementServer.ConnectionRequestPassword", { value: 1 }, { value: cr.password });
declare("Device.ManagementServer.PeriodicInformEnable", { value: 1 }, { value: true });
declare("Device.ManagementServer.PeriodicInformInterval", { value: 1 }, { value: inform });

declare("Device.Time.Enable", { value: 1 }, { value: true });
declare("Device.Time.NTPServer1", { value: 1 }, { value: ntp1 });
declare("Device.Time.NTPServer2", { value: 1 }, { value: ntp2 });

declare("Device.UserInterface.RemoteAccess.Enable", { value: 1 }, { value: remote });
