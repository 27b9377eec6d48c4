// Keis public queue pages: shared helpers (no framework, no build step).
// JSON over fetch with the server's Ukrainian error messages, Server-Sent Events with
// reconnect and Last-Event-ID, the office id from the page's URL, times, the chime.
'use strict';

(function () {
  /** The office id from a path like /queue/{office}/kiosk. */
  function office() {
    const m = location.pathname.match(/^\/queue\/([^/]+)\//);
    return m ? decodeURIComponent(m[1]) : '';
  }

  /** The API base of this page's office. */
  function api(path) {
    return '/api/v1/queue/' + encodeURIComponent(office()) + (path || '');
  }

  /** An error from the server: `code` and a Ukrainian-first `message`. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  const NETWORK = 'Немає зв\'язку з сервером. Спробуйте ще раз. / No connection to the server.';

  async function request(method, url, body, headers) {
    let res;
    try {
      res = await fetch(url, {
        method: method,
        headers: Object.assign({ 'accept': 'application/json' }, body === undefined ? {} : { 'content-type': 'application/json' }, headers || {}),
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'network', NETWORK);
    }
    let data = null;
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (!res.ok) {
      const code = data && data.error ? data.error : 'http_' + res.status;
      const message = data && data.message ? data.message : 'Помилка сервера (' + res.status + '). / Server error.';
      throw new ApiError(res.status, code, message);
    }
    return data;
  }

  const getJson = (url) => request('GET', url);
  const postJson = (url, body, headers) => request('POST', url, body === undefined ? {} : body, headers);

  /**
   * Listens to a Server-Sent Events stream and keeps listening: the browser's own retry
   * sends Last-Event-ID; when the stream fails for good, it is opened again after a
   * growing pause with `?after=` set from `after()`.
   * `handlers` maps event names to functions of the parsed JSON data and the event;
   * `onState(up)` is told when the connection is up or down.
   */
  function live(url, handlers, opts) {
    opts = opts || {};
    let source = null;
    let delay = 1000;
    let stopped = false;
    function open() {
      if (stopped) return;
      let full = url;
      const after = opts.after ? opts.after() : null;
      if (after !== null && after !== undefined && after !== '') {
        full += (url.indexOf('?') < 0 ? '?' : '&') + 'after=' + encodeURIComponent(after);
      }
      source = new EventSource(full);
      source.onopen = function () {
        delay = 1000;
        if (opts.onState) opts.onState(true);
      };
      source.onerror = function () {
        if (opts.onState) opts.onState(false);
        if (source.readyState === EventSource.CLOSED) {
          source = null;
          setTimeout(open, delay);
          delay = Math.min(delay * 2, 30000);
        }
      };
      Object.keys(handlers).forEach(function (name) {
        source.addEventListener(name, function (ev) {
          let data;
          try { data = JSON.parse(ev.data); } catch (e) { return; }
          handlers[name](data, ev);
        });
      });
    }
    open();
    return {
      close: function () { stopped = true; if (source) source.close(); },
      /** Drops the connection and opens a new one (as after a network cut). */
      reconnect: function () { if (source) source.close(); source = null; open(); },
    };
  }

  /** "09:05" in local time from unix milliseconds. */
  function hhmm(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  /** Today as YYYY-MM-DD in local time. */
  function today() {
    const d = new Date();
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  }

  const STATUS_UK = {
    waiting: 'очікує', called: 'викликано', serving: 'обслуговується', postponed: 'відкладено',
    done: 'обслуговано', absent: 'відсутній', cancelled: 'скасовано',
  };
  const STATUS_EN = {
    waiting: 'waiting', called: 'called', serving: 'being served', postponed: 'postponed',
    done: 'done', absent: 'absent', cancelled: 'cancelled',
  };

  let audio = null;
  /** A two-tone chime made with an oscillator; resolves when it has sounded. */
  function chime() {
    return new Promise(function (resolve) {
      try {
        const Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) { resolve(); return; }
        audio = audio || new Ctx();
        if (audio.state === 'suspended') audio.resume().catch(function () {});
        const t0 = audio.currentTime + 0.02;
        [[880, 0], [660, 0.35]].forEach(function (tone) {
          const osc = audio.createOscillator();
          const gain = audio.createGain();
          osc.type = 'sine';
          osc.frequency.value = tone[0];
          gain.gain.setValueAtTime(0.0001, t0 + tone[1]);
          gain.gain.exponentialRampToValueAtTime(0.4, t0 + tone[1] + 0.03);
          gain.gain.exponentialRampToValueAtTime(0.0001, t0 + tone[1] + 0.6);
          osc.connect(gain).connect(audio.destination);
          osc.start(t0 + tone[1]);
          osc.stop(t0 + tone[1] + 0.65);
        });
      } catch (e) { /* no sound device: the board still shows the call */ }
      setTimeout(resolve, 1000);
    });
  }

  /** Sets the text of the element with `id`. */
  function text(id, value) {
    const el = document.getElementById(id);
    if (el) el.textContent = value;
    return el;
  }

  /** Shows `message` in the element with `id` (an aria-live region), or clears it. */
  function showError(id, message) {
    const el = document.getElementById(id);
    if (!el) return;
    el.textContent = message || '';
    el.hidden = !message;
  }

  window.Keis = { office, api, ApiError, getJson, postJson, live, hhmm, today, STATUS_UK, STATUS_EN, chime, text, showError };
})();
