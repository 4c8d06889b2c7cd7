import { describe, expect, it } from '@jest/globals';
import {
  firstAvailable,
  parsePricingProduct,
  pricingApiOnDemandPrices,
  staticOnDemandPrices,
  type GetProducts,
} from './pricing.js';

// The shape of one AWS Pricing GetProducts PriceList entry (abridged).
const product = (instanceType: string, usd: string) =>
  JSON.stringify({
    product: { attributes: { instanceType, operatingSystem: 'Linux' } },
    terms: {
      OnDemand: {
        'X.JRTCKXETXF': { priceDimensions: { 'X.JRTCKXETXF.6YS6EN2CT7': { unit: 'Hrs', pricePerUnit: { USD: usd } } } },
      },
    },
  });

describe('on-demand prices', () => {
  it('should read the hourly USD price of a Pricing API product', () => {
    expect(parsePricingProduct(product('m5.large', '0.0960000000'))).toEqual({
      instanceType: 'm5.large',
      price: 0.096,
    });
    expect(parsePricingProduct(product('m5.large', '0.0000000000'))).toBeUndefined();
  });

  it('should page through GetProducts with Karpenter filters', async () => {
    const seen: (string | undefined)[] = [];
    const getProducts: GetProducts = async (input) => {
      seen.push(input.NextToken);
      expect(input.Filters).toEqual(
        expect.arrayContaining([{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-west-2' }])
      );
      return input.NextToken === undefined
        ? { PriceList: [product('m5.large', '0.096')], NextToken: 'p2' }
        : { PriceList: [product('c5.large', '0.085')] };
    };
    expect(await pricingApiOnDemandPrices(getProducts, 'us-west-2')()).toEqual({
      'm5.large': 0.096,
      'c5.large': 0.085,
    });
    expect(seen).toEqual([undefined, 'p2']);
  });

  it('should fall back to the static table when the Pricing API fails or answers nothing', async () => {
    const failing: GetProducts = async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    };
    const table = staticOnDemandPrices({ 'm5.large': 0.1 });
    expect(await firstAvailable(pricingApiOnDemandPrices(failing, 'us-west-2'), table)()).toEqual({ 'm5.large': 0.1 });
    expect(await firstAvailable(async () => ({}), table)()).toEqual({ 'm5.large': 0.1 });
    await expect(firstAvailable(pricingApiOnDemandPrices(failing, 'us-west-2'))()).rejects.toMatchObject({
      type: 'AwsApiError',
      code: 'AccessDeniedException',
    });
  });
});
