// The built-in page of crm-index: customers (search as you type, one customer's records
// side by side), sources (sync health, refreshed every few seconds) and the change feed
// (live, by long-poll). It only reads the JSON API on the same origin.
//
// Safety rules this file keeps:
// - Every value from the API reaches the page as text (textContent / append(string) /
//   setAttribute), never as HTML: a record named <script>…</script> shows as that text.
// - Links to CRMs (web_url) are used only when they are http(s) URLs, and open in a new
//   tab without an opener or a referrer.
// - The API token, when one is needed, is typed in by the person and kept in this tab's
//   sessionStorage; it is sent only as "Authorization: Bearer" to this origin.
'use strict';

(() => {
  const TOKEN_KEY = 'crm-index.api-token';
  const PAGE_SIZE = 50;
  const SEARCH_DELAY_MS = 150;
  const SOURCES_REFRESH_MS = 3000;
  const CHANGES_SHOWN = 200;
  const CHANGES_WAIT = '25s';

  const $ = (id) => document.getElementById(id);

  // h('a', {href: '#/x', class: 'y'}, 'text', child, …): an element; children that are
  // strings become text nodes, null/undefined/false are left out.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  // An http(s) URL, or null (a javascript: or data: URL from a CRM is never a link).
  function safeUrl(u) {
    if (typeof u !== 'string' || u === '') return null;
    try {
      const url = new URL(u);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch {
      return null;
    }
  }

  const unique = (xs) => [...new Set(xs.filter((x) => x !== null && x !== undefined && x !== ''))];

  function when(iso) {
    if (!iso) return null;
    const d = new Date(iso);
    return isNaN(d) ? iso : d;
  }

  // "12 s ago", "in 4 min": short, for a table that refreshes.
  function relative(iso) {
    const d = when(iso);
    if (!(d instanceof Date)) return d || '—';
    const s = Math.round((d.getTime() - Date.now()) / 1000);
    const a = Math.abs(s);
    const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 172800
      ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`;
    return s > 1 ? `in ${text}` : a <= 1 ? 'now' : `${text} ago`;
  }

  function timeEl(iso, text) {
    if (!iso) return h('span', {class: 'sub'}, '—');
    const d = when(iso);
    const full = d instanceof Date ? d.toLocaleString() : String(iso);
    return h('time', {datetime: iso, title: `${full} (${iso})`}, text === undefined ? full : text);
  }

  // --- the API -----------------------------------------------------------------------

  class AuthNeeded extends Error {}

  async function api(path, signal) {
    const headers = {Accept: 'application/json'};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    // no-cache: revalidate with the ETag (a 304 costs no body), never show a stale list.
    const resp = await fetch(path, {headers, signal, cache: 'no-cache', credentials: 'omit'});
    if (resp.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken(token ? 'The index refused that token.' : '');
      throw new AuthNeeded('token needed');
    }
    let body = null;
    try {
      body = await resp.json();
    } catch {
      body = null;
    }
    if (!resp.ok) {
      const e = body && body.error;
      throw new Error(e ? `${e.code}: ${e.message}` : `HTTP ${resp.status}`);
    }
    return body;
  }

  const quiet = (e) => e instanceof AuthNeeded || (e && e.name === 'AbortError');

  // --- views and routing (#/customers?q=…, #/customers/c_1, #/sources, #/changes) ------

  const VIEWS = ['token', 'customers', 'customer', 'sources', 'changes'];
  let current = null;  // the shown view's {stop()}
  let lastQuery = '';

  function showView(name, title) {
    for (const v of VIEWS) $(`${v}-view`).hidden = v !== name;
    const nav = name === 'customer' ? 'customers' : name;
    for (const a of document.querySelectorAll('.top nav a'))
      if (a.dataset.view === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    document.title = title ? `${title} · crm-index` : 'crm-index';
    $('forget-token').hidden = !sessionStorage.getItem(TOKEN_KEY);
  }

  function route() {
    if (current) current.stop();
    current = null;
    const hash = location.hash || '#/customers';
    let m;
    if ((m = /^#\/customers\/(c_[0-9]+)$/.exec(hash))) current = customerView(m[1]);
    else if (hash === '#/sources') current = sourcesView();
    else if (hash === '#/changes') current = changesView();
    else {
      m = /^#\/customers\?q=(.*)$/.exec(hash);
      let q = '';
      try {
        q = m ? decodeURIComponent(m[1]) : '';
      } catch {
        q = '';  // a damaged link: start with an empty search
      }
      current = customersView(q);
    }
  }

  function askForToken(message) {
    if (current) current.stop();
    current = {stop() {}};
    showView('token', 'API token');
    $('token-error').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  function setupToken() {
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = $('token').value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      $('token').value = '';
      route();
    });
    $('forget-token').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      route();
    });
  }

  // --- customers -----------------------------------------------------------------------

  function customerItem(c) {
    const live = c.members.filter((m) => !m.deleted_at);
    const shown = live.length ? live : c.members;
    const sources = unique(shown.map((m) => m.source));
    const typeOf = (s) => (shown.find((m) => m.source === s) || {}).crm_type;
    // E-mails differ in capitals only across CRMs more often than not: show one of each.
    const emails = [...new Map(unique(shown.map((m) => m.email)).map((e) => [e.toLowerCase(), e])).values()];
    const phones = unique(shown.map((m) => m.phone));
    const meta = [...emails, ...phones].join(' · ');
    return h('li', {'data-customer': c.id},
      h('a', {class: 'customer', href: `#/customers/${encodeURIComponent(c.id)}`},
        h('span', {class: 'name'}, c.name || '(no name)'),
        h('span', {class: 'badges', 'aria-label': `in ${sources.length} CRM${sources.length === 1 ? '' : 's'}`},
          sources.map((s) => h('span', {class: live.length ? 'badge' : 'badge gone', 'data-source': s,
            title: typeOf(s)}, s))),
        meta ? h('div', {class: 'meta'}, meta) : null));
  }

  function customersView(query) {
    showView('customers', 'Customers');
    lastQuery = query;
    const input = $('q');
    const list = $('customers-list');
    const more = $('customers-more');
    const status = (t) => { $('customers-status').textContent = t; };
    if (input.value !== query) input.value = query;
    let ctl = null;
    let timer = null;
    let next = null;
    let shown = 0;

    async function load(reset) {
      if (ctl) ctl.abort();
      const mine = (ctl = new AbortController());
      const q = input.value.trim();
      const params = new URLSearchParams({limit: String(PAGE_SIZE)});
      if (q) params.set('q', q);
      if (!reset && next) params.set('after', next);
      more.disabled = true;
      status(q ? 'Searching…' : 'Loading…');
      try {
        const page = await api(`/v1/customers?${params}`, mine.signal);
        if (reset) {
          list.replaceChildren();
          shown = 0;
        }
        list.append(...page.items.map(customerItem));
        shown += page.items.length;
        next = page.next;
        more.hidden = !next;
        const what = q ? `matching “${q}”` : '';
        status(shown === 0 ? `No customers ${what}.` : `${shown}${next ? '+' : ''} customers ${what}`.trim());
      } catch (e) {
        if (!quiet(e)) status(`Could not load customers: ${e.message}`);
      } finally {
        if (ctl === mine) more.disabled = false;
      }
    }

    function onInput() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        lastQuery = input.value.trim();
        const hash = lastQuery ? `#/customers?q=${encodeURIComponent(lastQuery)}` : '#/customers';
        history.replaceState(null, '', hash);  // the Back button returns to this search
        next = null;
        load(true);
      }, SEARCH_DELAY_MS);
    }
    const onMore = () => load(false);
    input.addEventListener('input', onInput);
    more.addEventListener('click', onMore);
    load(true);
    input.focus();
    return {
      stop() {
        clearTimeout(timer);
        if (ctl) ctl.abort();
        input.removeEventListener('input', onInput);
        more.removeEventListener('click', onMore);
      },
    };
  }

  const RECORD_FIELDS = [
    ['kind', 'Kind'], ['external_id', 'Id'], ['name', 'Name'], ['given_name', 'Given name'],
    ['family_name', 'Family name'], ['email', 'E-mail'], ['phone', 'Phone'], ['company', 'Company'],
    ['national_id', 'National id'], ['country', 'Country'], ['remote_updated_at', 'Updated in CRM'], ['changed_at', 'Changed here'],
    ['first_seen', 'First seen'], ['deleted_at', 'Deleted'], ['merged_into', 'Merged into'],
  ];
  const TIME_FIELDS = new Set(['remote_updated_at', 'changed_at', 'first_seen', 'deleted_at']);

  function memberCard(m) {
    const rows = [];
    for (const [key, label] of RECORD_FIELDS) {
      const v = m[key];
      if (v === null || v === undefined || v === '') continue;
      rows.push(h('dt', null, label), h('dd', null, TIME_FIELDS.has(key) ? timeEl(v) : v));
    }
    for (const [key, v] of Object.entries(m.extra || {})) {
      if (v === null || v === undefined) continue;
      rows.push(h('dt', null, key), h('dd', null, typeof v === 'string' ? v : JSON.stringify(v)));
    }
    const url = safeUrl(m.web_url);
    const edit = url
      ? h('a', {class: 'edit', href: url, target: '_blank', rel: 'noopener noreferrer'}, `Edit in ${m.source}`,
          h('span', {class: 'visually-hidden'}, ' (opens in a new tab)'))
      : h('span', {class: 'sub'}, 'no link to the CRM');
    return h('article', {class: m.deleted_at ? 'member card deleted' : 'member card',
      'data-source': m.source, 'data-external-id': m.external_id},
      h('header', null,
        h('h2', null, m.source, ' ', h('span', {class: 'badge', title: 'CRM type'}, m.crm_type)), edit),
      h('dl', null, rows),
      h('section', {class: 'live', 'aria-live': 'polite'}));
  }

  // The member's record as its own CRM has it now (GET …/live), shown in its card; asked
  // only for sources that say `live: true` in /v1/sources.
  async function liveFill(card, m, signal) {
    const box = card.querySelector('.live');
    const path = `/v1/records/${encodeURIComponent(m.source)}/${encodeURIComponent(m.external_id)}/live`;
    box.replaceChildren(h('p', {class: 'sub', role: 'status'}, `Asking ${m.source} for its current record…`));
    try {
      const live = await api(path, signal);
      const rows = [];
      for (const [key, v] of Object.entries(live.crm || {})) {
        rows.push(h('dt', null, key),
          h('dd', null, v === null ? h('span', {class: 'sub'}, '—') : typeof v === 'string' ? v : JSON.stringify(v)));
      }
      box.replaceChildren(
        h('h3', null, `Live in ${m.source} `, h('span', {class: 'sub'}, '(', timeEl(live.fetched_at, relative(live.fetched_at)), ')')),
        live.crm === null ? h('p', {class: 'error'}, `${m.source} no longer has this record: the index now shows it as deleted.`)
          : rows.length ? h('dl', null, rows) : h('p', {class: 'sub'}, 'No live fields are configured for this source.'),
        live.repaired ? h('p', {class: 'note'}, 'The index was behind the CRM and has been brought up to date.') : null);
      card.classList.add('has-live');
    } catch (e) {
      if (quiet(e)) return;
      card.classList.add('crm-unreachable');
      box.replaceChildren(h('p', {class: 'error', role: 'alert'},
        h('strong', null, 'CRM unreachable. '), `${m.source} could not be asked for its current record (${e.message}). `,
        'The fields above are what the index last synced.'));
    }
  }

  function refText(ref) {
    return ref && ref.source ? `${ref.source}:${ref.external_id}` : '?';
  }

  function customerDetail(c) {
    const sources = unique(c.members.map((m) => m.source));
    const heading = h('h1', {tabindex: '-1'}, c.name || '(no name)');
    const reasons = c.reasons.length
      ? h('ul', {class: 'reasons'}, c.reasons.map((r) =>
        h('li', null, h('strong', null, r.rule), r.value ? [' ', h('span', {class: 'mono'}, r.value)] : null,
          ` links ${refText(r.a)} and ${refText(r.b)}`)))
      : h('p', {class: 'sub'}, 'One record: nothing links it to another.');
    return [heading,
      h('p', {class: 'sub'}, `${c.id} · ${c.members.length} record${c.members.length === 1 ? '' : 's'} in `,
        `${sources.length} CRM${sources.length === 1 ? '' : 's'}`),
      h('h2', null, 'Why these records are one customer'), reasons,
      h('h2', {class: 'visually-hidden'}, 'Records'),
      h('div', {class: 'members'}, c.members.map(memberCard))];
  }

  function customerView(id) {
    showView('customer', id);
    $('customer-back').setAttribute('href', lastQuery ? `#/customers?q=${encodeURIComponent(lastQuery)}` : '#/customers');
    const box = $('customer-detail');
    box.replaceChildren(h('p', {class: 'status', role: 'status'}, 'Loading…'));
    const ctl = new AbortController();
    // Which sources answer live reads: only their members are asked of their CRM.
    const liveSources = api('/v1/sources', ctl.signal)
      .then((s) => new Set(s.items.filter((x) => x.live).map((x) => x.name)))
      .catch(() => new Set());
    api(`/v1/customers/${encodeURIComponent(id)}`, ctl.signal).then(async (c) => {
      box.replaceChildren(...customerDetail(c));
      document.title = `${c.name || c.id} · crm-index`;
      box.querySelector('h1').focus();
      const live = await liveSources;
      for (const card of box.querySelectorAll('article.member')) {
        const m = c.members.find((x) => x.source === card.dataset.source && x.external_id === card.dataset.externalId);
        if (m && !m.deleted_at && live.has(m.source)) liveFill(card, m, ctl.signal);
      }
    }).catch((e) => {
      if (!quiet(e)) box.replaceChildren(h('p', {class: 'error', role: 'alert'}, `Could not load ${id}: ${e.message}`));
    });
    return {stop() { ctl.abort(); }};
  }

  // --- sources -------------------------------------------------------------------------

  // ok / failing / running, plus the cases a table must not hide.
  function sourceStatus(s) {
    if (!s.configured) return 'removed';
    if (!s.enabled) return 'disabled';
    // The CRM refuses the source (credentials, permissions, a setting): a person must act.
    if (s.needs_attention) return 'needs-attention';
    const lastFailed = s.last_run && s.last_run.status === 'failed';
    if (s.consecutive_failures > 0 || (lastFailed && !s.running)) return 'failing';
    if (s.running) return 'running';
    if (!s.last_run) return 'pending';
    if (s.stale) return 'stale';
    return 'ok';
  }

  function runCounts(r) {
    if (!r) return h('span', {class: 'sub'}, 'never ran');
    const counts = ['fetched', 'created', 'updated', 'unchanged', 'deleted', 'skipped']
      .map((k) => `${k} ${r[k]}`).join(' · ');
    return [h('div', null, counts),
      h('div', {class: 'sub'}, `${r.mode} run, ${r.status}, started `, timeEl(r.started_at, relative(r.started_at)))];
  }

  function sourceRow(s) {
    const st = sourceStatus(s);
    const r = s.last_run;
    const err = r && r.error;
    const td = (label, ...c) => h('td', {'data-label': label}, ...c);
    return h('tr', {class: st, 'data-source': s.name},
      td('Source', h('strong', null, s.name), h('div', {class: 'sub'}, s.type)),
      td('Status', h('span', {class: `pill ${st}`}, st),
        st === 'failing' ? h('div', {class: 'sub'},
          `${s.consecutive_failures} failure${s.consecutive_failures === 1 ? '' : 's'} in a row${s.running ? ', retrying now' : ''}`)
          : st === 'needs-attention' ? h('div', {class: 'sub'},
            `${s.needs_attention.kind === 'auth' ? 'the CRM refuses the credentials' : 'the CRM rejects the configuration'}`
            + '; fix it and reload the configuration (SIGHUP) to retry now')
          : null),
      td('Last success', s.last_success_at ? timeEl(s.last_success_at, relative(s.last_success_at))
        : h('span', {class: 'sub'}, 'never')),
      td('Next run', s.running ? 'running now' : timeEl(s.next_run_at, relative(s.next_run_at))),
      td('Last run', runCounts(r)),
      td('Records', String(s.records), s.deleted ? h('div', {class: 'sub'}, `${s.deleted} deleted`) : null),
      td('Last error', err ? h('pre', {class: 'last-error'}, err) : h('span', {class: 'sub'}, '—')));
  }

  function sourcesView() {
    showView('sources', 'Sources');
    let timer = null;
    let ctl = null;
    let stopped = false;
    async function tick() {
      ctl = new AbortController();
      try {
        const body = await api('/v1/sources', ctl.signal);
        const items = body.items;
        const failing = items.filter((s) => ['failing', 'needs-attention'].includes(sourceStatus(s))).map((s) => s.name);
        const attention = items.filter((s) => sourceStatus(s) === 'needs-attention').map((s) => s.name);
        const ok = items.filter((s) => sourceStatus(s) === 'ok').length;
        let summary = `${items.length} source${items.length === 1 ? '' : 's'}: ${ok} ok`;
        if (failing.length) summary += `, ${failing.length} failing (${failing.join(', ')})`;
        if (attention.length) summary += `, ${attention.length} need${attention.length === 1 ? 's' : ''} attention (${attention.join(', ')})`;
        $('sources-summary').textContent = `${summary}. Updated ${new Date().toLocaleTimeString()}.`;
        $('sources-summary').className = failing.length ? 'status error' : 'status';
        // Redrawn every time: the relative times move on even when nothing else changed.
        $('sources-body').replaceChildren(...items.map(sourceRow));
      } catch (e) {
        if (e instanceof AuthNeeded) return;
        if (!quiet(e)) $('sources-summary').textContent = `Could not load sources: ${e.message}`;
      }
      if (!stopped) timer = setTimeout(tick, SOURCES_REFRESH_MS);
    }
    tick();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
        if (ctl) ctl.abort();
      },
    };
  }

  // --- changes -------------------------------------------------------------------------

  function changeItem(c) {
    const r = c.record || {};
    const who = r.customer_id
      ? h('a', {href: `#/customers/${encodeURIComponent(r.customer_id)}`}, r.name || r.customer_id)
      : (r.name || '(no name)');
    const mark = c.mark
      ? h('div', {class: 'sub'}, `${c.mark.op} with ${c.mark.other.source}:${c.mark.other.external_id}`,
        c.mark.note ? ` — ${c.mark.note}` : '')
      : null;
    return h('li', {'data-seq': c.seq},
      timeEl(c.at),
      h('span', {class: `op ${c.op}`}, c.op),
      h('span', {class: 'what'}, who, ' ', h('span', {class: 'sub'}, `${c.source}:${c.external_id}`), mark));
  }

  function changesView() {
    showView('changes', 'Changes');
    const list = $('changes-list');
    const status = (t) => { $('changes-status').textContent = t; };
    list.replaceChildren();
    const ctl = new AbortController();
    let stopped = false;

    function add(items) {
      for (const c of items) list.prepend(changeItem(c));  // newest first
      while (list.children.length > CHANGES_SHOWN) list.lastElementChild.remove();
    }

    async function follow() {
      let after = null;  // null: not primed yet
      let pause = 1000;
      while (!stopped) {
        try {
          let page;
          if (after === null) {
            // The feed's last seq, then the page that ends there; long-polls after it.
            const head = await api('/v1/changes?limit=1', ctl.signal);
            const from = Math.max(0, head.last_seq - PAGE_SIZE);
            page = await api(`/v1/changes?after=${from}&limit=${PAGE_SIZE}`, ctl.signal);
            after = from;
          } else {
            page = await api(`/v1/changes?after=${after}&limit=${PAGE_SIZE}&wait=${CHANGES_WAIT}`, ctl.signal);
          }
          add(page.items);
          if (page.items.length) after = Math.max(after, page.items[page.items.length - 1].seq);
          status(`Live: ${list.children.length ? 'newest first' : 'no changes yet'}; waiting for more (after #${after}).`);
          pause = 1000;
        } catch (e) {
          if (quiet(e)) return;
          status(`Could not read the change feed: ${e.message}. Trying again…`);
          await new Promise((res) => setTimeout(res, pause));
          pause = Math.min(pause * 2, 30000);
        }
      }
    }
    follow();
    return {
      stop() {
        stopped = true;
        ctl.abort();
      },
    };
  }

  // --- start ---------------------------------------------------------------------------

  function start() {
    setupToken();
    $('search-form').addEventListener('submit', (ev) => ev.preventDefault());
    window.addEventListener('hashchange', route);
    route();
  }

  start();
})();
