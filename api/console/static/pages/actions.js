// The actions a role may take on a case now: the role from the permissions table
// (domain/permissions.ts, embedded as CONFIG.may) and the stage each workflow validator accepts.
// Anything else is not offered; if the API refuses anyway, the form shows its problem+json.
import { actionForm } from '../lib/forms.js';
import { CONFIG, L, caseUrl, certUrl, options } from './common.js';

const OPEN = ['awaiting-verification', 'under-review'];
const lines = (key, label, hint) => ({ key, label, kind: 'lines', hint: hint ?? L('每行一条', 'one per line') });
const note = (label = L('备注', 'Note')) => ({ key: 'note', label, optional: true, hint: L('可留空', 'optional') });
const verifiers = () => ({ key: 'verifierIds', label: L('检查员编号（2–4 名）', 'Verifier ids (2–4)'), kind: 'csv', hint: L('以逗号分隔，须在检查员名录中', 'comma separated, from the verifier register') });

/** Case messages: [permission, route segment, schema, when(case), title, fields]. */
const CASE_ACTIONS = [
  ['accept', 'accept', 'AcceptBody', (c) => c.stage === 'received', () => L('受理', 'Accept'), () => [note()]],
  ['requestSupplement', 'supplement-request', 'SupplementRequestBody', (c) => c.stage === 'received' && !c.supplement, () => L('一次性告知补正', 'Request a supplement (one notice)'), () => [lines('items', L('需补正的材料', 'Items missing'))]],
  ['rejectAtIntake', 'reject', 'RejectAtIntakeBody', (c) => ['received', 'awaiting-supplement', 'awaiting-predecessor-cancellation'].includes(c.stage), () => L('不予受理', 'Refuse to accept'), () => [lines('reasons', L('理由', 'Grounds'))]],
  ['confirmPredecessorCancelled', 'predecessor-confirmation', 'PredecessorConfirmationBody', (c) => c.stage === 'awaiting-predecessor-cancellation', () => L('确认原证已注销', 'Confirm predecessor cancelled'), () => [{ key: 'evidence', label: L('依据', 'Evidence') }]],
  ['recordVerification', 'verification', 'VerificationBody', (c) => c.stage === 'awaiting-verification', () => L('记录现场核查结果', 'Record the on-site verification'), () => [
    { key: 'result', label: L('结论', 'Result'), kind: 'select', options: [['pass', L('合格', 'pass')], ['fail', L('不合格', 'fail')]] },
    verifiers(),
    { key: 'findings', label: L('核查发现', 'Findings'), kind: 'textarea', optional: true },
  ]],
  ['pauseClock', 'pause', 'PauseBody', (c) => OPEN.includes(c.stage) && !c.paused, () => L('暂停计时（书面告知）', 'Pause the clock (written notice)'), () => [
    { key: 'kind', label: L('原因类别', 'Kind'), kind: 'select', options: options('pause') },
    // L02: the case writes the notice itself (GET /applications/{id}/notices) from the kind and this reason.
    { key: 'reason', label: L('理由（载入书面告知）', 'Reason (stated in the written notice)') },
  ]],
  ['resumeClock', 'resume', 'ResumeBody', (c) => OPEN.includes(c.stage) && c.paused, () => L('恢复计时', 'Resume the clock'), () => [note()]],
  ['approve', 'approve', 'ApproveBody', (c) => c.stage === 'under-review' && Boolean(c.path) && c.verification?.result !== 'fail', () => L('准予许可', 'Approve'), () => [note()]],
  ['refuse', 'refuse', 'RefuseBody', (c) => OPEN.includes(c.stage), () => L('不予许可', 'Refuse'), () => [lines('reasons', L('理由', 'Grounds'))]],
  ['supplement', 'supplement', 'SupplementBody', (c) => c.stage === 'awaiting-supplement', () => L('提交补正材料', 'Submit the supplement'), () => [
    { key: 'documents', label: L('补正材料文件', 'Supplement files'), kind: 'documents', hint: L('只发送文件的 SHA-256', 'only the SHA-256 of each file is sent') },
    note(L('说明', 'Note')),
  ]],
];

const may = (action, role) => (CONFIG.may[action] ?? []).includes(role);

export function caseActions(c, role, onDone) {
  if (c.decision) return [];
  return CASE_ACTIONS.filter(([action, , , when]) => may(action, role) && when(c)).map(([, segment, schema, , title, fields]) =>
    actionForm({ id: `action-${segment}`, title: title(), url: `${caseUrl(c.applicationId)}/${segment}`, schema, fields: fields() }, onDone),
  );
}

export function followUpActions(id, f, role, onDone) {
  if (f.stage === 'closed') return [];
  const forms = [];
  if (may('assignTeam', role) && !f.team) {
    forms.push(actionForm({ id: 'action-team', title: L('指派检查组', 'Assign the inspection team'), url: `${caseUrl(id)}/follow-up/team`, schema: 'AssignTeamBody', fields: [verifiers(), note()] }, onDone));
  }
  if (may('recordInspection', role)) {
    forms.push(
      actionForm(
        {
          id: 'action-inspection',
          title: L('记录检查结果', 'Record the inspection'),
          url: `${caseUrl(id)}/follow-up/inspection`,
          schema: 'InspectionBody',
          fields: [
            { key: 'outcome', label: L('结论', 'Outcome'), kind: 'select', options: options('outcome').slice(3) },
            verifiers(),
            { key: 'findings', label: L('检查发现', 'Findings'), kind: 'textarea', optional: true },
            { key: 'rectifyBy', label: L('整改期限', 'Rectify by'), kind: 'date', optional: true, hint: L('责令整改时填写；可留空', 'for a rectification order; optional') },
          ],
        },
        onDone,
      ),
    );
  }
  return forms;
}

export function licenceActions(number, licence, role, onDone) {
  if (!['valid', 'deemed-renewed'].includes(licence.status)) return [];
  const forms = [];
  if (may('revokeLicence', role) && role !== 'applicant') {
    forms.push(
      actionForm(
        {
          id: 'action-revoke',
          title: L('撤销许可证', 'Revoke the licence'),
          url: `${certUrl(number)}/revoke`,
          schema: 'RevokeLicenceBody',
          fields: [{ key: 'ground', label: L('撤销依据', 'Ground'), kind: 'select', options: options('ground') }, { key: 'reason', label: L('事实与理由', 'Facts and reasons'), kind: 'textarea' }],
        },
        onDone,
      ),
    );
  }
  if (may('cancelLicence', role)) {
    const reasons = [['holder-request', L('企业申请', 'holder request')], ['production-ceased', L('停止生产', 'production ceased')], ['acquisition', L('收购', 'acquisition')], ['merger', L('合并', 'merger')], ['restructuring', L('重组', 'restructuring')], ['capacity-replacement', L('产能置换', 'capacity replacement')]];
    forms.push(actionForm({ id: 'action-cancel', title: L('注销许可证', 'Cancel the licence'), url: `${certUrl(number)}/cancel`, schema: 'CancelLicenceBody', fields: [{ key: 'reason', label: L('原因', 'Reason'), kind: 'select', options: reasons }, note()] }, onDone));
  }
  return forms;
}
