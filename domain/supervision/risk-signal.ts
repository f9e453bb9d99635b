/**
 * R14: a quality-risk signal (a failed test, an accident, a substantiated report, an inspection
 * finding) about a product in a region, optionally about one enterprise, with where it came from
 * and the evidence by hash. One module for everything that records or reads signals: spot checks
 * (R15), risk-information triage (R18), flight inspections (R13), campaigns' thresholds (R16) and
 * the e-CQS exchange.
 */
import { z } from 'zod';
import type { ProductId } from '../policy';

export const RISK_SIGNAL_KINDS = ['failed-test', 'accident', 'substantiated-report', 'inspection-finding', 'other'] as const;
export const RiskSignalKind = z.enum(RISK_SIGNAL_KINDS);
export type RiskSignalKind = z.infer<typeof RiskSignalKind>;

export const Evidence = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256 of the evidence: evidence is referenced by its hash'),
    description: z.string().min(1).max(500).optional(),
  })
  .strict();
export type Evidence = z.infer<typeof Evidence>;

export interface NewRiskSignal {
  /** Idempotency: one signal per key, whoever records it and however often. */
  signalKey: string;
  province: string;
  product: ProductId;
  /** Administrative region (a free label such as a city or district); the province when unknown. */
  region: string;
  /** The enterprise (USCC) when the signal is about one. */
  uscc?: string;
  kind: RiskSignalKind;
  /** R16: a serious quality-safety accident starts a campaign by itself. */
  serious?: boolean;
  origin: 'local' | 'received';
  /** Where it came from, readable: "spot check SC-…", "risk report RR-…", "SAMR", "province GD". */
  source: string;
  summary: string;
  evidence: Evidence[];
  occurredOn: string;
  recordedBy: string;
  /**
   * R17: the caller has recorded its own fact for this finding (a failed spot check, a failed
   * inspection), so the signal adds no `risk-information` fact of its own: one finding, counted once.
   */
  gradedByCaller?: boolean;
}

export interface RiskSignal extends NewRiskSignal {
  id: string;
  recordedAt: string;
}
