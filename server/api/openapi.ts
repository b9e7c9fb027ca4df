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
      },
      responses: {
        Unauthorized: { description: 'Нет токена, токен отозван или сотрудник больше не состоит в компании', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
    paths: {
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
    },
  }
}
