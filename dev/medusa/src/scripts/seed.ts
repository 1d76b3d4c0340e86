/**
 * Development seed for the storefront: one US store, ready for checkout.
 *
 * Idempotent: every entity is looked up by a natural key (name, handle, SKU, title) and
 * only created when missing, so a second run changes nothing (stock levels that orders have
 * used up are left as they are). It ends by printing ONE JSON line on stdout:
 *   {"publishable_key":"pk_...","region_id":"reg_...","sales_channel_id":"sc_...","stock_location_id":"sloc_..."}
 *
 * Run: `npx medusa exec ./src/scripts/seed.ts` in dev/medusa (dev/medusa.ts does it for you).
 */
import type { ExecArgs } from "@medusajs/framework/types"
import {
  ContainerRegistrationKeys,
  Modules,
  ProductStatus,
} from "@medusajs/framework/utils"
import {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createProductCategoriesWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  createTaxRegionsWorkflow,
  createUserAccountWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
  updateRegionsWorkflow,
  updateStoresWorkflow,
} from "@medusajs/medusa/core-flows"

const CURRENCY = "usd"
const STORE_NAME = "Harbor & Pine"
const SALES_CHANNEL_NAME = "Default Sales Channel"
const REGION_NAME = "United States"
const PAYMENT_PROVIDERS = ["pp_stripe_stripe", "pp_system_default"]
const STOCK_LOCATION_NAME = "Austin Warehouse"
const FULFILLMENT_SET_NAME = "Austin Warehouse shipping"
const PUBLISHABLE_KEY_TITLE = "Storefront (development)"
const DEFAULT_STOCK = 1000
/**
 * A local admin user, so tests (and a developer) can act as a merchant through Medusa's
 * Admin API: change stock or prices while a shopper pays. Local stacks only: the seed
 * never runs against a merchant's Medusa.
 */
export const DEV_ADMIN = {
  email: process.env.MEDUSA_DEV_ADMIN_EMAIL ?? "admin@harbor-and-pine.local",
  password: process.env.MEDUSA_DEV_ADMIN_PASSWORD ?? "local-stack-only",
}

// State sales tax. Province codes are lower-case ISO 3166-2, as Medusa compares them with
// the cart's shipping address. Every other state falls back to the country's 0 %.
const STATE_TAX: { province_code: string; name: string; code: string; rate: number }[] = [
  { province_code: "us-tx", name: "Texas sales tax", code: "TX", rate: 8.25 },
  { province_code: "us-ca", name: "California sales tax", code: "CA", rate: 7.25 },
  { province_code: "us-ny", name: "New York sales tax", code: "NY", rate: 4 },
]

type ZoneSpec = {
  name: string
  geo_zones: (
    | { type: "country"; country_code: string }
    | { type: "province"; country_code: string; province_code: string }
  )[]
}

const SERVICE_ZONES: ZoneSpec[] = [
  { name: "United States", geo_zones: [{ type: "country", country_code: "us" }] },
  {
    name: "Texas",
    geo_zones: [{ type: "province", country_code: "us", province_code: "us-tx" }],
  },
]

const SHIPPING_OPTIONS: {
  name: string
  zone: string
  amount: number
  code: string
  description: string
}[] = [
  { name: "Standard Shipping", zone: "United States", amount: 5, code: "standard", description: "Arrives in 3-5 business days." },
  { name: "Express Shipping", zone: "United States", amount: 15, code: "express", description: "Arrives in 1-2 business days." },
  { name: "Texas Courier", zone: "Texas", amount: 3, code: "texas-courier", description: "Same-day courier, Texas addresses only." },
]

const CATEGORIES = [
  { name: "Apparel", handle: "apparel" },
  { name: "Drinkware", handle: "drinkware" },
  { name: "Accessories", handle: "accessories" },
]

type VariantSpec = {
  title: string
  sku: string
  options: Record<string, string>
  price: number
  stock?: number
}

type ProductSpec = {
  title: string
  handle: string
  subtitle: string
  description: string
  category: string
  weight: number
  options: { title: string; values: string[] }[]
  variants: VariantSpec[]
}

const PRODUCTS: ProductSpec[] = [
  {
    title: "Organic Cotton Tee",
    handle: "organic-cotton-tee",
    subtitle: "Everyday crew neck",
    description:
      "A midweight crew-neck tee knitted from GOTS-certified organic cotton. Pre-shrunk, " +
      "garment-dyed for a soft hand feel, with a taped neckline that keeps its shape wash after wash.",
    category: "apparel",
    weight: 180,
    options: [{ title: "Size", values: ["S", "M", "L", "XL"] }],
    variants: [
      { title: "S", sku: "TEE-ORG-S", options: { Size: "S" }, price: 19.99 },
      { title: "M", sku: "TEE-ORG-M", options: { Size: "M" }, price: 19.99 },
      { title: "L", sku: "TEE-ORG-L", options: { Size: "L" }, price: 19.99 },
      { title: "XL", sku: "TEE-ORG-XL", options: { Size: "XL" }, price: 21.99 },
    ],
  },
  {
    title: "Classic Pullover Hoodie",
    handle: "classic-pullover-hoodie",
    subtitle: "Brushed fleece, kangaroo pocket",
    description:
      "Our heavyweight pullover in brushed-back cotton fleece. Double-lined hood with flat " +
      "drawcords, ribbed cuffs and hem, and a roomy kangaroo pocket for cold hands.",
    category: "apparel",
    weight: 620,
    options: [
      { title: "Size", values: ["M", "L"] },
      { title: "Color", values: ["Heather Grey", "Navy"] },
    ],
    variants: [
      { title: "M / Heather Grey", sku: "HOOD-M-GRY", options: { Size: "M", Color: "Heather Grey" }, price: 49.95 },
      { title: "L / Heather Grey", sku: "HOOD-L-GRY", options: { Size: "L", Color: "Heather Grey" }, price: 49.95 },
      { title: "M / Navy", sku: "HOOD-M-NVY", options: { Size: "M", Color: "Navy" }, price: 49.95 },
      { title: "L / Navy", sku: "HOOD-L-NVY", options: { Size: "L", Color: "Navy" }, price: 49.95 },
    ],
  },
  {
    title: "Ceramic Coffee Mug",
    handle: "ceramic-coffee-mug",
    subtitle: "12 oz stoneware",
    description:
      "A 12 oz stoneware mug thrown and glazed in small batches. Comfortable C-handle, " +
      "thick walls that keep coffee warm, and a glaze that is dishwasher and microwave safe.",
    category: "drinkware",
    weight: 380,
    options: [{ title: "Color", values: ["Speckled White", "Matte Black", "Sage Green"] }],
    variants: [
      { title: "Speckled White", sku: "MUG-WHITE", options: { Color: "Speckled White" }, price: 14.5 },
      { title: "Matte Black", sku: "MUG-BLACK", options: { Color: "Matte Black" }, price: 14.5 },
      // The one nearly sold-out variant: lets the storefront show low stock and lets tests
      // run a cart into "not enough inventory".
      { title: "Sage Green", sku: "MUG-SAGE", options: { Color: "Sage Green" }, price: 16, stock: 2 },
    ],
  },
  {
    title: "Merino Wool Beanie",
    handle: "merino-wool-beanie",
    subtitle: "Fine-gauge rib knit",
    description:
      "Knitted from extra-fine merino that is warm without itching. A deep fold-over cuff, " +
      "a classic pom on top and a rib knit that stretches to fit most heads.",
    category: "apparel",
    weight: 90,
    options: [{ title: "Color", values: ["Charcoal", "Mustard", "Forest"] }],
    variants: [
      { title: "Charcoal", sku: "BEANIE-CHAR", options: { Color: "Charcoal" }, price: 24 },
      { title: "Mustard", sku: "BEANIE-MUST", options: { Color: "Mustard" }, price: 24 },
      { title: "Forest", sku: "BEANIE-FRST", options: { Color: "Forest" }, price: 24 },
    ],
  },
  {
    title: "Canvas Tote Bag",
    handle: "canvas-tote-bag",
    subtitle: "16 oz cotton canvas",
    description:
      "A sturdy market tote in 16 oz cotton canvas with reinforced 25-inch handles, an inner " +
      "slip pocket and a flat gusset that stands up on its own when you fill it.",
    category: "accessories",
    weight: 260,
    options: [{ title: "Color", values: ["Natural", "Black"] }],
    variants: [
      { title: "Natural", sku: "TOTE-NAT", options: { Color: "Natural" }, price: 18 },
      { title: "Black", sku: "TOTE-BLK", options: { Color: "Black" }, price: 18 },
    ],
  },
  {
    title: "Insulated Steel Water Bottle",
    handle: "insulated-water-bottle",
    subtitle: "Double-wall vacuum insulated",
    description:
      "Double-wall, vacuum-insulated stainless steel that keeps drinks cold for 24 hours or " +
      "hot for 12. Leak-proof loop cap and a powder-coated finish that will not sweat.",
    category: "drinkware",
    weight: 410,
    options: [{ title: "Size", values: ["500 ml", "750 ml"] }],
    variants: [
      { title: "500 ml", sku: "BOTTLE-500", options: { Size: "500 ml" }, price: 27 },
      { title: "750 ml", sku: "BOTTLE-750", options: { Size: "750 ml" }, price: 32.5 },
    ],
  },
  {
    title: "Dot Grid Notebook",
    handle: "dot-grid-notebook",
    subtitle: "Lay-flat, 192 pages",
    description:
      "A lay-flat notebook with 192 pages of 100 gsm dot-grid paper that takes fountain pen " +
      "ink without bleeding. Cloth-bound hard cover, ribbon marker and numbered pages.",
    category: "accessories",
    weight: 340,
    options: [{ title: "Size", values: ["A5", "A6"] }],
    variants: [
      { title: "A5", sku: "NOTE-A5", options: { Size: "A5" }, price: 12.75 },
      { title: "A6", sku: "NOTE-A6", options: { Size: "A6" }, price: 9.25 },
    ],
  },
]

const imageUrl = (handle: string) => `/images/products/${handle}.svg`

export default async function seed({ container }: ExecArgs) {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const storeModule = container.resolve(Modules.STORE)
  const salesChannelModule = container.resolve(Modules.SALES_CHANNEL)
  const regionModule = container.resolve(Modules.REGION)
  const taxModule = container.resolve(Modules.TAX)
  const stockLocationModule = container.resolve(Modules.STOCK_LOCATION)
  const fulfillmentModule = container.resolve(Modules.FULFILLMENT)
  const productModule = container.resolve(Modules.PRODUCT)
  const inventoryModule = container.resolve(Modules.INVENTORY)
  const apiKeyModule = container.resolve(Modules.API_KEY)

  const created: string[] = []

  // Sales channel (Medusa creates "Default Sales Channel" on first boot).
  let [salesChannel] = await salesChannelModule.listSalesChannels({ name: SALES_CHANNEL_NAME })
  if (!salesChannel) {
    const { result } = await createSalesChannelsWorkflow(container).run({
      input: { salesChannelsData: [{ name: SALES_CHANNEL_NAME }] },
    })
    salesChannel = result[0]
    created.push("sales channel")
  }

  // Region: United States, USD, Stripe + system payment providers, automatic taxes.
  let [region] = await regionModule.listRegions({ name: REGION_NAME })
  if (!region) {
    const { result } = await createRegionsWorkflow(container).run({
      input: {
        regions: [
          {
            name: REGION_NAME,
            currency_code: CURRENCY,
            countries: ["us"],
            automatic_taxes: true,
            payment_providers: PAYMENT_PROVIDERS,
          },
        ],
      },
    })
    region = result[0]
    created.push("region")
  } else {
    const { data } = await query.graph({
      entity: "region",
      fields: ["id", "payment_providers.id"],
      filters: { id: region.id },
    })
    const linked = new Set((data[0]?.payment_providers ?? []).map((p: { id: string } | null) => p?.id))
    if (PAYMENT_PROVIDERS.some((id) => !linked.has(id))) {
      await updateRegionsWorkflow(container).run({
        input: { selector: { id: region.id }, update: { payment_providers: PAYMENT_PROVIDERS } },
      })
      created.push("region payment providers")
    }
  }

  // Store: USD as the only currency, defaults pointing at our channel and region.
  const [store] = await storeModule.listStores({}, { relations: ["supported_currencies"] })
  const storeIsSet =
    store.name === STORE_NAME &&
    store.default_sales_channel_id === salesChannel.id &&
    store.default_region_id === region.id &&
    (store.supported_currencies ?? []).some((c) => c.currency_code === CURRENCY && c.is_default)
  if (!storeIsSet) {
    await updateStoresWorkflow(container).run({
      input: {
        selector: { id: store.id },
        update: {
          name: STORE_NAME,
          supported_currencies: [{ currency_code: CURRENCY, is_default: true }],
          default_sales_channel_id: salesChannel.id,
          default_region_id: region.id,
        },
      },
    })
    created.push("store settings")
  }

  // Tax: a US tax region at 0 % with the system provider, and state children. A child tax
  // region must not carry a provider_id (Medusa rejects it).
  const taxRegions = await taxModule.listTaxRegions({ country_code: "us" })
  let usTaxRegion = taxRegions.find((t) => !t.parent_id && !t.province_code)
  if (!usTaxRegion) {
    const { result } = await createTaxRegionsWorkflow(container).run({
      input: [
        {
          country_code: "us",
          provider_id: "tp_system",
          default_tax_rate: { name: "No state sales tax", code: "US", rate: 0 },
        },
      ],
    })
    usTaxRegion = result[0]
    created.push("US tax region")
  }
  const missingStates = STATE_TAX.filter(
    (s) => !taxRegions.some((t) => t.province_code === s.province_code),
  )
  if (missingStates.length) {
    await createTaxRegionsWorkflow(container).run({
      input: missingStates.map((s) => ({
        country_code: "us",
        province_code: s.province_code,
        parent_id: usTaxRegion!.id,
        default_tax_rate: { name: s.name, code: s.code, rate: s.rate },
      })),
    })
    created.push(`state tax regions (${missingStates.map((s) => s.code).join(", ")})`)
  }

  // Stock location, linked to the sales channel and to the manual fulfillment provider.
  let [location] = await stockLocationModule.listStockLocations({ name: STOCK_LOCATION_NAME })
  if (!location) {
    const { result } = await createStockLocationsWorkflow(container).run({
      input: {
        locations: [
          {
            name: STOCK_LOCATION_NAME,
            address: {
              address_1: "500 E Cesar Chavez St",
              city: "Austin",
              province: "us-tx",
              postal_code: "78701",
              country_code: "us",
            },
          },
        ],
      },
    })
    location = result[0]
    created.push("stock location")
  }
  const {
    data: [locationLinks],
  } = await query.graph({
    entity: "stock_location",
    fields: ["id", "sales_channels.id", "fulfillment_providers.id", "fulfillment_sets.id", "fulfillment_sets.name"],
    filters: { id: location.id },
  })
  if (!(locationLinks.sales_channels ?? []).some((sc: { id: string } | null) => sc?.id === salesChannel.id)) {
    await linkSalesChannelsToStockLocationWorkflow(container).run({
      input: { id: location.id, add: [salesChannel.id] },
    })
    created.push("stock location <-> sales channel link")
  }
  if (!(locationLinks.fulfillment_providers ?? []).some((p: { id: string } | null) => p?.id === "manual_manual")) {
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
      [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" },
    })
    created.push("stock location <-> manual fulfillment link")
  }

  // Shipping profile used by every product and shipping option.
  let [shippingProfile] = await fulfillmentModule.listShippingProfiles({ type: "default" })
  if (!shippingProfile) {
    const { result } = await createShippingProfilesWorkflow(container).run({
      input: { data: [{ name: "Default Shipping Profile", type: "default" }] },
    })
    shippingProfile = result[0]
    created.push("shipping profile")
  }

  // Fulfillment set with a nationwide zone and a Texas-only zone.
  let [fulfillmentSet] = await fulfillmentModule.listFulfillmentSets(
    { name: FULFILLMENT_SET_NAME },
    { relations: ["service_zones"] },
  )
  if (!fulfillmentSet) {
    fulfillmentSet = await fulfillmentModule.createFulfillmentSets({
      name: FULFILLMENT_SET_NAME,
      type: "shipping",
    })
    fulfillmentSet.service_zones = []
    created.push("fulfillment set")
  }
  if (!(locationLinks.fulfillment_sets ?? []).some((f: { id: string } | null) => f?.id === fulfillmentSet.id)) {
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
      [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
    })
    created.push("stock location <-> fulfillment set link")
  }
  const zoneIds = new Map<string, string>()
  for (const zone of fulfillmentSet.service_zones ?? []) zoneIds.set(zone.name, zone.id)
  for (const spec of SERVICE_ZONES) {
    if (zoneIds.has(spec.name)) continue
    const zone = await fulfillmentModule.createServiceZones({
      fulfillment_set_id: fulfillmentSet.id,
      name: spec.name,
      geo_zones: spec.geo_zones,
    })
    zoneIds.set(spec.name, zone.id)
    created.push(`service zone ${spec.name}`)
  }

  // Shipping options: flat USD prices (also as region prices), enabled in the store.
  const existingOptions = await fulfillmentModule.listShippingOptions({
    service_zone: { id: [...zoneIds.values()] },
  })
  const missingOptions = SHIPPING_OPTIONS.filter(
    (o) => !existingOptions.some((e) => e.name === o.name),
  )
  if (missingOptions.length) {
    await createShippingOptionsWorkflow(container).run({
      input: missingOptions.map((o) => ({
        name: o.name,
        price_type: "flat" as const,
        provider_id: "manual_manual",
        service_zone_id: zoneIds.get(o.zone)!,
        shipping_profile_id: shippingProfile.id,
        type: { label: o.name, description: o.description, code: o.code },
        prices: [
          { currency_code: CURRENCY, amount: o.amount },
          { region_id: region.id, amount: o.amount },
        ],
        rules: [
          { attribute: "enabled_in_store", value: "true", operator: "eq" as const },
          { attribute: "is_return", value: "false", operator: "eq" as const },
        ],
      })),
    })
    created.push(`shipping options (${missingOptions.map((o) => o.name).join(", ")})`)
  }

  // Categories.
  const existingCategories = await productModule.listProductCategories({
    handle: CATEGORIES.map((c) => c.handle),
  })
  const missingCategories = CATEGORIES.filter(
    (c) => !existingCategories.some((e) => e.handle === c.handle),
  )
  let categories = existingCategories
  if (missingCategories.length) {
    const { result } = await createProductCategoriesWorkflow(container).run({
      input: {
        product_categories: missingCategories.map((c) => ({ ...c, is_active: true, is_internal: false })),
      },
    })
    categories = [...existingCategories, ...result]
    created.push("categories")
  }
  const categoryId = (handle: string) => categories.find((c) => c.handle === handle)!.id

  // Products.
  const existingProducts = await productModule.listProducts(
    { handle: PRODUCTS.map((p) => p.handle) },
    { select: ["id", "handle"] },
  )
  const missingProducts = PRODUCTS.filter(
    (p) => !existingProducts.some((e) => e.handle === p.handle),
  )
  if (missingProducts.length) {
    await createProductsWorkflow(container).run({
      input: {
        products: missingProducts.map((p) => ({
          title: p.title,
          subtitle: p.subtitle,
          handle: p.handle,
          description: p.description,
          status: ProductStatus.PUBLISHED,
          weight: p.weight,
          thumbnail: imageUrl(p.handle),
          images: [{ url: imageUrl(p.handle) }],
          category_ids: [categoryId(p.category)],
          shipping_profile_id: shippingProfile.id,
          sales_channels: [{ id: salesChannel.id }],
          options: p.options,
          variants: p.variants.map((v) => ({
            title: v.title,
            sku: v.sku,
            options: v.options,
            manage_inventory: true,
            prices: [{ currency_code: CURRENCY, amount: v.price }],
          })),
        })),
      },
    })
    created.push(`products (${missingProducts.map((p) => p.handle).join(", ")})`)
  }

  // Inventory: stock at the warehouse for every seeded SKU that has none there yet.
  const stockBySku = new Map<string, number>()
  for (const p of PRODUCTS) for (const v of p.variants) stockBySku.set(v.sku, v.stock ?? DEFAULT_STOCK)
  const inventoryItems = await inventoryModule.listInventoryItems({ sku: [...stockBySku.keys()] })
  const levels = await inventoryModule.listInventoryLevels({
    location_id: location.id,
    inventory_item_id: inventoryItems.map((i) => i.id),
  })
  const withoutLevel = inventoryItems.filter(
    (item) => !levels.some((l) => l.inventory_item_id === item.id),
  )
  if (withoutLevel.length) {
    await createInventoryLevelsWorkflow(container).run({
      input: {
        inventory_levels: withoutLevel.map((item) => ({
          inventory_item_id: item.id,
          location_id: location.id,
          stocked_quantity: stockBySku.get(item.sku!)!,
        })),
      },
    })
    created.push(`inventory levels (${withoutLevel.length})`)
  }

  // Publishable API key for the storefront, scoped to the sales channel.
  let apiKey = (
    await apiKeyModule.listApiKeys({ title: PUBLISHABLE_KEY_TITLE, type: "publishable" })
  ).find((key) => !key.revoked_at)
  if (!apiKey) {
    const { result } = await createApiKeysWorkflow(container).run({
      input: { api_keys: [{ title: PUBLISHABLE_KEY_TITLE, type: "publishable", created_by: "seed" }] },
    })
    apiKey = result[0]
    created.push("publishable API key")
  }
  const { data: keyLinks } = await query.graph({
    entity: "api_key",
    fields: ["id", "sales_channels.id"],
    filters: { id: apiKey.id },
  })
  if (!(keyLinks[0]?.sales_channels ?? []).some((sc: { id: string } | null) => sc?.id === salesChannel.id)) {
    await linkSalesChannelsToApiKeyWorkflow(container).run({
      input: { id: apiKey.id, add: [salesChannel.id] },
    })
    created.push("publishable key <-> sales channel link")
  }

  const userModule = container.resolve(Modules.USER)
  const authModule = container.resolve(Modules.AUTH)
  const [adminUser] = await userModule.listUsers({ email: DEV_ADMIN.email })
  if (!adminUser) {
    const registered = await authModule.register("emailpass", { body: { email: DEV_ADMIN.email, password: DEV_ADMIN.password } })
    if (!registered.success || !registered.authIdentity) {
      throw new Error(`could not register the local admin user: ${registered.error ?? "no identity"}`)
    }
    await createUserAccountWorkflow(container).run({
      input: { authIdentityId: registered.authIdentity.id, userData: { email: DEV_ADMIN.email } },
    })
    created.push("local admin user")
  }

  logger.info(created.length ? `Seed created: ${created.join("; ")}` : "Seed: nothing to do, data already present")

  // The one machine-readable line (dev/medusa.ts reads the last line starting with `{`).
  console.log(
    JSON.stringify({
      publishable_key: apiKey.token,
      region_id: region.id,
      sales_channel_id: salesChannel.id,
      stock_location_id: location.id,
    }),
  )
}
