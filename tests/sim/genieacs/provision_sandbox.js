// The GenieACS provision semantics the simulator offers (tests/sim/genieacs), for testing the operator's provision
// scripts (provisioning/genieacs) against a device's data from nbi_sim.py. Node's standard library only.
//
// What follows GenieACS (read, not copied; the cited file of github.com/genieacs/genieacs, and its
// docs/provisions.rst "Built-in functions" = docs.genieacs.com "Provisions"):
// - A script runs in a sandbox with the globals declare, clear, commit, ext, log, args and Date (lib/sandbox.ts).
//   Date.now() is the session's timestamp; Date.now(interval) the start of the current interval
//   (lib/sandbox.ts SandboxDate.now, lib/scheduling.ts interval; here with the per-device offset 0).
// - The script is re-run until it is stable (docs/provisions.rst note). commit() counts revisions: the run whose
//   commit() reaches maxRevision + 1 stops there, what it declared is synced, and the script runs again with
//   maxRevision + 1 (lib/sandbox.ts commit/run). clear() is kept only from the revision being run
//   (state.revision === state.maxRevision), so a clear() before a commit() acts once (lib/sandbox.ts clear).
// - ext(file, fn, ...args) stops the run; the extension is called (fn(args, callback)) and the script re-runs with
//   the result cached by revision and arguments (lib/sandbox.ts ext/run). An extension's error is a fault.
// - log() writes only on the last revision (lib/sandbox.ts log). A thrown error is a fault (errorToFault).
// - clear(path, ts): every cached parameter at or under `path` (wildcards allowed) read before ts is dropped
//   (lib/device.ts clear).
// - declare(path, timestamps, values) (docs/provisions.rst): {path: t} rediscovers the instances matching the
//   path when they were listed before t; {value: t} fetches values read before t; values {value: v} sets v when
//   the known value differs (an unknown value is read first: the attribute gets timestamp 1, lib/sandbox.ts
//   declare). Reading an attribute of declare()'s result commits first (lib/sandbox.ts ParameterWrapper).
// - A sync sends GetParameterNames first, then GetParameterValues, then SetParameterValues (lib/session.ts
//   rpcRequest: the get requests before the set requests).
// Simplifications (assumptions): one GetParameterNames per object above a wildcard lists its whole subtree; the
// CPE answers a GetParameterValues naming a parameter it does not have with a fault for the whole RPC (TR-069
// Amendment 6 A.5.1 9005 Invalid parameter name); a fault ends the session (GenieACS records it on the preset's
// channel, lib/cwmp.ts recordFault); alias filters ([name:value]) and object creation are not offered.
"use strict";

const vm = require("vm");

const COMMIT = Symbol("commit");
const EXT = Symbol("ext");

// A device's parameters: path -> {object, writable, value: [v, type] | undefined, ts}. From an NBI document.
function flatten(doc) {
  const out = new Map();
  const walk = (node, prefix) => {
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith("_") || v === null || typeof v !== "object") continue;
      const p = prefix ? prefix + "." + k : k;
      const ts = v._timestamp ? Date.parse(v._timestamp) : 0;
      if (v._object === false) {
        out.set(p, { object: false, writable: !!v._writable, ts,
                     value: "_value" in v ? [v._value, v._type] : undefined });
      } else {
        out.set(p, { object: true, writable: !!v._writable, ts, value: undefined });
        walk(v, p);
      }
    }
  };
  walk(doc, "");
  if (doc._deviceId) {
    const ts = Date.parse(doc._lastInform || 0) || 0;
    out.set("DeviceID", { object: true, writable: false, ts });
    for (const [k, n] of [["_SerialNumber", "SerialNumber"], ["_OUI", "OUI"], ["_ProductClass", "ProductClass"],
                          ["_Manufacturer", "Manufacturer"]])
      out.set("DeviceID." + n, { object: false, writable: false, ts, value: [doc._deviceId[k], "xsd:string"] });
  }
  return out;
}

function segmentsMatch(pattern, path) {
  const a = pattern.split(".");
  const b = path.split(".");
  if (a.length !== b.length) return false;
  return a.every((s, i) => s === "*" || s === b[i]);
}

// What lies at or under `pattern` (wildcards allowed) in `params`.
function under(params, pattern) {
  const n = pattern.split(".").length;
  const res = [];
  for (const p of params.keys()) {
    const head = p.split(".").slice(0, n).join(".");
    if (segmentsMatch(pattern, head)) res.push(p);
  }
  return res;
}

class Session {
  // cache: GenieACS's copy (Map from flatten); cpe: what the CPE holds (Map, same shape; its ts is ignored).
  // extensions: {file: module}. now: the session's timestamp (ms).
  constructor({ cache, cpe, extensions, now, args }) {
    this.cache = cache;
    this.cpe = cpe;
    this.extensions = extensions || {};
    this.now = now;
    this.args = args || [];
    this.rpcs = [];        // {rpc: "GetParameterNames"|"GetParameterValues"|"SetParameterValues", ...}
    this.cleared = [];     // [path, ts, dropped paths]
    this.logs = [];
    this.extCache = {};
    this.fault = null;
    this.listed = new Map();  // object path -> when its subtree was last listed (GetParameterNames)
  }

  listedAt(obj) {
    if (this.listed.has(obj)) return this.listed.get(obj);
    const a = this.cache.get(obj);
    return a ? a.ts : 0;
  }

  // Runs `source` to a stable state (or a fault). Returns this.
  run(source) {
    const script = new vm.Script(source, { filename: "provision.js" });
    let maxRevision = 0;
    for (let round = 0; round < 64; ++round) {
      const r = this.runOnce(script, maxRevision);
      if (r.fault) {
        this.fault = r.fault;
        return this;
      }
      if (r.status === "ext") continue;
      for (const [path, ts] of r.clear) this.clear(path, ts);
      const before = this.rpcs.length;
      const f = this.sync(r.declarations);
      if (f) {
        this.fault = f;
        return this;
      }
      if (r.status === "commit") {
        ++maxRevision;
        continue;
      }
      if (this.rpcs.length === before) return this;  // stable: a whole run caused no RPC
    }
    this.fault = { code: "script", message: "provision did not reach a stable state" };
    return this;
  }

  runOnce(script, maxRevision) {
    const self = this;
    const st = { revision: 0, declarations: [], clear: [], uncommitted: false, ext: null };
    const commit = () => {
      ++st.revision;
      st.uncommitted = false;
      if (st.revision === maxRevision + 1) throw COMMIT;
    };
    const wrap = (decl) => {
      const get = (attr) => {
        if (st.uncommitted) commit();
        const paths = decl.path.includes("*")
          ? [...self.cache.keys()].filter((p) => segmentsMatch(decl.path, p)).sort()
          : self.cache.has(decl.path) ? [decl.path] : [];
        if (!paths.length) return undefined;
        const a = self.cache.get(paths[0]);
        return attr === "value" ? a.value : a[attr];
      };
      return {
        get value() { return get("value"); },
        get path() { return get("path"); },
        get size() {
          if (st.uncommitted) commit();
          return [...self.cache.keys()].filter((p) => segmentsMatch(decl.path, p)).length;
        },
      };
    };
    const declare = (path, timestamps, values) => {
      st.uncommitted = true;
      const d = { path, pathGet: 1, valueGet: 0, valueSet: undefined };
      for (const [k, v] of Object.entries(values || {})) {
        if (k === "value") {
          d.valueSet = Array.isArray(v) ? v : [v];
          d.valueGet = Math.max(d.valueGet, 1);
        }
      }
      for (const [k, t] of Object.entries(timestamps || {})) {
        if (!(t >= 1)) continue;
        if (k === "path") d.pathGet = t;
        if (k === "value") d.valueGet = t;
      }
      st.declarations.push(d);
      return wrap(d);
    };
    const clear = (path, ts) => {
      st.uncommitted = true;
      if (st.revision === maxRevision) st.clear.push([path, ts]);
    };
    const ext = (...a) => {
      const call = a.map(String);
      const key = st.revision + ": " + JSON.stringify(call);
      if (key in self.extCache) return self.extCache[key];
      st.ext = { key, call };
      throw EXT;
    };
    const log = (msg) => {
      if (st.revision === maxRevision) self.logs.push(String(msg));
    };
    const now = self.now;
    class SandboxDate extends Date {
      constructor(...a) {
        if (a.length) super(...a);
        else super(now);
      }
      static now(interval) {
        if (interval === undefined) return now;
        if (typeof interval !== "number" || !(interval > 0)) throw new Error("Invalid Date.now() argument");
        return now - (now % interval);
      }
    }
    const ctx = vm.createContext({ declare, clear, commit, ext, log, args: self.args, Date: SandboxDate });
    let status = "done";
    try {
      // lib/sandbox.ts bounds the script's run by 50 ms; here the harness's own bookkeeping (declare, the
      // attribute reads) runs inside the same call on a shared machine: the bound is only against a runaway
      // script, never a timing check.
      script.runInContext(ctx, { timeout: 10000 });
    } catch (e) {
      if (e === COMMIT) status = "commit";
      else if (e === EXT) status = "ext";
      else return { fault: { code: "script", message: (e && e.message) || String(e) } };
    }
    if (status === "ext") {
      const [file, fn, ...rest] = st.ext.call;
      const mod = self.extensions[file];
      if (!mod || typeof mod[fn] !== "function")
        return { fault: { code: "ext", message: "no extension " + file + "." + fn } };
      let result, error;
      mod[fn](rest, (err, res) => { error = err; result = res; });  // synchronous in the extensions used here
      if (error) return { fault: { code: "ext", message: error.message } };
      // lib/extensions.ts: the result crosses a process boundary as JSON
      self.extCache[st.ext.key] = JSON.parse(JSON.stringify(result === undefined ? null : result));
      return { status };
    }
    return { status, declarations: st.declarations, clear: st.clear };
  }

  clear(path, ts) {
    const dropped = [];
    for (const p of under(this.cache, path)) {
      const a = this.cache.get(p);
      if (a.ts < ts) {
        this.cache.delete(p);
        this.listed.delete(p);
        dropped.push(p);
      }
    }
    this.cleared.push([path, ts, dropped]);
  }

  // The object whose listing discovers `pattern`: the path before its first wildcard, or its parent.
  static listingRoot(pattern) {
    const segs = pattern.split(".");
    const i = segs.indexOf("*");
    return segs.slice(0, i >= 0 ? i : segs.length - 1).join(".");
  }

  list(root) {
    this.rpcs.push({ rpc: "GetParameterNames", path: root + "." });
    const keep = new Map();
    for (const p of under(this.cpe, root)) {
      const old = this.cache.get(p);
      const c = this.cpe.get(p);
      keep.set(p, old && old.object === c.object ? old : { object: c.object, writable: c.writable, ts: this.now,
                                                            value: undefined });
    }
    for (const p of under(this.cache, root)) if (p !== root && !keep.has(p)) this.cache.delete(p);
    for (const [p, a] of keep) if (!this.cache.has(p)) this.cache.set(p, a);
    this.listed.set(root, this.now);
    if (this.cache.has(root)) this.cache.get(root).ts = Math.max(this.cache.get(root).ts, this.now);
  }

  sync(declarations) {
    // GetParameterNames: paths not known, or listed before their {path} timestamp
    const roots = new Set();
    for (const d of declarations) {
      const root = Session.listingRoot(d.path);
      const known = [...this.cache.keys()].some((p) => segmentsMatch(d.path, p));
      if ((!known && this.listedAt(root) < 1) || this.listedAt(root) < d.pathGet) roots.add(root);
    }
    for (const r of [...roots].sort()) {
      if ([...roots].some((o) => o !== r && r.startsWith(o + "."))) continue;  // listed with the object above
      this.list(r);
    }
    // GetParameterValues
    const gpv = [];
    for (const d of declarations) {
      if (!d.valueGet) continue;
      for (const p of [...this.cache.keys()].filter((q) => segmentsMatch(d.path, q)).sort()) {
        const a = this.cache.get(p);
        if (a.object) continue;
        if ((a.value === undefined || a.ts < d.valueGet) && !gpv.includes(p)) gpv.push(p);
      }
    }
    if (gpv.length) {
      this.rpcs.push({ rpc: "GetParameterValues", names: gpv });
      const missing = gpv.filter((p) => !this.cpe.has(p) || this.cpe.get(p).object);
      if (missing.length)
        return { code: "cwmp.9005", message: "Invalid parameter name " + missing[0], names: missing };
      for (const p of gpv) {
        const c = this.cpe.get(p);
        this.cache.set(p, Object.assign({}, this.cache.get(p), { value: c.value, ts: this.now }));
      }
    }
    // SetParameterValues
    const spv = [];
    for (const d of declarations) {
      if (!d.valueSet) continue;
      for (const p of [...this.cache.keys()].filter((q) => segmentsMatch(d.path, q)).sort()) {
        const a = this.cache.get(p);
        if (a.object) continue;
        const want = d.valueSet[0];
        const type = d.valueSet[1] || (a.value && a.value[1]) || "xsd:string";
        const have = a.value ? a.value[0] : undefined;
        if (have === undefined || String(have) !== String(want)) spv.push([p, want, type]);
      }
    }
    if (spv.length) {
      this.rpcs.push({ rpc: "SetParameterValues", values: spv });
      for (const [p, v, t] of spv) {
        const c = this.cpe.get(p);
        if (!c || c.object || !c.writable)
          return { code: "cwmp.9008", message: "Attempt to set a non-writable parameter " + p };
        this.cpe.set(p, Object.assign({}, c, { value: [v, t] }));
        this.cache.set(p, Object.assign({}, this.cache.get(p), { value: [v, t], ts: this.now }));
      }
    }
    return null;
  }
}

module.exports = { Session, flatten, segmentsMatch, under };
