/** R05: the certificate's canonical content and its SHA-256, pure functions in domain/licence/certificate.ts. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, certificateCanonicalContent, certificateContentSha256, certificateHolderText, sha256Hex } from '../../domain/licence/certificate';

const node = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const CERT = {
  number: '(京)XK08-001-00001',
  enterpriseName: '北京示范水泥有限公司',
  enterpriseAddress: '北京市房山区示范路1号',
  productionAddresses: [{ province: 'BJ', address: '北京市房山区示范路1号' }],
  product: 'cement',
  productNames: ['通用硅酸盐水泥 P·O 42.5'],
  issuedOn: '2026-03-02',
  validUntil: '2031-03-01',
};

describe('certificate content hash', () => {
  it('R05: the plain-TypeScript SHA-256 (usable by workflow code) equals node:crypto on every padding boundary and on Chinese text', () => {
    for (const s of ['', 'abc', CERT.enterpriseName, 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(119), '证'.repeat(500)]) {
      expect(sha256Hex(s), `length ${s.length}`).toBe(node(s));
    }
  });

  it('R05: the content is canonical (key order does not matter), carries the holder only as a digest, and every L07 field changes the hash', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }] })).toBe('{"a":[{"c":null,"d":"x"}],"b":1}');
    const content = certificateCanonicalContent(CERT);
    expect(content).not.toContain(CERT.enterpriseName);
    expect(JSON.parse(content)).toMatchObject({ v: 1, number: CERT.number, holderSha256: node(certificateHolderText(CERT)) });
    expect(certificateContentSha256(CERT)).toBe(node(content));
    const reordered = { ...Object.fromEntries(Object.entries(CERT).reverse()), productionAddresses: [{ address: CERT.productionAddresses[0]!.address, province: 'BJ' }] } as typeof CERT;
    expect(Object.keys(reordered)[0]).toBe('validUntil');
    expect(certificateContentSha256(reordered)).toBe(certificateContentSha256(CERT));
    const variants = [
      { enterpriseName: '别的公司' },
      { enterpriseAddress: '别的地址' },
      { productionAddresses: [{ province: 'BJ', address: '别处' }] },
      { productNames: [...CERT.productNames, '通用硅酸盐水泥 P·O 52.5'] },
      { number: '(京)XK08-001-00002' },
      { issuedOn: '2026-03-03' },
      { validUntil: '2031-03-02' },
    ];
    for (const v of variants) expect(certificateContentSha256({ ...CERT, ...v }), JSON.stringify(v)).not.toBe(certificateContentSha256(CERT));
  });
});
