// Progressive enhancement only: every form works without this file.
(function () {
  'use strict'

  // INN lookup without a page reload: fills the card and the hidden requisites, offers the branches.
  function setupLookup(form) {
    var inn = form.querySelector('[data-inn]')
    if (!inn) return
    var status = form.querySelector('[data-lookup-status]')
    var card = form.querySelector('[data-lookup-card]')
    var manual = form.querySelector('[data-manual]')
    var branchSelect = form.querySelector('[data-branch-select]')
    var manualKpp = form.querySelector('[data-manual-kpp]')
    var button = form.querySelector('[data-lookup-button]')
    var last = ''

    function set(name, value) {
      var input = manual.querySelector('[name="' + name + '"]')
      if (input) input.value = value || ''
      var out = card.querySelector('[data-card="' + name + '"]')
      if (out) out.textContent = value || ''
    }

    function show(result) {
      status.textContent = (result.ok ? 'Реквизиты найдены в ЕГРЮЛ/ЕГРИП. ' : '') + (result.message || '')
      status.className = 'lookup-status ' + (result.ok ? 'is-ok' : 'is-warn')
      var errorBox = inn.parentNode.querySelector('.field-error')
      if (errorBox) errorBox.remove()
      if (result.status === 'invalid' && result.field === 'inn') {
        status.textContent = result.message
      }
      if (result.party && result.ok) {
        ;['name_short', 'name_full', 'ogrn', 'director_name', 'director_post', 'legal_address', 'legal_form', 'kpp'].forEach(function (k) {
          set(k, result.party[k])
        })
        card.hidden = false
        manual.hidden = true
        manualKpp.disabled = true
        branchSelect.innerHTML = ''
        if (result.branches && result.branches.length) {
          result.branches.forEach(function (b) {
            var o = document.createElement('option')
            o.value = b.kpp
            o.textContent = b.kpp + ' — ' + (b.head ? 'головной офис' : 'филиал') + ', ' + b.address
            o.selected = b.selected
            branchSelect.appendChild(o)
          })
          branchSelect.hidden = false
          branchSelect.disabled = false
          card.querySelector('[data-card="kpp"]').hidden = true
        } else {
          branchSelect.hidden = true
          branchSelect.disabled = true
          card.querySelector('[data-card="kpp"]').hidden = false
        }
      } else {
        card.hidden = true
        manual.hidden = false
        manualKpp.disabled = false
        branchSelect.disabled = true
      }
    }

    function lookup(kpp) {
      var value = inn.value.replace(/\s/g, '')
      if (!/^(\d{10}|\d{12})$/.test(value)) return
      var key = value + '|' + (kpp || '')
      if (key === last) return
      last = key
      status.textContent = 'Ищем компанию по ИНН…'
      status.className = 'lookup-status'
      fetch('/lookup/party?inn=' + encodeURIComponent(value) + '&kpp=' + encodeURIComponent(kpp || ''), {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
      })
        .then(function (r) {
          if (r.status === 429) throw new Error('Слишком много проверок подряд: подождите минуту или заполните реквизиты вручную.')
          return r.json()
        })
        .then(show)
        .catch(function (e) {
          last = ''
          show({ ok: false, status: 'unavailable', message: e.message || 'Не удалось проверить ИНН: заполните реквизиты вручную.' })
        })
    }

    inn.addEventListener('input', function () { lookup('') })
    inn.addEventListener('change', function () { lookup('') })
    if (button) button.addEventListener('click', function (ev) { ev.preventDefault(); last = ''; lookup('') })
    if (branchSelect) branchSelect.addEventListener('change', function () { lookup(branchSelect.value) })
  }

  function setupConfirm(form) {
    form.addEventListener('submit', function (ev) {
      if (!window.confirm(form.getAttribute('data-confirm'))) ev.preventDefault()
    })
  }

  // A preview of the chosen point photo before it is uploaded (CSP allows blob: images).
  function setupPhotoPreview(input) {
    var preview = input.parentNode.querySelector('[data-photo-preview]')
    if (!preview || !window.URL) return
    input.addEventListener('change', function () {
      var file = input.files && input.files[0]
      if (preview.src) URL.revokeObjectURL(preview.src)
      if (file && /^image\//.test(file.type)) {
        preview.src = URL.createObjectURL(file)
        preview.hidden = false
      } else {
        preview.removeAttribute('src')
        preview.hidden = true
      }
    })
  }

  // Close the company switcher when clicking elsewhere.
  document.addEventListener('click', function (ev) {
    document.querySelectorAll('[data-switcher][open]').forEach(function (d) {
      if (!d.contains(ev.target)) d.removeAttribute('open')
    })
  })

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-company-form]').forEach(setupLookup)
    document.querySelectorAll('form[data-confirm]').forEach(setupConfirm)
    document.querySelectorAll('[data-photo-input]').forEach(setupPhotoPreview)
  })
})()
