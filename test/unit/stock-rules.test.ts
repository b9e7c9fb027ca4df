import { expect } from 'chai'
import { aggregate, blendAvailableMilli, componentMilli, describeShortage, explode, shipmentTakes, stockKey, withBlendStock } from '../../server/stock/rules.js'
import type { RecipeComponent } from '../../server/stock/types.js'

describe('stock rules', () => {
  const recipes = new Map<number, RecipeComponent[]>([
    [100, [{ componentId: 1, perUnitMilli: 600 }, { componentId: 2, perUnitMilli: 400 }]], // 60/40 blend
    [200, [{ componentId: 1, perUnitMilli: 1250 }]], // roasted: 20 % loss
  ])

  it('rounds component quantities up, so a reservation never holds less than the blend consumes', () => {
    expect(componentMilli(1000, 1250)).to.equal(1250)
    expect(componentMilli(300, 600)).to.equal(180)
    expect(componentMilli(1, 600)).to.equal(1)
    expect(componentMilli(7, 333)).to.equal(3)
  })

  it('explodes blends into their components and leaves stock products as they are', () => {
    const needs = explode(
      [
        { key: 0, warehouseId: 5, productId: 100, qtyMilli: 20_000 },
        { key: 1, warehouseId: 5, productId: 200, qtyMilli: 8_000 },
        { key: 2, warehouseId: 5, productId: 3, qtyMilli: 1_500 },
        { key: 3, warehouseId: 5, productId: 3, qtyMilli: 0 },
      ],
      recipes,
    )
    expect(needs).to.deep.equal([
      { key: 0, warehouseId: 5, productId: 1, qtyMilli: 12_000 },
      { key: 0, warehouseId: 5, productId: 2, qtyMilli: 8_000 },
      { key: 1, warehouseId: 5, productId: 1, qtyMilli: 10_000 },
      { key: 2, warehouseId: 5, productId: 3, qtyMilli: 1_500 },
    ])
  })

  it('sums needs per warehouse and product and sorts them by product id, then warehouse id (the one lock order)', () => {
    const agg = aggregate([
      { key: 0, warehouseId: 9, productId: 7, qtyMilli: 1 },
      { key: 1, warehouseId: 2, productId: 7, qtyMilli: 2 },
      { key: 2, warehouseId: 9, productId: 3, qtyMilli: 4 },
      { key: 3, warehouseId: 9, productId: 7, qtyMilli: 8 },
    ])
    expect(agg).to.deep.equal([
      { warehouseId: 9, productId: 3, qtyMilli: 4 },
      { warehouseId: 2, productId: 7, qtyMilli: 2 },
      { warehouseId: 9, productId: 7, qtyMilli: 9 },
    ])
  })

  it('derives a blend’s availability as the minimum over components of available ÷ proportion, and reserving it fits', () => {
    const avail = new Map([[1, 60_000], [2, 10_000]])
    expect(blendAvailableMilli(recipes.get(100)!, (id) => avail.get(id) ?? 0)).to.equal(25_000)
    expect(blendAvailableMilli(recipes.get(200)!, (id) => avail.get(id) ?? 0)).to.equal(48_000)
    expect(blendAvailableMilli([], () => 5)).to.equal(0)
    // For any availability, reserving exactly the derived amount takes no more of a component than is available.
    for (let a = 0; a < 3000; a += 7) {
      for (const per of [1, 333, 600, 1250, 2999]) {
        const can = blendAvailableMilli([{ componentId: 1, perUnitMilli: per }], () => a)
        expect(componentMilli(can, per)).to.be.at.most(a)
        expect(componentMilli(can + 1, per)).to.be.greaterThan(a)
      }
    }
  })

  it('describes every short line with what is available for it, blends with their short components', () => {
    const demands = [
      { key: 0, warehouseId: 5, productId: 100, qtyMilli: 20_000 },
      { key: 1, warehouseId: 5, productId: 3, qtyMilli: 4_000 },
      { key: 2, warehouseId: 5, productId: 4, qtyMilli: 1_000 },
    ]
    const needs = explode(demands, recipes)
    const agg = aggregate(needs)
    const available = new Map([[stockKey(5, 1), 60_000], [stockKey(5, 2), 6_000], [stockKey(5, 3), 2_500], [stockKey(5, 4), 9_000]])
    const short = describeShortage(demands, needs, agg, new Set([stockKey(5, 2), stockKey(5, 3)]), available, recipes)
    expect(short).to.deep.equal([
      { key: 0, productId: 100, warehouseId: 5, requestedMilli: 20_000, availableMilli: 15_000, components: [{ productId: 2, neededMilli: 8_000, availableMilli: 6_000 }] },
      { key: 1, productId: 3, warehouseId: 5, requestedMilli: 4_000, availableMilli: 2_500, components: [] },
    ])
  })

  it('turns component stock into derived blend rows per warehouse and hides a blend’s own rows', () => {
    const rows = withBlendStock(
      [
        { warehouse_id: 1, product_id: 7, on_hand_milli: 5_000, reserved_milli: 1_000 },
        { warehouse_id: 1, product_id: 100, on_hand_milli: 999_000, reserved_milli: 0 },
      ],
      [
        { blend_id: 100, component_id: 1, per_unit_milli: 600, warehouse_id: 1, on_hand_milli: 70_000, reserved_milli: 10_000 },
        { blend_id: 100, component_id: 2, per_unit_milli: 400, warehouse_id: 1, on_hand_milli: 10_000, reserved_milli: 0 },
        { blend_id: 100, component_id: 1, per_unit_milli: 600, warehouse_id: 2, on_hand_milli: 6_000, reserved_milli: 0 },
        { blend_id: 200, component_id: 9, per_unit_milli: 1250, warehouse_id: null, on_hand_milli: null, reserved_milli: null },
      ],
    )
    expect(rows).to.deep.equal([
      { warehouse_id: 1, product_id: 7, on_hand_milli: 5_000, reserved_milli: 1_000 },
      { warehouse_id: 1, product_id: 100, on_hand_milli: 25_000, reserved_milli: 0 },
      // Component 2 has no stock at warehouse 2: nothing of the blend can be made there.
      { warehouse_id: 2, product_id: 100, on_hand_milli: 0, reserved_milli: 0 },
    ])
  })

  it('shipmentTakes: each shipment takes its share of what is left, rounded down; the shares add up exactly', () => {
    // One line of 3 kg holding 1 kg of a component; three shipments of 1 kg each.
    let reserved = 1_000
    let left = 3_000
    const taken: number[] = []
    for (let i = 0; i < 3; i++) {
      const [t] = shipmentTakes([{ id: 7, order_line_id: 1, qty_milli: reserved }], new Map([[1, left]]), new Map([[1, 1_000]]))
      taken.push(t!.qtyMilli)
      reserved -= t!.qtyMilli
      left -= 1_000
    }
    expect(taken).to.deep.equal([333, 333, 334])
    expect(reserved).to.equal(0)
    // Lines the shipment does not carry are not touched.
    expect(shipmentTakes([{ id: 8, order_line_id: 2, qty_milli: 500 }], new Map([[2, 1_000]]), new Map([[1, 1_000]]))).to.deep.equal([])
  })
})
