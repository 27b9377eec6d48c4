// Pre-booking: service → date → free slots → name + phone or e-mail → confirmation.
'use strict';

(function () {
  const K = window.Keis;

  function validContact(c) {
    const digits = c.replace(/\D/g, '');
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c) || (digits.length >= 10 && digits.length <= 13);
  }

  async function loadSlots() {
    const service = document.getElementById('service').value;
    const date = document.getElementById('date').value;
    const list = document.getElementById('slots');
    list.replaceChildren();
    document.getElementById('no-slots').hidden = true;
    if (!service || !date) return;
    K.showError('error', '');
    try {
      const slots = await K.getJson(K.api('/slots?service=' + encodeURIComponent(service) + '&date=' + encodeURIComponent(date)));
      const free = slots.filter(function (s) { return s.free > 0; });
      document.getElementById('no-slots').hidden = free.length > 0;
      list.replaceChildren.apply(list, free.map(function (s) {
        const li = document.createElement('li');
        const label = document.createElement('label');
        const input = document.createElement('input');
        input.type = 'radio';
        input.name = 'slot';
        input.value = String(s.start);
        label.appendChild(input);
        label.appendChild(document.createTextNode(K.hhmm(s.start) + '–' + K.hhmm(s.end)));
        li.appendChild(label);
        return li;
      }));
    } catch (e) {
      K.showError('error', e.message);
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    const slot = document.querySelector('input[name="slot"]:checked');
    const name = document.getElementById('name').value.trim();
    const contact = document.getElementById('contact').value.trim();
    let problem = '';
    if (!slot) problem = 'Оберіть вільний час. / Choose a time.';
    else if (!name) problem = 'Введіть ім\'я. / Enter your name.';
    else if (!validContact(contact)) problem = 'Введіть телефон (10–13 цифр) або e-mail. / Enter a phone number or an e-mail.';
    if (problem) {
      K.showError('error', problem);
      return;
    }
    K.showError('error', '');
    const button = document.getElementById('submit');
    button.disabled = true;
    try {
      const b = await K.postJson(K.api('/bookings'), {
        service: document.getElementById('service').value, start: Number(slot.value), name: name, contact: contact,
      });
      K.text('d-id', String(b.id));
      K.text('d-code', b.code || '');
      K.text('d-time', K.hhmm(b.start) + '–' + K.hhmm(b.end));
      document.getElementById('form').hidden = true;
      const done = document.getElementById('done');
      done.hidden = false;
      done.focus();
    } catch (e) {
      K.showError('error', e.message);
      if (e.status === 409) loadSlots();
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener('DOMContentLoaded', async function () {
    const date = document.getElementById('date');
    date.value = K.today();
    date.min = K.today();
    try {
      const q = await K.getJson(K.api(''));
      K.text('office-name', q.office.name_uk);
      const select = document.getElementById('service');
      select.replaceChildren.apply(select, q.services.filter(function (s) { return s.bookable; }).map(function (s) {
        const o = document.createElement('option');
        o.value = s.code;
        o.textContent = s.name_uk;
        return o;
      }));
    } catch (e) {
      K.showError('error', e.message);
      return;
    }
    document.getElementById('service').addEventListener('change', loadSlots);
    date.addEventListener('change', loadSlots);
    document.getElementById('form').addEventListener('submit', submit);
    loadSlots();
  });
})();
