// Finishes the Bitrix24 install (reference/bitrix24.md §2.1 step 3): until installFinish() runs, Bitrix24 hides the tabs and
// delivers no events. BX24 (the portal's own library) is used when the frame has it; otherwise the bundled b24jssdk.
(function () {
  var note = document.querySelector('[data-install-finish]')
  function done(text) { if (note) note.textContent = text }
  function viaSdk() {
    if (!window.B24Js || !window.B24Js.initializeB24Frame) return done('Откройте приложение в Битрикс24, чтобы завершить установку.')
    var timer = setTimeout(function () { done('Битрикс24 не ответил: если вкладки не появились, откройте приложение ещё раз.') }, 8000)
    window.B24Js.initializeB24Frame()
      .then(function (b24) { return b24.installFinish() })
      .then(function () { clearTimeout(timer); done('Установка завершена.') })
      .catch(function () { clearTimeout(timer); done('Битрикс24 не ответил: если вкладки не появились, откройте приложение ещё раз.') })
  }
  function start() {
    if (window.BX24 && window.BX24.installFinish) { window.BX24.init(function () { window.BX24.installFinish(); done('Установка завершена.') }); return }
    viaSdk()
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
