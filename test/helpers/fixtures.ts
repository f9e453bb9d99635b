import { createHash, randomBytes } from 'node:crypto';
import type { ApplicationInput } from '../../domain/approval/application';
import type { ProvinceCode } from '../../domain/provinces';
import type { Actor } from '../../domain/roles';
import { withUsccCheck } from '../../domain/uscc';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function newApplicationId(prefix = 'APP'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A valid USCC: 17 characters plus the right check character. */
export const USCC = withUsccCheck('91110000MA01ABCDE');

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A fresh enterprise per test, so bans of one test never meet another's. */
export function freshUscc(): string {
  const tail = Array.from(randomBytes(9), (b) => USCC_ALPHABET[b % USCC_ALPHABET.length]).join('');
  return withUsccCheck(`91110000${tail}`);
}

/** R03: a cement line's filing and a declared capacity within it. */
export const cementIndustrialPolicy = {
  investmentFiling: {
    kind: 'filing' as const,
    authority: '北京市发展和改革委员会',
    number: '京发改(备)〔2025〕18号',
    date: '2025-06-30',
    approvedCapacity: { value: 1_000_000, unit: 't/year' as const },
  },
  capacity: { declared: { value: 800_000, unit: 't/year' as const }, addsCapacity: false },
};

/**
 * A complete, valid new-licence application for cement in Beijing unless overridden, by an
 * enterprise of its own (a fresh USCC): an enterprise holds one certificate per product (L07),
 * so two applications that should meet (a renewal, a ban, a second product) name the same
 * `enterprise`.
 */
export function makeApplication(overrides: Partial<ApplicationInput> = {}): ApplicationInput {
  const province: ProvinceCode = overrides.province ?? 'BJ';
  return {
    applicationId: newApplicationId(),
    province,
    type: 'new',
    enterprise: { uscc: freshUscc(), name: '北京示范水泥有限公司', registeredAddress: '北京市房山区示范路1号' },
    productionAddresses: [{ province, address: '北京市房山区示范路1号厂区' }],
    product: 'cement',
    productNames: ['通用硅酸盐水泥'],
    documents: [
      { name: '营业执照', type: 'business-licence', sha256: sha('licence') },
      { name: '产品检验报告', type: 'inspection-report', sha256: sha('report') },
    ],
    qualitySafetyCommitment: { signedBy: '张三', signedAt: '2026-01-05T02:00:00Z', statementSha256: sha('qs-commitment') },
    ...cementIndustrialPolicy,
    ...overrides,
  };
}

export const commitment = { signedBy: '李四', signedAt: '2026-01-05T02:00:00Z', statementSha256: sha('commitment') };

export const staff = (role: Actor['role'], province: ProvinceCode = 'BJ', id = `${role}-1`): Actor => ({ id, role, province });
export const applicant = (uscc = USCC): Actor => ({ id: `ent-${uscc}`, role: 'applicant', uscc });
