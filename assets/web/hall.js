// The hall display: every ticket in progress, paged; live over SSE; a chime and a spoken
// announcement once per call (never for the initial state, never twice for one call,
// also across reconnects and reloads: the last chimed seq is kept in sessionStorage).
'use strict';

(function () {
  const K = window.Keis;
  // How long a page stays before the next (`?page_ms=` for tests and slow readers).
  const PAGE_MS = Math.max(1000, Number(new URLSearchParams(location.search).get('page_ms')) || 8000);
  const KEY = 'keis.hall.' + K.office();
  /** Seqs of the calls chimed by this page (read by the browser tests). */
  window.keisChimes = [];
  /** What was announced, in order (read by the browser tests). */
  window.keisAnnouncements = [];

  let names = {};
  let rows = [];
  let page = 0;

  // --- where to resume: the last chimed call, else the first state this tab saw ---
  function loadMark() {
    try {
      const m = JSON.parse(sessionStorage.getItem(KEY) || 'null');
      if (m && Date.now() - m.at < 10 * 60 * 1000) return m;
    } catch (e) { /* a broken mark is dropped */ }
    return { chimed: null, base: null, at: Date.now() };
  }
  let mark = loadMark();
  function saveMark() {
    mark.at = Date.now();
    try { sessionStorage.setItem(KEY, JSON.stringify(mark)); } catch (e) { /* private mode */ }
  }
  function resumeAfter() {
    return mark.chimed !== null ? mark.chimed : mark.base;
  }

  // --- announcements, one after another, each naming the desk ---
  const pending = [];
  let speaking = false;
  function ukVoice() {
    if (!('speechSynthesis' in window)) return null;
    return speechSynthesis.getVoices().find(function (v) { return (v.lang || '').toLowerCase().startsWith('uk'); }) || null;
  }
  function speak(words) {
    return new Promise(function (resolve) {
      const voice = ukVoice();
      if (!voice) { resolve(); return; }
      const u = new SpeechSynthesisUtterance(words);
      u.voice = voice;
      u.lang = voice.lang;
      u.rate = 0.9;
      const done = setTimeout(resolve, 10000);
      u.onend = u.onerror = function () { clearTimeout(done); resolve(); };
      speechSynthesis.speak(u);
    });
  }
  function spoken(number) {
    // «С-002» is read «С 2».
    return number.replace(/-0*(\d)/, ' $1');
  }
  async function pump() {
    if (speaking) return;
    speaking = true;
    while (pending.length) {
      const c = pending.shift();
      const desk = 'вікно ' + c.desk;
      const line = 'Талон ' + c.number + ', ' + desk;
      window.keisAnnouncements.push(line);
      const banner = document.getElementById('last-call');
      banner.textContent = line + (c.operator ? ' (' + c.operator + ')' : '') + ' / ticket ' + c.number + ', desk ' + c.desk;
      banner.hidden = false;
      await K.chime();
      await speak((c.again ? 'Повторно. ' : '') + 'Талон ' + spoken(c.number) + ', ' + desk);
    }
    speaking = false;
  }
  function onCall(c) {
    if (typeof c.seq !== 'number') return;
    if (mark.chimed !== null && c.seq <= mark.chimed) return;
    mark.chimed = c.seq;
    saveMark();
    window.keisChimes.push(c.seq);
    pending.push(c);
    pump();
  }

  // --- the table, paged to fit the screen ---
  function pageSize() {
    const body = document.getElementById('rows');
    const top = body.getBoundingClientRect().top + window.scrollY;
    // The tallest row shown, or an estimate before any.
    const heights = Array.from(body.children).map(function (tr) { return tr.getBoundingClientRect().height; });
    const row = Math.max(parseFloat(getComputedStyle(document.body).fontSize) * 2, ...heights);
    const below = document.getElementById('pager').offsetHeight + 24;
    return Math.max(3, Math.floor((window.innerHeight - top - below) / row));
  }
  function cell(tr, value, cls) {
    const td = document.createElement('td');
    td.textContent = value === null || value === undefined ? '' : String(value);
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function draw() {
    const size = pageSize();
    const pages = Math.max(1, Math.ceil(rows.length / size));
    if (page >= pages) page = 0;
    const body = document.getElementById('rows');
    const out = rows.slice(page * size, page * size + size).map(function (r) {
      const tr = document.createElement('tr');
      tr.dataset.status = r.status;
      tr.dataset.number = r.number;
      cell(tr, r.number, 'number');
      cell(tr, r.service_name_uk || names[r.service] || r.service, 'service');
      cell(tr, (K.STATUS_UK[r.status] || r.status) + ' / ' + (K.STATUS_EN[r.status] || r.status));
      cell(tr, r.desk);
      cell(tr, r.operator);
      cell(tr, r.ahead);
      return tr;
    });
    body.replaceChildren.apply(body, out);
    document.getElementById('empty').hidden = rows.length > 0;
    K.text('pager', pages > 1 ? 'сторінка ' + (page + 1) + ' з ' + pages + ' / page ' + (page + 1) + ' of ' + pages : '');
  }
  function onHall(h) {
    const top = mark.chimed !== null ? mark.chimed : mark.base;
    if (top !== null && typeof h.seq === 'number' && h.seq < top) {
      // The server's day started again (a new day, or a restart): forget the old marks.
      mark = { chimed: null, base: h.seq, at: Date.now() };
      saveMark();
    } else if (mark.base === null && typeof h.seq === 'number') {
      mark.base = h.seq;
      saveMark();
    }
    rows = h.rows || [];
    document.body.dataset.seq = h.seq;
    draw();
  }

  function tick() {
    const d = new Date();
    K.text('clock', String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'));
  }

  document.addEventListener('DOMContentLoaded', async function () {
    tick();
    setInterval(tick, 10000);
    setInterval(function () { page += 1; draw(); }, PAGE_MS);
    window.addEventListener('resize', draw);
    if ('speechSynthesis' in window) speechSynthesis.getVoices();
    try {
      const q = await K.getJson(K.api(''));
      K.text('office-name', q.office.name_uk);
      q.services.forEach(function (s) { names[s.code] = s.name_uk; });
      draw();
    } catch (e) {
      K.showError('error', e.message);
    }
    window.keisLive = K.live(K.api('/live'), { hall: onHall, call: onCall }, {
      after: resumeAfter,
      onState: function (up) {
        const c = K.text('conn', up ? '' : 'Немає зв\'язку, відновлюємо… / Reconnecting…');
        c.classList.toggle('down', !up);
        document.body.dataset.live = up ? 'up' : 'down';
      },
    });
  });
})();
