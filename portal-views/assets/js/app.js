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

  // Catalog order table: quantities typed into many rows, prices of a row re-rendered by the server as its quantity
  // changes (the fragment holds the row's [data-cell] cells), Enter/Tab/arrows moving between quantity fields.
  function setupCatalogForm(form) {
    var timers = {}
    var seq = {}
    var picked = form.querySelector('[data-picked]')
    var hint = picked ? picked.textContent : ''

    function qtys() { return Array.prototype.slice.call(form.querySelectorAll('[data-qty]')) }
    function rowOf(el) { return el.closest('tr[data-row]') }

    function count() {
      var n = 0
      qtys().forEach(function (q) {
        var on = q.value.trim() !== ''
        rowOf(q).classList.toggle('is-picked', on)
        if (on) n++
      })
      if (picked) picked.textContent = n ? 'Позиций с количеством: ' + n : hint
    }

    function refresh(row) {
      var id = row.getAttribute('data-row')
      var qty = row.querySelector('[data-qty]')
      var pack = row.querySelector('[name="pack[' + id + ']"]')
      var mine = (seq[id] = (seq[id] || 0) + 1)
      row.classList.add('is-loading')
      fetch('/catalog/row/' + id + '?qty=' + encodeURIComponent(qty ? qty.value : '') + (pack ? '&pack=' + encodeURIComponent(pack.value) : ''), {
        headers: { Accept: 'text/html' },
        credentials: 'same-origin',
      })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text() })
        .then(function (html) {
          if (mine !== seq[id]) return
          var doc = new DOMParser().parseFromString(html, 'text/html')
          doc.querySelectorAll('[data-cell]').forEach(function (cell) {
            var old = row.querySelector('[data-cell="' + cell.getAttribute('data-cell') + '"]')
            if (old) old.replaceWith(document.importNode(cell, true))
          })
        })
        .catch(function () {})
        .then(function () { if (mine === seq[id]) row.classList.remove('is-loading') })
    }

    function later(row) {
      var id = row.getAttribute('data-row')
      clearTimeout(timers[id])
      timers[id] = setTimeout(function () { refresh(row) }, 250)
    }

    function move(from, step) {
      var list = qtys()
      var next = list[list.indexOf(from) + step]
      if (!next) return false
      next.focus()
      next.select()
      return true
    }

    form.addEventListener('input', function (ev) {
      if (!ev.target.matches('[data-qty]')) return
      count()
      later(rowOf(ev.target))
    })
    form.addEventListener('change', function (ev) {
      if (ev.target.matches('[data-pack]')) refresh(rowOf(ev.target))
    })
    form.addEventListener('keydown', function (ev) {
      if (!ev.target.matches('[data-qty]')) return
      if (ev.key === 'Enter') {
        // Enter never submits from a quantity: it moves on, as in a spreadsheet.
        ev.preventDefault()
        move(ev.target, ev.shiftKey ? -1 : 1)
      } else if (ev.key === 'Tab' || ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        var back = ev.key === 'ArrowUp' || (ev.key === 'Tab' && ev.shiftKey)
        if (move(ev.target, back ? -1 : 1)) ev.preventDefault()
      }
    })
    // Rows without a quantity are not sent, so a long list stays a small request.
    form.addEventListener('submit', function () {
      qtys().forEach(function (q) {
        if (q.value.trim() !== '') return
        var row = rowOf(q)
        row.querySelectorAll('[name^="qty["], [name^="pack["]').forEach(function (el) { el.disabled = true })
      })
    })
    window.addEventListener('pageshow', function () {
      form.querySelectorAll('[name^="qty["]:disabled, [name^="pack["]:disabled').forEach(function (el) { el.disabled = false })
      count()
    })

    var more = form.querySelector('[data-more]')
    if (more) {
      more.addEventListener('click', function (ev) {
        ev.preventDefault()
        var url = more.getAttribute('data-more')
        more.textContent = 'Загружаем…'
        fetch(url, { headers: { Accept: 'text/html' }, credentials: 'same-origin' })
          .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text() })
          .then(function (html) {
            var doc = new DOMParser().parseFromString(html, 'text/html')
            var body = form.querySelector('[data-rows]')
            doc.querySelectorAll('tr[data-row]').forEach(function (tr) {
              if (!form.querySelector('tr[data-row="' + tr.getAttribute('data-row') + '"]')) body.appendChild(document.importNode(tr, true))
            })
            var next = doc.querySelector('[data-more-next]')
            if (next) {
              more.setAttribute('data-more', next.getAttribute('href'))
              more.textContent = 'Показать ещё 100'
            } else {
              more.remove()
            }
          })
          .catch(function () { window.location.href = more.getAttribute('href') })
      })
    }
    count()
  }

  // Filters apply as soon as a box is ticked or the sort changes; the «Показать» button stays for number ranges.
  function setupFilterForm(form) {
    form.addEventListener('change', function (ev) {
      if (ev.target.type === 'checkbox') form.requestSubmit()
    })
    document.querySelectorAll('[data-autosubmit][form="' + form.id + '"]').forEach(function (el) {
      el.addEventListener('change', function () { form.requestSubmit() })
    })
  }

  document.documentElement.classList.add('js')

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-catalog-form]').forEach(setupCatalogForm)
    document.querySelectorAll('[data-filter-form]').forEach(setupFilterForm)
    document.querySelectorAll('[data-company-form]').forEach(setupLookup)
    document.querySelectorAll('form[data-confirm]').forEach(setupConfirm)
    document.querySelectorAll('[data-photo-input]').forEach(setupPhotoPreview)
  })
})()
