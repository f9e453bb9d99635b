/**
 * Examples the OpenAPI document shows (and scripts/fuzz.ts sends): a complete, valid application
 * of a Beijing cement maker, whose id is the example case id of every case route.
 */
export const EXAMPLE_APPLICATION = {
  applicationId: 'BJ-2026-000001',
  province: 'BJ',
  type: 'new',
  enterprise: { uscc: '91110000MA01ABCDEX', name: '北京示范水泥有限公司', registeredAddress: '北京市房山区示范路1号' },
  productionAddresses: [{ province: 'BJ', address: '北京市房山区示范路1号厂区' }],
  product: 'cement',
  productNames: ['通用硅酸盐水泥'],
  documents: [
    { name: '营业执照', type: 'business-licence', sha256: '8178ac72b28d77fcb851fcd301583182bd05d9663ed2ec8131e60f057c2795f7' },
    { name: '产品检验报告', type: 'inspection-report', sha256: '845e91831319e89c4d656bdb80c278ac09a7230d61e5dfd2e1b1fbb436ac8917' },
  ],
  qualitySafetyCommitment: { signedBy: '张三', signedAt: '2026-01-05T02:00:00Z', statementSha256: '108d6b6ac1358dcdce3e4238ee7bdad4236e2a3788539ced7425d98dfa9344f4' },
  investmentFiling: { kind: 'filing', authority: '北京市发展和改革委员会', number: '京发改(备)〔2025〕18号', date: '2025-06-30', approvedCapacity: { value: 1000000, unit: 't/year' } },
  capacity: { declared: { value: 800000, unit: 't/year' }, addsCapacity: false },
};
