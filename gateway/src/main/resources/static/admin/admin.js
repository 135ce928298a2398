// Pullmail admin dashboard: static pages, the admin REST API, no build step.
'use strict';

const TOKEN = 'pullmail.admin.token';

function token() {
  const t = sessionStorage.getItem(TOKEN);
  if (!t) return null;
  try {
    const claims = JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    if (claims.exp * 1000 < Date.now()) { sessionStorage.removeItem(TOKEN); return null; }
    return t;
  } catch (e) { return null; }
}

function claimsOf(t) {
  return JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
}

function showProblem(text) {
  const p = document.getElementById('problem');
  if (!p) return;
  p.textContent = text || '';
  p.hidden = !text;
}

async function api(method, path, body) {
  const headers = { 'Authorization': 'Bearer ' + token() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) { sessionStorage.removeItem(TOKEN); location.href = '/admin/login.html'; throw new Error('logged out'); }
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) {
    const message = (data && (data.detail || data.title)) || ('the server answered ' + r.status);
    showProblem(message);
    throw new Error(message);
  }
  showProblem('');
  return data;
}

/** Every entry of a paged list: follows each answer's "next" cursor to the last page. */
async function allPages(path, field) {
  const entries = [];
  let cursor = null;
  do {
    const data = await api('GET', path + (path.includes('?') ? '&' : '?') + 'limit=500'
      + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    entries.push(...data[field]);
    cursor = data.next;
  } while (cursor);
  return entries;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.substring(2), v); else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
  return e;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
  if (!rows.length) tbody.append(el('tr', {}, el('td', { colspan: 8 }, 'Nothing here.')));
}

function when(iso) { return iso ? new Date(iso).toLocaleString() : '–'; }
const sum = (a) => (a || []).reduce((x, y) => x + y, 0);

// ---------- pages ----------

const pages = {
  async login() {
    document.getElementById('login').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = ev.target;
      const r = await fetch('/api/v1/auth/token', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ address: f.address.value, password: f.password.value }) });
      const data = await r.json();
      if (!r.ok) { showProblem(data.detail || 'Login failed'); return; }
      if (!(claimsOf(data.access_token).roles || []).includes('ADMIN')) { showProblem('This account is not an admin.'); return; }
      sessionStorage.setItem(TOKEN, data.access_token);
      location.href = '/admin/';
    });
  },

  async overview() {
    let chart;
    async function refresh() {
      const o = await api('GET', '/api/v1/admin/overview?minutes=60');
      document.getElementById('domain').textContent = o.domain;
      document.getElementById('services').replaceChildren(...o.services.map(s =>
        el('article', { 'data-service': s.name }, el('small', {}, s.name), el('p', { class: 'big status-' + s.status }, s.status))));
      const stats = Object.fromEntries(o.services.map(s => [s.name, s.stats || { series: [], gauges: {} }]));
      const series = (svc, name) => ((stats[svc].series || []).find(x => x.name === name) || { counts: [] }).counts;
      const gauge = (svc, name) => (stats[svc].gauges || {})[name] ?? '–';
      const sent = series('notifier-service', 'notifications_sent');
      const received = series('inbox-service', 'notifications_received');
      const fetches = series('outbox-service', 'fetches_served');
      const declines = series('inbox-service', 'declines');
      const failures = series('notifier-service', 'notifications_failed');
      document.getElementById('c-sent').textContent = sum(sent);
      document.getElementById('c-received').textContent = sum(received);
      document.getElementById('c-fetches').textContent = sum(fetches);
      document.getElementById('c-declines').textContent = sum(declines);
      document.getElementById('c-failures').textContent = sum(failures);
      document.getElementById('q-pending').textContent = gauge('notifier-service', 'queue_pending');
      document.getElementById('q-retrying').textContent = gauge('notifier-service', 'queue_retrying');
      document.getElementById('q-failed').textContent = gauge('notifier-service', 'queue_failed');
      document.getElementById('q-requests').textContent = gauge('inbox-service', 'requests_waiting');
      document.getElementById('q-jobs').textContent = gauge('inbox-service', 'jobs_pending');
      document.getElementById('q-smtp-in').textContent = gauge('smtp-bridge', 'legacy_messages_waiting');
      document.getElementById('q-smtp-out').textContent = gauge('smtp-bridge', 'smtp_queue_pending');
      const labels = sent.map((_, i) => (i - sent.length + 1) + ' min');
      const datasets = [['sent', sent], ['received', received], ['fetches', fetches], ['declines', declines], ['failures', failures]]
        .map(([label, data]) => ({ label, data, tension: 0.3, pointRadius: 0 }));
      if (window.Chart) {
        if (!chart) {
          chart = new Chart(document.getElementById('chart'), { type: 'line', data: { labels, datasets },
            options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
        } else { chart.data.labels = labels; chart.data.datasets.forEach((d, i) => d.data = datasets[i].data); chart.update(); }
      }
      document.body.dataset.loaded = 'true';
    }
    await refresh();
    setInterval(() => refresh().catch(() => {}), 5000);
  },

  async accounts() {
    const tbody = document.querySelector('[data-testid=accounts] tbody');
    const dialog = document.getElementById('account-dialog');
    let current;
    async function load() {
      const q = document.getElementById('search').value;
      const accounts = await allPages('/api/v1/admin/accounts' + (q ? '?q=' + encodeURIComponent(q) : ''), 'accounts');
      fill(tbody, accounts.map(a => el('tr', { 'data-address': a.address },
        el('td', {}, a.address), el('td', {}, a.roles.join(', ')),
        el('td', {}, a.disabled ? 'disabled' : (a.provisioned ? 'active' : 'provisioning')),
        el('td', {},
          el('button', { class: 'secondary', 'data-action': 'toggle', onclick: async () => {
            await api('PUT', '/api/v1/admin/accounts/' + encodeURIComponent(a.address) + '/disabled', { disabled: !a.disabled });
            load(); } }, a.disabled ? 'Enable' : 'Disable'),
          el('button', { class: 'outline', 'data-action': 'details', onclick: () => open(a.address) }, 'Limits & password')))));
      document.body.dataset.loaded = 'true';
    }
    async function open(address) {
      current = address;
      document.getElementById('account-title').textContent = address;
      const info = await api('GET', '/api/v1/admin/outbox/accounts/' + encodeURIComponent(address));
      document.getElementById('account-storage').textContent = 'Stores ' + info.stored_bytes + ' bytes of a '
        + info.limits.quota_bytes + '-byte quota.';
      const f = document.getElementById('limits-form');
      for (const k of ['messages_per_hour', 'messages_per_day', 'recipients', 'quota_bytes']) f[k].value = info.limits[k];
      dialog.showModal();
    }
    document.querySelectorAll('.close-dialog').forEach(b => b.addEventListener('click', () => dialog.close()));
    document.getElementById('limits-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = ev.target; const body = {};
      for (const k of ['messages_per_hour', 'messages_per_day', 'recipients', 'quota_bytes']) body[k] = f[k].value === '' ? null : Number(f[k].value);
      await api('PUT', '/api/v1/admin/outbox/accounts/' + encodeURIComponent(current) + '/limits', body);
      dialog.close();
    });
    document.getElementById('password-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await api('POST', '/api/v1/admin/accounts/' + encodeURIComponent(current) + '/password', { password: ev.target.password.value });
      ev.target.reset(); dialog.close();
    });
    document.getElementById('create-account').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = ev.target;
      await api('POST', '/api/v1/admin/accounts', { address: f.address.value, password: f.password.value, admin: f.admin.checked });
      f.reset(); load();
    });
    document.getElementById('search').addEventListener('input', () => load());
    await load();
  },

  async queue() {
    const tbody = document.querySelector('[data-testid=queue] tbody');
    let state = 'retrying';
    async function load() {
      const data = await api('GET', '/api/v1/admin/queue?state=' + state);
      for (const k of ['pending', 'retrying', 'failed']) document.getElementById('d-' + k).textContent = '(' + data.depths[k] + ')';
      document.querySelectorAll('#queue-tabs button').forEach(b => b.classList.toggle('outline', b.dataset.state !== state));
      fill(tbody, data.entries.map(e => el('tr', { 'data-id': e.id },
        el('td', {}, e.recipient_domain), el('td', {}, e.sender), el('td', {}, e.attempts),
        el('td', {}, e.state === 'failed' ? 'gave up ' + when(e.failed_at) : when(e.next_attempt_at)),
        el('td', { class: 'error' }, e.last_error || ''),
        el('td', {},
          el('button', { 'data-action': 'resend', onclick: async () => { await api('POST', '/api/v1/admin/queue/' + e.id + '/resend'); load(); } }, 'Resend now'),
          e.state === 'failed' ? '' : el('button', { class: 'secondary', 'data-action': 'drop',
            onclick: async () => { await api('DELETE', '/api/v1/admin/queue/' + e.id); load(); } }, 'Drop')))));
      document.body.dataset.loaded = 'true';
    }
    document.querySelectorAll('#queue-tabs button').forEach(b => b.addEventListener('click', () => { state = b.dataset.state; load(); }));
    document.getElementById('bulk').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const domain = encodeURIComponent(ev.target.domain.value);
      if (ev.submitter.value === 'resend') await api('POST', '/api/v1/admin/queue/resend?domain=' + domain);
      else await api('DELETE', '/api/v1/admin/queue?domain=' + domain);
      load();
    });
    await load();
    setInterval(() => load().catch(() => {}), 5000);
  },

  async inbound() {
    async function rule(list, entry) {
      await api('PUT', '/api/v1/admin/inbound/' + list + '/' + encodeURIComponent(entry));
      load();
    }
    async function load() {
      const [senders, rules, bulk, policy, waits] = await Promise.all([api('GET', '/api/v1/admin/inbound/senders'),
        api('GET', '/api/v1/admin/inbound/rules'), api('GET', '/api/v1/admin/inbound/bulk'), api('GET', '/api/v1/admin/inbound/policy'),
        api('GET', '/api/v1/admin/inbound/requests')]);
      const wait = seconds => seconds === null || seconds === undefined ? '–'
        : seconds < 3600 ? Math.round(seconds / 60) + ' min' : (seconds / 3600).toFixed(1) + ' h';
      fill(document.querySelector('[data-testid=request-waits] tbody'), [
        el('tr', { 'data-waits': 'waiting' }, el('th', {}, 'Waiting now'), el('td', {}, waits.waiting.count),
          el('td', {}, wait(waits.waiting.median_seconds)), el('td', {}, wait(waits.waiting.p90_seconds))),
        el('tr', { 'data-waits': 'decided' }, el('th', {}, 'Decided in the last 7 days'), el('td', {}, waits.decided.count),
          el('td', {}, wait(waits.decided.median_seconds)), el('td', {}, wait(waits.decided.p90_seconds)))]);
      document.querySelector('#stranger-form select').value = policy.stranger_policy;
      fill(document.querySelector('[data-testid=senders] tbody'), senders.senders.map(s => el('tr', { 'data-sender': s.sender },
        el('td', {}, s.sender), el('td', {}, s.received), el('td', {}, s.fetched),
        el('td', {}, s.fetch_ratio === null || s.fetch_ratio === undefined ? '–' : Math.round(s.fetch_ratio * 100) + ' %'),
        el('td', {}, s.declined), el('td', {}, s.spam), el('td', {}, s.refused),
        el('td', {}, el('button', { class: 'secondary', 'data-action': 'block', onclick: () => rule('blocklist', s.sender) }, 'Block'),
          el('button', { class: 'outline', 'data-action': 'allow', onclick: () => rule('allowlist', s.sender) }, 'Allow')))));
      fill(document.querySelector('[data-testid=rules] tbody'), rules.rules.map(r => el('tr', { 'data-entry': r.entry },
        el('td', {}, r.entry), el('td', {}, r.kind === 'allow' ? 'partner' : 'blocked'), el('td', {}, r.created_by),
        el('td', {}, el('button', { class: 'outline', 'data-action': 'remove', onclick: async () => {
          await api('DELETE', '/api/v1/admin/inbound/' + (r.kind === 'block' ? 'blocklist' : 'allowlist') + '/' + encodeURIComponent(r.entry));
          load(); } }, 'Remove')))));
      fill(document.querySelector('[data-testid=bulk] tbody'), bulk.digests.map(d => el('tr', {},
        el('td', {}, el('code', {}, d.digest.substring(0, 24) + '…')), el('td', {}, d.sender), el('td', {}, d.recipients),
        el('td', {}, when(d.last_seen)))));
      document.body.dataset.loaded = 'true';
    }
    document.getElementById('rule-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await rule(ev.submitter.value, ev.target.entry.value);
      ev.target.reset();
    });
    document.getElementById('stranger-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await api('PUT', '/api/v1/admin/inbound/policy', { stranger_policy: ev.target.stranger_policy.value });
    });
    await load();
  },

  async keys() {
    const row = k => el('tr', { 'data-kid': k.kid }, el('td', {}, el('code', {}, k.kid)), el('td', {}, k.state),
      el('td', {}, when(k.created_at)), el('td', {}, k.state === 'retired' ? when(k.retired_until) : '–'));
    // a DKIM record as a zone file line: the TXT value in strings of at most 255 bytes each (RFC 1035)
    const dkimRow = k => el('tr', { 'data-selector': k.selector }, el('td', {}, el('code', {}, k.selector)),
      el('td', {}, k.active ? 'signing' : el('button', { class: 'activate-dkim', 'data-selector': k.selector },
        'Activate (its record is published)')), el('td', {}, when(k.created_at)),
      el('td', {}, el('code', { class: 'dns-record' },
        k.record_name + '. IN ' + k.record_type + ' ' + k.record_strings.map(x => '"' + x + '"').join(' '))));
    async function load() {
      const [notifier, inbox, dkim] = await Promise.all([api('GET', '/api/v1/admin/keys'),
        api('GET', '/api/v1/admin/inbound/keys'), api('GET', '/api/v1/admin/smtp/dkim')]);
      fill(document.querySelector('[data-testid=notifier-keys] tbody'), notifier.keys.map(row));
      fill(document.querySelector('[data-testid=inbox-keys] tbody'), inbox.keys.map(row));
      fill(document.querySelector('[data-testid=dkim-keys] tbody'), dkim.keys.map(dkimRow));
      document.body.dataset.loaded = 'true';
    }
    document.getElementById('rotate-notifier').addEventListener('click', async () => { await api('POST', '/api/v1/admin/keys/rotate'); load(); });
    document.getElementById('rotate-inbox').addEventListener('click', async () => { await api('POST', '/api/v1/admin/inbound/keys/rotate'); load(); });
    document.getElementById('rotate-dkim').addEventListener('click', async () => { await api('POST', '/api/v1/admin/smtp/dkim/rotate'); load(); });
    document.querySelector('[data-testid=dkim-keys]').addEventListener('click', async (ev) => {
      const selector = ev.target.dataset && ev.target.dataset.selector;
      if (ev.target.classList.contains('activate-dkim') && selector) {
        await api('POST', '/api/v1/admin/smtp/dkim/' + encodeURIComponent(selector) + '/activate');
        load();
      }
    });
    await load();
  },

  async audit() {
    const data = await api('GET', '/api/v1/admin/audit?limit=200');
    fill(document.querySelector('[data-testid=audit] tbody'), data.entries.map(e => el('tr', {},
      el('td', {}, when(e.at)), el('td', {}, e.actor), el('td', {}, e.method + ' ' + e.path), el('td', {}, e.status),
      el('td', { class: 'error' }, e.detail || ''))));
    document.body.dataset.loaded = 'true';
  },
};

const NAVIGATION = [['/admin/', 'Overview'], ['/admin/accounts.html', 'Accounts'], ['/admin/queue.html', 'Queue'],
  ['/admin/inbound.html', 'Inbound'], ['/admin/keys.html', 'Keys'], ['/admin/audit.html', 'Audit'], ['/admin/api', 'API']];

/** The same navigation on every page, written once here. */
function navigation() {
  const header = document.getElementById('navigation');
  if (!header) return;
  header.replaceChildren(el('nav', {},
    el('ul', {}, el('li', {}, el('strong', {}, 'Pullmail'), ' ', el('small', { id: 'domain' }))),
    el('ul', { class: 'links' },
      ...NAVIGATION.map(([href, label]) => el('li', {}, el('a', { href }, label))),
      el('li', {}, el('a', { href: '#', id: 'logout' }, 'Log out')))));
}

document.addEventListener('DOMContentLoaded', () => {
  const page = document.body.dataset.page;
  if (page !== 'login') {
    if (!token()) { location.href = '/admin/login.html'; return; }
    navigation();
    const logout = document.getElementById('logout');
    if (logout) logout.addEventListener('click', (ev) => { ev.preventDefault(); sessionStorage.removeItem(TOKEN); location.href = '/admin/login.html'; });
    const current = location.pathname.replace(/\/$/, '/index.html');
    document.querySelectorAll('nav .links a').forEach(a => {
      if (current.endsWith(a.getAttribute('href').replace(/\/admin\/$/, '/admin/index.html'))) a.setAttribute('aria-current', 'page');
    });
  }
  pages[page]().catch(e => showProblem(e.message));
});
