/*
 * «Только просмотр»: a manager looks at a client's cabinet («Открыть кабинет клиента»). The pages stay as the buyer sees
 * them, but every control that would change something (every form that posts, except «Выйти») is disabled and says why.
 * The server refuses those requests anyway (403); this only keeps the manager from pressing buttons that cannot work.
 */
(function () {
  'use strict'
  var HINT = 'только просмотр'
  var ALLOWED = ['/logout', '/impersonation/exit']

  function allowed(form) {
    var action = form.getAttribute('action') || ''
    try { action = new URL(action, window.location.href).pathname } catch (e) { /* keep it as written */ }
    return ALLOWED.indexOf(action) !== -1
  }

  function changing(form) {
    return (form.getAttribute('method') || 'get').toLowerCase() === 'post' && !allowed(form)
  }

  function lock(el) {
    if (el.type === 'hidden') return
    if (!el.disabled) el.disabled = true
    if (!el.hasAttribute('data-read-only')) {
      el.setAttribute('data-read-only', '')
      el.setAttribute('title', 'Кабинет клиента открыт только для просмотра')
    }
  }

  function lockForm(form) {
    form.querySelectorAll('button, input, select, textarea').forEach(lock)
    if (!form.hasAttribute('data-read-only')) {
      form.setAttribute('data-read-only', '')
      form.addEventListener('submit', function (ev) { ev.preventDefault() })
      // One short hint per form, next to its last button (inline link-forms carry it in the tooltip only).
      var buttons = form.querySelectorAll('button, input[type="submit"]')
      var last = buttons[buttons.length - 1]
      if (last && !form.classList.contains('inline')) {
        var hint = document.createElement('span')
        hint.className = 'read-only-hint'
        hint.textContent = HINT
        last.insertAdjacentElement('afterend', hint)
      }
    }
  }

  function apply() {
    document.querySelectorAll('form').forEach(function (form) {
      if (changing(form)) lockForm(form)
    })
    // A post button inside a form that otherwise reads (formmethod="post").
    document.querySelectorAll('[formmethod="post" i]').forEach(lock)
  }

  function start() {
    apply()
    // Rows loaded later («Показать ещё») and scripts that re-enable controls (on pageshow) are locked again.
    new MutationObserver(function (changes) {
      for (var i = 0; i < changes.length; i++) {
        var c = changes[i]
        if (c.type === 'childList' || (c.type === 'attributes' && c.target.disabled === false && c.target.hasAttribute('data-read-only'))) {
          apply()
          return
        }
      }
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] })
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
