import { readFileSync } from 'node:fs';
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
