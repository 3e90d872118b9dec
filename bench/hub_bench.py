#!/usr/bin/python3
"""cpe-hub device API ("Diagnostiquer") benchmarks. Prints figures beside a baseline measured in the same run and
the goal; asserts nothing about time. Run through bench/hub_bench.sh (docs in bench/README.md).

  1. lookup: GET /devices/lookup?serial=<agent device>&refresh p50/p95 with every source up (live agent Get over
     USP, GenieACS NBI simulator, ERPNext simulator, cpe-bridge) vs the operator's current refresh: two GenieACS
     connection-request tasks posted to the NBI simulator (+ what the real NBI adds: docs below); then the same
     lookups without ?refresh (the lookup cache).
  2. throughput: the hub's lookup under wrk (keep-alive, same connections/duration) vs hub_static_server (the
     hub's own HTTP stack answering a fixed body): cached (one device; the fleet in turn), uncached (?refresh),
     /devices/summary.
  3. poll: one full poller cycle of the hub over a 10,000-device fleet in the simulators: wall time (the hub's
     /health/devices poll.last.duration_ms) and the CPU time of the hub and of the simulators over that cycle. The
     TR-069 fleet is read in NBI pages (poller.genieacs_page_size, each within genieacs.budget_ms); the real agents
     are polled with the poller's defaults (concurrency 4, jitter up to 2 s).

Processes and rootfs copies come from tools/demo/demo.py (imported as a library); each part starts its own set on
ephemeral loopback ports in --state-dir and stops it before the next part.
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "demo"))
import demo as D  # noqa: E402  (Procs, make_device, http, write_secret, PY, LOOP)

LOOP = D.LOOP
TICK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print("hub_bench: " + msg, file=sys.stderr, flush=True)


def cpu_s(pid):
    """utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / TICK


def pct(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class Env:
    """GenieACS NBI + ERPNext simulators on a generated fleet, cpe-bridge (no modems: answers 404 = not_found),
    cpe-hub, and `agents` real cpe-agent processes on fixture rootfs copies — the demo's pieces."""

    def __init__(self, a, name, devices, agents, dev_overrides=None, bridge=True):
        self.a, self.devices_n, self.agents_n, self.bridge = a, devices, agents, bridge
        self.state = os.path.join(os.path.abspath(a.state_dir), name)
        self.bin = os.path.abspath(a.bin_dir)
        self.dev_overrides = dev_overrides or {}
        self.procs = None
        self.pids = {}

    def exe(self, rel):
        p = os.path.join(self.bin, rel)
        if not os.access(p, os.X_OK):
            raise D.DemoError("%s not built (expected %s)" % (os.path.basename(rel), p))
        return p

    def start(self):
        st = self.state
        shutil.rmtree(st, ignore_errors=True)
        for d in ("logs", "secrets", "agents", "bridge-state"):
            os.makedirs(os.path.join(st, d))
        self.procs = D.Procs(os.path.join(st, "logs"))
        hub_bin, agent_bin = self.exe("hub/cpe-hub"), self.exe("agent/cpe-agent")
        self.token = "bench-" + secrets.token_hex(16)
        erp_key, erp_secret = secrets.token_hex(8), secrets.token_hex(12)
        self.erp_auth = "token %s:%s" % (erp_key, erp_secret)
        fleet_path = os.path.join(st, "fleet.json")
        t0 = time.monotonic()
        subprocess.run([D.PY, os.path.join(REPO, "tests/sim/fleet/make_fleet.py"), "--count", str(self.devices_n),
                        "--seed", str(self.a.seed), "--base-time", str(int(time.time())), "--out", fleet_path],
                       check=True, stdout=subprocess.DEVNULL)
        self.fleet = json.load(open(fleet_path))
        devices = self.fleet["devices"]
        log("%s: fleet of %d devices (%d with an agent) in %.1f s" % (os.path.basename(st), len(devices),
                                                                   sum(1 for d in devices if d["agent"]), time.monotonic() - t0))
        p, path = self.procs.start("genieacs-nbi", [D.PY, os.path.join(REPO, "tests/sim/genieacs/nbi_sim.py"), "--fleet",
                                                    fleet_path, "--port", "0"])
        self.pids["genieacs-nbi"] = p.pid
        self.nbi_url = "http://%s:%s" % (LOOP, self.procs.wait_line("genieacs-nbi", p, path, "READY ", timeout=300))
        self.cpu_ready = {"genieacs-nbi": cpu_s(p.pid)}  # the simulator's CPU for loading the fleet
        p, path = self.procs.start("erpnext", [D.PY, os.path.join(REPO, "tests/sim/erpnext/frappe_sim.py"), "--fleet",
                                               fleet_path, "--api-key", erp_key, "--api-secret", erp_secret, "--port", "0"])
        self.pids["erpnext"] = p.pid
        self.erp_url = "http://%s:%s" % (LOOP, self.procs.wait_line("erpnext", p, path, "READY ", timeout=300))
        bridge_url = ""
        if self.bridge:
            # One modem no lookup names (the bridge refuses an empty config): the hub's optical read of the agent
            # device is answered "unknown modem" (not_found) by the real bridge, a full HTTP round trip.
            secret = os.path.join(st, "secrets", "none.secret")
            D.write_secret(secret, "user=user\npassword=%s\n" % secrets.token_hex(8))
            cfg = {"http": {"bind": LOOP, "port": 0}, "state_dir": os.path.join(st, "bridge-state"),
                   "cache_max_age_s": 30, "log_level": "info",
                   "modems": [{"id": "BENCH-NONE", "host": "%s:9" % LOOP, "secret_file": secret}], "olts": []}
            json.dump(cfg, open(os.path.join(st, "bridge.json"), "w"))
            p, path = self.procs.start("cpe-bridge", [self.exe("bridge/api/cpe-bridge"), "--config",
                                                      os.path.join(st, "bridge.json")])
            bridge_url = "http://%s:%s" % (LOOP, self.procs.wait_line("cpe-bridge", p, path, "LISTENING ").split()[-1])
        hub_cfg = {"log": {"level": "info"}, "http": {"bind": LOOP, "port": 0},
                   "usp": {"enabled": True, "bind": LOOP, "port": 0, "request_timeout_ms": 5000},
                   "store": {"path": os.path.join(st, "hub.db")}}
        dev_cfg = {"genieacs": {"url": self.nbi_url, "budget_ms": 4000}, "erpnext": {"url": self.erp_url, "budget_ms": 4000},
                   "bridge": {"url": bridge_url, "budget_ms": 4000}, "agent_budget_ms": 4000, "lookup_budget_ms": 8000,
                   "poller": {"interval_s": 3600, "stale_after_s": 300}}
        for k, v in self.dev_overrides.items():
            if isinstance(v, dict):
                dev_cfg.setdefault(k, {}).update(v)
            else:
                dev_cfg[k] = v
        hub_cfg["devices"] = dev_cfg  # the device API's section of the hub configuration
        json.dump(hub_cfg, open(os.path.join(st, "hub.json"), "w"), indent=2)
        p, path = self.procs.start("cpe-hub", [hub_bin, "--config", os.path.join(st, "hub.json")],
                                   env={"HUB_SERVICE_TOKEN": self.token,
                                        "ERP_SERVICE_TOKEN": "%s:%s" % (erp_key, erp_secret)})
        self.hub_pid = p.pid
        self.cpu_ready["cpe-hub"] = cpu_s(p.pid)
        self.pids["cpe-hub"] = p.pid
        hub_port = "".join(ch for ch in self.procs.wait_line("cpe-hub", p, path, "HTTP API on %s:" % LOOP).split()[0]
                           if ch.isdigit())
        usp_port = "".join(ch for ch in self.procs.wait_line("cpe-hub", p, path, "USP WebSocket server on %s:" % LOOP)
                           .split()[0] if ch.isdigit())
        self.hub_port = int(hub_port)
        self.hub_url = "http://%s:%s" % (LOOP, hub_port)
        self.agents = [d for d in devices if d["agent"] and d["online"]][: self.agents_n]
        for d in self.agents:
            root = os.path.join(st, "agents", d["serial"])
            D.make_device(os.path.join(REPO, d["board"]), os.path.join(root, "board"), os.path.join(root, "rootfs"), d)
            cfg = {"controller": {"url": "ws://%s:%s/usp" % (LOOP, usp_port), "endpoint_id": "self::cpe-hub"},
                   "periodic_interval_s": 300}
            json.dump(cfg, open(os.path.join(root, "agent.json"), "w"))
            p, _ = self.procs.start("agent-" + d["serial"], [agent_bin, "--board", os.path.join(root, "board"), "--root",
                                                             os.path.join(root, "rootfs"), "run", "--config",
                                                             os.path.join(root, "agent.json")])
            self.pids["agent-" + d["serial"]] = p.pid
        want = {d["serial"] for d in self.agents}
        deadline, online = time.monotonic() + 60, set()
        while want and time.monotonic() < deadline:
            self.procs.check_alive()
            s, body = D.http("GET", self.hub_url + "/usp/endpoints?online=true", self.auth())
            if s == 200:
                online = {e.get("serial") for e in json.loads(body).get("endpoints", []) if e.get("online")}
                if want <= online:
                    break
            time.sleep(0.2)
        if not want <= online:
            raise D.DemoError("agents not online after 60 s: %s" % ", ".join(sorted(want - online)))
        return self

    def auth(self):
        return {"Authorization": "Bearer " + self.token}

    def health(self):
        s, body = D.http("GET", self.hub_url + "/health/devices")
        return json.loads(body) if s == 200 else {}

    def stop(self):
        if self.procs:
            self.procs.stop_all()


# ---- 1. lookup latency vs the GenieACS path ----------------------------------------------------------------

def timed(conn, method, path, headers, body=None):
    t0 = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return (time.perf_counter() - t0) * 1000.0, r.status, data


def part_lookup(a):
    env = Env(a, "lookup", a.devices, a.agents).start()
    try:
        conn = http.client.HTTPConnection(LOOP, env.hub_port, timeout=30)
        hdr = env.auth()
        serials = [d["serial"] for d in env.agents]
        for s in serials * 5:  # warm-up: connections, first history rows
            timed(conn, "GET", "/devices/lookup?refresh&serial=" + urllib.parse.quote(s), hdr)
        # ?refresh: every source asked for every lookup (the lookup cache is measured below and in part 2).
        ms, bad, states = [], 0, {}
        for i in range(a.requests):
            s = serials[i % len(serials)]
            t, status, body = timed(conn, "GET", "/devices/lookup?refresh&serial=" + urllib.parse.quote(s), hdr)
            ms.append(t)
            if status != 200:
                bad += 1
                continue
            src = json.loads(body).get("sources", {})
            for k, v in src.items():
                states.setdefault(k, {}).setdefault(v.get("state"), 0)
                states[k][v.get("state")] += 1
        # Baseline: the operator's refresh = two connection-request tasks on a TR-069 device (NBI simulator).
        tr = next(d for d in env.fleet["devices"] if not d["agent"] and d["online"] and d["model"] == "XX230v")
        u = urllib.parse.urlsplit(env.nbi_url)
        nconn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        dev_path = "/devices/%s/tasks?connection_request&timeout=" % urllib.parse.quote(tr["genieacs_id"], safe="")
        tasks = [(json.dumps({"name": "getParameterValues", "parameterNames": ["Device.Hosts.Host"]}), 15000),
                 (json.dumps({"name": "refreshObject", "objectName": "Device.WiFi"}), 10000)]
        base, base_bad, base_codes = [], 0, {}
        n_base = max(20, a.requests // 5)
        for _ in range(n_base):
            total = 0.0
            for body, to in tasks:
                t, status, _ = timed(nconn, "POST", dev_path + str(to), {"Content-Type": "application/json"}, body.encode())
                base_codes[status] = base_codes.get(status, 0) + 1
                if status != 200:
                    base_bad += 1
                total += t
            base.append(total)
        # Where the lookup's time goes: each source asked alone, the way the hub asks it (same connection reuse).
        s_, body = D.http("GET", env.hub_url + "/usp/endpoints?online=true", hdr)
        eps = {e.get("serial"): e.get("endpoint_id") for e in json.loads(body).get("endpoints", [])}
        agent_q = "&".join("path=" + p for p in ("Device.DeviceInfo.", "Device.Optical.", "Device.XPON.", "Device.Ethernet.",
                                                  "Device.IP.", "Device.WiFi.", "Device.Hosts.", "Device.DHCPv4.Server.Pool."))
        eu = urllib.parse.urlsplit(env.erp_url)
        econn = http.client.HTTPConnection(eu.hostname, eu.port, timeout=30)
        parts = {"agent USP Get (GET /usp/<ep>/get, the lookup's paths)": [], "GenieACS find by serial (NBI sim)": [],
                 "ERPNext equipment+location+customer (sim)": []}
        keys = list(parts)
        for i in range(max(20, a.requests // 5)):
            d = env.agents[i % len(env.agents)]
            t, _, _ = timed(conn, "GET", "/usp/%s/get?%s" % (urllib.parse.quote(eps.get(d["serial"], ""), safe=""), agent_q), hdr)
            parts[keys[0]].append(t)
            q = urllib.parse.urlencode({"query": json.dumps({"_deviceId._SerialNumber": d["tr069_serial"]})})
            t, _, _ = timed(nconn, "GET", "/devices/?" + q, {})
            parts[keys[1]].append(t)
            tot = 0.0
            # what the hub asks: like (ILIKE on PostgreSQL), the fleet storing serials in any case (docs/erpnext.md)
            eq = urllib.parse.urlencode({"fields": '["*"]', "filters": json.dumps([["serial_number", "like", "%" + d["serial"] + "%"]])})
            t, _, _ = timed(econn, "GET", "/api/resource/Service%20Equipment?" + eq, {"Authorization": env.erp_auth})
            tot += t
            t, _, _ = timed(econn, "GET", "/api/resource/Service%20Location/" + urllib.parse.quote(d["service_location"]),
                            {"Authorization": env.erp_auth})
            tot += t
            t, _, _ = timed(econn, "GET", "/api/resource/Customer/" + urllib.parse.quote(d["customer"]),
                            {"Authorization": env.erp_auth})
            parts[keys[2]].append(tot + t)
        # The same lookups without ?refresh: answered from the lookup cache within its windows.
        cached, cached_states = [], {}
        for i in range(a.requests):
            s = serials[i % len(serials)]
            t, status, body = timed(conn, "GET", "/devices/lookup?serial=" + urllib.parse.quote(s), hdr)
            cached.append(t)
            if status == 200:
                for k, v in json.loads(body).get("sources", {}).items():
                    key = "%s %s%s" % (k, v.get("state"), " (cached)" if v.get("cached") else "")
                    cached_states[key] = cached_states.get(key, 0) + 1
        p50, p95 = pct(ms, 50), pct(ms, 95)
        b50, b95 = pct(base, 50), pct(base, 95)
        print("\n[1] GET /devices/lookup?serial=<agent device>[&refresh], all sources up (%d real agents: %s; fleet %d; "
              "one keep-alive connection, loopback)" % (len(serials), ", ".join(d["model"] for d in env.agents), a.devices))
        print("    lookup?refresh: live agent Get + GenieACS + ERPNext + bridge p50 %7.1f ms   p95 %7.1f ms   (%d requests, %d not 200)"
              % (p50, p95, len(ms), bad))
        print("      sources seen: %s" % "; ".join("%s %s" % (k, ", ".join("%s×%d" % (s, n) for s, n in v.items()))
                                                   for k, v in sorted(states.items())))
        for k, v in parts.items():
            print("      alone: %-52s p50 %7.1f ms   p95 %7.1f ms" % (k, pct(v, 50), pct(v, 95)))
        print("    lookup without ?refresh (lookup cache, default windows)      p50 %7.2f ms   p95 %7.2f ms   (%d requests)"
              % (pct(cached, 50), pct(cached, 95), len(cached)))
        print("      sources seen: %s" % "; ".join("%s×%d" % kv for kv in sorted(cached_states.items())))
        print("    baseline: the GenieACS path (operator's refresh = getParameterValues Device.Hosts.Host + "
              "refreshObject Device.WiFi, ?connection_request, NBI simulator)")
        print("      two tasks, simulator                                p50 %7.1f ms   p95 %7.1f ms   (%d pairs, HTTP %s)"
              % (b50, b95, len(base), ", ".join("%d×%d" % (k, v) for k, v in sorted(base_codes.items()))))
        print("      two tasks, real GenieACS NBI: ~1060 ms — it polls for the session start every 500 ms, ~520 ms per task\n"
              "      (shared/reference/genieacs-nbi.md beside the repository, \"Measured here\"; the simulator answers without that wait)")
        print("    ratio lookup p50 / GenieACS path p50: simulator %.2f, real NBI %.3f   goal p95 ≤ 100 ms on loopback: %s"
              % (p50 / b50, p50 / 1060.0, "met" if p95 <= 100 else "NOT met"))
    finally:
        env.stop()


# ---- 2. throughput vs the bare HTTP stack ------------------------------------------------------------------

def wrk(url, headers, a, script=None):
    argv = ["wrk", "-t", str(a.wrk_threads), "-c", str(a.connections), "-d", "%ds" % a.duration, "--latency"]
    for k, v in headers.items():
        argv += ["-H", "%s: %s" % (k, v)]
    if script:
        argv += ["-s", script]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    lat50 = re.search(r"50%\s+(\S+)", out)
    return rps, int(non2xx.group(1)) if non2xx else 0, errs.group(1) if errs else "", lat50.group(1) if lat50 else "?"


def rotating_script(path, targets):
    """A wrk Lua script requesting `targets` (paths) in turn on each connection."""
    with open(path, "w") as f:
        f.write("local paths = {%s}\nlocal i = 0\nrequest = function()\n  i = i %% #paths + 1\n"
                "  return wrk.format(\"GET\", paths[i])\nend\n" % ", ".join(json.dumps(t) for t in targets))
    return path


def cache_counts(env):
    c = env.health().get("cache") or {}
    return c.get("hits", {}), c.get("misses", {})


def part_throughput(a):
    if not shutil.which("wrk"):
        print("\n[2] throughput: skipped (wrk not installed: apt-get install -y wrk)")
        return
    server = a.static_server or os.path.join(os.path.abspath(a.bin_dir), "bench", "hub_static_server")
    if not os.access(server, os.X_OK):
        print("\n[2] throughput: skipped (%s not built: --target hub_static_server)" % server)
        return
    env = Env(a, "throughput", a.devices, a.agents).start()
    try:
        serial = env.agents[0]["serial"]
        s, one = D.http("GET", env.hub_url + "/devices/lookup?serial=" + serial, env.auth())
        p, path = env.procs.start("hub_static_server", [server, str(len(one))])
        sport = env.procs.wait_line("hub_static_server", p, path, "LISTENING ").split()[-1]
        q = "/devices/lookup?serial=" + serial
        base = wrk("http://%s:%s%s" % (LOOP, sport, q), {}, a)
        h0, m0 = cache_counts(env)
        cached = wrk(env.hub_url + q, env.auth(), a)
        h1, m1 = cache_counts(env)
        # Every device of the fleet in turn (agents and TR-069 devices): each answer reused within its second.
        paths = ["/devices/lookup?serial=" + urllib.parse.quote(d["serial"]) for d in env.fleet["devices"]]
        script = rotating_script(os.path.join(env.state, "fleet.lua"), paths)
        for t in paths:  # first answers (each source asked once), outside the measurement
            D.http("GET", env.hub_url + t, env.auth())
        fleet = wrk(env.hub_url + paths[0], env.auth(), a, script)
        uncached = wrk(env.hub_url + q + "&refresh", env.auth(), a)
        summ = wrk(env.hub_url + "/devices/summary", env.auth(), a)
        reused = h1.get("answer", 0) - h0.get("answer", 0)
        rendered = m1.get("answer", 0) - m0.get("answer", 0)
        src_hits = sum(h1.get(k, 0) - h0.get(k, 0) for k in ("agent", "genieacs", "erpnext", "bridge"))
        src_miss = sum(m1.get(k, 0) - m0.get(k, 0) for k in ("agent", "genieacs", "erpnext", "bridge"))
        print("\n[2] throughput, wrk -t%d -c%d -d%ds keep-alive, loopback (2 shared cores: wrk, the server and the "
              "sources compete)" % (a.wrk_threads, a.connections, a.duration))
        print("    baseline hub_static_server (common/net HttpServer, fixed %d-byte body)   %9.0f req/s  p50 %s"
              % (len(one), base[0], base[3]))
        print("    cached lookup, one agent device (lookup cache, default windows)       %9.0f req/s  p50 %s  "
              "non-2xx %d %s   ratio %.3f" % (cached[0], cached[3], cached[1], cached[2], cached[0] / base[0]))
        print("      during it: %d answers reused, %d rendered from cached source answers (%d source reads from the "
              "cache, %d asked)" % (reused, rendered, src_hits, src_miss))
        print("    cached lookup, the %d fleet devices in turn                            %9.0f req/s  p50 %s  "
              "non-2xx %d %s   ratio %.3f" % (len(paths), fleet[0], fleet[3], fleet[1], fleet[2], fleet[0] / base[0]))
        print("    uncached lookup (?refresh: live agent Get + GenieACS + ERPNext + bridge)   %9.0f req/s  p50 %s  "
              "non-2xx %d %s   ratio %.3f" % (uncached[0], uncached[3], uncached[1], uncached[2], uncached[0] / base[0]))
        print("    hub GET /devices/summary (from the poller's briefs)                    %9.0f req/s  p50 %s  "
              "non-2xx %d %s   ratio %.3f" % (summ[0], summ[3], summ[1], summ[2], summ[0] / base[0]))
        print("    goal: a cached lookup >= 50%% of the baseline: %s (one device %.0f %%, the fleet in turn %.0f %%). "
              "The uncached line is bounded by the\n    sources (the Python simulators and the agent's Get)."
              % ("met" if min(cached[0], fleet[0]) >= 0.5 * base[0] else "NOT met", 100 * cached[0] / base[0],
                 100 * fleet[0] / base[0]))
    finally:
        env.stop()


# ---- 3. one full poll of a large fleet ------------------------------------------------------------------

def rss_peak_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def part_poll(a):
    # First poll 1 s after start (warm-up: the simulators build each document once, the history table fills); the
    # measured cycle is the second, `interval` s later. stale_after_s 1: every agent is due again in each cycle.
    # The per-page budget is the source's ordinary budget (4 s, as in parts 1 and 2); agents keep the default
    # concurrency (4) and jitter (2000 ms).
    interval = a.poll_interval
    over = {"poller": {"interval_s": interval, "stale_after_s": 1, "jitter_ms": 2000, "concurrency": 4,
                       "genieacs_limit": max(5000, a.poll_devices), "genieacs_page_size": a.poll_page_size}}
    env = Env(a, "poll", a.poll_devices, a.poll_agents, over, bridge=False).start()
    try:
        def last():
            return (env.health().get("poll") or {}).get("last")

        deadline = time.monotonic() + 300
        while not last() and time.monotonic() < deadline:
            time.sleep(0.2)
        first = last()
        if not first:
            raise D.DemoError("no first poll within 300 s: %s" % env.health().get("poll"))
        c0 = {k: cpu_s(pid) for k, pid in env.pids.items()}
        t0 = time.monotonic()
        second = None
        # Also the CPU of the poll alone: sampled at the last health answer before the poll was seen running and at
        # the first after it ended (each within 0.2 s of the poll; the health answers themselves are included).
        cb, seen_running = dict(c0), False
        while time.monotonic() < t0 + interval + 600:
            cs = {k: cpu_s(pid) for k, pid in env.pids.items()}
            h = env.health().get("poll") or {}
            l = h.get("last")
            if h.get("running"):
                seen_running = True
            elif not seen_running:
                cb = cs
            if l and l.get("age_s", 1e9) < (first.get("age_s", 0) + time.monotonic() - t0) - 1 and not h.get("running"):
                second = l
                break
            time.sleep(0.2)
        c1 = {k: cpu_s(pid) for k, pid in env.pids.items()}
        wall = time.monotonic() - t0
        if not second:
            raise D.DemoError("no second poll: %s" % env.health().get("poll"))
        s_, sbody = D.http("GET", env.hub_url + "/devices/summary", env.auth())
        summ = json.loads(sbody) if s_ == 200 else {}
        hub_rss = rss_peak_kib(env.hub_pid)
        hub_cpu = c1["cpe-hub"] - c0["cpe-hub"]
        nbi_cpu = c1["genieacs-nbi"] - c0["genieacs-nbi"]
        erp_cpu = c1["erpnext"] - c0["erpnext"]
        ag_cpu = sum(c1[k] - c0[k] for k in c1 if k.startswith("agent-"))
        dur = second["duration_ms"] / 1000.0
        print("\n[3] one full poll cycle, fleet of %d in the simulators (%d TR-069 read in %d NBI pages of ≤ %d + %d real "
              "agents over USP; the fleet's other agent devices are only in GenieACS)"
              % (a.poll_devices, second.get("genieacs_devices", 0), second.get("genieacs_pages", 0), a.poll_page_size,
                 len(env.agents)))
        print("    first poll (warm-up): %s" % json.dumps(first))
        print("    measured poll:        %s" % json.dumps(second))
        print("    first poll wall time (cold: the simulator builds every document, the optical history fills) %.2f s;"
              " CPU from ready to its end: hub %.2f s, NBI simulator %.2f s (its fleet load before: %.2f s)"
              % (first["duration_ms"] / 1000.0, c0["cpe-hub"] - env.cpu_ready["cpe-hub"],
                 c0["genieacs-nbi"] - env.cpu_ready["genieacs-nbi"], env.cpu_ready["genieacs-nbi"]))
        print("    poll wall time (hub's duration_ms)     %8.2f s     goal ≤ 60 s: %s" % (dur, "met" if dur <= 60 else "NOT met"))
        print("      of which the GenieACS fleet read     %8.2f s     (the agents' part includes up to 2 s of jitter)"
              % (second.get("genieacs_ms", 0) / 1000.0))
        print("    CPU over the %.1f s window (idle wait + the poll): hub %.2f s, NBI simulator %.2f s, ERPNext "
              "simulator %.2f s, agents %.2f s" % (wall, hub_cpu, nbi_cpu, erp_cpu, ag_cpu))
        print("    CPU of the poll alone (± one 0.2 s health sample): hub %.2f s, NBI simulator %.2f s, agents %.2f s"
              % (c1["cpe-hub"] - cb["cpe-hub"], c1["genieacs-nbi"] - cb["genieacs-nbi"],
                 sum(c1[k] - cb[k] for k in c1 if k.startswith("agent-"))))
        print("    hub peak RSS (VmHWM, whole run) %.1f MiB" % (hub_rss / 1024.0))
        print("    agents: %d due, %d polled, %d failed, at most %d at once (concurrency 4, jitter ≤ 2000 ms): %s"
              % (second.get("agents_due", 0), second.get("agents_polled", 0), second.get("agents_failed", 0),
                 second.get("agents_max_running", 0),
                 "bounded" if second.get("agents_max_running", 0) <= 4 else "NOT bounded"))
        print("    summary after the poll: total %s, byKind %s, opticalGrades %s"
              % (summ.get("total"), json.dumps(summ.get("byKind")), json.dumps(summ.get("opticalGrades"))))
        print("    hub CPU / poll wall time               %8.2f core  goal ≤ 1 core: %s"
              % (hub_cpu / max(dur, 1e-3), "met" if hub_cpu <= max(dur, 1e-3) else "NOT met"))
        print("    bottleneck: %s" % ("the Python NBI simulator (%.2f s CPU vs the hub's %.2f s)" % (nbi_cpu, hub_cpu)
                                     if nbi_cpu > hub_cpu else "the hub (%.2f s CPU vs the NBI simulator's %.2f s)"
                                     % (hub_cpu, nbi_cpu)))
        print("    baseline: none measurable here (the operator's hub has no poller; the real NBI answers the same "
              "projection from MongoDB)")
    finally:
        env.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", default=os.path.join(REPO, "build", "host"))
    ap.add_argument("--state-dir", default=None, help="default: <bin-dir>/hub-bench")
    ap.add_argument("--only", default="lookup,throughput,poll")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--devices", type=int, default=24, help="fleet for parts 1 and 2")
    ap.add_argument("--agents", type=int, default=3, help="real cpe-agent processes for parts 1 and 2")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--static-server", default=None, help="default: <bin-dir>/bench/hub_static_server")
    ap.add_argument("--poll-devices", type=int, default=10000)
    ap.add_argument("--poll-agents", type=int, default=4)
    ap.add_argument("--poll-page-size", type=int, default=200, help="poller.genieacs_page_size")
    ap.add_argument("--poll-interval", type=int, default=20, help="s between the warm-up poll and the measured one")
    a = ap.parse_args()
    a.state_dir = a.state_dir or os.path.join(a.bin_dir, "hub-bench")
    rc = 0
    for part, fn in (("lookup", part_lookup), ("throughput", part_throughput), ("poll", part_poll)):
        if part not in a.only.split(","):
            continue
        try:
            fn(a)
        except (D.DemoError, subprocess.CalledProcessError, OSError, ValueError, StopIteration) as e:
            log("%s: error: %s" % (part, e))
            rc = 1
        sys.stdout.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
