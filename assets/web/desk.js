// The monitor above a desk: desk number, current ticket, operator; live over SSE.
'use strict';

(function () {
  const K = window.Keis;
  const m = location.pathname.match(/\/desk\/(\d+)/);
  const desk = m ? Number(m[1]) : NaN;

  function render(d) {
    if (!d) return;
    K.text('ticket', d.ticket || '—');
    K.text('status', d.status ? (K.STATUS_UK[d.status] || d.status) + ' / ' + (K.STATUS_EN[d.status] || d.status) : 'Вільне / Free');
    K.text('operator', d.operator || '');
    const mon = document.getElementById('monitor');
    mon.classList.toggle('called', d.status === 'called');
    mon.dataset.status = d.status || 'free';
    mon.dataset.ticket = d.ticket || '';
  }

  document.addEventListener('DOMContentLoaded', async function () {
    if (!Number.isInteger(desk)) {
      K.showError('error', 'Невідоме вікно. / Unknown desk.');
      return;
    }
    K.text('desk-no', String(desk));
    document.title = 'Вікно ' + desk + ' / Desk ' + desk;
    try {
      render(await K.getJson(K.api('/desks/' + desk)));
    } catch (e) {
      K.showError('error', e.message);
      return;
    }
    K.live(K.api('/live'), {
      hall: function (h) { render((h.desks || []).find(function (d) { return d.desk === desk; })); },
    }, {
      onState: function (up) {
        const c = K.text('conn', up ? '' : 'Немає зв\'язку, відновлюємо… / Reconnecting…');
        c.classList.toggle('down', !up);
      },
    });
  });
})();
