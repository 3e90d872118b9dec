// CSR page: serial → GET devices/lookup → consolidated view, then GET devices/:id/hosts → clients by mesh node;
// the Diagnostics card runs POST devices/:id/diagnostics and follows them (SSE, GET).
// No framework; every value is put in the page with textContent (never as HTML). docs/demo.md, docs/api.md.
'use strict';

const TIMEOUT_MS = 20000;        // the hub answers within its lookup budget; weak LTE needs slack
const $ = (id) => document.getElementById(id);

// h('div', {class: 'x', data: {field: 'serial'}}, 'text', child…)
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of kids.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const DASH = '—';
const show = (v) => (v === undefined || v === null || v === '' ? DASH : String(v));

function duration(s) {
  if (typeof s !== 'number' || !isFinite(s) || s < 0) return DASH;
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d} j ${hh} h ${m} min`;
  if (hh) return `${hh} h ${m} min`;
  return m ? `${m} min ${Math.floor(s % 60)} s` : `${Math.floor(s)} s`;
}
function age(s) {
  if (typeof s !== 'number') return '';
  return s < 1 ? 'à l’instant' : `il y a ${duration(s)}`;
}
function dbm(v) { return typeof v === 'number' ? `${v.toFixed(1)} dBm` : DASH; }

const SOURCE_STATE = {fresh: 'à jour', stale: 'ancien', failed: 'échec', not_found: 'inconnu', off: 'désactivé'};
const SOURCE_NAME = {agent: 'Agent (USP)', genieacs: 'GenieACS', erpnext: 'ERPNext', bridge: 'Bridge'};
const GRADE = {good: 'Bon', warning: 'Faible', critical: 'Critique', too_high: 'Trop fort', no_signal: 'Aucun signal',
               unknown: 'Inconnu'};
const TREND = {stable: 'stable', degrading: 'en baisse', improving: 'en hausse', unknown: 'inconnue'};
const WIRED = 'wired/other';

// ---- HTTP ------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, retryable) { super(message); this.status = status; this.retryable = retryable; }
}

async function getJson(url) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  let res;
  try {
    res = await fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin', signal: ctl.signal,
                            cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, ctl.signal.aborted ? `Pas de réponse après ${TIMEOUT_MS / 1000} s (réseau lent ?)`
                                             : 'Réseau indisponible', true);
  } finally {
    clearTimeout(timer);
  }
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (res.ok && body) return body;
  const detail = body && body.error ? body.error : res.statusText;
  if (res.ok) throw new ApiError(res.status, 'Réponse illisible du serveur', true);
  throw new ApiError(res.status, detail, res.status >= 500 || res.status === 429);
}

// One automatic retry on network errors and 502/503/504 (weak LTE), then the error is shown with a button.
async function getJsonRetry(url) {
  try {
    return await getJson(url);
  } catch (e) {
    if (!e.retryable) throw e;
    await new Promise((r) => setTimeout(r, 1500));
    return getJson(url);
  }
}

function explain(e, what) {
  switch (e.status) {
    case 0: return `${e.message}.`;
    case 400: return `Numéro de série invalide : ${e.message}`;
    case 401: return 'Accès refusé (401) : session expirée ou non connectée. Reconnectez-vous puis réessayez.';
    case 403: return 'Accès refusé (403) : votre compte n’a pas le droit de consulter les appareils.';
    case 404: return what === 'lookup' ? 'Appareil introuvable : aucun appareil ne correspond à ce numéro de série.'
                                       : 'Appareil introuvable (404).';
    case 409: return `Appareil hors ligne (409) : ${e.message}`;
    default:
      if (e.status >= 500) return `Service indisponible (${e.status}) : ${e.message}`;
      return `Erreur ${e.status} : ${e.message}`;
  }
}

// ---- rendering -------------------------------------------------------------------------------------------

function row(label, value, field) {
  return h('div', {class: 'kv'}, h('dt', {}, label), h('dd', field ? {data: {field}} : {}, show(value)));
}
function card(title, ...kids) { return h('section', {class: 'card'}, h('h2', {}, title), ...kids); }

function badge(text, cls, field) { return h('span', {class: `badge ${cls}`, data: field ? {field} : undefined}, text); }

function sparkline(points) {
  // points: [{t, rxDbm}] (sorted here by t) or numbers, oldest first.
  if (points.every((p) => p && typeof p.t === 'number')) points = [...points].sort((a, b) => a.t - b.t);
  const ys = points.map((p) => (typeof p === 'number' ? p : p && p.rxDbm)).filter((v) => typeof v === 'number');
  if (ys.length < 2) return null;
  const W = 160, H = 36, pad = 3;
  const lo = Math.min(...ys), hi = Math.max(...ys), span = hi - lo || 1;
  const pts = ys.map((y, i) => `${(pad + (i * (W - 2 * pad)) / (ys.length - 1)).toFixed(1)},` +
                               `${(H - pad - ((y - lo) * (H - 2 * pad)) / span).toFixed(1)}`).join(' ');
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W);
  svg.setAttribute('height', H);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Historique optique : ${ys.length} lectures, de ${lo.toFixed(1)} à ${hi.toFixed(1)} dBm`);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', pts);
  svg.append(line);
  return svg;
}

function renderIdentity(v) {
  const online = v.online === true;
  return card('Appareil',
    h('p', {}, badge(online ? 'En ligne' : 'Hors ligne', online ? 'ok' : 'bad', 'online'), ' ',
      v.kind === 'usp' ? 'Agent USP' : v.kind === 'tr069' ? 'TR-069 (GenieACS)' : show(v.kind),
      v.lastSeenMs && !online ? ` · vu le ${new Date(v.lastSeenMs).toLocaleString('fr-CA')}` : ''),
    h('dl', {},
      row('Numéro de série', v.serial, 'serial'),
      row('Série GPON', v.gponSerial, 'gpon-serial'),
      row('Fabricant', v.manufacturer, 'manufacturer'),
      row('Modèle', v.model, 'model'),
      row('Micrologiciel', v.firmware, 'firmware'),
      row('Matériel', v.hardware, 'hardware'),
      h('div', {class: 'kv'}, h('dt', {}, 'En service depuis'), h('dd', {data: {field: 'uptime'}}, duration(v.uptime))),
      row('Identifiant', v.id, 'id'),
      row('Trouvé par', {serial: 'numéro de série', gpon_suffix: 'série GPON (8 derniers caractères)',
                         id_contains: 'identifiant'}[v.match] || v.match, 'match')));
}

function renderSources(v) {
  const s = v.sources || {};
  const names = Object.keys(SOURCE_NAME).concat(Object.keys(s).filter((k) => !(k in SOURCE_NAME)));
  return card('Sources',
    h('table', {class: 'sources'},
      h('tbody', {}, names.filter((n) => s[n]).map((n) => {
        const x = s[n];
        return h('tr', {data: {source: n, state: x.state}},
          h('th', {}, SOURCE_NAME[n] || n),
          h('td', {}, badge(SOURCE_STATE[x.state] || x.state, `src-${x.state}`)),
          h('td', {class: 'muted'}, (x.state === 'fresh' || x.state === 'stale' ? age(x.age_s) : '') +
                                    (x.cached ? ' (cache du hub)' : '')),
          h('td', {class: 'muted small'}, x.error || ''));
      }))));
}

function renderCustomer(v) {
  const c = v.customer || {}, l = v.location || {}, e = v.equipment || {};
  if (!v.customer && !v.location && !v.equipment)
    return card('Client', h('p', {class: 'muted'}, 'Aucune fiche ERPNext pour cet appareil.'));
  return card('Client',
    h('dl', {},
      row('Nom', c.customer_name, 'customer-name'),
      row('Client', c.name, 'customer-id'),
      row('Téléphone', c.mobile_no, 'customer-phone'),
      row('Ancien compte', c.legacy_account_id),
      row('Adresse', [l.address, l.city].filter(Boolean).join(', '), 'address'),
      row('Emplacement', l.name, 'location-id'),
      row('Raccordement', l.connection_type),
      row('OLT', [l.olt_name, l.olt_port].filter(Boolean).join(' · '), 'olt'),
      row('VLAN', l.vlan),
      row('Équipement', [e.name, e.equipment_type, e.status].filter(Boolean).join(' · '), 'equipment')));
}

function renderOptical(v) {
  const o = v.opticalStatus || {};
  const grade = o.grade || 'unknown';
  const hist = Array.isArray(o.history) ? sparkline(o.history) : null;
  const slope = typeof o.slopeDbPerDay === 'number'
    ? ` (${o.slopeDbPerDay > 0 ? '+' : ''}${o.slopeDbPerDay.toFixed(2)} dB/jour)` : '';
  return card('Signal optique',
    h('p', {class: 'optical-main'},
      h('span', {class: 'big', data: {field: 'rx'}}, dbm(o.rxDbm)), ' ',
      h('span', {data: {grade}}, badge(GRADE[grade] || grade, `grade-${grade}`, 'optical-grade'))),
    h('dl', {},
      row('Émission (Tx)', dbm(o.txDbm), 'tx'),
      row('Réception à l’OLT', dbm(o.oltRxDbm), 'olt-rx'),
      o.onuStatus ? row('État ONU (OLT)', o.onuStatus, 'onu-status') : null,
      o.onuOfflineReason ? row('Hors ligne parce que', o.onuOfflineReason, 'onu-offline-reason') : null,
      typeof o.distanceM === 'number' ? row('Distance OLT', `${(o.distanceM / 1000).toFixed(2)} km`, 'olt-distance') : null,
      h('div', {class: 'kv'}, h('dt', {}, 'Tendance'),
        h('dd', {data: {field: 'optical-trend', trend: o.trend || 'unknown'}},
          `${TREND[o.trend] || show(o.trend)}${slope}`,
          typeof o.readings === 'number' ? h('span', {class: 'muted'}, ` · ${o.readings} lecture(s)`) : ''))),
    hist ? h('div', {class: 'spark-box'}, hist) : null,
    o.thresholds ? h('p', {class: 'muted small'},
      `Bon de ${o.thresholds.goodMin} à ${o.thresholds.tooHighAbove} dBm, faible jusqu’à ${o.thresholds.warningMin} dBm`) : null);
}

function renderWifi(v) {
  const w = v.wifi || {}, ssids = w.ssids || [];
  const radios = (v.interfaces || []).filter((i) => i.type === 'wifi');
  const list = ssids.length ? ssids : radios;
  return card('Wi-Fi',
    h('p', {}, `${show(w.clients)} client(s) Wi-Fi · ${show(w.hosts)} appareil(s) au total`),
    list.length ? h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'SSID'), h('th', {}, 'Bande'), h('th', {}, 'État'), h('th', {}, 'Clients'))),
      h('tbody', {}, list.map((s) => h('tr', {},
        h('td', {}, show(s.ssid)), h('td', {}, show(s.band)), h('td', {}, show(s.status)), h('td', {}, show(s.clients))))))
      : h('p', {class: 'muted'}, 'Aucune information Wi-Fi.'));
}

function renderEthernet(v) {
  const e = v.ethernet || {}, ports = e.ports || [];
  const ip = v.ip || {};
  return card('Ethernet et IP',
    ports.length ? h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Port'), h('th', {}, 'État'), h('th', {}, 'Vitesse'), h('th', {}, 'Duplex'))),
      h('tbody', {}, ports.map((p) => h('tr', {},
        h('td', {}, show(p.name), p.upstream ? ' (WAN)' : ''), h('td', {}, show(p.status)),
        h('td', {}, typeof p.speedMbps === 'number' && p.speedMbps > 0 ? `${p.speedMbps} Mb/s` : DASH),
        h('td', {}, show(p.duplex))))))
      : h('p', {class: 'muted'}, 'Aucun port Ethernet signalé.'),
    h('dl', {},
      row('IP Internet', ip.internet, 'ip-internet'), row('IP gestion', ip.management),
      row('IP service', ip.service), row('IP LAN', ip.lan)));
}

function renderMesh(v) {
  const mesh = v.mesh || [];
  if (!mesh.length) return null;
  return card('Maillage (mesh)',
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Nœud'), h('th', {}, 'Rôle'), h('th', {}, 'Liaison'), h('th', {}, 'Clients'))),
      h('tbody', {}, mesh.map((m) => {
        const b = m.backhaul || {};
        const link = b.type ? [b.type, typeof b.signalDbm === 'number' ? `${b.signalDbm} dBm` : null,
                               typeof b.rateMbps === 'number' ? `${b.rateMbps} Mb/s` : null].filter(Boolean).join(' · ') : DASH;
        return h('tr', {}, h('td', {}, show(m.name)), h('td', {}, m.role === 'controller' ? 'principal' : 'satellite'),
                 h('td', {}, link), h('td', {}, show(m.clients)));
      }))));
}

function renderView(v) {
  const out = $('result');
  out.replaceChildren(
    h('div', {class: 'grid'},
      renderIdentity(v), renderCustomer(v), renderOptical(v), renderSources(v), renderWifi(v), renderEthernet(v),
      renderMesh(v)));
  out.hidden = false;
}

function nodeLabel(name) { return name === WIRED ? 'Filaire / autre' : name; }

function renderHosts(data) {
  const hosts = data.hosts || [];
  const order = (data.nodes || []).map((n) => n.name);
  for (const x of hosts) if (!order.includes(x.attachedNode || WIRED)) order.push(x.attachedNode || WIRED);
  // wired/other last, whatever the order given
  order.sort((a, b) => (a === WIRED) - (b === WIRED));
  $('hosts-total').textContent = `(${typeof data.total === 'number' ? data.total : hosts.length})`;
  const src = data.source || {};
  $('hosts-status').textContent = [src.name
    ? `Source : ${SOURCE_NAME[src.name] || src.name}, ${SOURCE_STATE[src.state] || src.state || ''} ${age(src.age_s)}` : '',
    taskText(data.task)].filter(Boolean).join(' — ');
  const groups = order.map((node) => {
    const list = hosts.filter((x) => (x.attachedNode || WIRED) === node);
    if (!list.length) return null;
    const label = `${nodeLabel(node)} (${list.length})`;
    return h('details', {class: 'node', open: true, data: {node, count: String(list.length)}},
      h('summary', {}, label),
      h('table', {},
        h('thead', {}, h('tr', {}, ['Nom', 'IP', 'MAC', 'Bande', 'Signal', 'Débit'].map((t) => h('th', {}, t)))),
        h('tbody', {}, list.map((x) => h('tr', {class: x.active === false ? 'inactive' : '', data: {mac: x.mac || ''}},
          h('td', {}, show(x.name)), h('td', {}, show(x.ip)), h('td', {class: 'mono'}, show(x.mac)),
          h('td', {}, x.band || (x.interfaceType === 'Ethernet' ? 'filaire' : DASH)),
          h('td', {class: typeof x.signal === 'number' && x.signal < -75 ? 'weak' : ''},
            typeof x.signal === 'number' ? `${x.signal} dBm` : DASH),
          h('td', {}, typeof x.rate === 'number' ? `${x.rate} Mb/s` : DASH))))));
  });
  $('hosts').replaceChildren(...groups.filter(Boolean));
  if (!hosts.length) $('hosts').replaceChildren(h('p', {class: 'muted'}, 'Aucun appareil connecté.'));
}

// A refresh task as the hub reports it (POST /devices/:id/tasks, hosts?refresh): what GenieACS said.
function taskText(t) {
  if (!t) return '';
  switch (t.status) {
    case 'done': return 'Actualisation terminée';
    case 'running': return `Actualisation en cours dans GenieACS (tâche ${t.task_id})…`;
    case 'queued': return `Actualisation en attente dans GenieACS${t.reason ? ` (${t.reason})` : ''} : faite à la prochaine session de l’appareil`;
    case 'offline': return 'Appareil hors ligne : rien n’a été envoyé';
    case 'faulted': return `Actualisation en échec : ${(t.fault || {}).code || ''} ${(t.fault || {}).message || ''}`.trim();
    default: return `Actualisation impossible${t.error ? ` : ${t.error}` : ''}`;
  }
}

// A task still running: asked again every 2 s (at most 3 min); at its end the hosts are read again (no refresh).
async function followTask(id, taskId, gen) {
  for (let i = 0; i < 90; ++i) {
    await new Promise((r) => setTimeout(r, 2000));
    if (gen !== generation) return;
    let t;
    try {
      t = await getJsonRetry(`devices/${encodeURIComponent(id)}/tasks/${encodeURIComponent(taskId)}`);
    } catch (e) {
      return;
    }
    if (gen !== generation) return;
    if (t.status !== 'running') {
      await loadHosts(id, false, gen);
      if (gen === generation) $('hosts-status').textContent += ` — ${taskText(t)}`;
      return;
    }
  }
}

// ---- diagnostics (POST devices/:id/diagnostics, progress on SSE and GET …/diagnostics/:did) -------------------

const DIAG_NAME = {ping: 'Ping', traceroute: 'Traceroute', download: 'Débit descendant', upload: 'Débit montant',
                   nslookup: 'Résolution DNS', wifiScan: 'Scan Wi-Fi'};
const nf1 = (v) => (typeof v === 'number' ? v.toLocaleString('fr-CA', {minimumFractionDigits: 1, maximumFractionDigits: 1}) : DASH);

const diag = {id: null, ours: new Set(), items: new Map(), source: null, poll: null, gen: 0};
let chartSeq = 0;

function diagTitle(d) {
  const a = d.args || {};
  const what = a.host || a.hostName || '';
  return `${DIAG_NAME[d.type] || d.type}${what ? ` ${what}` : ''}`;
}

// The result in words (the hub's "result": docs/api.md "Diagnostics").
function diagWords(d) {
  const r = d.result || {};
  if (d.status === 'running') return d.progress ? `En cours : ${d.progress}` : 'En cours…';
  if (d.status === 'failed') return `Échec : ${d.reason || 'raison inconnue'}`;
  if (r.ok === false) return `Terminé avec l’état ${r.status || '?'}`;
  switch (d.type) {
    case 'ping':
      if (typeof r.sent !== 'number') return r.summary || 'Terminé';
      return `Perte ${nf1(r.lossPercent)} % (${r.received}/${r.sent} reçus)` +
             (typeof r.avgMs === 'number' && r.received > 0
               ? ` · latence moyenne ${nf1(r.avgMs)} ms (min ${nf1(r.minMs)}, max ${nf1(r.maxMs)})` : '');
    case 'traceroute': {
      const hops = r.hops || [];
      return `${hops.length} saut(s)${hops.length ? ` jusqu’à ${hops[hops.length - 1].address || hops[hops.length - 1].host || '?'}` : ''}`;
    }
    case 'download':
    case 'upload':
      return typeof r.mbps === 'number'
        ? `${nf1(r.mbps)} Mb/s ${d.type === 'download' ? 'en descente' : 'en montée'} (${nf1(r.bytes / 1e6)} Mo en ${nf1(r.seconds)} s)`
        : r.summary || 'Terminé';
    case 'nslookup': {
      const ok = (r.answers || []).find((x) => x.status === 'Success');
      return ok ? `${ok.name || (d.args || {}).hostName} → ${(ok.addresses || []).join(', ')}` +
                  (ok.server ? ` (serveur ${ok.server}${typeof ok.ms === 'number' ? `, ${ok.ms} ms` : ''})` : '')
                : (r.answers || []).length
                  ? `Non résolu : ${r.answers[0].status || '?'}${r.answers[0].server ? ` (serveur ${r.answers[0].server})` : ''}`
                  : 'Aucune adresse';
    }
    case 'wifiScan': return `${(r.networks || []).length} réseau(x) voisin(s)`;
    default: return r.summary || 'Terminé';
  }
}

function clock(ms) {
  const t = new Date(ms), p = (n) => String(n).padStart(2, '0');
  return `${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
}

function hopList(r) {
  const hops = r.hops || [];
  if (!hops.length) return null;
  return h('ol', {class: 'hops'}, hops.map((x) => h('li', {data: {hop: String(x.hop)}},
    `${x.address || '*'}${x.host && x.host !== x.address ? ` (${x.host})` : ''} — ` +
    ((x.rttMs || []).length ? `${x.rttMs.join(' / ')} ms` : 'pas de réponse'))));
}

const BANDS = [
  // lo/hi: the channels shown, with room for a 40 MHz arc at the band's edges.
  {name: '2,4 GHz', test: (b, c) => /^2\.4/.test(b) || (!b && c <= 14), lo: -3, hi: 17, ticks: [1, 6, 11, 13]},
  {name: '5 GHz', test: (b, c) => /^5/.test(b) || (!b && c >= 32 && c <= 177), lo: 28, hi: 173,
   ticks: [36, 52, 64, 100, 116, 132, 149, 165]},
  {name: '6 GHz', test: (b) => /^6/.test(b), lo: -7, hi: 241, ticks: [1, 37, 69, 101, 133, 165, 197, 229]},
];

// One chart per band: each network as an arc over the channels its bandwidth covers (channel numbers are 5 MHz
// apart in every band), as high as its signal; ours (an SSID of this device) drawn in the accent colour.
function channelCharts(networks, ours) {
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const out = [];
  for (const band of BANDS) {
    const nets = networks.filter((n) => typeof n.channel === 'number' && band.test(n.band || '', n.channel));
    if (!nets.length) continue;
    const W = 600, H = 170, L = 34, R = 8, T = 10, B = 22;
    const x = (c) => L + ((c - band.lo) * (W - L - R)) / (band.hi - band.lo);
    const y = (dbmv) => T + ((-20 - Math.max(-100, Math.min(-20, dbmv))) * (H - T - B)) / 80;
    const svg = el('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chan-chart', role: 'img',
                           'aria-label': `Canaux ${band.name} : ${nets.length} réseau(x)`, 'data-band': band.name});
    // Arcs stay inside the plot (a 160 MHz network at a band edge would cross the axis labels).
    const clipId = `clip-${++chartSeq}`;
    const clip = el('clipPath', {id: clipId});
    clip.append(el('rect', {x: L, y: 0, width: W - L - R, height: H - B}));
    svg.append(clip);
    const plot = el('g', {'clip-path': `url(#${clipId})`});
    svg.append(el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis'}));
    for (const d of [-30, -50, -70, -90]) {
      svg.append(el('line', {x1: L, y1: y(d), x2: W - R, y2: y(d), class: 'axis'}));
      svg.append(el('text', {x: 2, y: y(d) + 3}, `${d}`));
    }
    for (const c of band.ticks) svg.append(el('text', {x: x(c) - 5, y: H - 6}, String(c)));
    for (const n of [...nets].sort((a, b) => (ours.has(a.ssid)) - (ours.has(b.ssid)))) {
      const mine = ours.has(n.ssid);
      const bw = parseInt(n.bandwidth, 10) || 20;
      const half = bw / 10;
      const top = y(typeof n.signalDbm === 'number' ? n.signalDbm : -95);
      const x0 = x(n.channel - half), x1 = x(n.channel + half), base = H - B;
      plot.append(el('path', {d: `M${x0.toFixed(1)},${base} Q${x(n.channel).toFixed(1)},${(2 * top - base).toFixed(1)} ` +
                                 `${x1.toFixed(1)},${base}`, class: `net${mine ? ' ours' : ''}`,
                              'data-ssid': n.ssid || '', 'data-channel': n.channel}));
      plot.append(el('text', {x: x(n.channel) - 12, y: Math.max(T + 8, top - 3), class: mine ? 'ours' : ''},
                    `${mine ? '★ ' : ''}${n.ssid || '(masqué)'}`));
    }
    svg.append(plot);
    out.push(h('div', {class: 'chan-band'}, h('p', {class: 'small muted'}, `${band.name} — dBm par canal`), svg));
  }
  return out;
}

function wifiTable(networks, ours) {
  if (!networks.length) return null;
  const sorted = [...networks].sort((a, b) => (b.signalDbm ?? -200) - (a.signalDbm ?? -200));
  return h('table', {class: 'small'},
    h('thead', {}, h('tr', {}, ['SSID', 'Bande', 'Canal', 'Signal', 'Largeur', 'Sécurité'].map((t) => h('th', {}, t)))),
    h('tbody', {}, sorted.map((n) => h('tr', {class: ours.has(n.ssid) ? 'ours' : '', data: {bssid: n.bssid || ''}},
      h('td', {}, `${ours.has(n.ssid) ? '★ ' : ''}${n.ssid || '(masqué)'}`), h('td', {}, show(n.band)),
      h('td', {}, show(n.channel)), h('td', {}, typeof n.signalDbm === 'number' ? `${n.signalDbm} dBm` : DASH),
      h('td', {}, show(n.bandwidth)), h('td', {}, show(n.security))))));
}

// `full`: the newest of its type: its hops, chart and table are drawn (older ones keep their words).
function renderDiag(d, full) {
  const r = d.result || {};
  const failed = d.status === 'failed' || r.ok === false;
  const kids = [
    h('h3', {}, h('span', {class: d.status === 'running' ? 'running-dot' : ''}, diagTitle(d)),
      badge(d.status === 'running' ? 'en cours' : failed ? 'échec' : 'terminé',
            d.status === 'running' ? 'src-stale' : failed ? 'bad' : 'ok'),
      h('span', {class: 'muted small'}, clock(d.created_ms),
        d.route === 'genieacs' ? ' · via GenieACS' : '')),
    h('p', {class: 'words', data: {field: 'diag-words'}}, diagWords(d)),
  ];
  if (full && d.status === 'complete' && d.type === 'traceroute') kids.push(hopList(r));
  if (full && d.status === 'complete' && d.type === 'wifiScan') {
    kids.push(...channelCharts(r.networks || [], diag.ours));
    kids.push(wifiTable(r.networks || [], diag.ours));
  }
  return h('li', {class: `diag-item ${failed ? 'failed' : d.status}`, data: {id: d.id, type: d.type, status: d.status}},
           ...kids);
}

function drawDiagnostics() {
  const list = [...diag.items.values()].sort((a, b) => b.created_ms - a.created_ms).slice(0, 10);
  const seen = new Set();
  $('diag-list').replaceChildren(...list.map((d) => {
    const full = !seen.has(d.type);
    seen.add(d.type);
    return renderDiag(d, full);
  }));
  if (!list.length) $('diag-list').replaceChildren(h('li', {class: 'muted'}, 'Aucun diagnostic récent.'));
}

function takeDiag(d) {
  if (!d || !d.id || d.device !== diag.id) return;
  diag.items.set(d.id, d);
  drawDiagnostics();
}

// Progress arrives on SSE (event "diagnostic" on topic device:<id>); while one runs the records are also read
// every 2 s, so a proxy that buffers the stream only slows the page down.
function followDiagnostics(gen) {
  if (diag.source) diag.source.close();
  diag.source = null;
  if (typeof EventSource === 'function') {
    diag.source = new EventSource(`sse?topics=${encodeURIComponent(`device:${diag.id}`)}`);
    diag.source.addEventListener('diagnostic', (ev) => {
      if (gen !== diag.gen) return;
      try { takeDiag(JSON.parse(ev.data)); } catch (e) { /* not JSON: ignored */ }
    });
  }
  clearInterval(diag.poll);
  diag.poll = setInterval(async () => {
    if (gen !== diag.gen) return;
    for (const d of [...diag.items.values()].filter((x) => x.status === 'running')) {
      try {
        takeDiag(await getJson(`devices/${encodeURIComponent(diag.id)}/diagnostics/${encodeURIComponent(d.id)}`));
      } catch (e) { /* the next round asks again */ }
    }
  }, 2000);
}

async function initDiagnostics(view) {
  const gen = ++diag.gen;
  diag.id = view.id;
  diag.items.clear();
  diag.ours = new Set(((view.wifi || {}).ssids || []).map((s) => s.ssid).filter(Boolean));
  $('diag-section').hidden = false;
  setError('diag-error', '');
  drawDiagnostics();
  followDiagnostics(gen);
  try {
    const data = await getJson(`devices/${encodeURIComponent(view.id)}/diagnostics?limit=10`);
    if (gen !== diag.gen) return;
    for (const d of data.diagnostics || []) if (!diag.items.has(d.id)) diag.items.set(d.id, d);
    drawDiagnostics();
  } catch (e) { /* no history: the card still runs new ones */ }
}

async function runDiagnostic(type) {
  if (!diag.id) return;
  const target = $('diag-target').value.trim();
  const body = {type};
  if (type === 'ping' || type === 'traceroute') body.host = target;
  if (type === 'nslookup') body.hostName = target;
  if (type === 'ping') body.count = 10;
  setError('diag-error', '');
  try {
    const res = await fetch(`devices/${encodeURIComponent(diag.id)}/diagnostics`, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: {'Content-Type': 'application/json', Accept: 'application/json'}, body: JSON.stringify(body)});
    let answer = null;
    try { answer = await res.json(); } catch (e) { answer = null; }
    if (res.status !== 202 || !answer) {
      const msg = answer && answer.error ? answer.error : res.statusText;
      const text = res.status === 409 ? `Impossible maintenant (409) : ${msg}`
        : res.status === 400 ? `Demande refusée (400) : ${msg}`
        : res.status === 501 ? `Non disponible pour cet appareil (501) : ${msg}`
        : explain(new ApiError(res.status, msg, false), 'diagnostic');
      return setError('diag-error', text);
    }
    takeDiag(answer);
  } catch (e) {
    setError('diag-error', 'Réseau indisponible : le diagnostic n’a pas été demandé.');
  }
}

$('diag-form').addEventListener('submit', (ev) => { ev.preventDefault(); runDiagnostic('ping'); });
for (const b of $('diag-form').querySelectorAll('button[type=button]'))
  b.addEventListener('click', () => runDiagnostic(b.dataset.type));

// ---- flow ------------------------------------------------------------------------------------------------

let current = null;   // {serial, id}
let generation = 0;   // a newer search makes older answers irrelevant

function setError(box, text, retry) {
  $(box).hidden = !text;
  $(`${box}-text`).textContent = text || '';
  const btn = box === 'error' ? $('retry') : box === 'hosts-error' ? $('hosts-retry') : null;
  if (!btn) return;
  btn.hidden = !retry;
  btn.onclick = retry || null;
}

async function loadHosts(id, refresh, gen) {
  $('hosts-section').hidden = false;
  setError('hosts-error', '');
  $('hosts-status').textContent = refresh ? 'Actualisation des appareils connectés…' : 'Chargement des appareils connectés…';
  $('hosts-section').setAttribute('aria-busy', 'true');
  try {
    const data = await getJsonRetry(`devices/${encodeURIComponent(id)}/hosts${refresh ? '?refresh' : ''}`);
    if (gen !== generation) return;
    renderHosts(data);
    if (data.task && data.task.status === 'running') followTask(id, data.task.task_id, gen);
  } catch (e) {
    if (gen !== generation) return;
    $('hosts-status').textContent = '';
    setError('hosts-error', explain(e, 'hosts'), () => loadHosts(id, refresh, gen));
  } finally {
    if (gen === generation) $('hosts-section').removeAttribute('aria-busy');
  }
}

async function diagnose(serial, refresh) {
  const gen = ++generation;
  setError('error', '');
  $('status').textContent = `Diagnostic de ${serial} en cours…`;
  document.body.setAttribute('aria-busy', 'true');
  $('diagnose').disabled = true;
  if (!refresh) {
    $('result').hidden = true;
    $('hosts-section').hidden = true;
    $('hosts').replaceChildren();  // never the previous device's clients while this one's load
    $('diag-section').hidden = true;
    $('refresh').hidden = true;
  }
  try {
    // Actualiser: ?refresh asks every source again instead of the hub's few-seconds lookup cache.
    const view = await getJsonRetry(`devices/lookup?serial=${encodeURIComponent(serial)}${refresh ? '&refresh' : ''}`);
    if (gen !== generation) return;
    current = {serial, id: view.id};
    renderView(view);
    if (!refresh || diag.id !== view.id) initDiagnostics(view);
    $('refresh').hidden = false;
    $('status').textContent = `Résultat pour ${serial} à ${new Date().toLocaleTimeString('fr-CA')}`;
    await loadHosts(view.id, refresh, gen);
  } catch (e) {
    if (gen !== generation) return;
    $('status').textContent = '';
    if (e.status === 404 || e.status === 400) { $('result').hidden = true; $('hosts-section').hidden = true; }
    setError('error', explain(e, 'lookup'), e.status === 400 || e.status === 404 ? null : () => diagnose(serial, refresh));
  } finally {
    if (gen === generation) {
      document.body.removeAttribute('aria-busy');
      $('diagnose').disabled = false;
    }
  }
}

function start(serial, refresh) {
  serial = serial.trim();
  if (!serial) return;
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(serial)) {
    setError('error', 'Numéro de série invalide : 1 à 64 lettres, chiffres ou . _ : -');
    return;
  }
  if (location.hash !== `#${encodeURIComponent(serial)}`) history.replaceState(null, '', `#${encodeURIComponent(serial)}`);
  diagnose(serial, refresh);
}

$('search').addEventListener('submit', (ev) => { ev.preventDefault(); start($('serial').value, false); });
$('refresh').addEventListener('click', () => { if (current) start(current.serial, true); });

// A serial in the address (#TPLG…) is diagnosed at once: a link or a reload repeats the search.
if (location.hash.length > 1) {
  $('serial').value = decodeURIComponent(location.hash.slice(1));
  start($('serial').value, false);
}
