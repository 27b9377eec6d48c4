// The kiosk: service buttons, issue a ticket, show (and print) the slip, check in a booking.
'use strict';

(function () {
  const K = window.Keis;
  const RETURN_MS = 20000;
  let returnTimer = null;

  function show(id) {
    ['start', 'checkin', 'ticket'].forEach(function (s) { document.getElementById(s).hidden = s !== id; });
  }

  function home() {
    clearTimeout(returnTimer);
    K.showError('error', '');
    show('start');
    load();
    const first = document.querySelector('#services button');
    if (first) first.focus();
  }

  function button(service) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.service = service.code;
    b.textContent = service.prefix + ' · ' + service.name_uk;
    const w = document.createElement('span');
    w.className = 'waiting';
    w.textContent = 'У черзі: ' + service.waiting + ' / waiting: ' + service.waiting;
    b.appendChild(w);
    b.addEventListener('click', function () { issue(service.code, b); });
    li.appendChild(b);
    return li;
  }

  async function load() {
    const list = document.getElementById('services');
    try {
      const q = await K.getJson(K.api(''));
      K.text('office-name', q.office.name_uk);
      document.getElementById('closed').hidden = q.open !== false;
      list.replaceChildren.apply(list, q.services.map(button));
      list.setAttribute('aria-busy', 'false');
    } catch (e) {
      K.showError('error', e.message);
    }
  }

  function slip(t) {
    K.text('slip-number', t.number);
    K.text('slip-service', t.service_name_uk || t.service || '');
    const ahead = typeof t.ahead === 'number' ? t.ahead : null;
    K.text('slip-ahead', ahead === null ? '' : 'Перед вами: ' + ahead + ' / ahead of you: ' + ahead);
    const at = t.issued_at || t.created_at;
    K.text('slip-time', at ? 'Час: ' + K.hhmm(at) + ' / time' : '');
    show('ticket');
    document.getElementById('slip-title').focus();
    clearTimeout(returnTimer);
    returnTimer = setTimeout(home, RETURN_MS);
  }

  async function issue(service, b) {
    K.showError('error', '');
    b.disabled = true;
    try {
      slip(await K.postJson(K.api('/tickets'), { service: service }));
    } catch (e) {
      K.showError('error', e.message);
    } finally {
      b.disabled = false;
    }
  }

  async function checkIn(ev) {
    ev.preventDefault();
    K.showError('error', '');
    const id = document.getElementById('booking-id').value.trim();
    if (!/^\d+$/.test(id)) {
      K.showError('error', 'Введіть номер запису цифрами. / Enter the booking number in digits.');
      document.getElementById('booking-id').focus();
      return;
    }
    try {
      slip(await K.postJson(K.api('/bookings/' + encodeURIComponent(id) + '/check-in'), {}));
      document.getElementById('booking-id').value = '';
    } catch (e) {
      K.showError('error', e.message);
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-home]').forEach(function (b) { b.addEventListener('click', home); });
    document.getElementById('print').addEventListener('click', function () { window.print(); });
    document.getElementById('to-checkin').addEventListener('click', function () {
      show('checkin');
      document.getElementById('booking-id').focus();
    });
    document.getElementById('checkin-form').addEventListener('submit', checkIn);
    load();
  });
})();
