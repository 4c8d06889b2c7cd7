import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * How this process reaches Temporal, resolved the way every Temporal SDK and the `temporal` CLI resolve it
 * (@temporalio/envconfig): a TOML profile (`TEMPORAL_CONFIG_FILE`, else `~/.config/temporalio/temporal.toml`;
 * profile `TEMPORAL_PROFILE`, else `default`), overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `TEMPORAL_API_KEY`, `TEMPORAL_TLS`, `TEMPORAL_TLS_CLIENT_CERT_PATH|_DATA`, `TEMPORAL_TLS_CLIENT_KEY_PATH|_DATA`,
 * `TEMPORAL_TLS_SERVER_CA_CERT_PATH|_DATA`, `TEMPORAL_TLS_SERVER_NAME` and `TEMPORAL_GRPC_META_*`. An API key
 * implies TLS (Temporal Cloud), unless `TEMPORAL_TLS=false` says otherwise.
 */
export interface TemporalConnectConfig {
  /** Good for both `NativeConnection.connect` (worker) and `Connection.connect` (client). */
  connectionOptions: {
    address: string;
    tls?: TLSConfig | boolean;
    apiKey?: string;
    metadata?: Record<string, string>;
  };
  namespace: string;
  /** What to log: no secrets, only which kind of connection this is. */
  summary: { address: string; namespace: string; tls: 'off' | 'tls' | 'mtls'; apiKey: boolean; profile: string };
}

/** The variables read here (besides `TEMPORAL_GRPC_META_*`); the chart's mapping is checked against them. */
export const TEMPORAL_ENV_VARS = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;

export class TemporalConfigError extends Error {
  readonly type = 'TemporalConfigInvalid';
}

const DEFAULT_ADDRESS = 'localhost:7233';
const DEFAULT_NAMESPACE = 'default';

// host:port, with IPv6 hosts in brackets; a scheme (https://…) is a common slip, and gRPC would fail far later.
const Address = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/, 'must be host:port (no scheme), e.g. temporal-frontend:7233');
const Namespace = z.string().min(1, 'must not be empty');

/** The environment as envconfig wants it: strings only. */
function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * Resolves the connection from `env` (a TOML profile plus the standard variables); `overrides` (CLI flags) win over
 * both. Throws TemporalConfigError, with the variable or key at fault, for anything that would only fail later.
 */
export function loadTemporalConnectConfig(
  env: NodeJS.ProcessEnv,
  overrides: { address?: string; namespace?: string } = {}
): TemporalConnectConfig {
  const vars = stringEnv(env);
  // envconfig treats a missing file as "no file", which is right for the default path but hides a typo in an
  // explicit TEMPORAL_CONFIG_FILE: the worker would then quietly connect to localhost.
  if (vars.TEMPORAL_CONFIG_FILE && !existsSync(vars.TEMPORAL_CONFIG_FILE)) {
    throw new TemporalConfigError(`TEMPORAL_CONFIG_FILE: ${vars.TEMPORAL_CONFIG_FILE} does not exist`);
  }
  const profileName = vars.TEMPORAL_PROFILE ?? 'default';
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    throw new TemporalConfigError(`Temporal client profile '${profileName}': ${(err as Error).message}`);
  }
  if (overrides.address) profile.address = overrides.address;
  if (overrides.namespace) profile.namespace = overrides.namespace;

  // envconfig silently drops a certificate without its key (and the reverse): the server would then refuse the
  // connection with a TLS handshake error that names neither variable.
  const tls = profile.tls;
  if (tls && !tls.disabled && Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
    throw new TemporalConfigError(
      'a TLS client certificate needs its key and the key its certificate ' +
        '(TEMPORAL_TLS_CLIENT_CERT_PATH with TEMPORAL_TLS_CLIENT_KEY_PATH, or client_cert_path with client_key_path)'
    );
  }
  let resolved;
  try {
    resolved = toClientOptions(profile); // reads the certificate files
  } catch (err) {
    throw new TemporalConfigError(`reading the Temporal TLS files: ${(err as Error).message}`);
  }
  const address = Address.safeParse(resolved.connectionOptions.address ?? DEFAULT_ADDRESS);
  if (!address.success) {
    throw new TemporalConfigError(
      `TEMPORAL_ADDRESS (or the profile's address) ${JSON.stringify(resolved.connectionOptions.address)}: ` +
        address.error.issues[0]!.message
    );
  }
  const namespace = Namespace.safeParse(resolved.namespace ?? DEFAULT_NAMESPACE);
  if (!namespace.success) {
    throw new TemporalConfigError(`TEMPORAL_NAMESPACE: ${namespace.error.issues[0]!.message}`);
  }
  const { tls: tlsOption, apiKey, metadata } = resolved.connectionOptions;
  const connectionOptions: TemporalConnectConfig['connectionOptions'] = {
    address: address.data,
    ...(tlsOption !== undefined && tlsOption !== null ? { tls: tlsOption } : {}),
    ...(typeof apiKey === 'string' && apiKey !== '' ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata: metadata as Record<string, string> } : {}),
  };
  const tlsKind =
    connectionOptions.tls === undefined || connectionOptions.tls === false
      ? 'off'
      : typeof connectionOptions.tls === 'object' && connectionOptions.tls.clientCertPair
        ? 'mtls'
        : 'tls';
  return {
    connectionOptions,
    namespace: namespace.data,
    summary: {
      address: address.data,
      namespace: namespace.data,
      tls: tlsKind,
      apiKey: connectionOptions.apiKey !== undefined,
      profile: profileName,
    },
  };
}
