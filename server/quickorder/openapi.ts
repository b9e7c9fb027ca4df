/**
 * The quick-order part of the buyer API's OpenAPI document (`server/api/openapi.ts` spreads it in): the schemas and the
 * path of `POST /quick-order/resolve`.
 */

const errorRef = { $ref: '#/components/schemas/Error' }
const json = (schema: object) => ({ 'application/json': { schema } })
const productBrief = {
  type: 'object',
  required: ['id', 'sku', 'name', 'base_unit'],
  properties: { id: { type: 'integer' }, sku: { type: 'string' }, name: { type: 'string' }, base_unit: { type: 'string', examples: ['кг', 'шт'] } },
}

export const quickOrderOpenApi = {
  schemas: {
    QuickOrderLine: {
      type: 'object',
      description: 'Одна строка присланного текста (пустые строки не возвращаются, но учитываются в номере).',
      required: ['line', 'text', 'status', 'reason', 'product', 'packaging', 'qty_milli', 'qty', 'corrections', 'candidates', 'suggested_id', 'merged_into'],
      properties: {
        line: { type: 'integer', description: 'Номер строки в тексте, с 1' },
        text: { type: 'string', description: 'Строка как прислана' },
        status: {
          type: 'string',
          enum: ['matched', 'ambiguous', 'unmatched', 'inactive', 'merged', 'ignored'],
          description:
            'matched — товар найден; ambiguous — подходят несколько товаров (`candidates`) или найден только похожий (`suggested_id`); ' +
            'unmatched — не найден или количество не прочитано; inactive — товар снят с продажи; merged — повтор строки `merged_into`, ' +
            'количество прибавлено к ней; ignored — заголовок, приветствие, итог, реквизиты',
        },
        reason: { type: ['string', 'null'], description: 'Почему строка не найдена или пропущена, по-русски' },
        product: { oneOf: [productBrief, { type: 'null' }] },
        packaging: {
          type: ['object', 'null'],
          description: 'Упаковка: из слова в строке («2 мешка», «3 кор», «12 шт») или по умолчанию',
          properties: { id: { type: 'integer' }, name: { type: 'string' }, factor: { type: 'number', description: 'Базовых единиц в упаковке' } },
        },
        qty_milli: { type: 'integer', description: 'Количество к заказу в тысячных базовой единицы, после поправок (0, если не matched)' },
        qty: { type: 'number', description: 'То же в базовых единицах' },
        corrections: {
          type: 'array',
          items: { type: 'string' },
          description: 'Видимые поправки: минимальный заказ, кратность, упаковка не найдена, количество не указано, объединённые повторы',
        },
        candidates: { type: 'array', items: productBrief, description: 'Товары на выбор (до пяти), самые популярные первыми' },
        suggested_id: { type: ['integer', 'null'], description: 'Похожий товар, предложенный при неточном совпадении названия (нужно подтвердить)' },
        merged_into: { type: ['integer', 'null'], description: 'Номер строки, к которой прибавлен повтор' },
      },
    },
  },
  paths: {
    '/quick-order/resolve': {
      post: {
        operationId: 'resolveQuickOrder',
        summary: 'Быстрый заказ: разобрать строки из Excel, письма или распечатки 1С',
        description:
          'Каждая строка — артикул или название и количество: `KF-000123 5`, `KF-000123;5`, столбцы через табуляцию, ' +
          '`Кофе Эфиопия Иргачеффе — 2 мешка`, `3 кор`, `1,5 кг`, `12 шт`. Строка с заголовками столбцов задаёт столбцы для строк под ней; ' +
          'номера строк, цены и суммы распечатки 1С пропускаются. Поиск: точный артикул (регистр, пробелы, дефисы и точки не важны, ' +
          'кириллица вместо похожих латинских букв допустима), затем начало артикула, если оно одно, затем слова названия (ё = е). ' +
          'Количество приводится к минимальному заказу и кратности упаковки, повторы одного товара в одной упаковке объединяются. ' +
          'Ничего не сохраняет; до 1000 строк за вызов.',
        requestBody: {
          required: true,
          content: json({ type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 400000, description: 'Строки заказа через перевод строки' } } }),
        },
        responses: {
          '200': {
            description: 'Все строки с результатом',
            content: json({
              type: 'object',
              required: ['lines', 'counts', 'truncated'],
              properties: {
                lines: { type: 'array', items: { $ref: '#/components/schemas/QuickOrderLine' } },
                counts: {
                  type: 'object',
                  description: 'Сколько строк в каждом статусе',
                  properties: Object.fromEntries(['matched', 'ambiguous', 'unmatched', 'inactive', 'merged', 'ignored'].map((s) => [s, { type: 'integer' }])),
                },
                truncated: { type: 'boolean', description: 'true: строк больше 1000, прочитаны первые 1000' },
              },
            }),
          },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '422': { description: 'Нет поля text или текст длиннее 400 000 символов', content: json(errorRef) },
        },
      },
    },
  },
}
