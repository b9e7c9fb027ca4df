import type { DadataPartySuggestion } from '../integrations/dadata/types.js'

/*
 * Fictional companies for the built-in DaData sandbox. Every INN, OGRN and OGRNIP has valid check digits, so the real
 * validation path runs unchanged. Shapes follow reference/dadata.md §2.1.
 */

function legal(o: {
  inn: string
  kpp: string
  ogrn: string
  short: string
  full: string
  opf: string
  opfFull: string
  director: string
  post: string
  address: string
  status?: string
  branch?: boolean
  branchCount?: number
}): DadataPartySuggestion {
  return {
    value: o.short,
    unrestricted_value: o.short,
    data: {
      inn: o.inn,
      kpp: o.kpp,
      ogrn: o.ogrn,
      type: 'LEGAL',
      branch_type: o.branch ? 'BRANCH' : 'MAIN',
      branch_count: o.branchCount ?? 0,
      name: { short_with_opf: o.short, full_with_opf: o.full },
      opf: { code: '12300', short: o.opf, full: o.opfFull },
      management: o.branch ? null : { name: o.director, post: o.post },
      address: { value: o.address, unrestricted_value: o.address },
      state: { status: o.status ?? 'ACTIVE', liquidation_date: o.status === 'LIQUIDATED' ? 1704067200000 : null },
    },
  }
}

const coffeeHarbour = {
  inn: '7705123452',
  ogrn: '1157746123457',
  short: 'ООО "КОФЕЙНАЯ ГАВАНЬ"',
  full: 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "КОФЕЙНАЯ ГАВАНЬ"',
  opf: 'ООО',
  opfFull: 'Общество с ограниченной ответственностью',
  director: 'Соколов Андрей Викторович',
  post: 'ГЕНЕРАЛЬНЫЙ ДИРЕКТОР',
}

/** The sandbox register: INN → every record DaData would return for it (head office first). */
export const SANDBOX_PARTIES: Record<string, DadataPartySuggestion[]> = {
  // An ООО with two branches: the form resolves to the head office unless a KPP is chosen.
  '7705123452': [
    legal({ ...coffeeHarbour, kpp: '770501001', address: '115035, г Москва, ул Садовническая, д 14 стр 2', branchCount: 2 }),
    legal({ ...coffeeHarbour, kpp: '781045001', address: '191186, г Санкт-Петербург, наб Канала Грибоедова, д 5', branch: true }),
    legal({ ...coffeeHarbour, kpp: '540645001', address: '630099, г Новосибирск, ул Ленина, д 12', branch: true }),
  ],
  // An АО without branches.
  '7812345675': [
    legal({
      inn: '7812345675',
      kpp: '781201001',
      ogrn: '1027812345670',
      short: 'АО "ЧАЙНАЯ ФАБРИКА"',
      full: 'АКЦИОНЕРНОЕ ОБЩЕСТВО "ЧАЙНАЯ ФАБРИКА"',
      opf: 'АО',
      opfFull: 'Акционерное общество',
      director: 'Лебедева Марина Олеговна',
      post: 'ГЕНЕРАЛЬНЫЙ ДИРЕКТОР',
      address: '192019, г Санкт-Петербург, ул Седова, д 11',
    }),
  ],
  // A liquidated company: registration refuses it.
  '5001987653': [
    legal({
      inn: '5001987653',
      kpp: '500101001',
      ogrn: '1085001123459',
      short: 'ООО "СТАРЫЙ САМОВАР"',
      full: 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "СТАРЫЙ САМОВАР"',
      opf: 'ООО',
      opfFull: 'Общество с ограниченной ответственностью',
      director: 'Иванов Пётр Сергеевич',
      post: 'ЛИКВИДАТОР',
      address: '143900, Московская обл, г Балашиха, ул Советская, д 3',
      status: 'LIQUIDATED',
    }),
  ],
  // A company being liquidated.
  '7720012348': [
    legal({
      inn: '7720012348',
      kpp: '772001001',
      ogrn: '1027720012341',
      short: 'ООО "ЗАКАТ ТРЕЙД"',
      full: 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ЗАКАТ ТРЕЙД"',
      opf: 'ООО',
      opfFull: 'Общество с ограниченной ответственностью',
      director: 'Орлов Николай Иванович',
      post: 'ЛИКВИДАТОР',
      address: '111141, г Москва, пр-кт Зелёный, д 20',
      status: 'LIQUIDATING',
    }),
  ],
  // An ИП.
  '773006366201': [
    {
      value: 'ИП Петрова Анна Сергеевна',
      unrestricted_value: 'ИП Петрова Анна Сергеевна',
      data: {
        inn: '773006366201',
        kpp: null,
        ogrn: '321774600012342',
        type: 'INDIVIDUAL',
        branch_type: null,
        name: { short_with_opf: 'ИП Петрова Анна Сергеевна', full_with_opf: 'Индивидуальный предприниматель Петрова Анна Сергеевна' },
        opf: { code: '50102', short: 'ИП', full: 'Индивидуальный предприниматель' },
        management: null,
        fio: { surname: 'Петрова', name: 'Анна', patronymic: 'Сергеевна' },
        address: { value: 'г Москва', unrestricted_value: '119021, г Москва' },
        state: { status: 'ACTIVE', liquidation_date: null },
      },
    },
  ],
}

/** The INNs the sandbox knows, with a word on each, for the registration page's hint. */
export const SANDBOX_HINTS = [
  { inn: '7705123452', label: 'ООО с двумя филиалами' },
  { inn: '7812345675', label: 'АО без филиалов' },
  { inn: '773006366201', label: 'ИП' },
  { inn: '5001987653', label: 'ликвидированное ООО' },
]
