// The Bitrix24 sandbox opens an app tab as Bitrix24 does: the placement form is posted into the frame on load.
(function () {
  'use strict'
  var form = document.querySelector('form[data-b24-autosubmit]')
  if (form) form.submit()
})()
