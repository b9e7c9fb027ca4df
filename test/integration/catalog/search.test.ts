import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer } from '../../support/factories.js'
import { attribute, products, skusOf, token } from './fixtures.js'

/*
 * Search from the header (`/catalog?q=`) on the real database: the ranking tiers (exact article, article prefix, every
 * word in the name, words found in attribute values), folding of case and ё, user text that looks like LIKE wildcards,
 * FTS syntax or SQL, and products taken off sale. Every product carries a random token, so other tests' rows never match.
 */
describe('catalog: search', () => {
  let app: TestApp
  let b: Awaited<ReturnType<typeof buyer>>
  before(async () => {
    app = await startApp()
    b = await buyer(app)
  })
  after(() => app.close())

  const search = async (q: string, extra = '') => {
    const res = await b.browser.get(`/catalog?q=${encodeURIComponent(q)}${extra}`)
    expect(res.status, q).to.equal(200)
    return skusOf(res.text)
  }

  it('ranks the exact article first, then articles that start with it, then names, then attribute values', async () => {
    const t = token()
    const T = t.toUpperCase()
    const sort = await attribute(app, { type: 'list', name: 'Сорт' }, [`Сорт ${t}1 особый`])
    await products(app, [
      { sku: `${T}1-B`, name: 'Префикс второй', popularity: 10 },
      { sku: `X-${T}-NAME`, name: `Пуэр ${t}1 шу`, popularity: 1_000 },
      { sku: `${T}10`, name: 'Префикс первый', popularity: 20 },
      { sku: `Y-${T}-ATTR`, name: 'Улун без слова', popularity: 5_000, options: [{ attributeId: sort.id, optionId: sort.options.get(`Сорт ${t}1 особый`)! }] },
      { sku: `${T}1`, name: 'Точный артикул', popularity: 0 },
    ])
    expect(await search(`${t}1`)).to.deep.equal([`${T}1`, `${T}10`, `${T}1-B`, `X-${T}-NAME`, `Y-${T}-ATTR`])
    // Spaces, dashes and dots do not matter in an article; the exact one still comes first.
    expect((await search(` ${t.slice(0, 4)}-${t.slice(4)}.1 `)).slice(0, 3)).to.deep.equal([`${T}1`, `${T}10`, `${T}1-B`])
  })

  it('needs every word of the name, in any order, ignoring case and ё/е', async () => {
    const t = token()
    await products(app, [
      { sku: `G-${t}-1`, name: `Чай зелёный ${t} Лунцзин` },
      { sku: `G-${t}-2`, name: `Чай чёрный ${t} Дянь Хун` },
      { sku: `G-${t}-3`, name: `Ёмкость для чая ${t}` },
    ])
    expect(await search(`зеленый ${t}`)).to.deep.equal([`G-${t}-1`])
    expect(await search(`${t.toUpperCase()} ЗЕЛЁНЫЙ`)).to.deep.equal([`G-${t}-1`])
    expect(await search(`ЛУНЦЗИН чай ${t}`)).to.deep.equal([`G-${t}-1`])
    expect(await search(`емкость ${t}`)).to.deep.equal([`G-${t}-3`])
    // «чая» does not contain «чай»: words match as written, not by stem.
    expect((await search(`чай ${t}`)).sort()).to.deep.equal([`G-${t}-1`, `G-${t}-2`].sort())
    expect(await search(`чай ${t} пуэр`)).to.deep.equal([])
  })

  it('matches a word through a list attribute value when the name lacks it', async () => {
    const t = token()
    const u = token()
    const country = await attribute(app, { type: 'list', name: 'Страна' }, [`Эфиопия${u}`, `Кения${u}`])
    await products(app, [
      { sku: `A-${t}-1`, name: `Кофе ${t} мытый`, options: [{ attributeId: country.id, optionId: country.options.get(`Эфиопия${u}`)! }] },
      { sku: `A-${t}-2`, name: `Кофе ${t} натуральный`, options: [{ attributeId: country.id, optionId: country.options.get(`Кения${u}`)! }] },
      { sku: `A-${t}-3`, name: `Кофе ${t} эфиопия${u}`, popularity: 0 },
    ])
    // The product with the word in its name comes before the one that has it only as an attribute value.
    expect(await search(`${t} эфиопия${u}`)).to.deep.equal([`A-${t}-3`, `A-${t}-1`])
    expect(await search(`кения${u}`)).to.deep.equal([`A-${t}-2`])
  })

  it('takes %, _ and \\ literally', async () => {
    const t = token()
    await products(app, [
      { sku: `L-${t}-1`, name: `Скидка 100% ${t}` },
      { sku: `L-${t}-2`, name: `Скидка 1000 ${t}` },
      { sku: `L-${t}-3`, name: `Код a_b ${t}` },
      { sku: `L-${t}-4`, name: `Код axb ${t}` },
      { sku: `L-${t}-5`, name: `Путь c:\\d ${t}` },
    ])
    expect(await search(`100% ${t}`)).to.deep.equal([`L-${t}-1`])
    expect(await search(`% ${t}`)).to.deep.equal([`L-${t}-1`])
    expect(await search(`a_b ${t}`)).to.deep.equal([`L-${t}-3`])
    expect(await search(`_ ${t}`)).to.deep.equal([`L-${t}-3`])
    expect(await search(`\\ ${t}`)).to.deep.equal([`L-${t}-5`])
    expect(await search(`c:\\d ${t}`)).to.deep.equal([`L-${t}-5`])
  })

  it('answers text that looks like SQL or search syntax without an error', async () => {
    const t = token()
    await products(app, [{ sku: `Q-${t}`, name: `O'Reilly "кавычки" ${t}` }])
    for (const q of [
      "' OR 1=1 --", '"; DROP TABLE products; --', '*', '"', 'AND OR NOT', 'NEAR(кофе чай)', ') OR (', "%'", '\\', '+кофе -чай', 'кофе*',
      'a'.repeat(300), '∑∂ƒ©', '0', '-', '. . .', `${t}"`, `"${t}`, `${t} AND`, `NOT ${t}`,
    ]) {
      const res = await b.browser.get(`/catalog?q=${encodeURIComponent(q)}`)
      expect(res.status, q).to.equal(200)
    }
    expect(await search(`o'reilly ${t}`)).to.deep.equal([`Q-${t}`])
    expect(await search(`"кавычки" ${t}`)).to.deep.equal([`Q-${t}`])
  })

  it('hides products taken off sale from search, categories and the product page', async () => {
    const t = token()
    const [, off] = await products(app, [
      { sku: `H-${t}-ON`, name: `Видимый ${t}` },
      { sku: `H-${t}-OFF`, name: `Снятый ${t}`, active: false },
    ])
    expect(await search(t)).to.deep.equal([`H-${t}-ON`])
    expect(await search(`H-${t}-OFF`)).to.deep.equal([])
    expect((await b.browser.get(`/catalog/p/H-${t}-OFF`)).status).to.equal(404)
    expect((await b.browser.get(`/catalog/row/${off}?qty=1`)).status).to.equal(404)
    expect((await b.browser.get(`/catalog/p/h-${t}-on`)).status).to.equal(200)
  })

  it('keeps the search in the header box and in the filter form', async () => {
    const t = token()
    const res = await b.browser.get(`/catalog?q=${encodeURIComponent(`кофе <${t}>`)}`)
    expect(res.text).to.contain(`name="q" value="кофе &lt;${t}&gt;"`)
    expect(res.text).not.to.contain(`<${t}>`)
    expect(res.text).to.contain('Ничего не найдено')
  })
})
