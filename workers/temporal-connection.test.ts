import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkerConfig } from './config.js';
import { loadTemporalConnectConfig, TemporalConfigError } from './temporal-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-temporal-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

// Never the developer's own ~/.config/temporalio/temporal.toml: HOME and XDG point at an empty directory.
const base = { HOME: dir, XDG_CONFIG_HOME: dir };

const cert = file('client.crt', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const ca = file('ca.crt', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');

const toml = file(
  'temporal.toml',
  `
[profile.default]
address = "localhost:7233"
namespace = "default"

[profile.selfhosted]
address = "temporal-frontend.temporal:7233"
namespace = "karpenter"
[profile.selfhosted.tls]
client_cert_path = "${cert}"
client_key_path = "${key}"
server_ca_cert_path = "${ca}"
server_name = "frontend.internal"

[profile.cloud]
address = "us-east-1.aws.api.temporal.io:7233"
namespace = "karpenter.a1b2c"
api_key = "from-file"
`
);

function errorOf(run: () => unknown): TemporalConfigError {
  try {
    run();
  } catch (err) {
    return err as TemporalConfigError;
  }
  throw new Error('expected an error');
}

describe('loadTemporalConnectConfig', () => {
  it('should connect to localhost:7233 and namespace default, without TLS, when nothing is set', () => {
    const config = loadTemporalConnectConfig(base);
    expect(config.connectionOptions).toEqual({ address: 'localhost:7233' });
    expect(config.namespace).toBe('default');
    expect(config.summary).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      tls: 'off',
      apiKey: false,
      profile: 'default',
    });
  });

  it('should take TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, and let CLI flags win over them', () => {
    const env = { ...base, TEMPORAL_ADDRESS: '127.0.0.1:7777', TEMPORAL_NAMESPACE: 'ops' };
    expect(loadTemporalConnectConfig(env).summary).toMatchObject({ address: '127.0.0.1:7777', namespace: 'ops' });
    expect(loadTemporalConnectConfig(env, { address: '[::1]:7233', namespace: 'other' }).summary).toMatchObject({
      address: '[::1]:7233',
      namespace: 'other',
    });
  });

  it('should load a self-hosted mTLS profile from TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE', () => {
    const config = loadTemporalConnectConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'selfhosted' });
    expect(config.summary).toEqual({
      address: 'temporal-frontend.temporal:7233',
      namespace: 'karpenter',
      tls: 'mtls',
      apiKey: false,
      profile: 'selfhosted',
    });
    const tls = config.connectionOptions.tls as {
      serverNameOverride?: string;
      clientCertPair?: { crt: Uint8Array; key: Uint8Array };
      serverRootCACertificate?: Uint8Array;
    };
    expect(tls.serverNameOverride).toBe('frontend.internal');
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toContain('client');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toContain('key');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toContain('\nca\n');
  });

  it('should turn TLS on for an API key (Temporal Cloud), from a profile or from TEMPORAL_API_KEY', () => {
    const fromFile = loadTemporalConnectConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(fromFile.connectionOptions).toEqual({
      address: 'us-east-1.aws.api.temporal.io:7233',
      apiKey: 'from-file',
      tls: true,
    });
    expect(fromFile.summary).toMatchObject({ tls: 'tls', apiKey: true, namespace: 'karpenter.a1b2c' });

    const fromEnv = loadTemporalConnectConfig({
      ...base,
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret',
    });
    expect(fromEnv.connectionOptions).toMatchObject({ apiKey: 'secret', tls: true });
  });

  it('should let the environment override a profile, as the chart does with its TEMPORAL_TLS_* paths', () => {
    const config = loadTemporalConnectConfig({
      ...base,
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_API_KEY: 'rotated',
      TEMPORAL_NAMESPACE: 'other.a1b2c',
    });
    expect(config.connectionOptions.apiKey).toBe('rotated');
    expect(config.namespace).toBe('other.a1b2c');

    const mtls = loadTemporalConnectConfig({
      ...base,
      TEMPORAL_ADDRESS: 'frontend:7233',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    });
    expect(mtls.summary.tls).toBe('mtls');
    expect(loadTemporalConnectConfig({ ...base, TEMPORAL_TLS: 'true' }).summary.tls).toBe('tls');
    expect(loadTemporalConnectConfig({ ...base, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }).summary.tls).toBe(
      'off'
    );
  });

  it.each([
    [{ TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') }, /TEMPORAL_CONFIG_FILE: .*missing.toml does not exist/],
    [{ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' }, /profile 'nope'.*not found/],
    [{ TEMPORAL_CONFIG_FILE: file('broken.toml', '[profile.default\naddress = ') }, /profile 'default'/],
    [{ TEMPORAL_ADDRESS: 'https://temporal.example:7233' }, /TEMPORAL_ADDRESS .*must be host:port/],
    [{ TEMPORAL_ADDRESS: 'temporal.example' }, /must be host:port/],
    [{ TEMPORAL_NAMESPACE: '' }, /TEMPORAL_NAMESPACE: must not be empty/],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: cert }, /client certificate needs its key/],
    [
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'none.key') },
      /reading the Temporal TLS files: .*none.key/,
    ],
  ])('should refuse %j with a TemporalConfigInvalid error naming the problem', (env, message) => {
    const error = errorOf(() => loadTemporalConnectConfig({ ...base, ...env }));
    expect(error).toBeInstanceOf(TemporalConfigError);
    expect(error.type).toBe('TemporalConfigInvalid');
    expect(error.message).toMatch(message);
  });
});

describe('loadWorkerConfig', () => {
  const worker = { ...base, CLUSTER_NAME: 'test', AWS_REGION: 'us-east-1' };

  it('should carry the resolved Temporal connection and metrics endpoints', () => {
    const config = loadWorkerConfig({ ...worker, TEMPORAL_API_KEY: 'k', TEMPORAL_NAMESPACE: 'ns.acct' });
    expect(config.temporal.namespace).toBe('ns.acct');
    expect(config.temporal.connect.connectionOptions).toMatchObject({ apiKey: 'k', tls: true });
    expect(config.metrics).toEqual({ host: '0.0.0.0', port: 8080, sdkPort: undefined });
    expect(
      loadWorkerConfig({ ...worker, KT_METRICS_HOST: '127.0.0.1', KT_METRICS_PORT: '0', KT_SDK_METRICS_PORT: '9464' })
        .metrics
    ).toEqual({ host: '127.0.0.1', port: 0, sdkPort: 9464 });
  });

  it('should refuse a bad metrics port with a WorkerConfigInvalid error', () => {
    const error = errorOf(() => loadWorkerConfig({ ...worker, KT_METRICS_PORT: 'eighty' }));
    expect((error as unknown as { type: string }).type).toBe('WorkerConfigInvalid');
    expect(error.message).toMatch(/KT_METRICS_PORT/);
  });

  it('should default to the aws provider, which needs AWS_REGION; the kwok provider needs none', () => {
    expect(loadWorkerConfig(worker).cloudProvider).toBe('aws');
    const { AWS_REGION: _region, ...withoutRegion } = worker;
    expect(errorOf(() => loadWorkerConfig(withoutRegion)).message).toMatch(/AWS_REGION: AWS_REGION is required/);
    const kwok = loadWorkerConfig({
      ...withoutRegion,
      KT_CLOUD_PROVIDER: 'kwok',
      KT_KWOK_INSTANCE_TYPES_FILE: '/t.json',
    });
    expect(kwok).toMatchObject({ cloudProvider: 'kwok', kwok: { instanceTypesFile: '/t.json' }, aws: { region: '' } });
    expect(errorOf(() => loadWorkerConfig({ ...worker, KT_CLOUD_PROVIDER: 'azure' })).message).toMatch(
      /KT_CLOUD_PROVIDER/
    );
  });
});
