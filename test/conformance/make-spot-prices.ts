// Writes catalog/spot-price-history.json for the conformance suite: a synthetic `describe-spot-price-history`
// over the bundled us-east-1 catalogue, so both planners see the same spot prices (the bundled catalogue ships
// none). Deterministic: a type/zone's spot price is its on-demand price times a factor in [0.28, 0.72] from an
// FNV-1a hash of "type/zone"; about one pool in eleven has no spot price at all, to exercise that case too.
// Run: node --import tsx test/conformance/make-spot-prices.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundled = fileURLToPath(new URL('../../catalog/us-east-1/', import.meta.url));
const onDemand = JSON.parse(readFileSync(`${bundled}on-demand-prices.json`, 'utf8')) as Record<string, number>;
const offerings = (
  JSON.parse(readFileSync(`${bundled}instance-type-offerings.json`, 'utf8')) as {
    InstanceTypeOfferings: { InstanceType: string; Location: string }[];
  }
).InstanceTypeOfferings;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const history = offerings
  .filter((o) => onDemand[o.InstanceType] !== undefined && fnv1a(`${o.InstanceType}/${o.Location}`) % 11 !== 0)
  .map((o) => {
    const factor = 0.28 + ((fnv1a(`${o.Location}/${o.InstanceType}`) % 1000) / 1000) * 0.44;
    return {
      AvailabilityZone: o.Location,
      InstanceType: o.InstanceType,
      ProductDescription: 'Linux/UNIX',
      SpotPrice: ((onDemand[o.InstanceType] ?? 0) * factor).toFixed(6),
      Timestamp: '2026-11-01T00:00:00.000Z',
    };
  })
  .sort((a, b) => a.InstanceType.localeCompare(b.InstanceType) || a.AvailabilityZone.localeCompare(b.AvailabilityZone));

writeFileSync(
  fileURLToPath(new URL('catalog/spot-price-history.json', import.meta.url)),
  JSON.stringify({ SpotPriceHistory: history }, null, 1) + '\n'
);
console.log(`${history.length} spot prices over ${offerings.length} offerings`);
