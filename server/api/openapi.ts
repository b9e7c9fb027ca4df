import { cartsOpenApi } from '../carts/openapi.js'
import { quickOrderOpenApi } from '../quickorder/openapi.js'
import { ordersOpenApi } from '../orders/openapi.js'

/**
 * The OpenAPI 3.1 description of the buyer API, served at /api/v1/openapi.json. Every issue that adds an endpoint adds its
 * path and schemas here; a test checks that every mounted /api/v1 route is described.
 */
export function openApiDocument(publicUrl: string) {
  const error = {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'object', required: ['status', 'message'], properties: { status: { type: 'integer' }, message: { type: 'string' } } } },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'API кабинета оптового покупателя',
      version: '1.0.0',
      description:
        'API для учётной системы покупателя. Токен выпускает владелец компании в кабинете (раздел «API»); он действует от имени ' +
        'выпустившего сотрудника в одной компании. Передавайте его в заголовке `Authorization: Bearer <токен>`.',
    },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Персональный API-токен (b2b_…)' } },
      schemas: {
        ...cartsOpenApi.schemas,
        ...quickOrderOpenApi.schemas,
        ...ordersOpenApi.schemas,
        Error: error,
        User: {
          type: 'object',
          required: ['id', 'email', 'full_name', 'phone'],
          properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' }, full_name: { type: 'string' }, phone: { type: 'string' } },
        },
        Company: {
          type: 'object',
          required: ['id', 'kind', 'name_short', 'status', 'role'],
          properties: {
            id: { type: 'integer' },
            kind: { type: 'string', enum: ['legal', 'ip', 'person'] },
            inn: { type: ['string', 'null'] },
            kpp: { type: ['string', 'null'] },
            ogrn: { type: ['string', 'null'] },
            name_short: { type: 'string' },
            name_full: { type: 'string' },
            legal_address: { type: 'string' },
            postal_address: { type: 'string' },
            docs_email: { type: 'string' },
            docs_phone: { type: 'string' },
            edo: {
              type: 'object',
              properties: { enabled: { type: 'boolean' }, operator: { type: ['string', 'null'] }, participant_id: { type: ['string', 'null'] } },
            },
            status: { type: 'string', enum: ['unverified', 'verified', 'blocked'] },
            requisites_checked: { type: 'boolean' },
            role: { type: 'string', enum: ['owner', 'buyer', 'accountant', 'viewer'] },
          },
        },
        Product: {
          type: 'object',
          description: 'Товар с ценами компании токена. Деньги — в копейках, количества — в базовых единицах товара (кг, шт).',
          required: ['id', 'sku', 'name', 'base_unit', 'vat_rate', 'price', 'packagings', 'stock'],
          properties: {
            id: { type: 'integer' },
            sku: { type: 'string', description: 'Артикул' },
            name: { type: 'string' },
            brand: { type: 'string' },
            category_id: { type: ['integer', 'null'] },
            base_unit: { type: 'string', examples: ['кг', 'шт'] },
            vat_rate: { type: 'string', enum: ['22', '10', '7', '5', '0', 'none'] },
            profile: { type: 'string', description: 'Краткое описание (вкусовой профиль и т. п.)' },
            attributes: {
              type: 'array',
              description: 'В списке — ключевые характеристики (name = null), в карточке — все с названиями',
              items: { type: 'object', properties: { name: { type: ['string', 'null'] }, text: { type: 'string' } } },
            },
            price: {
              type: 'object',
              description: 'Цена за базовую единицу для наименьшего заказа упаковки по умолчанию',
              properties: {
                unit_kopecks: { type: ['integer', 'null'] },
                list_unit_kopecks: { type: ['integer', 'null'], description: 'Базовая цена (тип цен по умолчанию)' },
                for_qty: { type: 'number', description: 'Количество в базовых единицах, для которого посчитана цена' },
                rule: { type: ['string', 'null'], description: 'Правило, давшее цену' },
              },
            },
            packagings: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  name: { type: 'string' },
                  factor: { type: 'number', description: 'Базовых единиц в упаковке' },
                  min_qty: { type: 'number' },
                  step: { type: 'number' },
                  unit_price_kopecks: { type: ['integer', 'null'], description: 'Только в карточке: цена за единицу при заказе этой упаковки' },
                  price_kopecks: { type: ['integer', 'null'], description: 'Цена одной упаковки' },
                },
              },
            },
            stock: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  warehouse_id: { type: 'integer' },
                  warehouse: { type: 'string' },
                  available: { type: ['number', 'null'], description: 'Доступно (остаток − резерв); null, если склад показывает только статус' },
                  status: { type: 'string', enum: ['many', 'few', 'none'], description: 'много / мало / под заказ' },
                },
              },
            },
          },
        },
      },
      responses: {
        Unauthorized: { description: 'Нет токена, токен отозван или сотрудник больше не состоит в компании', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
    paths: {
      ...cartsOpenApi.paths,
      ...quickOrderOpenApi.paths,
      ...ordersOpenApi.paths,
      '/me': {
        get: {
          operationId: 'getMe',
          summary: 'Текущий пользователь и компания токена',
          responses: {
            '200': {
              description: 'Пользователь и компания',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['user', 'company'],
                    properties: { user: { $ref: '#/components/schemas/User' }, company: { $ref: '#/components/schemas/Company' } },
                  },
                },
              },
            },
            '401': { $ref: '#/components/responses/Unauthorized' },
          },
        },
      },
      '/products': {
        get: {
          operationId: 'listProducts',
          summary: 'Каталог с ценами компании: поиск, фильтры, сортировка, страницы',
          description:
            'Поиск `q`: сначала точное совпадение артикула, затем артикулы, начинающиеся с него, затем товары, в названии которых есть ' +
            'все слова (регистр и ё/е не важны), затем товары, где слова найдены в значениях характеристик. Фильтры: `f_<код>=<id значения>` ' +
            '(повторяемый), `min_<код>` / `max_<код>` для числовых характеристик, `stock=1` — только в наличии.',
          parameters: [
            { name: 'q', in: 'query', schema: { type: 'string', maxLength: 200 } },
            { name: 'category', in: 'query', schema: { type: 'integer' }, description: 'Раздел вместе с подразделами' },
            { name: 'stock', in: 'query', schema: { type: 'string', enum: ['1'] } },
            { name: 'sort', in: 'query', schema: { type: 'string', enum: ['popular', 'name', 'price', 'price_desc'], default: 'popular' } },
            { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
            { name: 'per_page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          ],
          responses: {
            '200': {
              description: 'Страница товаров',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['items', 'page', 'per_page', 'total', 'has_more'],
                    properties: {
                      items: { type: 'array', items: { $ref: '#/components/schemas/Product' } },
                      page: { type: 'integer' },
                      per_page: { type: 'integer' },
                      total: { type: 'integer' },
                      total_is_lower_bound: { type: 'boolean', description: 'true: найдено больше, чем total (счёт ограничен)' },
                      has_more: { type: 'boolean' },
                    },
                  },
                },
              },
            },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '404': { description: 'Нет такого раздела', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          },
        },
      },
      '/products/{sku}': {
        get: {
          operationId: 'getProduct',
          summary: 'Товар по артикулу: все характеристики, цена каждой упаковки, остатки',
          parameters: [{ name: 'sku', in: 'path', required: true, schema: { type: 'string' }, description: 'Артикул; регистр, пробелы, точки и дефисы не важны' }],
          responses: {
            '200': { description: 'Товар', content: { 'application/json': { schema: { $ref: '#/components/schemas/Product' } } } },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '404': { description: 'Нет такого товара или он снят с продажи', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          },
        },
      },
    },
  }
}
