/**
 * The orders part of the buyer API's OpenAPI document (`server/api/openapi.ts` spreads it in): schemas and paths of
 * `/orders` and `/orders/{number}`.
 */

const errorRef = { $ref: '#/components/schemas/Error' }
const json = (schema: object) => ({ 'application/json': { schema } })
const STATUS = ['pending', 'awaiting_payment', 'partly_paid', 'paid', 'assembling', 'partly_shipped', 'shipped', 'delivered', 'completed', 'cancelled']
const numberParam = { name: 'number', in: 'path', required: true, schema: { type: 'string' }, description: 'Номер заказа («000123»; ведущие нули можно не писать)' }

const filters = [
  { name: 'number', in: 'query', schema: { type: 'string' }, description: 'Номер или его часть' },
  { name: 'from', in: 'query', schema: { type: 'string', format: 'date' }, description: 'Оформлен с даты (по часовому поясу поставщика)' },
  { name: 'to', in: 'query', schema: { type: 'string', format: 'date' }, description: 'Оформлен по дату включительно' },
  { name: 'status', in: 'query', schema: { type: 'string', enum: [...STATUS, 'open'] }, description: '`open` — все незавершённые и неотменённые' },
  { name: 'product', in: 'query', schema: { type: 'string' }, description: 'Артикул или слова названия товара в заказе' },
  { name: 'min', in: 'query', schema: { type: 'string' }, description: 'Сумма от, рубли («15000» или «15 000,50»)' },
  { name: 'max', in: 'query', schema: { type: 'string' }, description: 'Сумма до, рубли' },
  { name: 'point', in: 'query', schema: { type: 'integer' }, description: 'Точка доставки' },
  { name: 'payer', in: 'query', schema: { type: 'integer' }, description: 'Компания-плательщик одного из счетов' },
  { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 }, description: 'Страница (по 50 заказов)' },
]

export const ordersOpenApi = {
  schemas: {
    OrderSummary: {
      type: 'object',
      required: ['number', 'status', 'created_at', 'total_kopecks'],
      properties: {
        number: { type: 'string' },
        status: { type: 'string', enum: STATUS },
        status_text: { type: 'string', examples: ['ожидает обработки'] },
        created_at: { type: 'string', format: 'date-time' },
        total_kopecks: { type: 'integer' },
        paid_kopecks: { type: 'integer' },
        positions: { type: 'integer' },
        point: { type: 'string', description: 'Точка доставки на момент заказа' },
        client_ref: { type: 'string' },
      },
    },
    Order: {
      type: 'object',
      description:
        'Заказ. Деньги — в копейках (цены с НДС), количества — в базовых единицах товара. Состояния: ожидает обработки → ожидает оплаты → ' +
        'частично оплачен → оплачен → собирается → отгружен частично → отгружен → доставлен → завершён; отменён.',
      required: ['number', 'status', 'total_kopecks', 'lines', 'invoices'],
      properties: {
        number: { type: 'string' },
        status: { type: 'string', enum: STATUS },
        status_text: { type: 'string' },
        payment: { type: 'string', enum: ['unpaid', 'partly', 'paid'] },
        created_at: { type: 'string', format: 'date-time' },
        total_kopecks: { type: 'integer' },
        vat_kopecks: { type: 'integer' },
        point_id: { type: ['integer', 'null'] },
        point: { type: 'string' },
        client_ref: { type: 'string' },
        comment: { type: 'string' },
        merged_into: { type: ['integer', 'null'], description: 'Заказ объединён в другой (этот отменён)' },
        lines: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              product_id: { type: ['integer', 'null'], description: 'null — товар удалён из каталога' },
              sku: { type: 'string' },
              name: { type: 'string' },
              unit: { type: 'string' },
              packaging: { type: ['object', 'null'], properties: { id: { type: ['integer', 'null'] }, name: { type: 'string' }, factor: { type: 'number' } } },
              qty: { type: 'number' },
              unit_price_kopecks: { type: 'integer' },
              line_kopecks: { type: 'integer' },
              vat_rate: { type: 'string' },
              vat_kopecks: { type: 'integer' },
              warehouse_id: { type: ['integer', 'null'], description: 'Склад отгрузки; null — под заказ, без резерва' },
              comment: { type: 'string' },
            },
          },
        },
        invoices: {
          type: 'array',
          description: 'Счёт на каждого плательщика',
          items: { type: 'object', properties: { payer_company_id: { type: 'integer' }, payer: { type: 'string' }, amount_kopecks: { type: 'integer' }, paid_kopecks: { type: 'integer' } } },
        },
        shipments: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              no: { type: 'integer' },
              planned_on: { type: 'string', format: 'date' },
              status: { type: 'string', enum: ['planned', 'shipped'] },
              total_kopecks: { type: 'integer' },
              lines: { type: 'array', items: { type: 'object', properties: { line_id: { type: 'integer' }, qty: { type: 'number' }, kopecks: { type: 'integer' } } } },
            },
          },
        },
        reservations: {
          type: 'array',
          description: 'Резерв по строкам: склад и товар (у смеси — её компоненты)',
          items: { type: 'object', properties: { line_id: { type: 'integer' }, product_id: { type: 'integer' }, sku: { type: 'string' }, warehouse_id: { type: 'integer' }, qty: { type: 'number' }, status: { type: 'string', enum: ['active', 'released', 'consumed'] } } },
        },
        events: {
          type: 'array',
          items: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, kind: { type: 'string' }, from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] }, actor: { type: 'string' }, note: { type: 'string' } } },
        },
      },
    },
  },
  paths: {
    '/orders': {
      get: {
        operationId: 'listOrders',
        summary: 'Заказы компании токена, новые сверху, с фильтрами истории',
        parameters: filters,
        responses: {
          '200': {
            description: 'Страница заказов',
            content: json({ type: 'object', required: ['items', 'page', 'has_more'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/OrderSummary' } }, page: { type: 'integer' }, has_more: { type: 'boolean' } } }),
          },
          '401': { $ref: '#/components/responses/Unauthorized' },
        },
      },
      post: {
        operationId: 'placeOrder',
        summary: 'Оформить заказ из корзин компании',
        description:
          'Одна или несколько корзин становятся одним заказом; цены считаются на сервере, товар резервируется целиком или не резервируется совсем, ' +
          'строки заказанных корзин удаляются. Без `payers` счета выставляются плательщикам корзин (одной корзине — один счёт); с `payers` — каждому ' +
          'указанному плательщику на его сумму, суммы должны составить сумму заказа (у одного плательщика можно передать `amount_kopecks: null` — ему остаток). ' +
          'Заголовок `Idempotency-Key` (1–255 символов ASCII) защищает от повторного заказа: тот же ключ возвращает тот же заказ (заголовок ответа ' +
          '`Idempotent-Replayed: true`), тот же ключ с другим телом — 422, пока первый запрос выполняется — 409. Ключ, с которым заказ не оформлен, можно использовать снова.',
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['cart_ids'],
            properties: {
              cart_ids: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 20 },
              point_id: { type: ['integer', 'null'], description: 'Точка доставки; по умолчанию — из корзины' },
              comment: { type: 'string', maxLength: 1000 },
              client_ref: { type: 'string', maxLength: 200, description: 'По умолчанию — из корзин' },
              payers: {
                type: 'array',
                items: { type: 'object', required: ['company_id', 'amount_kopecks'], properties: { company_id: { type: 'integer' }, amount_kopecks: { type: ['integer', 'null'] } } },
              },
            },
          }),
        },
        responses: {
          '201': { description: 'Заказ оформлен (или возвращён по тому же Idempotency-Key)', content: json({ $ref: '#/components/schemas/Order' }) },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { description: 'Нет такой корзины у компании токена', content: json(errorRef) },
          '409': {
            description: 'Не хватает товара (`error.short`: каждая строка, которой не хватило, с доступным количеством) или запрос с этим ключом ещё выполняется',
            content: json({
              allOf: [
                errorRef,
                {
                  type: 'object',
                  properties: {
                    error: {
                      type: 'object',
                      properties: {
                        short: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              cart_id: { type: 'integer' }, line_id: { type: 'integer' }, product_id: { type: 'integer' }, sku: { type: 'string' }, warehouse_id: { type: 'integer' },
                              requested: { type: 'number' }, available: { type: 'number' }, message: { type: 'string' },
                              components: { type: 'array', items: { type: 'object', properties: { product_id: { type: 'integer' }, needed: { type: 'number' }, available: { type: 'number' } } } },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              ],
            }),
          },
          '422': {
            description: 'Заказ не оформлен: `error.fields` — поле → сообщение (компания не может заказывать, минимальная сумма, плательщики, ключ с другим телом), `error.lines` — строки корзин с причиной',
            content: json(errorRef),
          },
        },
      },
    },
    '/orders/{number}': {
      get: {
        operationId: 'getOrder',
        summary: 'Заказ со строками, счетами, отгрузками, резервом и историей',
        parameters: [numberParam],
        responses: {
          '200': { description: 'Заказ', content: json({ $ref: '#/components/schemas/Order' }) },
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': { description: 'Нет такого заказа у компании токена', content: json(errorRef) },
        },
      },
    },
  },
}
