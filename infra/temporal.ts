/**
 * The Temporal connection, for every process that talks to the server (worker, API, scripts):
 * address, namespace and mTLS from the configuration, in one place.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config } from '../domain/config';

/** mTLS for Temporal Cloud or a secured cluster; plain TCP when no files are configured. */
export function temporalTls(config: Config): TLSConfig | undefined {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca } = config;
  if (!cert && !key && !ca) return undefined;
  if ((cert && !key) || (key && !cert)) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  return {
    clientCertPair: cert && key ? { crt: readFileSync(cert), key: readFileSync(key) } : undefined,
    serverRootCACertificate: ca ? readFileSync(ca) : undefined,
  };
}

/** What NativeConnection.connect (worker) and Connection.connect (client) both take. */
export function temporalConnectionOptions(config: Config): { address: string; tls: TLSConfig | undefined } {
  return { address: config.TEMPORAL_ADDRESS, tls: temporalTls(config) };
}

/** A client on the configured namespace; close `connection` when done. */
export async function connectClient(config: Config): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), connection };
}
