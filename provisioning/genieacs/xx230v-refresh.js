// GenieACS provision "xx230v-refresh" (TP-Link XX230v, TR-181 Device:2): keeps fresh, at the intervals given as
// preset arguments, exactly the parameters cpe-hub reads from GenieACS (hub/api/reply.cpp kGenieFull/kGenieHosts,
// hub/diag/hosts.cpp, hub/diag/optical.cpp) — nothing else is fetched from the CPE.
//
//   args[0]: seconds between refreshes of the device view (DeviceInfo, optical levels, Ethernet MACs); default 3600
//   args[1]: seconds between re-reads of hosts and mesh; default 900
//
// Semantics (GenieACS docs/provisions.rst, "Built-in functions"; lib/sandbox.ts): declare(path, timestamps) fetches
// from the CPE what was last read before the timestamp; Date.now(interval) is the start of the current interval
// (lib/sandbox.ts SandboxDate.now → lib/scheduling.ts interval, with a per-device offset), so every session within
// one interval finds the values fresh and costs no RPC. clear(path, ts) drops GenieACS's cached copy of `path` and
// everything under it that was read before ts (lib/device.ts clear); commit() syncs what was declared so far before
// the script goes on (lib/sandbox.ts commit).
//
// Hosts and mesh: clear() then commit() before re-reading them. The cached Host / APDevice / AssociatedDevice
// instances are dropped first, so the sync after commit() rediscovers the instances the CPE has now
// (GetParameterNames) and only then reads their values; no GetParameterValues ever names an instance the CPE has
// dropped since the last read. The XX230v is reported to fault such a read (the vendor fault codes 9805/9806 of
// issue 15, in the 9800–9899 vendor range of TR-069 Amendment 6 A.5.1): an assumption — no capture of it is in
// this repository. docs/genieacs.md.
"use strict";

const viewEvery = (Number(args[0]) || 3600) * 1000;
const hostsEvery = (Number(args[1]) || 900) * 1000;
const view = Date.now(viewEvery);
const hosts = Date.now(hostsEvery);

// The device view (hub: DeviceInfo, optical grading, identity by Ethernet MAC).
for (const leaf of ["SoftwareVersion", "HardwareVersion", "ModelName", "SerialNumber", "UpTime"])
  declare("Device.DeviceInfo." + leaf, { value: view });
for (const leaf of ["RXPower", "TXPower"])
  declare("Device.Optical.Interface.1.X_TP_GPON_Config." + leaf, { value: view });
declare("Device.Ethernet.Interface.*", { path: view });
declare("Device.Ethernet.Interface.*.MACAddress", { value: view });

// Hosts and mesh: drop the cached instances read before this interval, commit, then rediscover and read.
const tables = [
  "Device.Hosts.Host",
  "Device.WiFi.MultiAP.APDevice",
  "Device.WiFi.AccessPoint.*.AssociatedDevice",
  "Device.DHCPv4.Server.Pool.*.Client",
];
for (const t of tables) clear(t, hosts);
commit();

declare("Device.Hosts.HostNumberOfEntries", { value: hosts });
declare("Device.Hosts.Host.*", { path: hosts });
for (const leaf of ["PhysAddress", "IPAddress", "HostName", "Active", "LeaseTimeRemaining"])
  declare("Device.Hosts.Host.*." + leaf, { value: hosts });

// Mesh (MultiAP): nodes, their radios' bands, the stations on each AP.
declare("Device.WiFi.MultiAP.APDevice.*", { path: hosts });
for (const leaf of ["MACAddress", "X_TP_HostName"])
  declare("Device.WiFi.MultiAP.APDevice.*." + leaf, { value: hosts });
declare("Device.WiFi.MultiAP.APDevice.*.Radio.*.OperatingFrequencyBand", { path: hosts, value: hosts });
const sta = "Device.WiFi.MultiAP.APDevice.*.Radio.*.AP.*.AssociatedDevice.*";
declare(sta, { path: hosts });
for (const leaf of ["MACAddress", "Active", "SignalStrength", "LastDataDownlinkRate", "X_TP_HostName",
                    "X_TP_IPAddress"])
  declare(sta + "." + leaf, { value: hosts });

// The root AP's own stations and the bands they are on (hub/diag/hosts.cpp: Radio band, SSID LowerLayers,
// AccessPoint SSIDReference).
declare("Device.WiFi.Radio.*.OperatingFrequencyBand", { path: view, value: view });
declare("Device.WiFi.SSID.*.LowerLayers", { path: view, value: view });
declare("Device.WiFi.AccessPoint.*.SSIDReference", { path: view, value: view });
declare("Device.WiFi.AccessPoint.*.AssociatedDevice.*", { path: hosts });
for (const leaf of ["MACAddress", "SignalStrength", "LastDataDownlinkRate"])
  declare("Device.WiFi.AccessPoint.*.AssociatedDevice.*." + leaf, { value: hosts });

// DHCP leases (the client's MAC and address).
declare("Device.DHCPv4.Server.Pool.*.Client.*", { path: hosts });
declare("Device.DHCPv4.Server.Pool.*.Client.*.Chaddr", { value: hosts });
declare("Device.DHCPv4.Server.Pool.*.Client.*.IPv4Address.*.IPAddress", { path: hosts, value: hosts });
