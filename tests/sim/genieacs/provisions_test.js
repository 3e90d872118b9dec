// Test of the operator's GenieACS provisions (provisioning/genieacs) against the simulator's provision semantics
// (provision_sandbox.js) and an XX230v's data from nbi_sim.py. No framework: each check prints ok/FAIL; exit status
// 0 when all passed.
//
//   node provisions_test.js <repository root> <scratch directory>
"use strict";

const child = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const path = require("path");
const { Session, flatten, under } = require("./provision_sandbox.js");

const ROOT = path.resolve(process.argv[2] || path.join(__dirname, "..", "..", ".."));
const SCRATCH = process.argv[3] || ".";
const failures = [];
function check(name, cond, detail) {
  console.log((cond ? "ok   " : "FAIL ") + name + (!cond && detail !== undefined ? ": " + JSON.stringify(detail) : ""));
  if (!cond) failures.push(name);
}

function get(port, p) {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: p }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(JSON.parse(body)));
    }).on("error", reject);
  });
}

function startSim(fleet) {
  return new Promise((resolve, reject) => {
    const p = child.spawn("/usr/bin/python3", [path.join(ROOT, "tests/sim/genieacs/nbi_sim.py"), "--fleet", fleet],
                          { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (c) => {
      out += c;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve({ proc: p, port: Number(m[1]) });
    });
    p.on("exit", (code) => reject(new Error("nbi_sim exited " + code)));
  });
}

const copy = (m) => new Map([...m].map(([k, v]) => [k, Object.assign({}, v)]));
const script = (name) => fs.readFileSync(path.join(ROOT, "provisioning/genieacs", name), "utf8");

// The leaves the hub reads (hub/api/reply.cpp, hub/diag/hosts.cpp, hub/diag/optical.cpp), as patterns.
const HUB_READS = [
  /^Device\.DeviceInfo\.(SoftwareVersion|HardwareVersion|ModelName|SerialNumber|UpTime)$/,
  /^Device\.Optical\.Interface\.1\.X_TP_GPON_Config\.(RXPower|TXPower)$/,
  /^Device\.Ethernet\.Interface\.\d+\.MACAddress$/,
  /^Device\.Hosts\.HostNumberOfEntries$/,
  /^Device\.Hosts\.Host\.\d+\.(PhysAddress|IPAddress|HostName|Active|LeaseTimeRemaining)$/,
  /^Device\.WiFi\.MultiAP\.APDevice\.\d+\.(MACAddress|X_TP_HostName)$/,
  /^Device\.WiFi\.MultiAP\.APDevice\.\d+\.Radio\.\d+\.OperatingFrequencyBand$/,
  /^Device\.WiFi\.MultiAP\.APDevice\.\d+\.Radio\.\d+\.AP\.\d+\.AssociatedDevice\.\d+\.(MACAddress|Active|SignalStrength|LastDataDownlinkRate|X_TP_HostName|X_TP_IPAddress)$/,
  /^Device\.WiFi\.Radio\.\d+\.OperatingFrequencyBand$/,
  /^Device\.WiFi\.SSID\.\d+\.LowerLayers$/,
  /^Device\.WiFi\.AccessPoint\.\d+\.SSIDReference$/,
  /^Device\.WiFi\.AccessPoint\.\d+\.AssociatedDevice\.\d+\.(MACAddress|SignalStrength|LastDataDownlinkRate)$/,
  /^Device\.DHCPv4\.Server\.Pool\.\d+\.Client\.\d+\.(Chaddr|IPv4Address\.\d+\.IPAddress)$/,
];

function instances(m, obj) {
  const n = obj.split(".").length + 1;
  return [...new Set([...m.keys()].filter((p) => p.startsWith(obj + ".")).map((p) => p.split(".").slice(0, n).join(".")))]
    .filter((p) => /\.\d+$/.test(p)).sort();
}

function refreshTests(doc) {
  const cache = flatten(doc);
  const cpe = copy(cache);
  const hosts = instances(cpe, "Device.Hosts.Host");
  check("the simulator's XX230v has at least two hosts", hosts.length >= 2, hosts);
  if (hosts.length < 2) return;
  // The CPE now: the second host is gone, a new one (instance 9) came, the first one was renamed.
  const gone = hosts[1];
  for (const p of under(cpe, gone)) cpe.delete(p);
  for (const p of under(cpe, hosts[0])) {
    const q = "Device.Hosts.Host.9" + p.slice(hosts[0].length);
    cpe.set(q, Object.assign({}, cpe.get(p)));
  }
  cpe.set("Device.Hosts.Host.9.PhysAddress", { object: false, writable: false, value: ["02:00:00:00:00:09", "xsd:string"] });
  cpe.set(hosts[0] + ".HostName", { object: false, writable: false, value: ["renamed-host", "xsd:string"] });
  cpe.set("Device.Hosts.HostNumberOfEntries",
          { object: false, writable: false, value: [hosts.length, "xsd:unsignedInt"] });
  const now = Date.now();

  // The control: declaring values only reads the cached (stale) instances and the CPE faults.
  const control = new Session({ cache: copy(cache), cpe: copy(cpe), now }).run(
    'declare("Device.Hosts.Host.*.PhysAddress", {value: Date.now()});');
  check("control: a value-only read of cached hosts names the dropped host and faults",
        control.fault && control.fault.code === "cwmp.9005" && control.fault.message.includes(gone + "."),
        control.fault);

  const s = new Session({ cache, cpe, now, args: [3600, 900] }).run(script("xx230v-refresh.js"));
  check("refresh: no fault", !s.fault, s.fault);
  check("refresh: the hosts and mesh tables were cleared first",
        s.cleared.length === 4 && s.cleared[0][0] === "Device.Hosts.Host" && s.cleared[0][2].length > 0, s.cleared);
  const gpn = s.rpcs.findIndex((r) => r.rpc === "GetParameterNames" && r.path.startsWith("Device.Hosts"));
  const gpvHost = s.rpcs.findIndex((r) => r.rpc === "GetParameterValues" &&
                                          r.names.some((n) => n.startsWith("Device.Hosts.Host.")));
  check("refresh: hosts rediscovered (GetParameterNames) before their values are read", gpn >= 0 && gpn < gpvHost,
        s.rpcs.map((r) => r.rpc + " " + (r.path || r.names.length)));
  const read = s.rpcs.filter((r) => r.rpc === "GetParameterValues").flatMap((r) => r.names);
  check("refresh: no read names the dropped host", !read.some((n) => n.startsWith(gone + ".")));
  check("refresh: the cached hosts are the CPE's now",
        JSON.stringify(instances(cache, "Device.Hosts.Host")) === JSON.stringify(instances(cpe, "Device.Hosts.Host")),
        [instances(cache, "Device.Hosts.Host"), instances(cpe, "Device.Hosts.Host")]);
  check("refresh: the renamed host's new name", (cache.get(hosts[0] + ".HostName").value || [])[0] === "renamed-host");
  check("refresh: the new host's MAC", (cache.get("Device.Hosts.Host.9.PhysAddress").value || [])[0] ===
        "02:00:00:00:00:09");
  check("refresh: HostNumberOfEntries read", read.includes("Device.Hosts.HostNumberOfEntries"));
  check("refresh: the hub's fields read with the session's timestamp",
        cache.get("Device.Optical.Interface.1.X_TP_GPON_Config.RXPower").ts === now &&
        cache.get("Device.DeviceInfo.SoftwareVersion").ts === now);
  const extra = read.filter((n) => !HUB_READS.some((re) => re.test(n)));
  check("refresh: only parameters the hub reads are fetched", extra.length === 0, extra.slice(0, 5));
  check("refresh: not an Alias or AddressSource read", !read.some((n) => /\.(Alias|AddressSource)$/.test(n)));
  check("refresh: nothing set", !s.rpcs.some((r) => r.rpc === "SetParameterValues"));

  // The next session in the same interval costs nothing: every value is fresh, nothing older than the interval.
  const again = new Session({ cache, cpe, now: now + 1000, args: [3600, 900] }).run(script("xx230v-refresh.js"));
  check("refresh again within the interval: no RPC", !again.fault && again.rpcs.length === 0, again.rpcs);
  // An interval later the hosts are read again (the view, hourly, maybe not).
  const later = new Session({ cache, cpe, now: now + 901 * 1000, args: [3600, 900] }).run(script("xx230v-refresh.js"));
  check("refresh after the hosts interval: hosts read again",
        !later.fault && later.rpcs.some((r) => r.rpc === "GetParameterValues" &&
                                            r.names.includes("Device.Hosts.HostNumberOfEntries")), later.rpcs);
}

function configTests(doc) {
  const ext = require(path.join(ROOT, "provisioning/genieacs/ext/cpe-credentials.js"));
  const secretFile = path.join(SCRATCH, "cr-secret.txt");
  const secret = crypto.randomBytes(32).toString("hex");  // made for this run; never stored in the repository
  fs.writeFileSync(secretFile, secret + "\n", { mode: 0o600 });
  const serial = doc._deviceId._SerialNumber;
  const cache = flatten(doc);
  // Remote access is on (GenieACS knows it: a value is compared with the cached copy, read once, {value: 1}).
  const ra = "Device.UserInterface.RemoteAccess.Enable";
  cache.set(ra, Object.assign({}, cache.get(ra), { value: [true, "xsd:boolean"] }));
  const cpe = copy(cache);
  const args = ["ntp1.example.net", "ntp2.example.net", "false", 1800];

  delete process.env.CPE_TR069_CR_SECRET_FILE;
  const noSecret = new Session({ cache: copy(cache), cpe: copy(cpe), now: Date.now(), args,
                                 extensions: { "cpe-credentials": ext } }).run(script("xx230v-config.js"));
  check("config without the secret: a fault naming it, nothing set",
        noSecret.fault && /CPE_TR069_CR_SECRET_FILE/.test(noSecret.fault.message) &&
        !noSecret.rpcs.some((r) => r.rpc === "SetParameterValues"), noSecret.fault);
  const noNtp = new Session({ cache: copy(cache), cpe: copy(cpe), now: Date.now(), args: [],
                              extensions: { "cpe-credentials": ext } }).run(script("xx230v-config.js"));
  check("config without an NTP server: a fault naming the argument",
        noNtp.fault && /NTP server 1/.test(noNtp.fault.message), noNtp.fault);

  process.env.CPE_TR069_CR_SECRET_FILE = secretFile;
  const s = new Session({ cache, cpe, now: Date.now(), args, extensions: { "cpe-credentials": ext } })
    .run(script("xx230v-config.js"));
  check("config: no fault", !s.fault, s.fault);
  const set = Object.fromEntries(s.rpcs.filter((r) => r.rpc === "SetParameterValues").flatMap((r) => r.values)
    .map(([p, v]) => [p, v]));
  const expected = crypto.createHmac("sha256", secret).update(serial).digest("base64url").slice(0, 24);
  check("config: connection-request username from the extension",
        set["Device.ManagementServer.ConnectionRequestUsername"] === "cr-" + serial, set);
  check("config: connection-request password = HMAC-SHA256(secret, serial)",
        set["Device.ManagementServer.ConnectionRequestPassword"] === expected);
  check("config: NTP servers and time enabled", set["Device.Time.NTPServer1"] === "ntp1.example.net" &&
        set["Device.Time.NTPServer2"] === "ntp2.example.net" &&
        String((cpe.get("Device.Time.Enable").value || [])[0]) === "true", set);
  check("config: remote access switched off", set["Device.UserInterface.RemoteAccess.Enable"] === false, set);
  check("config: periodic inform interval", String(set["Device.ManagementServer.PeriodicInformInterval"]) === "1800");
  check("config: the CPE holds the values", (cpe.get("Device.Time.NTPServer1").value || [])[0] === "ntp1.example.net");
  const again = new Session({ cache, cpe, now: Date.now() + 1000, args, extensions: { "cpe-credentials": ext } })
    .run(script("xx230v-config.js"));
  check("config again: nothing set a second time", !again.fault &&
        !again.rpcs.some((r) => r.rpc === "SetParameterValues"), again.rpcs);
  fs.unlinkSync(secretFile);
}

async function main() {
  const fleet = path.join(SCRATCH, "provisions_fleet.json");
  child.execFileSync("/usr/bin/python3", [path.join(ROOT, "tests/sim/fleet/make_fleet.py"), "--count", "6", "--seed",
                                          "5", "--out", fleet]);
  const sim = await startSim(fleet);
  try {
    const q = encodeURIComponent(JSON.stringify({ "_deviceId._ProductClass": "Device2" }));
    const docs = await get(sim.port, "/devices/?query=" + q);
    const doc = docs.find((d) => d.Device && d.Device.Hosts && Object.keys(d.Device.Hosts.Host || {})
      .filter((k) => /^\d+$/.test(k)).length >= 2);
    check("an XX230v document from the simulator", !!doc);
    if (doc) {
      refreshTests(doc);
      configTests(doc);
    }
  } finally {
    sim.proc.removeAllListeners("exit");
    sim.proc.kill();
  }
  console.log(failures.length + " failure(s)");
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.log("FAIL " + e.stack);
  process.exit(1);
});
