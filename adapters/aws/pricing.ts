/**
 * Prices (Karpenter `pkg/providers/pricing`): on-demand from the AWS Pricing API with a static table as fallback,
 * spot from DescribeSpotPriceHistory; refreshed every 12 hours (Karpenter's interval), time from the injected clock.
 *
 * NOT EMULATED: moto has no Pricing API. On the test bed the on-demand source is the static table the EC2 emulator's
 * launcher publishes (`GET <control>/prices`, a synthetic function of vCPU, memory and GPUs, not real prices), which
 * is exactly the fallback path; `pricingApiOnDemandPrices` is exercised only by unit tests on a recorded answer
 * shape. Spot prices come from the emulator's DescribeSpotPriceHistory.
 */
import { DescribeSpotPriceHistoryCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Clock } from './clock.js';
import { call } from './errors.js';

export const PRICE_REFRESH_INTERVAL_MS = 12 * 60 * 60 * 1000;

/** Where on-demand prices come from: USD per hour by instance type. */
export type OnDemandPriceSource = () => Promise<Record<string, number>>;

export const staticOnDemandPrices =
  (table: Readonly<Record<string, number>>): OnDemandPriceSource =>
  async () => ({ ...table });

/**
 * The slice of `@aws-sdk/client-pricing` GetProducts the provider needs. A structural port because no
 * `@aws-sdk/client-pricing` exists at the project's pinned SDK version (3.1169.0; the newest published is 3.1133.0);
 * the worker wires `(input) => pricingClient.send(new GetProductsCommand(input))`.
 */
export type GetProducts = (input: {
  ServiceCode: string;
  Filters: { Type: 'TERM_MATCH'; Field: string; Value: string }[];
  NextToken?: string;
  MaxResults?: number;
}) => Promise<{ PriceList?: (string | Record<string, unknown>)[]; NextToken?: string }>;

/** The on-demand USD/hour of one Pricing API product document (`terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD`). */
export function parsePricingProduct(
  document: string | Record<string, unknown>
): { instanceType: string; price: number } | undefined {
  const product = (typeof document === 'string' ? JSON.parse(document) : document) as {
    product?: { attributes?: { instanceType?: string } };
    terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, { pricePerUnit?: { USD?: string } }> }> };
  };
  const instanceType = product.product?.attributes?.instanceType;
  if (!instanceType) return undefined;
  for (const term of Object.values(product.terms?.OnDemand ?? {})) {
    for (const dimension of Object.values(term.priceDimensions ?? {})) {
      const price = Number(dimension.pricePerUnit?.USD);
      if (Number.isFinite(price) && price > 0) return { instanceType, price };
    }
  }
  return undefined;
}

/** On-demand Linux shared-tenancy prices of a region from the Pricing API (Karpenter's filters). */
export function pricingApiOnDemandPrices(getProducts: GetProducts, region: string): OnDemandPriceSource {
  return async () => {
    const prices: Record<string, number> = {};
    let NextToken: string | undefined;
    do {
      const page = await call('pricing:GetProducts', () =>
        getProducts({
          ServiceCode: 'AmazonEC2',
          Filters: [
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
            { Type: 'TERM_MATCH', Field: 'serviceCode', Value: 'AmazonEC2' },
            { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
            { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
            { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
            { Type: 'TERM_MATCH', Field: 'marketoption', Value: 'OnDemand' },
            { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
          ],
          MaxResults: 100,
          ...(NextToken !== undefined ? { NextToken } : {}),
        })
      );
      for (const document of page.PriceList ?? []) {
        const parsed = parsePricingProduct(document);
        if (parsed) prices[parsed.instanceType] = parsed.price;
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return prices;
  };
}

/** Tries each source in order; the first that answers with at least one price wins (Pricing API, then static table). */
export function firstAvailable(...sources: OnDemandPriceSource[]): OnDemandPriceSource {
  return async () => {
    let lastError: unknown;
    for (const source of sources) {
      try {
        const prices = await source();
        if (Object.keys(prices).length > 0) return prices;
      } catch (error) {
        lastError = error;
      }
    }
    if (lastError !== undefined) throw lastError;
    return {};
  };
}

export class PricingProvider {
  private onDemand: Record<string, number> = {};
  private spot = new Map<string, number>();
  private refreshedAt: number | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly ec2: EC2Client,
    private readonly onDemandSource: OnDemandPriceSource,
    private readonly clock: Clock
  ) {}

  /** Changes whenever prices were reloaded, so a built catalogue knows it is stale. */
  version(): number {
    return this.refreshedAt ?? -1;
  }

  onDemandPrice(instanceType: string): number | undefined {
    return this.onDemand[instanceType];
  }

  /**
   * Until a first spot price arrives every spot offering is priced at the type's on-demand price, as Karpenter
   * v1.14.1 does (pricing.go:174 and `Reset`, :461); after that a (type, zone) without a spot price has none.
   */
  spotPrice(instanceType: string, zone: string): number | undefined {
    if (this.spot.size === 0) return this.onDemand[instanceType];
    return this.spot.get(`${instanceType}/${zone}`);
  }

  /** Loads prices when never loaded or older than 12 hours (or than 12 hours less `aheadMs`). */
  async refreshIfStale(aheadMs = 0): Promise<void> {
    const now = this.clock.now();
    if (this.refreshedAt !== undefined && now - this.refreshedAt < PRICE_REFRESH_INTERVAL_MS - aheadMs) return;
    // Callers that arrive during a load share it (the warm-up and a solve, or two solves).
    this.refreshing ??= (async () => {
      const [onDemand, spot] = await Promise.all([this.onDemandSource(), this.loadSpotPrices(now)]);
      this.onDemand = onDemand;
      // An empty answer keeps what we had, as Karpenter keeps its prices when an update finds none.
      if (spot.size > 0) this.spot = spot;
      this.refreshedAt = now;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The newest spot price per (type, zone) over the last day, all pages. */
  private async loadSpotPrices(now: number): Promise<Map<string, number>> {
    const latest = new Map<string, { price: number; at: number }>();
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeSpotPriceHistory', () =>
        this.ec2.send(
          new DescribeSpotPriceHistoryCommand({
            ProductDescriptions: ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'],
            StartTime: new Date(now - 24 * 60 * 60 * 1000),
            MaxResults: 1000,
            ...(NextToken !== undefined ? { NextToken } : {}),
          })
        )
      );
      for (const entry of page.SpotPriceHistory ?? []) {
        if (!entry.InstanceType || !entry.AvailabilityZone || entry.SpotPrice === undefined) continue;
        const key = `${entry.InstanceType}/${entry.AvailabilityZone}`;
        const at = entry.Timestamp?.getTime() ?? 0;
        const previous = latest.get(key);
        if (previous === undefined || at >= previous.at) latest.set(key, { price: Number(entry.SpotPrice), at });
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return new Map([...latest].map(([k, v]) => [k, v.price]));
  }
}
