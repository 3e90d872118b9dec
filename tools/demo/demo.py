#!/usr/bin/python3
"""The hub with a simulated fleet, on loopback (docs/demo.md). Standard library only.

Starts, in this order, each as a real process on 127.0.0.1:
  1. the fleet file (tests/sim/fleet/make_fleet.py): tens of devices, agents of both boards + TR-069-only ones;
  2. the GenieACS NBI simulator and the ERPNext (Frappe) simulator on that fleet;
  3. the TP-Link web-UI simulator for a few XX230v modems, the real snmpd serving the Raisecom OLT simulator,
     and cpe-bridge configured for both;
  4. the Twilio SMS simulator (tests/sim/twilio) and cpe-hub (embedded defaults: SQLite in the state dir) pointed
     at the simulators and the bridge, with the /q/ QR flow (docs/qr.md), serving the
     CSR page (hub/web);
  5. the auth proxy (tests/sim/authproxy, Traefik + Authentik stand-in) on the public port, forwarding to the hub;
  6. one cpe-agent per online agent device of the fleet, each on its own copy of its board's fixture rootfs with
     the serial, MACs and optical level rewritten to the fleet's identity, connected to the hub over USP WebSocket;
     when Debian's dnsmasq can listen on port 53 of a loopback address (root), the agents' etc/resolv.conf names
     it and it answers DEMO_DNS_NAME (the name the /q/ install check resolves from the CPE) with the hub's address.

    demo.py --bin-dir build/host --state-dir build/demo [--port 3300] [--devices 24] [--seed 7] [--check]

Foreground until SIGINT/SIGTERM, then stops everything it started. --check: start, check one ERPNext serial's
consolidated view through the public port (and its hosts, and the page), print it, stop, exit 0/1.
Secrets (service token, ERPNext key, modem password, SNMPv3 passphrases) are generated per run in the state dir.
"""
import argparse
import ctypes
import json
import os
import secrets
import shutil
import random
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable  # Debian's, with python3-cryptography
LOOP = "127.0.0.1"
# The operator's TR-106 prefix of the agents' extension parameters (docs/tr181.md): the documentation domain here.
VENDOR_PREFIX = "X_EXAMPLE-NET_"
DEMO_DNS_NAME = "hub.demo.example.net"  # RFC 2606 documentation domain


def log(msg):
    print("demo: " + msg, file=sys.stderr, flush=True)


class DemoError(Exception):
    pass


# ---- processes --------------------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _child_setup():
    # Own session (a Ctrl-C reaches only the launcher, which stops children in order) and, if the launcher dies
    # without cleaning up (SIGKILL), the kernel sends the child SIGTERM (PR_SET_PDEATHSIG = 1).
    os.setsid()
    _libc.prctl(1, signal.SIGTERM, 0, 0, 0)


class Procs:
    def __init__(self, logdir):
        self.logdir = logdir
        self.items = []  # (name, Popen, log path), in start order

    def start(self, name, argv, env=None, cwd=None):
        path = os.path.join(self.logdir, name + ".log")
        out = open(path, "wb")
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=e, cwd=cwd,
                             preexec_fn=_child_setup, close_fds=True)
        out.close()
        self.items.append((name, p, path))
        return p, path

    def wait_line(self, name, p, path, prefix, timeout=30.0):
        """The rest of the first line starting with `prefix` (anywhere in a line) in the process's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                text = ""
            for line in text.splitlines():
                at = line.find(prefix)
                if at >= 0:
                    return line[at + len(prefix):].strip()
            if p.poll() is not None:
                raise DemoError("%s exited (status %s) before '%s':\n%s" % (name, p.returncode, prefix, tail(path)))
            time.sleep(0.05)
        raise DemoError("%s: no '%s' within %d s:\n%s" % (name, prefix, timeout, tail(path)))

    def check_alive(self):
        for name, p, path in self.items:
            if p.poll() is not None:
                raise DemoError("%s exited (status %s):\n%s" % (name, p.returncode, tail(path)))

    def stop_all(self):
        # Reverse start order: agents first, the simulators last.
        for name, p, _ in reversed(self.items):
            if p.poll() is None:
                try:
                    p.terminate()
                except OSError:
                    pass
        deadline = time.monotonic() + 5
        for name, p, _ in reversed(self.items):
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log("%s did not stop on SIGTERM: SIGKILL" % name)
                p.kill()
                p.wait()
        self.items.clear()


def tail(path, n=25):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join("    " + l for l in lines[-n:])
    except OSError:
        return "    (no log)"


# ---- HTTP helper ------------------------------------------------------------------------------------------

_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, headers=None, body=None, timeout=30):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with _no_proxy.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def dns_answers(server, name, timeout):
    """True once `server`:53 answers an A query for `name` with an address."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        qid = random.randrange(65536)
        q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"".join(
            bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.3)
        try:
            s.sendto(q, (server, 53))
            r = s.recv(512)
            if len(r) >= 12 and struct.unpack(">H", r[:2])[0] == qid and struct.unpack(">H", r[6:8])[0] > 0:
                return True
        except OSError:
            time.sleep(0.2)
        finally:
            s.close()
    return False


def port_free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((LOOP, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


# ---- agents' rootfs ---------------------------------------------------------------------------------------

def mac_add(mac, off):
    n = int(mac.replace(":", ""), 16) + off
    return ":".join("%02x" % ((n >> s) & 0xFF) for s in range(40, -8, -8))


def make_device(board_dir, dest_board, dest, dev):
    """Copies the board's profile and fixture rootfs and gives them the fleet device's identity: serial, base MAC
    (and the addresses derived from it), SSID suffix."""
    src = os.path.join(board_dir, "fixtures", "rootfs")
    shutil.copytree(src, dest, symlinks=True)
    os.makedirs(dest_board)
    shutil.copy(os.path.join(board_dir, "profile.json"), os.path.join(dest_board, "profile.json"))  # SSIDs
    profile = json.load(open(os.path.join(board_dir, "profile.json")))
    serial_rel = find_serial_file(profile)
    old_serial = open(os.path.join(src, serial_rel.lstrip("/"))).read().strip()
    old_mac = open(os.path.join(src, "sys/class/net/br0/address")).read().strip().lower()
    new_mac = dev["mac"].lower()
    repl = [(old_serial, dev["serial"])]
    for off in range(-4, 9):
        a, b = mac_add(old_mac, off), mac_add(new_mac, off)
        repl += [(a, b), (a.upper(), b.upper())]
    suffix_old = old_mac.replace(":", "")[-4:].upper()
    suffix_new = new_mac.replace(":", "")[-4:].upper()
    repl.append(("_" + suffix_old, "_" + suffix_new))
    for root, _, files in [(dest_board, None, ["profile.json"])] + list(os.walk(dest)):
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                continue
            try:
                text = open(path, encoding="utf-8").read()
            except (UnicodeDecodeError, OSError):
                continue  # binary (udhcpd leases): host MACs only
            new = text
            for a, b in repl:
                new = new.replace(a, b)
            if new != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    # The optical level stays the board fixture's (XX230v −19 dBm, HT803G −25.6 dBm), not the fleet's rx_power
    # (that one is what GenieACS shows for the device; docs/demo.md).


def find_serial_file(profile):
    """The file the board's identity reads SerialNumber from (profile.json: {... "serial": {"file": …}})."""
    stack = [profile]
    while stack:
        o = stack.pop()
        if isinstance(o, dict):
            for k, v in o.items():
                if "serial" in k.lower() and isinstance(v, dict) and isinstance(v.get("file"), str):
                    return v["file"]
                stack.append(v)
        elif isinstance(o, list):
            stack.extend(o)
    raise DemoError("profile.json: no serial file in the identity section")


# ---- the demo ---------------------------------------------------------------------------------------------

class Demo:
    def __init__(self, a):
        self.a = a
        self.state = os.path.abspath(a.state_dir)
        self.bin = os.path.abspath(a.bin_dir)
        self.procs = None
        self.info = {}

    def exe(self, rel):
        p = os.path.join(self.bin, rel)
        if not os.access(p, os.X_OK):
            raise DemoError("%s not built (expected %s)" % (os.path.basename(rel), p))
        return p

    def prepare(self):
        # The state dir is recreated on every run, except the hub's SQLite file (its optical history survives).
        os.makedirs(self.state, exist_ok=True)
        for name in os.listdir(self.state):
            if name.startswith("hub.db"):
                continue
            path = os.path.join(self.state, name)
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
        for d in ("logs", "secrets", "agents", "bridge-state", "snmp"):
            os.makedirs(os.path.join(self.state, d))
        os.chmod(os.path.join(self.state, "secrets"), 0o700)
        self.procs = Procs(os.path.join(self.state, "logs"))

    def run(self):
        a, st = self.a, self.state
        hub_bin, agent_bin, bridge_bin = self.exe("hub/cpe-hub"), self.exe("agent/cpe-agent"), self.exe("bridge/api/cpe-bridge")
        if a.port and not port_free(a.port):
            raise DemoError("port %d on %s is in use (another demo running?); stop it or use --port" % (a.port, LOOP))
        self.prepare()
        token = "demo-" + secrets.token_hex(16)
        erp_key, erp_secret = secrets.token_hex(8), secrets.token_hex(12)
        sec = lambda name: os.path.join(st, "secrets", name)

        # 1. fleet
        fleet_path = os.path.join(st, "fleet.json")
        subprocess.run([PY, os.path.join(REPO, "tests/sim/fleet/make_fleet.py"), "--count", str(a.devices), "--seed",
                        str(a.seed), "--base-time", str(int(time.time())), "--out", fleet_path], check=True,
                       stdout=subprocess.DEVNULL)
        fleet = json.load(open(fleet_path))
        devices = fleet["devices"]
        log("fleet: %d devices (%d with an agent) in %s" % (len(devices), sum(1 for d in devices if d["agent"]), fleet_path))

        # 2. GenieACS NBI + ERPNext simulators
        p, path = self.procs.start("genieacs-nbi", [PY, os.path.join(REPO, "tests/sim/genieacs/nbi_sim.py"), "--fleet",
                                                    fleet_path, "--port", "0"])
        nbi_url = "http://%s:%s" % (LOOP, self.procs.wait_line("genieacs-nbi", p, path, "READY "))
        p, path = self.procs.start("erpnext", [PY, os.path.join(REPO, "tests/sim/erpnext/frappe_sim.py"), "--fleet", fleet_path,
                                               "--api-key", erp_key, "--api-secret", erp_secret, "--port", "0"])
        erp_url = "http://%s:%s" % (LOOP, self.procs.wait_line("erpnext", p, path, "READY "))

        # 3. TP-Link modems (XX230v without an agent: the bridge is how the hub reads them), OLT on snmpd, bridge
        modem_pw = secrets.token_hex(10)
        write_secret(sec("modem.password"), modem_pw + "\n")
        bridged = [d for d in devices if d["model"] == "XX230v" and not d["agent"]][: a.modems]
        modems = []
        if bridged:
            p, path = self.procs.start("tplink-sim", [PY, os.path.join(REPO, "tests/sim/tplink/tplink_sim.py"), "--host", LOOP,
                                                      "--port", "0", "--count", str(len(bridged)), "--password-file",
                                                      sec("modem.password"), "--fixture",
                                                      os.path.join(REPO, "boards/tplink-xx230v/fixtures")])
            ports = self.procs.wait_line("tplink-sim", p, path, "READY ").split()
            for d, port in zip(bridged, ports):
                write_secret(sec(d["equipment"][0] + ".secret"), "user=user\npassword=%s\n" % modem_pw)
                modems.append({"id": d["equipment"][0], "host": "%s:%s" % (LOOP, port),
                               "secret_file": sec(d["equipment"][0] + ".secret")})
        olt = self.start_olt(devices, sec)
        bridge_cfg = {"http": {"bind": LOOP, "port": 0}, "state_dir": os.path.join(st, "bridge-state"),
                      "cache_max_age_s": 30, "log_level": "info", "modems": modems, "olts": [olt] if olt else []}
        json.dump(bridge_cfg, open(os.path.join(st, "bridge.json"), "w"), indent=2)
        p, path = self.procs.start("cpe-bridge", [bridge_bin, "--config", os.path.join(st, "bridge.json")])
        bport = self.procs.wait_line("cpe-bridge", p, path, "LISTENING ").split()[-1]
        bridge_url = "http://%s:%s" % (LOOP, bport)

        dns = self.start_dns()

        # 4. the SMS provider (Twilio simulator) and the hub; the /q/ flow's cookies without Secure: plain HTTP here
        twilio_sid, twilio_token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
        p, path = self.procs.start("twilio", [PY, os.path.join(REPO, "tests/sim/twilio/twilio_sim.py"), "--account-sid",
                                              twilio_sid, "--auth-token", twilio_token, "--port", "0"])
        twilio_url = "http://%s:%s" % (LOOP, self.procs.wait_line("twilio", p, path, "READY "))
        hub_cfg = {"log": {"level": "info"}, "http": {"bind": LOOP, "port": 0},
                   "usp": {"enabled": True, "bind": LOOP, "port": 0, "request_timeout_ms": 5000,
                           "vendor_prefix": VENDOR_PREFIX},
                   "store": {"path": os.path.join(st, "hub.db")},
                   # The customer portal's SSO proxy would come from 127.0.0.2 (the browser test plays it), its
                   # username being the ERPNext Customer id: separate from the staff proxy (127.0.0.1).
                   "qr": {"cookie_secure": False, "sms": {"url": twilio_url}, "otp": {"per_address_per_hour": 100},
                          "customer_sso": {"trusted_proxies": ["127.0.0.2"], "header": "x-authentik-username",
                                           "field": "name"}}}
        if dns:  # the install check resolves the name the demo's DNS server knows (docs/qr.md)
            hub_cfg["qr"]["install_check"] = {"dns_name": DEMO_DNS_NAME}
        # Budgets a little above the defaults: two shared cores may run the demo next to a test suite.
        dev_cfg = {"access": {"trusted_proxies": [LOOP]},
                   "genieacs": {"url": nbi_url, "budget_ms": 4000}, "erpnext": {"url": erp_url, "budget_ms": 4000},
                   "bridge": {"url": bridge_url, "budget_ms": 4000}, "agent_budget_ms": 4000, "lookup_budget_ms": 8000,
                   "poller": {"interval_s": 30, "stale_after_s": 120}}
        hub_cfg["devices"] = dev_cfg  # the device API's section of the hub configuration
        # Diagnostics from the page (docs/api.md "Diagnostics"): the hub's own TR-143 endpoints for speed tests.
        hub_cfg["diagnostics"] = {"tr143": {"enabled": True, "bind": LOOP, "port": 0}}
        json.dump(hub_cfg, open(os.path.join(st, "hub.json"), "w"), indent=2)
        write_secret(sec("hub-service-token"), token + "\n")
        p, path = self.procs.start("cpe-hub", [hub_bin, "--config", os.path.join(st, "hub.json"), "--web",
                                               os.path.join(REPO, "hub/web")],
                                   env={"HUB_SERVICE_TOKEN": token,
                                        "ERP_SERVICE_TOKEN": "%s:%s" % (erp_key, erp_secret),
                                        "QR_SESSION_KEY": secrets.token_hex(32), "QR_TWILIO_ACCOUNT_SID": twilio_sid,
                                        "QR_TWILIO_AUTH_TOKEN": twilio_token, "QR_TWILIO_FROM": "+15005550006"})
        hub_port = self.procs.wait_line("cpe-hub", p, path, "HTTP API on %s:" % LOOP).split()[0].rstrip(",;")
        usp_port = self.procs.wait_line("cpe-hub", p, path, "USP WebSocket server on %s:" % LOOP)
        usp_port = "".join(ch for ch in usp_port.split()[0] if ch.isdigit())
        hub_url = "http://%s:%s" % (LOOP, "".join(ch for ch in hub_port if ch.isdigit()))

        # 5. the auth proxy on the public port
        p, path = self.procs.start("authproxy", [PY, os.path.join(REPO, "tests/sim/authproxy/authproxy.py"), "--upstream",
                                                 hub_url, "--bind", LOOP, "--port", str(a.port), "--email", a.email,
                                                 "--groups", a.groups])
        public_port = int(self.procs.wait_line("authproxy", p, path, "READY "))
        public_url = "http://localhost:%d/" % public_port

        # 6. agents
        agents = [d for d in devices if d["agent"] and d["online"]][: a.max_agents]
        for d in agents:
            name = "agent-%s" % d["serial"]
            root = os.path.join(st, "agents", d["serial"])
            board = os.path.join(root, "board")
            make_device(os.path.join(REPO, d["board"]), board, os.path.join(root, "rootfs"), d)
            if dns:
                resolv = os.path.join(root, "rootfs", "etc", "resolv.conf")
                if os.path.islink(resolv):
                    os.unlink(resolv)
                os.makedirs(os.path.dirname(resolv), exist_ok=True)
                with open(resolv, "w") as f:
                    f.write("nameserver %s\n" % dns)
            cfg = {"controller": {"url": "ws://%s:%s/usp" % (LOOP, usp_port), "endpoint_id": "self::cpe-hub"},
                   "vendor_prefix": VENDOR_PREFIX,
                   "periodic_interval_s": 300}
            json.dump(cfg, open(os.path.join(root, "agent.json"), "w"))
            self.procs.start(name, [agent_bin, "--board", board, "--root", os.path.join(root, "rootfs"), "run", "--config",
                                    os.path.join(root, "agent.json")])
        auth = {"Authorization": "Bearer " + token}
        want = {d["serial"] for d in agents}
        deadline = time.monotonic() + 60
        online = set()
        while time.monotonic() < deadline:
            self.procs.check_alive()
            st_, body = http("GET", hub_url + "/usp/endpoints?online=true", auth)
            if st_ == 200:
                online = {e.get("serial") for e in json.loads(body).get("endpoints", []) if e.get("online")}
                if want <= online:
                    break
            time.sleep(0.3)
        if not want <= online:
            raise DemoError("agents not online after 60 s: %s" % ", ".join(sorted(want - online)))
        log("%d agents online" % len(want))

        self.info = {"public_url": public_url, "public_port": public_port, "hub_url": hub_url, "usp_port": int(usp_port),
                     "bridge_url": bridge_url, "genieacs_url": nbi_url, "erpnext_url": erp_url, "fleet": fleet_path,
                     "state_dir": st, "token_file": sec("hub-service-token"),
                     "erpnext_credentials_file": sec("erpnext.credentials"),
                     "agents": sorted(want), "bridged": [d["serial"] for d in bridged],
                     "samples": self.samples(devices, agents, bridged), "twilio_url": twilio_url,
                     "dns": {"server": dns, "name": DEMO_DNS_NAME, "address": LOOP} if dns else None}
        # A sticker to scan: an XX230v with an agent (its MAC as the sticker encodes it); staff through the proxy,
        # customers straight to the hub (in production /q/ is outside the staff ForwardAuth).
        sticker = next((d for d in devices if d["serial"] in want and d["model"] == "XX230v"), agents[0] if agents else None)
        if sticker:
            bare = sticker["mac"].replace(":", "").lower()
            self.info["qr"] = {"serial": sticker["serial"], "mac": bare, "staff_url": public_url + "q/" + bare,
                               "customer_url": hub_url + "/q/" + bare}
        write_secret(sec("erpnext.credentials"), "%s:%s\n" % (erp_key, erp_secret))
        # QR stickers for the fleet's active ONTs, read from ERPNext as ops would print them (docs/stickers.md)
        stickers = os.path.join(st, "stickers.pdf")
        r = subprocess.run([self.exe("provisioning/stickers/cpe-stickers"), "--erpnext", erp_url, "--erpnext-credentials",
                            sec("erpnext.credentials"), "--status", "Active", "--type", "ONT", "--hub", public_url,
                            "--output", stickers, "--layout", "a4-21", "--skip-bad"],
                           capture_output=True, text=True, env=dict(os.environ, ERPNEXT_API_KEY="", ERPNEXT_API_SECRET=""))
        if r.returncode != 0:
            raise DemoError("cpe-stickers failed: %s" % r.stderr.strip())
        self.info["stickers"] = stickers
        self.info["stickers_summary"] = r.stdout.splitlines()[0]
        log("sticker sheet: %s" % r.stdout.splitlines()[0])
        json.dump(self.info, open(os.path.join(st, "demo.json"), "w"), indent=2)
        return self.info

    def start_dns(self):
        """dnsmasq on port 53 of a loopback address of its own (127.x.y.53: two demos side by side do not meet),
        answering DEMO_DNS_NAME with the hub's address; the agents' resolv.conf names it. None (said in the log)
        where it cannot run: no dnsmasq, or no right to port 53."""
        dnsmasq = shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq") else None)
        if not dnsmasq:
            log("dnsmasq not found: the agents have no DNS server (toolchains/deps.sh install run installs it)")
            return None
        for attempt in range(5):
            addr = "127.%d.%d.53" % (secrets.randbelow(254) + 1, secrets.randbelow(256))
            p, path = self.procs.start("dnsmasq-%d" % attempt, [
                dnsmasq, "--keep-in-foreground", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=" + addr, "--port=53", "--pid-file=", "--log-facility=-",
                "--address=/%s/%s" % (DEMO_DNS_NAME, LOOP)] + (["--user=root"] if os.geteuid() == 0 else []))
            if dns_answers(addr, DEMO_DNS_NAME, timeout=5.0):
                log("DNS for the agents: dnsmasq on %s:53 (%s -> %s)" % (addr, DEMO_DNS_NAME, LOOP))
                return addr
            if p.poll() is None:
                p.terminate()
                p.wait()
            self.procs.items = [i for i in self.procs.items if i[1] is not p]  # not one of the demo's processes
            text = open(path, errors="replace").read().strip().splitlines()
            if any("Permission denied" in t for t in text):
                log("dnsmasq cannot listen on port 53 (not root): the agents have no DNS server")
                return None
        log("dnsmasq did not answer on a loopback address: the agents have no DNS server")
        return None

    def start_olt(self, devices, sec):
        snmpd = shutil.which("snmpd") or ("/usr/sbin/snmpd" if os.path.exists("/usr/sbin/snmpd") else None)
        if not snmpd:
            log("snmpd not found: no OLT (toolchains/deps.sh install run installs it)")
            return None
        pons = {}
        for d in devices:
            o = d.get("olt") or {}
            if o.get("olt") == "OLT-01":
                key = (o["slot"], o["port"])
                pons[key] = max(pons.get(key, 0), o["onu"])
        if not pons:
            return None
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((LOOP, 0))
        port = s.getsockname()[1]
        s.close()
        user, auth_pw, priv_pw = "demo", secrets.token_hex(12), secrets.token_hex(12)
        conf = open(os.path.join(REPO, "tests/sim/olt/snmpd.conf.in")).read()
        sim_args = " ".join("--pon %d/%d/%d" % (sl, po, n) for (sl, po), n in sorted(pons.items()))
        for k, v in {"@COMMUNITY@": secrets.token_hex(8), "@V3_USER@": user, "@AUTH_PASS@": auth_pw, "@PRIV_PASS@": priv_pw,
                     "@PYTHON3@": PY, "@SIM_SCRIPT@": os.path.join(REPO, "tests/sim/olt/raisecom_olt_sim.py"),
                     "@SIM_ARGS@": sim_args}.items():
            conf = conf.replace(k, v)
        snmp_dir = os.path.join(self.state, "snmp")
        write_secret(os.path.join(snmp_dir, "snmpd.conf"), conf)
        p, path = self.procs.start("snmpd-olt", [snmpd, "-f", "-Lf", os.path.join(snmp_dir, "snmpd.log"), "-C", "-c",
                                                 os.path.join(snmp_dir, "snmpd.conf"), "-p", os.path.join(snmp_dir, "snmpd.pid"),
                                                 "-I", "-smux", "udp:%s:%d" % (LOOP, port)],
                                   env={"SNMP_PERSISTENT_DIR": snmp_dir})
        # snmpd logs its version line once it listens.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            text = open(os.path.join(snmp_dir, "snmpd.log")).read() if os.path.exists(os.path.join(snmp_dir, "snmpd.log")) else ""
            if "NET-SNMP version" in text:
                break
            if p.poll() is not None or "Error opening specified endpoint" in text:
                raise DemoError("snmpd did not start:\n" + text)
            time.sleep(0.05)
        else:
            raise DemoError("snmpd did not come up within 15 s")
        write_secret(sec("olt-01.v3"), "user = %s\nauth = SHA\nauth_passphrase = %s\npriv = AES\npriv_passphrase = %s\n"
                     % (user, auth_pw, priv_pw))
        return {"id": "OLT-01", "host": LOOP, "port": port, "v3_file": sec("olt-01.v3"),
                "pons": [{"slot": sl, "port": po} for (sl, po) in sorted(pons)]}

    @staticmethod
    def samples(devices, agents, bridged):
        out = []
        pick = lambda cond, why: next(((d, why) for d in devices if cond(d) and d["serial"] not in {x[0]["serial"] for x in out}), None)
        agent_serials = {d["serial"] for d in agents}
        for cond, why in [
            (lambda d: d["serial"] in agent_serials and d["model"] == "XX230v", "XX230v with agent (mesh, USP live)"),
            (lambda d: d["serial"] in agent_serials and d["model"] == "HT803G", "HT803G with agent (weak-signal board)"),
            (lambda d: d in bridged, "XX230v TR-069 only, read by cpe-bridge"),
            (lambda d: not d["agent"] and d["model"] == "HT803G", "HT803G TR-069 only"),
            (lambda d: d["serial"] != d["tr069_serial"], "factory TR-069 serial: found by GPON suffix"),
        ]:
            s = pick(cond, why)
            if s:
                out.append(s)
        return [{"serial": d["serial"], "model": d["model"], "customer": d["customer"], "what": why} for d, why in out]

    def check(self):
        """One serial from the simulated ERPNext → its consolidated view through the public port."""
        info = self.info
        creds = open(info["erpnext_credentials_file"]).read().strip()
        q = urllib.parse.urlencode({"fields": json.dumps(["name", "serial_number", "customer", "service_location"]),
                                    "filters": json.dumps([["equipment_type", "=", "ONT"], ["status", "=", "Active"]]),
                                    "limit_page_length": 0})
        st_, body = http("GET", info["erpnext_url"] + "/api/resource/Service%20Equipment?" + q,
                         {"Authorization": "token " + creds})
        if st_ != 200:
            raise DemoError("ERPNext simulator: %s %s" % (st_, body[:200]))
        # The fleet stores serials as people typed them (case, spaces): key the rows by the serial itself.
        rows = {"".join(r["serial_number"].split()).upper(): dict(r, serial_number="".join(r["serial_number"].split()).upper())
                for r in json.loads(body)["data"]}
        serial = next((s for s in info["agents"] if s in rows), None) or next(iter(sorted(rows)))
        erp = rows[serial]
        base = "http://%s:%d" % (LOOP, info["public_port"])
        st_, body = http("GET", base + "/devices/lookup?serial=" + urllib.parse.quote(serial), timeout=30)
        print(body.decode("utf-8", "replace"))
        problems = []
        view = json.loads(body) if st_ == 200 else {}
        if st_ != 200:
            problems.append("lookup %s through %s: HTTP %d" % (serial, base, st_))
        if view.get("serial") != serial:
            problems.append("serial %r, expected %r" % (view.get("serial"), serial))
        if (view.get("customer") or {}).get("name") != erp["customer"]:
            problems.append("customer %r, ERPNext says %r" % ((view.get("customer") or {}).get("name"), erp["customer"]))
        if (view.get("location") or {}).get("name") != erp["service_location"]:
            problems.append("location %r, ERPNext says %r" % ((view.get("location") or {}).get("name"), erp["service_location"]))
        if view:
            st_, hb = http("GET", base + "/devices/%s/hosts" % urllib.parse.quote(view["id"], safe=""), timeout=30)
            hosts = json.loads(hb) if st_ == 200 else {}
            if st_ != 200:
                problems.append("hosts: HTTP %d %s" % (st_, hb[:200]))
            elif sum(n.get("count", 0) for n in hosts.get("nodes", [])) != hosts.get("total"):
                problems.append("hosts: node counts do not add up to total %s" % hosts.get("total"))
            else:
                print("hosts: %d, by node: %s" % (hosts["total"], ", ".join("%s (%d)" % (n["name"], n["count"])
                                                                            for n in hosts["nodes"])))
        st_, olts = http("GET", info["bridge_url"] + "/olts")
        pons = [(o["id"], p["slot"], p["port"]) for o in (json.loads(olts).get("olts", []) if st_ == 200 else []) for p in o["pons"]]
        if pons:  # the OLT (snmpd) through cpe-bridge
            st_, t = http("GET", info["bridge_url"] + "/olts/%s/pons/%d/%d" % pons[0])
            onus = json.loads(t).get("onus", []) if st_ == 200 else []
            if not onus:
                problems.append("bridge OLT %s PON %d/%d: HTTP %d, %d ONUs" % (pons[0] + (st_, len(onus))))
            else:
                print("OLT %s PON %d/%d via cpe-bridge: %d ONUs" % (pons[0] + (len(onus),)))
        # The bridge in the consolidated view: for a device whose ONU is online in the OLT's table (its Service
        # Location's olt_name/olt_port), the view's oltRxDbm and onuStatus equal the bridge's own PON table.
        q = urllib.parse.urlencode({"fields": json.dumps(["name", "olt_name", "olt_port"]), "limit_page_length": 0})
        st_, body = http("GET", info["erpnext_url"] + "/api/resource/Service%20Location?" + q,
                         {"Authorization": "token " + creds})
        locs = {l["name"]: l for l in (json.loads(body)["data"] if st_ == 200 else [])}
        tables, olt_checked = {}, False
        for r in sorted(rows.values(), key=lambda r: r["serial_number"]):
            loc = locs.get(r.get("service_location")) or {}
            pos = (loc.get("olt_port") or "").split("/")
            if not loc.get("olt_name") or len(pos) != 3 or not pons:
                continue
            key = (loc["olt_name"], int(pos[0]), int(pos[1]))
            if key not in tables:
                st_, t = http("GET", info["bridge_url"] + "/olts/%s/pons/%d/%d" % key)
                tables[key] = {o.get("onu"): o for o in (json.loads(t).get("onus", []) if st_ == 200 else [])}
            row = tables[key].get(int(pos[2])) or {}
            if row.get("olt_rx_dbm") is None:
                continue
            st_, body = http("GET", base + "/devices/lookup?serial=" + urllib.parse.quote(r["serial_number"]), timeout=30)
            o = (json.loads(body).get("opticalStatus") or {}) if st_ == 200 else {}
            if st_ != 200 or o.get("oltRxDbm") != row["olt_rx_dbm"] or o.get("onuStatus") != row.get("status"):
                problems.append("%s at %s %s: HTTP %d, view oltRxDbm %r onuStatus %r; the bridge's PON table: %r %r" % (
                    r["serial_number"], loc["olt_name"], loc["olt_port"], st_, o.get("oltRxDbm"), o.get("onuStatus"),
                    row["olt_rx_dbm"], row.get("status")))
            else:
                print("OLT reading of %s at %s %s: %r dBm, %s" % (r["serial_number"], loc["olt_name"], loc["olt_port"],
                                                               o["oltRxDbm"], o["onuStatus"]))
            olt_checked = True
            break
        if pons and not olt_checked:
            problems.append("no device of the fleet sits on an online ONU of the simulated OLT")
        for modem in info["bridged"][:1]:
            st_, body = http("GET", base + "/devices/lookup?serial=" + urllib.parse.quote(modem), timeout=30)
            mv = json.loads(body) if st_ == 200 else {}
            bst = ((mv.get("sources") or {}).get("bridge") or {}).get("state")
            if st_ != 200 or bst != "fresh" or (mv.get("opticalStatus") or {}).get("rxDbm") is None:
                problems.append("bridged modem %s: HTTP %d, bridge source %r, rxDbm %r" % (
                    modem, st_, bst, (mv.get("opticalStatus") or {}).get("rxDbm")))
            else:
                print("bridged modem %s: bridge source fresh, rxDbm %r" % (modem, mv["opticalStatus"]["rxDbm"]))
            # Its hosts come from the bridge too (GET /modems/<equipment name>/hosts): same count as the bridge's own.
            if st_ == 200:
                st_, hb = http("GET", base + "/devices/%s/hosts" % urllib.parse.quote(mv["id"], safe=""), timeout=30)
                hv = json.loads(hb) if st_ == 200 else {}
                src = hv.get("source") or {}
                name = src.get("modem", "")
                bst_, bh = http("GET", info["bridge_url"] + "/modems/%s/hosts" % urllib.parse.quote(name, safe=""))
                btotal = json.loads(bh).get("total") if bst_ == 200 else None
                if st_ != 200 or src.get("name") != "bridge" or btotal is None or hv.get("total") != btotal:
                    problems.append("bridged modem %s hosts: HTTP %d, source %r (%s), %r hosts; the bridge's /modems/%s/hosts: "
                                    "HTTP %d, %r hosts" % (modem, st_, src.get("name"), src.get("error", ""), hv.get("total"),
                                                          name, bst_, btotal))
                else:
                    print("bridged modem %s hosts: %d from the bridge (modem %s)" % (modem, hv["total"], name))
        # A TR-098 (HT803G) TR-069-only unit: its hosts refresh reads InternetGatewayDevice.LANDevice.1.Hosts, and
        # the client GenieACS had not read yet (the fleet's cpe_params) is on the page afterwards.
        tr098 = next((d for d in json.load(open(info["fleet"]))["devices"]
                      if d["model"] == "HT803G" and not d["agent"] and d["online"] and d.get("cpe_params")), None)
        if tr098:
            path = base + "/devices/%s/hosts" % urllib.parse.quote(tr098["genieacs_id"], safe="")
            st0, h0 = http("GET", path, timeout=30)
            st1, h1 = http("GET", path + "?refresh", timeout=60)
            before = json.loads(h0) if st0 == 200 else {}
            after = json.loads(h1) if st1 == 200 else {}
            names = [x.get("name") for x in after.get("hosts", [])]
            if st0 != 200 or st1 != 200 or after.get("total") != (before.get("total") or 0) + 1 or "new-phone" not in names:
                problems.append("TR-098 %s hosts refresh: HTTP %d → %d, %r → %r hosts, task %r" % (
                    tr098["serial"], st0, st1, before.get("total"), after.get("total"),
                    (after.get("task") or {}).get("steps")))
            else:
                print("TR-098 %s hosts refresh: %d → %d hosts (task %s)" % (tr098["serial"], before["total"], after["total"],
                                                                         after["task"]["status"]))
        st_, page = http("GET", base + "/")
        if st_ != 200 or b"Diagnostiquer" not in page:
            problems.append("the page at %s/: HTTP %d" % (base, st_))
        st_, _ = http("GET", info["hub_url"] + "/devices/lookup?serial=" + urllib.parse.quote(serial))
        if st_ != 401:
            problems.append("the hub without identity answered %d, expected 401" % st_)
        for p in problems:
            log("CHECK FAILED: " + p)
        if not problems:
            log("check ok: %s → %s, customer %s (%s), optical %s" % (
                serial, view.get("id"), erp["customer"], (view.get("customer") or {}).get("customer_name"),
                (view.get("opticalStatus") or {}).get("grade")))
        return not problems


def main():
    ap = argparse.ArgumentParser(description="cpe-hub with a simulated fleet (docs/demo.md)")
    ap.add_argument("--bin-dir", default=os.path.join(REPO, "build", "host"), help="build dir with hub/, agent/, bridge/")
    ap.add_argument("--state-dir", default=os.path.join(REPO, "build", "demo"))
    ap.add_argument("--port", type=int, default=3300, help="public port (the auth proxy); 0 = any free port")
    ap.add_argument("--devices", type=int, default=24)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-agents", type=int, default=16)
    ap.add_argument("--modems", type=int, default=3, help="TP-Link modems behind cpe-bridge")
    ap.add_argument("--email", default="csr@example.net", help="the signed-in user the proxy announces")
    ap.add_argument("--groups", default="support,staff")
    ap.add_argument("--check", action="store_true", help="start, check one serial end to end, stop")
    a = ap.parse_args()

    demo = Demo(a)
    stopping = []

    def on_signal(sig, _):
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)  # the clean-up below must not be interrupted
        stopping.append(sig)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    rc = 0
    try:
        info = demo.run()
        if a.check:
            rc = 0 if demo.check() else 1
        else:
            print("\nCPE hub demo: open %s" % info["public_url"])
            print("  (through the auth proxy as %s; the hub itself is on %s, USP on port %d)" % (a.email, info["hub_url"],
                                                                                                 info["usp_port"]))
            print("  serials to try:")
            for s in info["samples"]:
                print("    %-14s %-7s %-11s %s" % (s["serial"], s["model"], s["customer"], s["what"]))
            if info.get("qr"):
                print("  QR sticker of %s: staff %s" % (info["qr"]["serial"], info["qr"]["staff_url"]))
                print("                          customer %s (SMS codes: %s/__sim/messages)" % (info["qr"]["customer_url"],
                                                                                               info["twilio_url"]))
            print("  logs: %s/logs   fleet: %s" % (info["state_dir"], info["fleet"]))
            print("  sticker sheet: %s (%s)" % (info["stickers"], info["stickers_summary"]))
            print("DEMO READY %s" % os.path.join(info["state_dir"], "demo.json"), flush=True)
            print("Ctrl-C stops everything.", flush=True)
            while True:
                time.sleep(1)
                demo.procs.check_alive()
    except KeyboardInterrupt:
        rc = 0 if stopping else 130
    except (DemoError, subprocess.CalledProcessError, OSError, ValueError) as e:
        log("error: %s" % e)
        rc = 1
    finally:
        if demo.procs:
            demo.procs.stop_all()
        log("stopped")
    return rc


if __name__ == "__main__":
    sys.exit(main())
