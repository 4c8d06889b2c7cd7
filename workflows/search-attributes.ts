import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * The search attributes every NodeClaim workflow sets as it learns them, so an operator can find any node in the
 * Temporal UI, e.g. `KarpenterNodePool = "default" AND KarpenterPhase = "Draining"`. All are Keyword.
 */
export const SEARCH_ATTRIBUTE_NAMES = [
  'KarpenterNodePool',
  'KarpenterNodeClaim',
  'KarpenterInstanceType',
  'KarpenterZone',
  'KarpenterCapacityType',
  'KarpenterPhase',
] as const;

export type SearchAttributeName = (typeof SEARCH_ATTRIBUTE_NAMES)[number];

export const NodePoolKey = defineSearchAttributeKey('KarpenterNodePool', 'KEYWORD');
export const NodeClaimKey = defineSearchAttributeKey('KarpenterNodeClaim', 'KEYWORD');
export const InstanceTypeKey = defineSearchAttributeKey('KarpenterInstanceType', 'KEYWORD');
export const ZoneKey = defineSearchAttributeKey('KarpenterZone', 'KEYWORD');
export const CapacityTypeKey = defineSearchAttributeKey('KarpenterCapacityType', 'KEYWORD');
export const PhaseKey = defineSearchAttributeKey('KarpenterPhase', 'KEYWORD');

/** Every key with its type, for registering them on a namespace (`karpenter-temporal setup-temporal`). */
export const SEARCH_ATTRIBUTE_KEYS = [NodePoolKey, NodeClaimKey, InstanceTypeKey, ZoneKey, CapacityTypeKey, PhaseKey];
