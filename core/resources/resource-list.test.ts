import { describe, expect, it } from '@jest/globals';

import {
  equal,
  exceeded,
  fits,
  formatResourceList,
  isZero,
  max,
  parseResourceList,
  scale,
  subtract,
  sum,
} from './index.js';

const list = (raw: Record<string, string | number>) => parseResourceList(raw);

describe('ResourceList', () => {
  it('should parse and format canonically with sorted keys', () => {
    expect(formatResourceList(list({ memory: '1.5Gi', cpu: 1.5, pods: 110 }))).toEqual({
      cpu: '1500m',
      memory: '1536Mi',
      pods: '110',
    });
  });

  it('should name the bad quantity when parsing fails', () => {
    expect(() => list({ cpu: 'lots' })).toThrow(/"lots"/);
  });

  it('should sum key by key', () => {
    expect(formatResourceList(sum(list({ cpu: '1' }), list({ cpu: '500m', memory: '1Gi' }), list({})))).toEqual({
      cpu: '1500m',
      memory: '1Gi',
    });
  });

  it('should subtract, going negative for keys only on the right', () => {
    expect(formatResourceList(subtract(list({ cpu: '2', memory: '4Gi' }), list({ cpu: '250m', pods: 1 })))).toEqual({
      cpu: '1750m',
      memory: '4Gi',
      pods: '-1',
    });
  });

  it('should take the key-by-key maximum', () => {
    expect(formatResourceList(max(list({ cpu: '1', memory: '1Gi' }), list({ cpu: '2', memory: '512Mi' })))).toEqual({
      cpu: '2',
      memory: '1Gi',
    });
  });

  it('should scale by a whole number', () => {
    expect(formatResourceList(scale(list({ memory: '11Mi' }), 29))).toEqual({ memory: '319Mi' });
  });

  it('should fit when every request is covered, a missing total counting as zero', () => {
    const total = list({ cpu: '2', memory: '4Gi' });
    expect(fits(list({ cpu: '2', memory: '4096Mi' }), total)).toBe(true);
    expect(fits(list({ cpu: '2001m' }), total)).toBe(false);
    expect(fits(list({ 'nvidia.com/gpu': 1 }), total)).toBe(false);
    expect(fits(list({ 'nvidia.com/gpu': 0 }), total)).toBe(true);
  });

  it('should list the limits that usage exceeds', () => {
    expect(exceeded(list({ cpu: '1001', memory: '10Gi', nodes: 3 }), list({ cpu: '1000', memory: '1000Gi' }))).toEqual([
      'cpu',
    ]);
  });

  it('should compare lists by amount', () => {
    expect(equal(list({ memory: '1Gi' }), list({ memory: '1024Mi', cpu: 0 }))).toBe(true);
    expect(equal(list({ memory: '1Gi' }), list({ memory: '1G' }))).toBe(false);
    expect(isZero(list({ cpu: 0, memory: '0Gi' }))).toBe(true);
    expect(isZero(list({ cpu: '1m' }))).toBe(false);
  });
});
