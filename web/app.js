// The built-in page of crm-index: customers (search as you type, facets by CRM and by
// records per customer, sort; one customer's summary and records side by side), a review
// queue of suggestions, sources (sync health and the last runs, refreshed every few
// seconds) and the change feed (live, by long-poll). It reads the JSON API on the same
// origin; the only thing it writes is marks (POST/DELETE /v1/marks), with a write token.
//
// Safety rules this file keeps:
// - Every value from the API reaches the page as text (textContent / append(string) /
//   setAttribute), never as HTML: a record named <script>…</script> shows as that text.
// - Links to CRMs (web_url) are used only when they are http(s) URLs, and open in a new
//   tab without an opener or a referrer.
// - The API token, when one is needed, is typed in by the person and kept in this tab's
//   sessionStorage; it is sent only as "Authorization: Bearer" to this origin.
// - The write token has its own key and is sent only with POST/DELETE /v1/marks; every
//   read goes with the read token.
'use strict';

(() => {
  const TOKEN_KEY = 'crm-index.api-token';
  const WRITE_TOKEN_KEY = 'crm-index.write-token';
  const PAGE_SIZE = 50;
  const SEARCH_DELAY_MS = 150;
  const SOURCES_REFRESH_MS = 3000;
  const CHANGES_SHOWN = 200;
  const CHANGES_WAIT = '25s';
  const RUNS_SHOWN = 20;
  const SUGGESTION_PAGES = 5;  // a customer's own suggestions: at most this many pages of 1000 are read

  const $ = (id) => document.getElementById(id);
  const SVG_NS = 'http://www.w3.org/2000/svg';

  function build(el, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  // h('a', {href: '#/x', class: 'y'}, 'text', child, …): an element; children that are
  // strings become text nodes, null/undefined/false are left out.
  const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
  // The same for the sources' run charts (inline SVG).
  const svg = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

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
  const plural = (n, one, many) => `${n.toLocaleString('en')} ${n === 1 ? one : (many || `${one}s`)}`;
  const refOf = (r) => `${r.source}:${r.external_id}`;

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
  // A write the index refused for its token (403, or 401 for a token it does not know).
  class WriteRefused extends Error {}

  const errorText = (body, status) => {
    const e = body && body.error;
    return e ? `${e.code}: ${e.message}` : `HTTP ${status}`;
  };

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
      const err = new Error(errorText(body, resp.status));
      err.status = resp.status;
      throw err;
    }
    return body;
  }

  const canWrite = () => Boolean(sessionStorage.getItem(WRITE_TOKEN_KEY));

  // POST or DELETE on /v1/marks: the only writes, and the only requests that carry the
  // write token (never the read token: a 403 then says this tab cannot write).
  async function writeMarks(method, path, body) {
    const headers = {Accept: 'application/json'};
    const token = sessionStorage.getItem(WRITE_TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body) headers['Content-Type'] = 'application/json';
    const resp = await fetch(path, {method, headers, body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store', credentials: 'omit'});
    let data = null;
    if (resp.status !== 204) {
      try {
        data = await resp.json();
      } catch {
        data = null;
      }
    }
    if (resp.ok) return data;
    const Kind = resp.status === 403 || resp.status === 401 ? WriteRefused : Error;
    throw new Kind(errorText(data, resp.status));
  }

  const postMark = (op, a, b, note) => writeMarks('POST', '/v1/marks', {op, a, b, note: note || ''});
  const deleteMark = (id) => writeMarks('DELETE', `/v1/marks/${encodeURIComponent(id)}`);

  const quiet = (e) => e instanceof AuthNeeded || (e && e.name === 'AbortError');

  // --- views and routing (#/customers?q=…&source=…, #/customers/c_1, #/review, …) -----

  const VIEWS = ['token', 'write-token', 'customers', 'customer', 'review', 'sources', 'changes'];
  let current = null;  // the shown view's {stop()}
  let listHash = '#/customers';  // the customers list as last shown, for "Back to the list"
  let keepNotice = false;  // a mark's result stays on top when the page moves to the records' new customer

  function showTokenButtons() {
    const write = canWrite();
    $('forget-token').hidden = !sessionStorage.getItem(TOKEN_KEY);
    $('write-state').hidden = !write;
    $('forget-write-token').hidden = !write;
    $('add-write-token').hidden = write;
  }

  function showView(name, title) {
    for (const v of VIEWS) $(`${v}-view`).hidden = v !== name;
    const nav = name === 'customer' ? 'customers' : name;
    for (const a of document.querySelectorAll('.top nav a'))
      if (a.dataset.view === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    document.title = title ? `${title} · crm-index` : 'crm-index';
    showTokenButtons();
  }

  // The list's filters, as in the URL: q, source, min_members, max_members, sort.
  const LIST_KEYS = ['q', 'source', 'min_members', 'max_members', 'sort'];

  function listState(query) {
    let params;
    try {
      params = new URLSearchParams(query);
    } catch {
      params = new URLSearchParams();  // a damaged link: start with an empty search
    }
    const st = {};
    for (const k of LIST_KEYS) st[k] = (params.get(k) || '').trim();
    if (!/^[0-9]*$/.test(st.min_members)) st.min_members = '';
    if (!/^[0-9]*$/.test(st.max_members)) st.max_members = '';
    if (!['', 'id', 'name', '-changed'].includes(st.sort)) st.sort = '';
    return st;
  }

  function listHashOf(st) {
    const params = new URLSearchParams();
    for (const k of LIST_KEYS) if (st[k] && !(k === 'sort' && st[k] === 'id')) params.set(k, st[k]);
    const q = params.toString();
    return q ? `#/customers?${q}` : '#/customers';
  }

  function route() {
    if (current) current.stop();
    current = null;
    const hash = location.hash || '#/customers';
    let m;
    if ((m = /^#\/customers\/(c_[0-9]+)$/.exec(hash))) current = customerView(m[1]);
    else if (hash === '#/review') current = reviewView();
    else if (hash === '#/sources') current = sourcesView();
    else if (hash === '#/changes') current = changesView();
    else {
      m = /^#\/customers\?(.*)$/.exec(hash);
      current = customersView(listState(m ? m[1] : ''));
    }
  }

  // The token forms: the read token (#token, asked when the API answers 401) and the
  // write token (#write-token, asked over the view the person was in; they come back to it).
  function askFor(view, title, message) {
    if (current) current.stop();
    current = {stop() {}};
    showView(view, title);
    $(`${view}-error`).textContent = message || '';
    $(view).value = '';
    $(view).focus();
  }
  const askForToken = (message) => askFor('token', 'API token', message);
  const askForWriteToken = (message) => askFor('write-token', 'Write token', message);

  function tokenForm(view, key) {
    $(`${view}-form`).addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = $(view).value.trim();
      if (!t) return;
      sessionStorage.setItem(key, t);
      $(view).value = '';
      route();
    });
  }

  function setupToken() {
    tokenForm('token', TOKEN_KEY);
    tokenForm('write-token', WRITE_TOKEN_KEY);
    $('forget-token').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      route();
    });
    $('write-token-cancel').addEventListener('click', () => route());
    $('add-write-token').addEventListener('click', () => askForWriteToken(''));
    $('forget-write-token').addEventListener('click', () => {
      sessionStorage.removeItem(WRITE_TOKEN_KEY);
      route();
    });
  }

  // --- marks: "Same customer" / "Not the same" -----------------------------------------

  // Buttons that mark record `a` against each of `others` (one mark per pair), with an
  // optional note; the result (and Undo: DELETE of the marks just made) goes to opts.out,
  // or under the buttons. Without a write token: a button that asks for one.
  // opts: {ops: ['link', 'unlink'], label(op), out, done(op, marks)}: done() runs after
  // marks were made (op) or undone (null); what it returns is added to the result.
  function decide(a, others, opts) {
    const box = h('div', {class: 'decide'});
    if (!canWrite()) {
      const ask = h('button', {type: 'button', class: 'quiet ask-write'}, 'Sign in to write');
      ask.addEventListener('click', () => askForWriteToken(''));
      box.append(ask, h('span', {class: 'sub'}, ' to mark these records.'));
      return box;
    }
    const note = h('input', {type: 'text', class: 'note-input', placeholder: 'Note (optional)', maxlength: 250,
      'aria-label': 'Note kept with the mark'});
    const out = opts.out || h('p', {class: 'decide-result', role: 'status', 'aria-live': 'polite'});
    const labels = {link: 'Same customer', unlink: 'Not the same'};
    const buttons = (opts.ops || ['link', 'unlink']).map((op) =>
      h('button', {type: 'button', class: `mark ${op}`, 'data-op': op}, (opts.label && opts.label(op)) || labels[op]));
    box.append(note, h('span', {class: 'buttons'}, buttons));
    if (!opts.out) box.append(out);
    const setBusy = (busy) => { for (const b of buttons) b.disabled = busy; note.disabled = busy; };
    const say = (cls, ...content) => {
      out.hidden = false;
      out.className = `decide-result ${cls}`;
      out.setAttribute('role', cls === 'error' ? 'alert' : 'status');
      out.replaceChildren(...content);
    };
    const after = async (op, made) => {
      if (!opts.done) return;
      try {
        const extra = await opts.done(op, made);
        if (extra) out.append(' ', extra);
      } catch (e) {
        if (!quiet(e)) out.append(` (${e.message})`);
      }
    };

    async function make(op) {
      setBusy(true);
      say('', 'Saving…');
      const made = [];
      try {
        for (const b of others) made.push(await postMark(op, a, b, note.value.trim()));
      } catch (e) {
        await Promise.all(made.map((m) => deleteMark(m.id).catch(() => null)));  // all or nothing
        setBusy(false);
        if (e instanceof WriteRefused) {
          const again = h('button', {type: 'button', class: 'quiet'}, 'Use another write token');
          again.addEventListener('click', () => askForWriteToken(''));
          say('error', h('strong', null, 'Not allowed. '),
            `The index refused this write token (${e.message}): it cannot make marks. Nothing was changed. `, again);
        } else {
          say('error', h('strong', null, 'Not saved. '), `${e.message}. Nothing was changed.`);
        }
        return;
      }
      const by = made[0] && made[0].by;
      const undo = h('button', {type: 'button', class: 'quiet undo'}, 'Undo');
      undo.addEventListener('click', async () => {
        undo.disabled = true;
        try {
          for (const m of made) await deleteMark(m.id);
          say('', made.length === 1 ? 'Undone: the mark was deleted.' : 'Undone: the marks were deleted.');
          setBusy(false);
          await after(null, made);
        } catch (e) {
          undo.disabled = false;
          say('error', `Could not undo: ${e.message}`);
        }
      });
      const what = op === 'link' ? `${a} and ${others.join(', ')} marked as the same customer`
        : `${a} marked as not the same as ${others.join(', ')}`;
      say('done', `${what}${by ? ` by ${by}` : ''}. `, undo);
      await after(op, made);
    }
    for (const b of buttons) b.addEventListener('click', () => make(b.dataset.op));
    return box;
  }

  // The customer a record is in now (a mark relinks before POST /v1/marks answers).
  async function customerOf(ref, signal) {
    const at = ref.indexOf(':');
    const path = `/v1/records/${encodeURIComponent(ref.slice(0, at))}/${encodeURIComponent(ref.slice(at + 1))}`;
    return (await api(path, signal)).customer_id;
  }

  // --- customers -----------------------------------------------------------------------

  // How two members' values compare: "differ" ignores case and spacing (and, for phones,
  // everything but the digits when no E.164 form is known).
  const normText = (v) => String(v).toLowerCase().replace(/\s+/g, ' ').trim();
  const normPhone = (v) => String(v).replace(/[^0-9+]/g, '').replace(/^00/, '+');
  const NORMS = {name: normText, email: normText, phone: normPhone, company: normText};

  const liveMembers = (c) => {
    const live = c.members.filter((m) => !m.deleted_at);
    return live.length ? live : c.members;
  };

  // The customer's summary as the index gives it, or (an index without `summary`) one made
  // here from its members: the same shape, without E.164 or survivorship.
  function summaryOf(c) {
    if (c.summary) return c.summary;
    const shown = liveMembers(c);
    const collect = (key) => {
      const byNorm = new Map();
      for (const m of shown) {
        if (!m[key]) continue;
        const k = NORMS[key](m[key]);
        if (!byNorm.has(k)) byNorm.set(k, {value: String(m[key]).trim(), from: []});
        byNorm.get(k).from.push({source: m.source, external_id: m.external_id});
      }
      return [...byNorm.values()];
    };
    return {name: c.name ? {value: c.name, from: []} : null, emails: collect('email'), phones: collect('phone'),
      companies: collect('company'), updated_at: null};
  }

  const displayName = (c) => (c.summary && c.summary.name && c.summary.name.value) || c.name || '(no name)';

  function customerItem(c) {
    const shown = liveMembers(c);
    const anyLive = c.members.some((m) => !m.deleted_at);
    const sources = unique(shown.map((m) => m.source));
    const typeOf = (s) => (shown.find((m) => m.source === s) || {}).crm_type;
    const sum = summaryOf(c);
    // One of each: e-mails normalised, phones in E.164 where the index knows it.
    const meta = [...sum.emails, ...sum.phones].map((v) => v.value).join(' · ');
    const companies = sum.companies.map((v) => v.value).join(' · ');
    return h('li', {'data-customer': c.id, 'data-members': c.members.length},
      h('a', {class: 'customer', href: `#/customers/${encodeURIComponent(c.id)}`},
        h('span', {class: 'name'}, displayName(c)),
        h('span', {class: 'badges', 'aria-label': `in ${plural(sources.length, 'CRM')}`},
          sources.map((s) => h('span', {class: anyLive ? 'badge' : 'badge gone', 'data-source': s,
            title: typeOf(s)}, s))),
        c.members.length > 1 ? h('span', {class: 'count-note'}, plural(c.members.length, 'record')) : null,
        companies ? h('div', {class: 'company'}, companies) : null,
        meta ? h('div', {class: 'meta'}, meta) : null));
  }

  // Datasette-style facets: each value of a column with how many customers have it,
  // as links that filter the list (and a way back to all).
  function facets(page, st) {
    const f = page.facets;
    if (!f) return [];
    const link = (label, count, next, on, facet, value) =>
      h('li', null, h('a', {class: on ? 'facet on' : 'facet', href: listHashOf(next), 'aria-current': on ? 'true' : null,
        'data-facet': facet, 'data-value': value}, label, count === null ? null : h('span', {class: 'count'}, count.toLocaleString('en'))));
    const groups = [];
    const sources = f.source || [];
    if (sources.length || st.source) {
      const items = sources.map((s) => link(s.value, s.count, {...st, source: s.value}, st.source === s.value, 'source', s.value));
      if (st.source) items.unshift(link('all CRMs', null, {...st, source: ''}, false, 'source', ''));
      groups.push(h('div', {class: 'facet-group', 'data-facet': 'source'}, h('h2', null, 'CRM'), h('ul', null, items)));
    }
    const members = (f.members || []).slice().sort((a, b) => a.value - b.value);
    if (members.length || st.min_members || st.max_members) {
      const exact = (v) => st.min_members === String(v) && st.max_members === String(v);
      const items = members.map((m) => link(plural(m.value, 'record'), m.count,
        {...st, min_members: String(m.value), max_members: String(m.value)}, exact(m.value), 'members', m.value));
      const linked = members.filter((m) => m.value >= 2).reduce((n, m) => n + m.count, 0);
      if (linked && members.some((m) => m.value === 1))
        items.push(link('2 or more', linked, {...st, min_members: '2', max_members: ''},
          st.min_members === '2' && !st.max_members, 'members', '2+'));
      if (st.min_members || st.max_members)
        items.unshift(link('any number', null, {...st, min_members: '', max_members: ''}, false, 'members', ''));
      groups.push(h('div', {class: 'facet-group', 'data-facet': 'members'}, h('h2', null, 'Records per customer'),
        h('ul', null, items)));
    }
    return groups;
  }

  function listWhat(st) {
    const parts = [];
    if (st.q) parts.push(`matching “${st.q}”`);
    if (st.source) parts.push(`in ${st.source}`);
    if (st.min_members && st.min_members === st.max_members) parts.push(`with ${plural(Number(st.min_members), 'record')}`);
    else {
      if (st.min_members) parts.push(`with at least ${plural(Number(st.min_members), 'record')}`);
      if (st.max_members) parts.push(`with at most ${plural(Number(st.max_members), 'record')}`);
    }
    return parts.join(' ');
  }

  function customersView(initial) {
    showView('customers', 'Customers');
    const st = {...initial};
    listHash = listHashOf(st);
    const input = $('q');
    const sort = $('sort');
    const list = $('customers-list');
    const more = $('customers-more');
    const status = (t) => { $('customers-status').textContent = t; };
    if (input.value !== st.q) input.value = st.q;
    sort.value = st.sort || 'id';
    let ctl = null;
    let timer = null;
    let next = null;
    let shown = 0;
    let total = null;

    async function load(reset) {
      if (ctl) ctl.abort();
      const mine = (ctl = new AbortController());
      const params = new URLSearchParams({limit: String(PAGE_SIZE)});
      for (const k of LIST_KEYS) if (st[k] && !(k === 'sort' && st[k] === 'id')) params.set(k, st[k]);
      if (!reset && next) params.set('after', next);
      more.disabled = true;
      status(st.q ? 'Searching…' : 'Loading…');
      try {
        const page = await api(`/v1/customers?${params}`, mine.signal);
        if (reset) {
          list.replaceChildren();
          shown = 0;
          $('facets').replaceChildren(...facets(page, st));
        }
        list.append(...page.items.map(customerItem));
        shown += page.items.length;
        next = page.next;
        more.hidden = !next;
        const what = listWhat(st);
        // The first page counts every match; the next ones do not repeat it.
        if (reset) total = typeof page.total === 'number' ? page.total : null;
        if (total !== null) {
          status(total === 0 ? `No customers ${what}.`.replace(' .', '.')
            : `${plural(total, 'customer')} ${what}${shown < total ? ` · showing ${shown.toLocaleString('en')}` : ''}`.trim());
        } else {
          status(shown === 0 ? `No customers ${what}.` : `${shown}${next ? '+' : ''} customers ${what}`.trim());
        }
      } catch (e) {
        if (!quiet(e)) status(`Could not load customers: ${e.message}`);
      } finally {
        if (ctl === mine) more.disabled = false;
      }
    }

    function onInput() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        st.q = input.value.trim();
        listHash = listHashOf(st);
        history.replaceState(null, '', listHash);  // the Back button returns to this search
        next = null;
        load(true);
      }, SEARCH_DELAY_MS);
    }
    const onSort = () => {
      st.q = input.value.trim();
      st.sort = sort.value === 'id' ? '' : sort.value;
      location.hash = listHashOf(st);
    };
    const onMore = () => load(false);
    input.addEventListener('input', onInput);
    sort.addEventListener('change', onSort);
    more.addEventListener('click', onMore);
    load(true);
    input.focus();
    return {
      stop() {
        clearTimeout(timer);
        if (ctl) ctl.abort();
        input.removeEventListener('input', onInput);
        sort.removeEventListener('change', onSort);
        more.removeEventListener('click', onMore);
      },
    };
  }

  // --- a customer ----------------------------------------------------------------------

  const RECORD_FIELDS = [
    ['kind', 'Kind'], ['external_id', 'Id'], ['name', 'Name'], ['given_name', 'Given name'],
    ['family_name', 'Family name'], ['email', 'E-mail'], ['phone', 'Phone'], ['company', 'Company'],
    ['national_id', 'National id'], ['country', 'Country'], ['remote_updated_at', 'Updated in CRM'], ['changed_at', 'Changed here'],
    ['first_seen', 'First seen'], ['deleted_at', 'Deleted'], ['merged_into', 'Merged into'],
  ];
  const TIME_FIELDS = new Set(['remote_updated_at', 'changed_at', 'first_seen', 'deleted_at']);

  const refText = (ref) => (ref && ref.source ? `${ref.source}:${ref.external_id}` : '?');
  const hasRef = (from, m) => (from || []).some((r) => r.source === m.source && r.external_id === m.external_id);

  // A member's value as compared with the others': its phone in E.164 when the summary
  // knows that form of it.
  function memberValue(m, key, sum) {
    const v = m[key];
    if (v === null || v === undefined || v === '') return null;
    if (key === 'phone') {
      const known = sum.phones.find((p) => hasRef(p.from, m));
      if (known) return normPhone(known.value);
    }
    return NORMS[key](v);
  }

  // The fields (name, email, phone, company) on which the live members disagree.
  function differences(c, sum) {
    const out = new Set();
    const shown = liveMembers(c);
    for (const key of Object.keys(NORMS))
      if (new Set(shown.map((m) => memberValue(m, key, sum)).filter((v) => v !== null)).size > 1) out.add(key);
    return out;
  }

  const marked = (differs, text) => (differs ? h('mark', {title: 'The records disagree here'}, text) : text);

  function summaryBlock(c, sum, diff) {
    const from = (refs) => (refs && refs.length
      ? h('span', {class: 'from'}, ' from ', refs.map(refText).join(', ')) : null);
    const values = (list, differs) => (list.length
      ? h('ul', {class: 'values'}, list.map((v) => h('li', {class: differs ? 'differs' : null}, marked(differs, v.value), from(v.from))))
      : h('span', {class: 'sub'}, '—'));
    const rows = [];
    const row = (label, key, content) => rows.push(h('dt', null, label), h('dd', {'data-field': key}, content));
    // The name the summary chose, and the other names the members give, when they differ.
    const names = [];
    if (sum.name) names.push(sum.name);
    if (diff.has('name')) {
      const chosen = sum.name ? normText(sum.name.value) : null;
      const seen = new Map();
      for (const m of liveMembers(c)) {
        if (!m.name || normText(m.name) === chosen) continue;
        const k = normText(m.name);
        if (!seen.has(k)) seen.set(k, {value: m.name, from: []});
        seen.get(k).from.push(m);
      }
      names.push(...seen.values());
    }
    row('Name', 'name', values(names, diff.has('name')));
    row(sum.emails.length === 1 ? 'E-mail' : 'E-mails', 'emails', values(sum.emails, sum.emails.length > 1));
    row(sum.phones.length === 1 ? 'Phone' : 'Phones', 'phones', values(sum.phones, sum.phones.length > 1));
    row(sum.companies.length === 1 ? 'Company' : 'Companies', 'companies', values(sum.companies, sum.companies.length > 1));
    if (sum.updated_at) row('Updated', 'updated_at', [timeEl(sum.updated_at.value), from(sum.updated_at.from)]);
    const anyDiff = diff.size > 0 || sum.emails.length > 1 || sum.phones.length > 1 || sum.companies.length > 1;
    return h('section', {class: 'summary card', 'aria-labelledby': 'summary-h'},
      h('h2', {id: 'summary-h'}, 'Summary'),
      c.summary ? null : h('p', {class: 'sub'}, 'Made here from the records (this index gives no summary).'),
      h('dl', null, rows),
      anyDiff ? h('p', {class: 'legend'}, h('mark', null, 'Highlighted'), ': the records disagree; check they are one person.') : null);
  }

  function memberCard(m, diff, sum, actions) {
    const rows = [];
    for (const [key, label] of RECORD_FIELDS) {
      const v = m[key];
      if (v === null || v === undefined || v === '') continue;
      const differs = diff.has(key) && !m.deleted_at;
      const shown = key === 'phone' && sum.phones.find((p) => hasRef(p.from, m));
      const text = shown && normPhone(shown.value) !== normPhone(v) ? `${v} (${shown.value})` : v;
      rows.push(h('dt', null, label), h('dd', {class: differs ? 'differs' : null, 'data-field': key},
        TIME_FIELDS.has(key) ? timeEl(v) : marked(differs, text)));
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
      actions,
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
        // replaceChildren() would show a null as the text "null".
        ...(live.repaired ? [h('p', {class: 'note'}, 'The index was behind the CRM and has been brought up to date.')] : []));
      card.classList.add('has-live');
    } catch (e) {
      if (quiet(e)) return;
      card.classList.add('crm-unreachable');
      box.replaceChildren(h('p', {class: 'error', role: 'alert'},
        h('strong', null, 'CRM unreachable. '), `${m.source} could not be asked for its current record (${e.message}). `,
        'The fields above are what the index last synced.'));
    }
  }

  // One record, short: for suggestions (name, e-mail, phone, company, where it is).
  // `diff`: the fields that differ from the record it is compared with.
  function recordBrief(r, diff, here) {
    const line = (key, label) => (r[key] ? h('div', {'data-field': key}, h('span', {class: 'sub'}, `${label} `),
      marked(diff.has(key), r[key])) : null);
    return h('div', {class: 'brief', 'data-ref': refOf(r)},
      h('div', null, h('span', {class: 'badge', 'data-source': r.source}, r.source), ' ',
        h('strong', null, marked(diff.has('name'), r.name || '(no name)'))),
      line('email', 'e-mail'), line('phone', 'phone'), line('company', 'company'),
      h('div', {class: 'sub'}, refOf(r),
        r.customer_id && r.customer_id !== here
          ? [' · ', h('a', {href: `#/customers/${encodeURIComponent(r.customer_id)}`}, r.customer_id)] : null));
  }

  function pairDiff(a, b) {
    const out = new Set();
    for (const key of Object.keys(NORMS))
      if (a[key] && b[key] && NORMS[key](a[key]) !== NORMS[key](b[key])) out.add(key);
    return out;
  }

  const RULES = {
    name_company: 'the same name and company', name_phone_country: 'the same name, phone country',
    phone_other_name: 'the same phone under another name',
  };
  const ruleText = (s) => `${RULES[s.rule] || s.rule}${s.value ? ` (${s.value})` : ''}`;

  function customerDetail(c, sum, diff, notice, done) {
    const sources = unique(c.members.map((m) => m.source));
    const heading = h('h1', {tabindex: '-1'}, displayName(c));
    const reasons = c.reasons.length
      ? h('ul', {class: 'reasons'}, c.reasons.map((r) =>
        h('li', null, h('strong', null, r.rule), r.value ? [' ', h('span', {class: 'mono'}, r.value)] : null,
          ` links ${refText(r.a)} and ${refText(r.b)}`)))
      : h('p', {class: 'sub'}, 'One record: nothing links it to another.');
    const several = c.members.length > 1;
    const actions = (m) => (several && canWrite()
      ? decide(refOf(m), c.members.filter((o) => o !== m).map(refOf), {ops: ['unlink'], label: () => 'Not the same',
        out: notice, done: () => done(refOf(m), refOf(c.members.find((o) => o !== m)))})
      : null);
    return [heading,
      h('p', {class: 'sub'}, `${c.id} · ${plural(c.members.length, 'record')} in ${plural(sources.length, 'CRM')}`,
        c.changed_at ? [' · changed ', timeEl(c.changed_at, relative(c.changed_at))] : null),
      summaryBlock(c, sum, diff),
      h('section', {class: 'customer-suggestions', hidden: true, 'aria-labelledby': 'sugg-h'},
        h('h2', {id: 'sugg-h'}, 'Maybe the same customer'), h('ol', {class: 'suggestions'})),
      h('h2', null, 'Why these records are one customer'), reasons,
      several && !canWrite() ? h('p', {class: 'sub write-hint'}, 'A record that is not this customer can be marked ',
        '“Not the same” with a write token: ', (() => {
          const b = h('button', {type: 'button', class: 'quiet ask-write'}, 'Sign in to write');
          b.addEventListener('click', () => askForWriteToken(''));
          return b;
        })()) : null,
      h('h2', {class: 'visually-hidden'}, 'Records'),
      h('div', {class: 'members'}, c.members.map((m) => memberCard(m, diff, sum, actions(m))))].filter(Boolean);
  }

  // This customer's suggestions: /v1/suggestions has no filter, so a few pages are read.
  async function customerSuggestions(id, signal) {
    const found = [];
    let after = null;
    for (let i = 0; i < SUGGESTION_PAGES; i++) {
      const page = await api(`/v1/suggestions?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`, signal);
      for (const s of page.items) if (s.a.customer_id === id || s.b.customer_id === id) found.push(s);
      if (!page.next) break;
      after = page.next;
    }
    return found;
  }

  function customerView(id) {
    showView('customer', id);
    $('customer-back').setAttribute('href', listHash);
    const box = $('customer-detail');
    const notice = $('customer-notice');
    if (keepNotice) keepNotice = false;
    else {
      notice.replaceChildren();
      notice.hidden = true;
    }
    box.replaceChildren(h('p', {class: 'status', role: 'status'}, 'Loading…'));
    const ctl = new AbortController();
    // Which sources answer live reads: only their members are asked of their CRM.
    const liveSources = api('/v1/sources', ctl.signal)
      .then((s) => new Set(s.items.filter((x) => x.live).map((x) => x.name)))
      .catch(() => new Set());

    // After a mark (or its undo): where the records are now. This customer may be gone
    // (its oldest record left, or it joined an older customer): then go where they went.
    // `mine`: the record of this customer the mark was about; `stays`: for "Not the same"
    // on a member, one of the others (the customer the page goes on showing).
    async function afterMark(mine, stays) {
      const link = (cid) => h('a', {href: `#/customers/${encodeURIComponent(cid)}`}, cid);
      const now = await customerOf(mine, ctl.signal);
      const target = stays ? await customerOf(stays, ctl.signal) : now;
      if (target !== id) {
        keepNotice = true;
        location.hash = `#/customers/${encodeURIComponent(target)}`;
      } else {
        await show(false);
      }
      return now !== target ? h('span', null, `${mine} is now `, link(now), '.') : null;
    }

    async function show(focus) {
      const c = await api(`/v1/customers/${encodeURIComponent(id)}`, ctl.signal);
      const sum = summaryOf(c);
      box.replaceChildren(...customerDetail(c, sum, differences(c, sum), notice, afterMark));
      document.title = `${displayName(c)} · crm-index`;
      if (focus) box.querySelector('h1').focus();
      fillSuggestions(c);
      const live = await liveSources;
      for (const card of box.querySelectorAll('article.member')) {
        const m = c.members.find((x) => x.source === card.dataset.source && x.external_id === card.dataset.externalId);
        if (m && !m.deleted_at && live.has(m.source)) liveFill(card, m, ctl.signal);
      }
    }

    async function fillSuggestions(c) {
      const section = box.querySelector('.customer-suggestions');
      let found;
      try {
        found = await customerSuggestions(id, ctl.signal);
      } catch (e) {
        if (!quiet(e)) {
          section.hidden = false;
          section.append(h('p', {class: 'error'}, `Could not load suggestions: ${e.message}`));
        }
        return;
      }
      if (!found.length) return;
      section.hidden = false;
      section.querySelector('ol').replaceChildren(...found.map((s) => {
        const [ours, other] = s.a.customer_id === id ? [s.a, s.b] : [s.b, s.a];
        return h('li', {class: 'suggestion', 'data-a': refOf(ours), 'data-b': refOf(other)},
          h('p', null, h('strong', null, refOf(ours)), ` and another record share ${ruleText(s)}:`),
          recordBrief(other, pairDiff(ours, other), id),
          decide(refOf(ours), [refOf(other)], {out: notice, done: () => afterMark(refOf(ours), null)}));
      }));
    }

    show(true).catch((e) => {
      if (!quiet(e)) box.replaceChildren(h('p', {class: 'error', role: 'alert'}, `Could not load ${id}: ${e.message}`));
    });
    return {stop() { ctl.abort(); }};
  }

  // --- review: the suggestions, each accepted (link) or rejected (unlink) ---------------

  function suggestionItem(s) {
    const diff = pairDiff(s.a, s.b);
    const item = h('li', {class: 'suggestion card', 'data-a': refOf(s.a), 'data-b': refOf(s.b)},
      h('p', {class: 'why'}, h('strong', null, RULES[s.rule] ? `${RULES[s.rule][0].toUpperCase()}${RULES[s.rule].slice(1)}` : s.rule),
        s.value ? [' ', h('span', {class: 'mono'}, s.value)] : null,
        ' · suggested ', timeEl(s.created_at, relative(s.created_at))),
      h('div', {class: 'pair'}, recordBrief(s.a, diff, null), recordBrief(s.b, diff, null)));
    item.append(decide(refOf(s.a), [refOf(s.b)], {
      label: (op) => (op === 'link' ? 'Same customer' : 'Not the same'),
      done: async (op) => {
        item.classList.toggle('decided', op !== null);
        if (op !== 'link') return null;
        const cid = await customerOf(refOf(s.a));
        return h('span', null, 'Now one customer: ', h('a', {href: `#/customers/${encodeURIComponent(cid)}`}, cid), '.');
      },
    }));
    return item;
  }

  function reviewView() {
    showView('review', 'Review');
    const list = $('review-list');
    const more = $('review-more');
    const status = (t) => { $('review-status').textContent = t; };
    list.replaceChildren();
    const ctl = new AbortController();
    let next = null;
    let shown = 0;
    async function load() {
      more.disabled = true;
      status('Loading…');
      try {
        const page = await api(`/v1/suggestions?limit=${PAGE_SIZE}${next ? `&after=${encodeURIComponent(next)}` : ''}`, ctl.signal);
        list.append(...page.items.map(suggestionItem));
        shown += page.items.length;
        next = page.next;
        more.hidden = !next;
        status(shown === 0 ? 'Nothing to review: no suggestions wait for a decision.'
          : `${shown}${next ? '+' : ''} suggestion${shown === 1 ? '' : 's'} waiting for a decision.`
            + (canWrite() ? '' : ' Sign in to write to decide.'));
      } catch (e) {
        if (!quiet(e)) status(`Could not load suggestions: ${e.message}`);
      } finally {
        more.disabled = false;
      }
    }
    const onMore = () => load();
    more.addEventListener('click', onMore);
    load();
    return {
      stop() {
        ctl.abort();
        more.removeEventListener('click', onMore);
      },
    };
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

  // What needs a person comes first; the rest keeps the scheduler's order.
  const STATUS_ORDER = ['needs-attention', 'failing', 'stale', 'running', 'pending', 'ok', 'disabled', 'removed'];

  function runCounts(r) {
    if (!r) return h('span', {class: 'sub'}, 'never ran');
    const counts = ['fetched', 'created', 'updated', 'unchanged', 'deleted', 'skipped']
      .map((k) => `${k} ${r[k]}`).join(' · ');
    return [h('div', null, counts),
      h('div', {class: 'sub'}, `${r.mode} run, ${r.status}, started `, timeEl(r.started_at, relative(r.started_at)))];
  }

  function runSeconds(r) {
    if (typeof r.duration_s === 'number') return r.duration_s;
    const a = Date.parse(r.started_at);
    const b = Date.parse(r.finished_at);
    return isNaN(a) || isNaN(b) ? 0 : Math.max(0, (b - a) / 1000);
  }

  const seconds = (s) => (s < 10 ? `${s.toFixed(s < 1 ? 2 : 1)} s` : s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);

  // The last runs, oldest on the left, in two bands: above, a bar per run for its
  // duration (red, on a red ground and underlined, when it failed); below, the records it
  // fetched (grey) and, inside, those it changed (created, updated or deleted; green).
  function runsChart(items) {
    const runs = items.slice(0, RUNS_SHOWN).reverse();
    if (!runs.length) return h('span', {class: 'sub'}, 'no runs yet');
    const W = 200;
    const slot = W / RUNS_SHOWN;
    const D = 32;  // the duration band: 0..D
    const C0 = D + 5;
    const C = 20;  // the counts band: C0..C0+C
    const H = C0 + C;
    const durs = runs.map(runSeconds);
    const maxD = Math.max(...durs, 0.001);
    const changed = runs.map((r) => (r.created || 0) + (r.updated || 0) + (r.deleted || 0));
    const maxC = Math.max(...runs.map((r) => r.fetched || 0), ...changed, 1);
    const failed = runs.filter((r) => r.status === 'failed').length;
    const f = (v) => v.toFixed(1);
    const bars = runs.map((r, i) => {
      const x = i * slot;
      const dh = Math.max(1.5, (durs[i] / maxD) * D);
      const fh = ((r.fetched || 0) / maxC) * C;
      const ch = (changed[i] / maxC) * C;
      const tip = `${r.started_at} · ${r.mode} run, ${r.status}: ${seconds(durs[i])}; fetched ${r.fetched}, `
        + `created ${r.created}, updated ${r.updated}, deleted ${r.deleted}, skipped ${r.skipped}${r.error ? `; ${r.error}` : ''}`;
      return svg('g', {class: `run ${r.status}`},
        svg('title', null, tip),
        r.status === 'failed' ? [svg('rect', {class: 'fail-bg', x: f(x), y: 0, width: f(slot), height: D}),
          svg('rect', {class: 'fail-mark', x: f(x), y: D + 1, width: f(slot), height: 3})] : null,
        svg('rect', {class: 'bar', x: f(x + 1), y: f(D - dh), width: f(slot - 2), height: f(dh)}),
        fh > 0 ? svg('rect', {class: 'fetched', x: f(x + 1), y: f(H - fh), width: f(slot - 2), height: f(fh)}) : null,
        ch > 0 ? svg('rect', {class: 'changed', x: f(x + 2.5), y: f(H - ch), width: f(slot - 5), height: f(ch)}) : null);
    });
    const label = `Last ${runs.length} runs: longest ${seconds(maxD)}, ${failed} failed; most records fetched ${maxC}`;
    return h('figure', {class: 'runs-chart'},
      svg('svg', {viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': label},
        svg('line', {class: 'axis', x1: 0, y1: D + 0.5, x2: W, y2: D + 0.5}),
        svg('line', {class: 'axis', x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5}), bars),
      h('figcaption', {class: 'sub'}, h('span', {class: 'key bar'}), `duration (max ${seconds(maxD)})`,
        failed ? [' · ', h('span', {class: 'key failed'}), `${failed} failed`] : null,
        ' · ', h('span', {class: 'key fetched'}), `fetched (max ${maxC})`, ' · ', h('span', {class: 'key changed'}), 'changed'));
  }

  function sourceRow(s, history) {
    const st = sourceStatus(s);
    const r = s.last_run;
    const err = r && r.error;
    const td = (label, ...c) => h('td', {'data-label': label}, ...c);
    const na = s.needs_attention;
    return h('tr', {class: st, 'data-source': s.name},
      td('Source', h('strong', null, s.name), h('div', {class: 'sub'}, s.type)),
      td('Status', h('span', {class: `pill ${st}`}, st),
        st === 'failing' ? h('div', {class: 'sub'},
          `${s.consecutive_failures} failure${s.consecutive_failures === 1 ? '' : 's'} in a row${s.running ? ', retrying now' : ''}`)
          : st === 'needs-attention' ? h('div', {class: 'attention'},
            h('div', {class: 'reason'}, na.reason || (na.kind === 'auth' ? 'the CRM refuses the credentials'
              : 'the CRM rejects the configuration')),
            h('div', {class: 'sub'}, `${na.kind === 'auth' ? 'Credentials' : 'Configuration'} since `,
              timeEl(na.since, relative(na.since)), '; fix it and reload the configuration (SIGHUP) to retry now'))
          : st === 'stale' ? h('div', {class: 'sub'}, 'no successful run for longer than expected')
          : null),
      td('Last success', s.last_success_at ? timeEl(s.last_success_at, relative(s.last_success_at))
        : h('span', {class: 'sub'}, 'never')),
      td('Next run', s.running ? 'running now' : timeEl(s.next_run_at, relative(s.next_run_at))),
      td('Last run', runCounts(r)),
      td('Records', String(s.records), s.deleted ? h('div', {class: 'sub'}, `${s.deleted} deleted`) : null),
      td('Last 20 runs', !history || (!history.items && !history.error) ? h('span', {class: 'sub'}, '…')
        : history.error ? h('span', {class: 'sub'}, `no run history (${history.error})`) : runsChart(history.items)),
      td('Last error', err ? h('pre', {class: 'last-error'}, err) : h('span', {class: 'sub'}, '—')));
  }

  function sourcesView() {
    showView('sources', 'Sources');
    let timer = null;
    let ctl = null;
    let stopped = false;
    // Each source's last runs, read again only when its last run changed.
    const histories = new Map();  // name → {key, items} | {key, error}
    let items = [];
    const draw = () => {
      const rank = (s) => STATUS_ORDER.indexOf(sourceStatus(s));
      const sorted = items.map((s, i) => [s, i]).sort((p, q) => rank(p[0]) - rank(q[0]) || p[1] - q[1]).map((p) => p[0]);
      $('sources-body').replaceChildren(...sorted.map((s) => sourceRow(s, histories.get(s.name))));
    };
    function readRuns(s) {
      const r = s.last_run;
      const key = r ? `${r.id}/${r.status}/${r.finished_at}` : '-';
      const had = histories.get(s.name);
      if (had && had.key === key) return;
      histories.set(s.name, {...(had || {}), key});
      api(`/v1/sources/${encodeURIComponent(s.name)}/runs?limit=${RUNS_SHOWN}`, ctl.signal)
        .then((b) => histories.set(s.name, {key, items: b.items}))
        .catch((e) => {
          if (!quiet(e)) histories.set(s.name, {key, error: e.message});
        })
        .then(() => { if (!stopped) draw(); });
    }
    async function tick() {
      ctl = new AbortController();
      try {
        const body = await api('/v1/sources', ctl.signal);
        items = body.items;
        const failing = items.filter((s) => sourceStatus(s) === 'failing').map((s) => s.name);
        const attention = items.filter((s) => sourceStatus(s) === 'needs-attention').map((s) => s.name);
        const stale = items.filter((s) => sourceStatus(s) === 'stale').map((s) => s.name);
        const ok = items.filter((s) => sourceStatus(s) === 'ok').length;
        let summary = `${items.length} source${items.length === 1 ? '' : 's'}: ${ok} ok`;
        if (failing.length) summary += `, ${failing.length} failing (${failing.join(', ')})`;
        if (attention.length) summary += `, ${attention.length} need${attention.length === 1 ? 's' : ''} attention (${attention.join(', ')})`;
        if (stale.length) summary += `, ${stale.length} stale (${stale.join(', ')})`;
        $('sources-summary').textContent = `${summary}. Updated ${new Date().toLocaleTimeString()}.`;
        $('sources-summary').className = failing.length || attention.length ? 'status error' : 'status';
        // Redrawn every time: the relative times move on even when nothing else changed.
        draw();
        for (const s of items) readRuns(s);
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
    const m = c.mark;
    const other = m ? `${m.other.source}:${m.other.external_id}` : '';
    const mark = !m ? null : c.op === 'mark_deleted'
      ? h('div', {class: 'sub'}, `the ${m.op} with ${other}`, m.by ? ` (by ${m.by})` : '', ' taken back',
        m.removed_by ? ` by ${m.removed_by}` : '')
      : h('div', {class: 'sub'}, `${m.op} with ${other}`, m.by ? ` by ${m.by}` : '', m.note ? ` — ${m.note}` : '');
    return h('li', {'data-seq': c.seq},
      timeEl(c.at),
      h('span', {class: `op ${c.op}`}, c.op === 'mark_deleted' ? 'unmarked' : c.op),
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
