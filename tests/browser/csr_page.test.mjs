// The CSR page in a real Chromium, through the auth proxy, against the demo's real processes (tools/demo/demo.py:
// GenieACS and ERPNext simulators, snmpd OLT, cpe-bridge, cpe-hub, cpe-agents). Expectations come from the fleet
// file, the ERPNext simulator and the hub's own JSON, never from constants.
//
//   node csr_page.test.mjs --bin-dir <build dir> --work-dir <scratch dir> [--screenshot-dir <dir>]
//
// Exit 0 = every check passed. Every process started is stopped (the demo launcher stops its children).
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import assert from 'node:assert/strict';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const binDir = path.resolve(arg('--bin-dir', path.join(repo, 'build', 'host')));
const workDir = path.resolve(arg('--work-dir', path.join(binDir, 'browser-test')));
const shotDir = path.resolve(arg('--screenshot-dir', workDir));
const CHROMIUM = '/usr/bin/chromium';

if (!fs.existsSync(path.join(here, 'node_modules', 'playwright-core'))) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {cwd: here, stdio: 'inherit',
    env: {...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1'}});
}
const {chromium} = await import('playwright-core');

let demo = null, browser = null;
const failures = [];
function check(name, fn) {
  try { fn(); console.log(`ok   ${name}`); } catch (e) { failures.push(name); console.log(`FAIL ${name}\n     ${e.message.split('\n').join('\n     ')}`); }
}

function startDemo() {
  fs.mkdirSync(workDir, {recursive: true});
  return new Promise((resolve, reject) => {
    // Port 0: a demo already running on 3300 does not disturb the test. Fewer agents: two shared cores.
    demo = spawn('/usr/bin/python3', [path.join(repo, 'tools/demo/demo.py'), '--bin-dir', binDir, '--state-dir',
      path.join(workDir, 'demo'), '--port', '0', '--devices', '24', '--max-agents', '8'], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`demo not ready after 180 s\n${err}`)), 180000);
    demo.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/DEMO READY (.+)\n/);
      if (m) { clearTimeout(timer); resolve(JSON.parse(fs.readFileSync(m[1].trim(), 'utf8'))); }
    });
    demo.stderr.on('data', (d) => { err += d; process.stderr.write(d); });
    demo.on('exit', (code) => { clearTimeout(timer); reject(new Error(`demo exited (${code}) before it was ready\n${err}`)); });
  });
}

async function stopDemo() {
  if (!demo || demo.exitCode !== null) return;
  const done = new Promise((r) => demo.once('exit', r));
  demo.kill('SIGTERM');
  const t = setTimeout(() => demo.kill('SIGKILL'), 20000);
  await done;
  clearTimeout(t);
}

async function json(url, headers = {}) {
  const r = await fetch(url, {headers});
  const body = await r.text();
  assert.equal(r.status, 200, `${url}: HTTP ${r.status} ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

async function main() {
  const info = await startDemo();
  const fleet = JSON.parse(fs.readFileSync(info.fleet, 'utf8'));
  const creds = fs.readFileSync(info.erpnext_credentials_file, 'utf8').trim();
  const base = info.public_url.replace('localhost', '127.0.0.1').replace(/\/$/, '');

  // The device: the first XX230v agent the demo started (mesh → several node groups).
  const dev = fleet.devices.find((d) => d.model === 'XX230v' && info.agents.includes(d.serial));
  assert.ok(dev, 'the fleet has an XX230v agent device');
  // ERPNext's records for it (the simulator, not the fleet file: what the hub had to read).
  const erpAuth = {Authorization: `token ${creds}`};
  const filters = encodeURIComponent(JSON.stringify([['serial_number', '=', dev.serial]]));
  const eq = (await json(`${info.erpnext_url}/api/resource/Service%20Equipment?filters=${filters}&fields=${encodeURIComponent('["*"]')}`, erpAuth)).data[0];
  const cust = (await json(`${info.erpnext_url}/api/resource/Customer/${encodeURIComponent(eq.customer)}`, erpAuth)).data;

  browser = await chromium.launch({executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync']});
  const page = await browser.newPage({viewport: {width: 1280, height: 900}, locale: 'fr-CA'});
  await page.goto(info.public_url, {waitUntil: 'load'});
  await page.fill('#serial', dev.serial);
  // The answers the page itself receives (through the proxy): what it must render.
  const lookupResp = page.waitForResponse((r) => new URL(r.url()).pathname === '/devices/lookup', {timeout: 60000});
  const hostsResp = page.waitForResponse((r) => /^\/devices\/.+\/hosts$/.test(new URL(r.url()).pathname), {timeout: 60000});
  await page.click('#diagnose');
  const apiSeen = {};
  for (const [k, pr] of [['lookup', lookupResp], ['hosts', hostsResp]]) {
    const r = await pr;
    apiSeen[k] = {status: r.status(), body: await r.json().catch(() => null)};
  }
  await page.waitForSelector('[data-field=serial]', {timeout: 60000});
  await page.waitForSelector('#hosts details.node, #hosts-error:not([hidden])', {timeout: 60000});
  await page.screenshot({path: path.join(shotDir, 'csr_page.png'), fullPage: true});

  const text = async (sel) => (await page.textContent(sel) || '').trim();
  const view = apiSeen.lookup && apiSeen.lookup.body;
  const hosts = apiSeen.hosts && apiSeen.hosts.body;
  check('the page got the lookup and hosts answers (200) through the auth proxy', () => {
    assert.equal(apiSeen.lookup && apiSeen.lookup.status, 200);
    assert.equal(apiSeen.hosts && apiSeen.hosts.status, 200);
  });
  const shown = {
    serial: await text('[data-field=serial]'),
    model: await text('[data-field=model]'), customerId: await text('[data-field=customer-id]'),
    customerName: await text('[data-field=customer-name]'), location: await text('[data-field=location-id]'),
    grade: await page.getAttribute('[data-grade]', 'data-grade'),
    groups: await page.$$eval('#hosts details.node', (els) => els.map((e) => ({node: e.dataset.node, count: Number(e.dataset.count),
      rows: e.querySelectorAll('tbody tr').length, label: e.querySelector('summary').textContent.trim()}))),
  };
  check('serial shown = the fleet device searched', () => assert.equal(shown.serial, dev.serial));
  check('model shown = the fleet file', () => assert.equal(shown.model, dev.model));
  check('customer shown = ERPNext (id and name)', () => {
    assert.equal(shown.customerId, eq.customer);
    assert.equal(shown.customerId, dev.customer);
    assert.equal(shown.customerName, cust.customer_name);
  });
  check('service location shown = ERPNext', () => assert.equal(shown.location, eq.service_location));
  check('optical grade shown = the API', () => {
    assert.ok(view && view.opticalStatus && view.opticalStatus.grade, 'the API gave a grade');
    assert.equal(shown.grade, view.opticalStatus.grade);
  });
  check('hosts grouped by node, counts = the API', () => {
    const want = hosts.nodes.filter((n) => n.count > 0).map((n) => ({node: n.name, count: n.count}));
    assert.ok(want.length >= 2, `the device has hosts on several nodes (${JSON.stringify(hosts.nodes)})`);
    assert.deepEqual(shown.groups.map((g) => ({node: g.node, count: g.count})), want);
    for (const g of shown.groups) {
      assert.equal(g.rows, g.count, `rows under ${g.node}`);
      const perApi = hosts.hosts.filter((x) => x.attachedNode === g.node).length;
      assert.equal(g.rows, perApi, `hosts of ${g.node} in the API`);
      assert.match(g.label, new RegExp(`\\(${g.count}\\)$`));
    }
    assert.equal(shown.groups.reduce((s, g) => s + g.count, 0), hosts.total);
    const wired = shown.groups.findIndex((g) => g.node === 'wired/other');
    if (wired >= 0) assert.equal(wired, shown.groups.length - 1, 'wired/other comes last');
  });

  // ---- the Diagnostics card (POST devices/:id/diagnostics) on the agent device ----
  const token = fs.readFileSync(info.token_file, 'utf8').trim();
  const record = (id, did) => json(`${info.hub_url}/devices/${encodeURIComponent(id)}/diagnostics/${encodeURIComponent(did)}`,
                                   {Authorization: `Bearer ${token}`});
  const fr1 = (v) => v.toLocaleString('fr-CA', {minimumFractionDigits: 1, maximumFractionDigits: 1});
  // Runs one from the card: returns {did, words, status, rec} once the card shows its end.
  async function runFromCard(deviceId, type, target) {
    if (target !== undefined) await page.fill('#diag-target', target);
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' &&
                                               /^\/devices\/.+\/diagnostics$/.test(new URL(r.url()).pathname), {timeout: 60000});
    await page.click(`#diag-form button[data-type=${type}]`);
    const resp = await posted;
    const started = await resp.json().catch(() => null);
    assert.equal(resp.status(), 202, `POST ${type}: ${JSON.stringify(started)}`);
    const did = started.id;
    const sel = `#diag-list li[data-id="${did}"]`;
    await page.waitForSelector(`${sel}:not([data-status=running])`, {timeout: 120000});
    return {did, words: (await page.textContent(`${sel} [data-field=diag-words]`) || '').trim(),
            status: await page.getAttribute(sel, 'data-status'), sel, rec: await record(deviceId, did)};
  }
  const cardShown = await page.isVisible('#diag-section');
  check('the Diagnostics card is shown with the device', () => assert.ok(cardShown));
  const ping = await runFromCard(view.id, 'ping', '127.0.0.1');
  check('ping from the card: the real agent pinged, the words are the hub\'s result', () => {
    assert.equal(ping.rec.status, 'complete', JSON.stringify(ping.rec));
    assert.equal(ping.rec.route, 'usp');
    assert.equal(ping.rec.result.received, 10);
    assert.equal(ping.status, 'complete');
    assert.ok(ping.words.startsWith(`Perte ${fr1(ping.rec.result.lossPercent)} % (${ping.rec.result.received}/` +
                                    `${ping.rec.result.sent} reçus) · latence moyenne ${fr1(ping.rec.result.avgMs)} ms`), ping.words);
  });
  // Traceroute to loopback through the real agent: the hops listed are the record's.
  const trace = await runFromCard(view.id, 'traceroute', '127.0.0.1');
  const traceHops = await page.$$eval(`${trace.sel} ol.hops li`, (els) => els.map((e) => e.textContent));
  check('traceroute from the card: the agent\'s hops, listed in order', () => {
    assert.equal(trace.rec.status, 'complete', JSON.stringify(trace.rec));
    assert.ok(trace.rec.result.hops.length >= 1);
    assert.equal(traceHops.length, trace.rec.result.hops.length);
    trace.rec.result.hops.forEach((x, i) => assert.ok(traceHops[i].startsWith(x.address || '*'), traceHops[i]));
  });
  if (info.dns) {
    // The demo's dnsmasq (named by the agents' etc/resolv.conf) knows one name: the agent's own DNS client asks it.
    const good = await runFromCard(view.id, 'nslookup', info.dns.name);
    check('nslookup from the card: the address the demo\'s DNS server gave, in words', () => {
      assert.equal(good.rec.status, 'complete', JSON.stringify(good.rec));
      assert.equal(good.rec.result.summary, `resolves to ${info.dns.address}`);
      assert.ok(good.words.startsWith(`${info.dns.name} → ${info.dns.address} (serveur ${info.dns.server}`), good.words);
    });
  }
  // A DNS lookup that cannot succeed (no DNS server at all, or one that refuses the name): the words say how it
  // ended, from the record.
  const ns = await runFromCard(view.id, 'nslookup', 'nothing.invalid');
  check('a diagnostic that does not succeed says so in words (the record\'s status or reason)', () => {
    const r = ns.rec.result || {};
    if (ns.rec.status === 'failed') assert.equal(ns.words, `Échec : ${ns.rec.reason}`);
    else if (r.ok === false) assert.equal(ns.words, `Terminé avec l’état ${r.status}`);
    else {
      assert.ok(r.answers.length > 0 && r.answers.every((a) => a.status !== 'Success'), JSON.stringify(ns.rec));
      assert.equal(r.summary, `not resolved: ${r.answers[0].status}`);
      assert.ok(ns.words.startsWith(`Non résolu : ${r.answers[0].status}`), ns.words);
    }
  });
  // The agent's site survey (the fixture board's scan dump): one arc per network.
  const scan = await runFromCard(view.id, 'wifiScan');
  const arcs = await page.$$eval(`${scan.sel} svg.chan-chart path.net`, (els) => els.length);
  check('Wi-Fi scan from the agent: one arc per network', () => {
    assert.equal(scan.rec.status, 'complete', JSON.stringify(scan.rec));
    assert.ok(scan.rec.result.networks.length > 0);
    assert.equal(arcs, scan.rec.result.networks.filter((n) => typeof n.channel === 'number').length);
  });
  // The header is sticky: out of the way for pictures of the card alone (docs/diagnostics-card*.png are these).
  await page.addStyleTag({content: 'header { position: static !important; }'});
  await page.locator('#diag-section').screenshot({path: path.join(shotDir, 'diagnostics_card.png')});

  // A TR-098 (HT803G) TR-069-only unit: "Actualiser" runs its hosts refresh through InternetGatewayDevice paths;
  // the client GenieACS had not read (the fleet's cpe_params) appears, and the status line says what the task did.
  const tr098 = fleet.devices.find((d) => d.model === 'HT803G' && !d.agent && d.online && d.cpe_params &&
                                          Object.keys(d.cpe_params).length);
  if (tr098) {
    await page.fill('#serial', tr098.serial);
    await page.click('#diagnose');
    await page.waitForSelector('#hosts details.node, #hosts p.muted, #hosts-error:not([hidden])', {timeout: 60000});
    const before = await page.$$eval('#hosts tr[data-mac]', (els) => els.length);
    const refreshed = page.waitForResponse((r) => /^\/devices\/.+\/hosts$/.test(new URL(r.url()).pathname) &&
                                                   new URL(r.url()).search.includes('refresh'), {timeout: 60000});
    await page.click('#refresh');
    const rr = await refreshed;
    const answer = await rr.json().catch(() => null);
    await page.waitForFunction(() => /Actualisation/.test(document.querySelector('#hosts-status').textContent || '') &&
                                     !document.querySelector('#hosts-section').hasAttribute('aria-busy'), null, {timeout: 60000});
    const status = await text('#hosts-status');
    const names = await page.$$eval('#hosts tr[data-mac] td:first-child', (els) => els.map((e) => e.textContent));
    check('TR-098 hosts refresh: the task is done and the new client shows', () => {
      assert.equal(rr.status(), 200);
      assert.equal(answer && answer.task && answer.task.status, 'done', JSON.stringify(answer && answer.task));
      assert.match(status, /Actualisation terminée/);
      assert.ok(names.includes('new-phone'), `rows: ${names.join(', ')}`);
      assert.equal(names.length, before + 1);
    });
    // Ping through GenieACS (InternetGatewayDevice.IPPingDiagnostics; the NBI simulator plays the CPE's answer).
    const trView = await json(`${info.hub_url}/devices/lookup?serial=${encodeURIComponent(tr098.serial)}`,
                              {Authorization: `Bearer ${token}`});
    const tping = await runFromCard(trView.id, 'ping', '192.0.2.1');
    check('TR-069 ping from the card goes through GenieACS and shows its result', () => {
      assert.equal(tping.rec.status, 'complete', JSON.stringify(tping.rec));
      assert.equal(tping.rec.route, 'genieacs');
      assert.equal(tping.rec.command, 'InternetGatewayDevice.IPPingDiagnostics');
      assert.ok(tping.words.startsWith(`Perte ${fr1(tping.rec.result.lossPercent)} % (${tping.rec.result.received}/` +
                                       `${tping.rec.result.sent} reçus)`), tping.words);
    });
    await page.locator('#diag-section').screenshot({path: path.join(shotDir, 'diagnostics_card_tr069.png')});
  } else {
    check('the fleet has a TR-098 unit with a client GenieACS has not read', () => assert.fail('none in the fleet'));
  }

  // A TR-069-only XX230v: every diagnostic through GenieACS (the NBI simulator plays the CPE). The Wi-Fi scan is drawn
  // as a channel chart per band with the device's own SSIDs (the hub's view of it) marked.
  const tr181 = fleet.devices.find((d) => d.model === 'XX230v' && !d.agent && d.online && d.serial === d.tr069_serial);
  if (tr181) {
    await page.fill('#serial', tr181.serial);
    const looked = page.waitForResponse((r) => new URL(r.url()).pathname === '/devices/lookup', {timeout: 60000});
    await page.click('#diagnose');
    const tv = await (await looked).json();
    await page.waitForSelector('#diag-section:not([hidden])', {timeout: 60000});
    const tr = await runFromCard(tv.id, 'traceroute', '198.51.100.20');
    const hopsShown = await page.$$eval(`${tr.sel} ol.hops li`, (els) => els.map((e) => e.textContent));
    check('TR-069 traceroute: the hops listed are the hub\'s, in order', () => {
      assert.equal(tr.rec.status, 'complete', JSON.stringify(tr.rec));
      assert.equal(hopsShown.length, tr.rec.result.hops.length);
      tr.rec.result.hops.forEach((x, i) => assert.ok(hopsShown[i].startsWith(x.address), `${hopsShown[i]} / ${x.address}`));
    });
    const dl = await runFromCard(tv.id, 'download');
    check('TR-069 download: Mb/s in words, the URL the hub\'s own TR-143 endpoint', () => {
      assert.equal(dl.rec.status, 'complete', JSON.stringify(dl.rec));
      assert.match(dl.rec.outputs.DownloadURL, /\/tr143\/download\?bytes=\d+$/);
      assert.ok(dl.words.startsWith(`${fr1(dl.rec.result.mbps)} Mb/s en descente`), dl.words);
    });
    const ws = await runFromCard(tv.id, 'wifiScan');
    const ours = new Set(((tv.wifi || {}).ssids || []).map((x) => x.ssid).filter(Boolean));
    const drawn = await page.$$eval(`${ws.sel} svg.chan-chart path.net`, (els) =>
      els.map((e) => ({ssid: e.dataset.ssid, ours: e.classList.contains('ours'), band: e.closest('svg').dataset.band})));
    check('Wi-Fi scan: one arc per network, per band, ours marked', () => {
      assert.equal(ws.rec.status, 'complete', JSON.stringify(ws.rec));
      const nets = ws.rec.result.networks;
      assert.equal(drawn.length, nets.length);
      assert.ok(new Set(drawn.map((d) => d.band)).size >= 2, JSON.stringify(drawn));
      for (const d of drawn) assert.equal(d.ours, ours.has(d.ssid), `${d.ssid} (ours: ${[...ours].join(', ')})`);
      assert.ok(drawn.some((d) => d.ours), `one of ours among ${JSON.stringify(drawn)} (ours: ${[...ours].join(', ')})`);
    });
    await page.locator('#diag-section').screenshot({path: path.join(shotDir, 'diagnostics_card_wifi.png')});
  } else {
    check('the fleet has an online TR-069-only XX230v', () => assert.fail('none in the fleet'));
  }

  // Unknown serial → "appareil introuvable".
  await page.fill('#serial', 'NOSUCHDEVICE123');
  await page.click('#diagnose');
  await page.waitForSelector('#error:not([hidden])', {timeout: 60000});
  const notFound = await text('#error-text');
  check('unknown serial → "Appareil introuvable"', () => assert.match(notFound, /Appareil introuvable/));

  // The hub itself, without the proxy's identity headers: the page explains the 401.
  const direct = await browser.newPage();
  await direct.goto(`${info.hub_url}/#${encodeURIComponent(dev.serial)}`, {waitUntil: 'load'});
  await direct.waitForSelector('#error:not([hidden])', {timeout: 60000});
  const denied = (await direct.textContent('#error-text')) || '';
  check('without the proxy (no identity) → the 401 explained', () => assert.match(denied, /401/));
  await direct.close();
}

let rc = 0;
try {
  await main();
  if (failures.length) rc = 1;
} catch (e) {
  console.error(`FAIL ${e.stack || e}`);
  rc = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopDemo();
}
console.log(rc === 0 ? 'csr_page: all checks passed' : `csr_page: FAILED (${failures.join('; ') || 'see above'})`);
process.exit(rc);
