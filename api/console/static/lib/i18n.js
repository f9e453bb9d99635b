// Chinese first, English on request: each string is written in both languages where it is used,
// L('中文', 'English'); the tables below name the API's enumerations.
import { CONFIG } from './config.js';

let lang = localStorage.getItem('lp-lang') === 'en' ? 'en' : 'zh';
export const currentLang = () => lang;
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  localStorage.setItem('lp-lang', lang);
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}
document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';

export const L = (zh, en) => (lang === 'en' ? en : zh);

const T = {
  stage: {
    intake: ['受理前检查中', 'intake checks'],
    received: ['已收到，待受理', 'received, awaiting acceptance'],
    'awaiting-predecessor-cancellation': ['等待原证注销', 'awaiting predecessor cancellation'],
    'awaiting-supplement': ['待补正', 'awaiting supplement'],
    'awaiting-verification': ['待现场核查', 'awaiting verification'],
    'under-review': ['审查中', 'under review'],
    issuing: ['发证中', 'issuing'],
    issued: ['已发证', 'issued'],
    refused: ['不予许可', 'refused'],
    'rejected-at-intake': ['不予受理', 'rejected at intake'],
  },
  role: {
    applicant: ['企业（申请人）', 'enterprise (applicant)'],
    'acceptance-officer': ['受理人员', 'acceptance officer'],
    reviewer: ['审查人员', 'reviewer'],
    approver: ['审批人员', 'approver'],
    supervisor: ['监管人员', 'supervisor'],
    samr: ['市场监管总局', 'SAMR'],
    ops: ['运维', 'ops'],
  },
  path: {
    'post-verification': ['先证后查', 'post-verification'],
    commitment: ['告知承诺', 'notification and commitment'],
    'renewal-exempt': ['延续免核查', 'renewal without verification'],
    'verify-then-issue': ['先查后证', 'verify then issue'],
  },
  type: { new: ['新申请', 'new licence'], renewal: ['延续', 'renewal'], change: ['变更', 'change'] },
  certStatus: {
    valid: ['有效', 'valid'],
    expired: ['已过期', 'expired'],
    cancelled: ['已注销', 'cancelled'],
    revoked: ['已撤销', 'revoked'],
    'deemed-renewed': ['视为延续', 'deemed renewed'],
    superseded: ['已被替代', 'superseded'],
  },
  docType: {
    'business-licence': ['营业执照', 'business licence'],
    'inspection-report': ['产品检验报告', 'inspection report'],
    'quality-manual': ['质量手册', 'quality manual'],
    'investment-filing': ['项目备案/核准文件', 'investment filing'],
    commitment: ['承诺书', 'commitment'],
    'process-description': ['工艺说明', 'process description'],
    other: ['其他', 'other'],
  },
  outcome: {
    approved: ['准予许可', 'approved'],
    refused: ['不予许可', 'refused'],
    'rejected-at-intake': ['不予受理', 'rejected at intake'],
    pass: ['合格', 'pass'],
    'rectification-required': ['责令整改', 'rectification required'],
    failed: ['不合格（撤销）', 'failed (revoked)'],
  },
  ground: {
    fraud: ['欺骗、贿赂取得', 'fraud or bribery'],
    'false-commitment': ['虚假承诺', 'false commitment'],
    'false-materials': ['提供虚假材料', 'false materials'],
    'failed-rectification': ['整改后复查不合格', 'failed rectification'],
    'conditions-not-met': ['不再具备条件', 'conditions not met'],
  },
  pause: { testing: ['检验检测', 'testing'], 'expert-review': ['专家评审', 'expert review'], hearing: ['听证', 'hearing'] },
};

/** name('stage', 'issued') → 已发证 / issued; unknown values are shown as they are. */
export function name(table, value) {
  const pair = T[table]?.[value];
  return pair ? L(pair[0], pair[1]) : (value ?? '—');
}
export const options = (table) => Object.keys(T[table]).map((k) => [k, name(table, k)]);

export function productName(id) {
  const p = CONFIG.products.find((x) => x.id === id);
  return p ? L(p.zh, p.en) : (id ?? '—');
}
export function provinceName(code) {
  const p = CONFIG.provinces.find((x) => x.code === code);
  return p ? `${p.name} (${code})` : (code ?? '—');
}
