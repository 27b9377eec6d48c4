// Status lookup: case number + code → status and next step; one generic "not found".
'use strict';

(function () {
  const K = window.Keis;
  const NOT_FOUND = 'Не знайдено. Перевірте номер справи і код. / Not found: check the number and the code.';
  const TOO_MANY = 'Забагато спроб. Спробуйте за кілька хвилин. / Too many attempts: try again in a few minutes.';

  async function lookup(ev) {
    ev.preventDefault();
    const number = document.getElementById('number').value.trim();
    const code = document.getElementById('code').value.trim();
    document.getElementById('result').hidden = true;
    if (!number || !code) {
      K.showError('error', 'Введіть номер справи і код. / Enter the case number and the code.');
      return;
    }
    K.showError('error', '');
    try {
      const s = await K.getJson('/api/v1/status?number=' + encodeURIComponent(number) + '&code=' + encodeURIComponent(code));
      K.text('r-number', s.number);
      K.text('r-status', s.status);
      K.text('r-next', s.next_step || '—');
      document.getElementById('result').hidden = false;
    } catch (e) {
      K.showError('error', e.status === 404 ? NOT_FOUND : e.status === 429 ? TOO_MANY : e.message);
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('form').addEventListener('submit', lookup);
  });
})();
