/**
 * The carts part of the buyer API's OpenAPI document (`server/api/openapi.ts` spreads it in): schemas and paths of
 * `/carts`, `/carts/{id}` and `/carts/{id}/lines`.
 */

const errorRef = { $ref: '#/components/schemas/Error' }
const json = (schema: object) => ({ 'application/json': { schema } })
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer' }, description: 'Номер корзины' }
const notFound = { description: 'Нет такой корзины у компании токена', content: json(errorRef) }
const forbidden = { description: 'Роль сотрудника в компании не позволяет собирать корзины (нужна «Владелец» или «Закупщик»)', content: json(errorRef) }
const unprocessable = {
  description: 'Ошибки в полях: `error.fields` — поле → сообщение по-русски',
  content: json({
    allOf: [errorRef, { type: 'object', properties: { error: { type: 'object', properties: { fields: { type: 'object', additionalProperties: { type: 'string' } } } } } }],
  }),
}

export const cartsOpenApi = {
  schemas: {
    CartSummary: {
      type: 'object',
      description: 'Именованная корзина компании. Цены в корзине не хранятся: они считаются при чтении.',
      required: ['id', 'name', 'type', 'client_ref', 'payer_company_id', 'point_id', 'positions'],
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        type: {
          type: ['object', 'null'],
          description: 'Тип корзины (свой тип цен, набор упаковок, склад); null — корзина без типа: обычные цены компании, любые упаковки',
          properties: { id: { type: 'integer' }, name: { type: 'string' } },
        },
        client_ref: { type: 'string', description: 'Для какого клиента собрана корзина (свободный текст)' },
        payer_company_id: { type: ['integer', 'null'], description: 'Компания-плательщик; null — компания токена' },
        point_id: { type: ['integer', 'null'], description: 'Точка доставки компании' },
        positions: { type: 'integer', description: 'Число строк' },
        created_at: { type: 'string', format: 'date-time' },
        updated_at: { type: 'string', format: 'date-time' },
      },
    },
    CartLine: {
      type: 'object',
      description: 'Строка корзины с ценой компании на сейчас. Количества — в базовых единицах товара, деньги — в копейках.',
      properties: {
        id: { type: 'integer' },
        product_id: { type: 'integer' },
        sku: { type: 'string' },
        name: { type: 'string' },
        category: { type: ['string', 'null'], description: 'Раздел каталога верхнего уровня' },
        unit: { type: 'string', examples: ['кг', 'шт'] },
        packaging: { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: 'string' }, factor: { type: 'number' } } },
        qty: { type: 'number' },
        comment: { type: 'string' },
        unit_price_kopecks: { type: ['integer', 'null'], description: 'Цена за базовую единицу после всех скидок; null — у товара нет цены' },
        line_kopecks: { type: ['integer', 'null'] },
        rule: { type: ['string', 'null'], description: 'Правило, давшее цену' },
        discounts: { type: 'array', items: { type: 'string' } },
        next_tier: {
          type: ['object', 'null'],
          description: 'Следующий порог: сколько добавить и какой будет цена',
          properties: { add_qty: { type: 'number' }, unit_price_kopecks: { type: 'integer' }, saving_kopecks: { type: 'integer' }, text: { type: 'string' } },
        },
        available: { type: ['number', 'null'], description: 'Доступно на складе типа корзины (остаток − резервы); null — тип без склада' },
      },
    },
    Cart: {
      allOf: [
        { $ref: '#/components/schemas/CartSummary' },
        {
          type: 'object',
          required: ['lines', 'total_kopecks'],
          properties: {
            price_type: { type: ['object', 'null'], description: 'Тип цен типа корзины; null — обычные цены компании', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
            warehouse: { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: 'string' }, kind: { type: 'string' }, kind_text: { type: ['string', 'null'] } } },
            allowed_packagings: { type: ['array', 'null'], items: { type: 'string' }, description: 'Названия упаковок, которые продаются в корзине; null — любые' },
            lines: { type: 'array', items: { $ref: '#/components/schemas/CartLine' } },
            total_kopecks: { type: 'integer' },
          },
        },
      ],
    },
  },
  paths: {
    '/carts': {
      get: {
        operationId: 'listCarts',
        summary: 'Корзины компании токена',
        responses: {
          '200': { description: 'Корзины', content: json({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/CartSummary' } } } }) },
          '401': { $ref: '#/components/responses/Unauthorized' },
        },
      },
      post: {
        operationId: 'createCart',
        summary: 'Создать корзину',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', maxLength: 100 },
              cart_type_id: { type: ['integer', 'null'], description: 'Активный тип корзины; не указан — первый тип поставщика' },
              client_ref: { type: 'string', maxLength: 200 },
              payer_company_id: { type: ['integer', 'null'], description: 'Одна из компаний сотрудника, где он может заказывать' },
              point_id: { type: ['integer', 'null'], description: 'Точка доставки компании токена' },
            },
          }),
        },
        responses: {
          '201': { description: 'Корзина создана', content: json({ $ref: '#/components/schemas/Cart' }) },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '403': forbidden,
          '422': unprocessable,
        },
      },
    },
    '/carts/{id}': {
      get: {
        operationId: 'getCart',
        summary: 'Корзина со строками и ценами компании на сейчас (с типом цен типа корзины)',
        parameters: [idParam],
        responses: {
          '200': { description: 'Корзина', content: json({ $ref: '#/components/schemas/Cart' }) },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': notFound,
        },
      },
    },
    '/carts/{id}/lines': {
      post: {
        operationId: 'addCartLines',
        summary: 'Добавить строки в корзину',
        description:
          'Товар — по `sku` (регистр, пробелы, точки и дефисы не важны) или `product_id`; `qty` — в базовых единицах товара. ' +
          'Количество доводится до минимума и кратности упаковки (`notes`). Без `packaging_id` берётся первая упаковка товара, ' +
          'которая продаётся в корзине этого типа. Строка того же товара и упаковки увеличивается. Строки, которые добавить ' +
          'нельзя, перечислены в `refused` с причиной, остальные добавляются.',
        parameters: [idParam],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['lines'],
            properties: {
              lines: {
                type: 'array',
                maxItems: 500,
                items: {
                  type: 'object',
                  required: ['qty'],
                  properties: {
                    sku: { type: 'string' },
                    product_id: { type: 'integer' },
                    packaging_id: { type: ['integer', 'null'] },
                    qty: { type: ['number', 'string'], examples: [30, '1,5'] },
                    comment: { type: 'string', maxLength: 500 },
                  },
                },
              },
            },
          }),
        },
        responses: {
          '200': {
            description: 'Что добавлено',
            content: json({
              type: 'object',
              properties: {
                added: { type: 'integer' },
                notes: { type: 'array', items: { type: 'string' }, description: 'Исправления количеств' },
                refused: { type: 'array', items: { type: 'string' } },
                cart: { $ref: '#/components/schemas/Cart' },
              },
            }),
          },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '403': forbidden,
          '404': notFound,
          '422': unprocessable,
        },
      },
    },
  },
}
