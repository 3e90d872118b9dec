// bench/bridge_bench.js — run by bench/bridge_bench.sh. Starts the TP-Link simulator, cpe-bridge and a real snmpd
// (Raisecom simulator) itself, then measures, each against a baseline taken in the same run:
//   1. one modem: peak RSS and per-read latency, cpe-bridge vs a Playwright + Chromium reader (same sim, same reads);
//   2. 200 modems read concurrently through cpe-bridge (wall, cpe-bridge CPU) vs the same 200 reads one by one;
//   3. one PON of 128 ONUs through the bridge API vs the cpe-olt-read CLI (same library, no REST).
"use strict";
const { spawn, execFileSync } = require("child_process");
const dgram = require("dgram");
const fs = require("fs");
const os = require("os");
const path = require("path");
const readline = require("readline");

const SRC = path.resolve(__dirname, "..");
const BUILD = path.resolve(SRC, process.env.BUILD_DIR || "build/host");
const BRIDGE = path.join(BUILD, "bridge/api/cpe-bridge");
const OLT_READ = path.join(BUILD, "bridge/olt/cpe-olt-read");
const PY = "/usr/bin/python3";
const READS = Number(process.env.READS || 20);
const FLEET = Number(process.env.FLEET || 200);
const children = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cpe-bridge-bench-"));

function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  children.push(child);
  child.stderr.on("data", () => {});
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once("line", (line) => resolve({ child, line }));
    child.once("exit", (code) => reject(new Error(cmd + " exited (" + code + ") before its first line")));
  });
}
function stopAll() { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM"); }
async function stopAllAndWait() {  // then the temp dir can go (snmpd writes its persistent state on exit)
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  stopAll();
  await Promise.race([Promise.all(running.map((c) => new Promise((r) => c.once("exit", r)))),
                      new Promise((r) => setTimeout(r, 5000))]);
}
process.on("exit", () => {
  stopAll();
  try { fs.rmSync(tmp, { recursive: true, force: true }); } catch (e) { console.error("bridge_bench: left " + tmp + ": " + e.message); }
});

function writeSecret(name, text) { const p = path.join(tmp, name); fs.writeFileSync(p, text, { mode: 0o600 }); return p; }
async function startSim(count) {
  const { line } = await start(PY, [path.join(SRC, "tests/sim/tplink/tplink_sim.py"), "--port", "0", "--count",
                                    String(count), "--fixture", "", "--variant", "cbc-raw"]);
  return line.split(" ").slice(1).map(Number);
}
async function startBridge(name, config) {
  const p = path.join(tmp, name + ".json");
  fs.writeFileSync(p, JSON.stringify(config));
  const { child, line } = await start(BRIDGE, ["--config", p]);
  return { pid: child.pid, base: "http://127.0.0.1:" + line.split(" ")[2], child };
}
function procStatus(pid, key) {
  const m = fs.readFileSync("/proc/" + pid + "/status", "utf8").match(new RegExp("^" + key + ":\\s+(\\d+)", "m"));
  return m ? Number(m[1]) : 0;
}
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
function cpuMs(pid) {
  const f = fs.readFileSync("/proc/" + pid + "/stat", "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLK_TCK;  // utime + stime
}
function treeKiB(root) {  // RSS and PSS summed over a process and its descendants
  const parent = new Map();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try { const s = fs.readFileSync("/proc/" + d + "/stat", "utf8"); parent.set(Number(d), Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1])); } catch { /* gone */ }
  }
  const inTree = (pid) => { for (let p = pid, i = 0; p > 1 && i < 64; p = parent.get(p), i++) if (p === root) return true; return false; };
  let rss = 0, pss = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      rss += procStatus(pid, "VmRSS");
      const m = fs.readFileSync("/proc/" + pid + "/smaps_rollup", "utf8").match(/^Pss:\s+(\d+)/m);
      if (m) pss += Number(m[1]);
    } catch { /* gone */ }
  }
  return { rss, pss };
}
function rssByMapping(pid, top = 8) {  // where a process's resident pages are: [KiB, mapping] largest first
  const by = new Map();
  let name = "";
  for (const l of fs.readFileSync("/proc/" + pid + "/smaps", "utf8").split("\n")) {
    const head = l.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) { name = path.basename(head[1] || "[anon]"); continue; }
    const r = l.match(/^Rss:\s+(\d+)/);
    if (r) by.set(name, (by.get(name) || 0) + Number(r[1]));
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
}
async function get(url) {
  const r = await fetch(url);
  const body = await r.text();
  if (r.status !== 200) throw new Error(url + ": " + r.status + " " + body);
  return JSON.parse(body);
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x, d = 1) => x.toFixed(d);
function line(label, value, base, unit, goal) {
  const ratio = value / base;
  console.log(`  ${label.padEnd(34)} ${fmt(value).padStart(10)} ${unit.padEnd(4)} baseline ${fmt(base).padStart(10)} ${unit.padEnd(4)} ratio ${ratio < 0.01 ? ratio.toExponential(2) : fmt(ratio, 3)}` +
              (goal ? `  (goal ≤ ${goal}: ${ratio <= eval(goal) ? "met" : "NOT met"})` : ""));
}

async function oneModem() {
  const [port] = await startSim(1);
  const host = "127.0.0.1:" + port;
  const secret = writeSecret("m1.secret", "password=password\n");
  const br = await startBridge("one", { http: { port: 0 }, state_dir: path.join(tmp, "state1"), cache_max_age_s: 0,
                                        workers: 2, modems: [{ id: "m1", host, secret_file: secret, variant: "cbc-raw" }] });
  const bridgeLat = [];
  let sample;
  for (let i = 0; i < READS + 1; i++) {
    const t0 = process.hrtime.bigint();
    const hosts = await get(br.base + "/modems/m1/hosts?refresh");
    const optical = await get(br.base + "/modems/m1/optical");  // from the read just made
    if (i > 0) bridgeLat.push(ms(t0));  // the first read warms up (variant detection, page cache)
    sample = { hosts: hosts.total, rxDbm: optical.rxDbm };
  }
  const bridgeRss = procStatus(br.pid, "VmHWM");
  const bridgePss = treeKiB(br.pid).pss;
  const bridgeMaps = rssByMapping(br.pid);
  br.child.kill("SIGTERM");

  const { launch, readOnce } = require("./chromium-reader/reader.js");
  const t0 = process.hrtime.bigint();
  const { browser } = await launch();
  const startMs = ms(t0);
  // Playwright spawns Chromium from this Node process: its direct child whose command is the browser.
  const bpid = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).find((pid) => {
    try {
      const st = fs.readFileSync("/proc/" + pid + "/stat", "utf8");
      return Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]) === process.pid &&
             fs.readFileSync("/proc/" + pid + "/cmdline", "utf8").includes("chromium");
    } catch { return false; }
  });
  if (!bpid) throw new Error("cannot find the Chromium process");
  let peak = { rss: 0, pss: 0 };
  const sampler = setInterval(() => { const t = treeKiB(bpid); if (t.rss > peak.rss) peak = t; }, 20);
  const chromeLat = [];
  let csample;
  for (let i = 0; i < READS + 1; i++) {
    const t1 = process.hrtime.bigint();
    csample = await readOnce(browser, host, "user", "password");
    if (i > 0) chromeLat.push(ms(t1));
  }
  clearInterval(sampler);
  const t = treeKiB(bpid); if (t.rss > peak.rss) peak = t;
  await browser.close();
  if (csample.hosts !== sample.hosts || Math.abs(csample.rxDbm - sample.rxDbm) > 0.01)
    throw new Error("readers disagree: bridge " + JSON.stringify(sample) + " chromium " + JSON.stringify(csample));
  console.log(`1. one modem (simulator cbc-raw, ${READS} reads each; login + 8 reads + logout per read; both read hosts=${sample.hosts}, rxDbm=${sample.rxDbm})`);
  // PSS is the goal: cpe-bridge links Debian's shared libraries (libcurl, OpenSSL, net-snmp, libwebsockets), whose
  // pages every other process using them shares; RSS counts them whole.
  line("PSS, cpe-bridge vs Chromium tree", bridgePss / 1024, peak.pss / 1024, "MiB", "1/50");
  line("  (peak RSS, shared pages whole)", bridgeRss / 1024, peak.rss / 1024, "MiB");
  console.log("    cpe-bridge resident after the reads, largest mappings: " +
              bridgeMaps.map(([n, k]) => `${n} ${k} KiB`).join(", "));
  line("median read latency", median(bridgeLat), median(chromeLat), "ms", "1/10");
  line("worst read latency", Math.max(...bridgeLat), Math.max(...chromeLat), "ms");
  console.log(`  (Chromium start-up, not counted above: ${fmt(startMs)} ms; RSS of Chromium = browser + its child processes, the Node/Playwright driver excluded)`);
}

async function fleet() {
  const ports = await startSim(FLEET);
  const secret = writeSecret("fleet.secret", "password=password\n");
  const modems = ports.map((p, i) => ({ id: "m" + i, host: "127.0.0.1:" + p, secret_file: secret, variant: "cbc-raw" }));
  const br = await startBridge("fleet", { http: { port: 0 }, state_dir: path.join(tmp, "state2"), cache_max_age_s: 0,
                                          workers: 32, max_queue: 4096, modems });
  // Baseline: the same reads one after another through the same bridge.
  let c0 = cpuMs(br.pid), t0 = process.hrtime.bigint();
  for (const m of modems) await get(br.base + "/modems/" + m.id + "/hosts?refresh");
  const seqWall = ms(t0), seqCpu = cpuMs(br.pid) - c0;
  c0 = cpuMs(br.pid); t0 = process.hrtime.bigint();
  const all = await Promise.all(modems.map((m) => get(br.base + "/modems/" + m.id + "/hosts?refresh")));
  const parWall = ms(t0), parCpu = cpuMs(br.pid) - c0;
  if (all.some((h) => h.total !== 6)) throw new Error("a fleet read returned the wrong host count");
  console.log(`2. ${FLEET} modems through cpe-bridge (32 workers; one python simulator process serves all of them, on the same ${os.cpus().length} cores)`);
  line(`wall, ${FLEET} concurrent vs one by one`, parWall, seqWall, "ms");
  line("cpe-bridge CPU for the 200 reads", parCpu, seqCpu, "ms");
  console.log(`  cpe-bridge CPU per modem read: ${fmt(parCpu / FLEET, 2)} ms; peak RSS ${fmt(procStatus(br.pid, "VmHWM") / 1024)} MiB`);
  br.child.kill("SIGTERM");
}

async function freeUdpPort() {
  const s = dgram.createSocket("udp4");
  await new Promise((r) => s.bind(0, "127.0.0.1", r));
  const port = s.address().port;
  s.close();
  return port;
}

async function pon() {
  const community = "c" + require("crypto").randomBytes(8).toString("hex");
  const dir = fs.mkdtempSync(path.join(tmp, "snmpd-"));
  const conf = fs.readFileSync(path.join(SRC, "tests/sim/olt/snmpd.conf.in"), "utf8")
    .replaceAll("@COMMUNITY@", community).replaceAll("@V3_USER@", "bench")
    .replaceAll("@AUTH_PASS@", "a" + require("crypto").randomBytes(8).toString("hex"))
    .replaceAll("@PRIV_PASS@", "p" + require("crypto").randomBytes(8).toString("hex"))
    .replaceAll("@PYTHON3@", PY).replaceAll("@SIM_SCRIPT@", path.join(SRC, "tests/sim/olt/raisecom_olt_sim.py"))
    .replaceAll("@SIM_ARGS@", "--pon 1/1/128");
  fs.writeFileSync(path.join(dir, "snmpd.conf"), conf, { mode: 0o600 });
  fs.mkdirSync(path.join(dir, "persist"));
  const port = await freeUdpPort();
  const log = path.join(dir, "snmpd.log");
  const snmpd = spawn("/usr/sbin/snmpd", ["-f", "-Lf", log, "-C", "-c", path.join(dir, "snmpd.conf"), "-p", path.join(dir, "pid"),
                                          "-I", "-smux", "udp:127.0.0.1:" + port],
                      { stdio: "ignore", env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, "persist"), SNMPCONFPATH: dir, MIBS: "", MIBDIRS: "" } });
  children.push(snmpd);
  for (let i = 0; i < 300 && !(fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("NET-SNMP version")); i++)
    await new Promise((r) => setTimeout(r, 50));
  const cfile = writeSecret("olt.community", community + "\n");
  const br = await startBridge("pon", { http: { port: 0 }, state_dir: path.join(tmp, "state3"), cache_max_age_s: 0,
      olts: [{ id: "olt1", host: "127.0.0.1", port, community_file: cfile, max_onu: 128, firmware: "type2id",
               pons: [{ slot: 1, port: 1 }] }] });  // the simulator's default scheme; both sides skip the probe
  await get(br.base + "/olts/olt1/pons/1/1?refresh");  // warm-up (python simulator start inside snmpd)
  const api = [], cli = [];
  let onus = 0;
  for (let i = 0; i < 5; i++) {
    let t0 = process.hrtime.bigint();
    const t = await get(br.base + "/olts/olt1/pons/1/1?refresh");
    api.push(ms(t0));
    onus = t.onus.length;
    t0 = process.hrtime.bigint();
    execFileSync(OLT_READ, ["--host", "127.0.0.1", "--port", String(port), "--community-file", cfile, "--slot", "1",
                            "--port-no", "1", "--max-onu", "128", "--firmware", "type2id", "--json"], { stdio: ["ignore", "ignore", "ignore"] });
    cli.push(ms(t0));
  }
  console.log(`3. one PON of ${onus} ONUs over SNMP (real snmpd + simulator), median of 5`);
  line("wall, bridge API vs cpe-olt-read CLI", median(api), median(cli), "ms");
  br.child.kill("SIGTERM");
}

(async () => {
  for (const f of [BRIDGE, OLT_READ]) if (!fs.existsSync(f)) throw new Error(f + " missing: build it first (cmake --preset host && cmake --build build/host --target cpe-bridge cpe-olt-read)");
  console.log(`cpe-bridge benchmark (${os.cpus().length} cores; figures as value, baseline measured in this run, ratio)`);
  const only = process.env.ONLY || "one,fleet,pon";
  if (only.includes("one")) await oneModem();
  if (only.includes("fleet")) await fleet();
  if (only.includes("pon")) await pon();
  await stopAllAndWait();
  process.exit(0);
})().catch(async (e) => { console.error("bridge_bench: " + (e && e.stack || e)); await stopAllAndWait(); process.exit(1); });
