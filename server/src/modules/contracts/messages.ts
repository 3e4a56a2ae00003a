import { registerMessages } from '../../core/i18n.ts';

registerMessages({
  'zh-CN': {
    'error.contract.planSum': '回款计划合计 {plan} 元，与合同金额 {amount} 元不一致',
    'error.contract.planRequired': '提交审批前请填写回款计划',
    'error.contract.dates': '结束日期不能早于开始日期',
    'error.contract.notEditable': '合同{status}，不能修改',
    'error.contract.notOwner': '只有合同负责人及其上级可以修改或提交',
    'error.contract.versionConflict': '合同已被他人修改，请刷新后重试',
    'error.contract.badTransition': '合同当前状态为{status}，不能执行该操作',
    'error.contract.unknownAttachment': '附件不存在或无权使用',
    'error.contract.terminationReason': '终止合同需要填写原因',
    'error.approval.noApprover': '审批步骤「{step}」找不到审批人，请联系管理员完善组织架构或审批流程',
    'error.approval.commentRequired': '驳回时请填写意见',
    'error.approval.notPending': '该审批已处理或已撤回',
    'error.contract.amendPending': '该合同已有变更在审批中',
    'error.contract.amendNothing': '变更没有改动任何内容',
    'error.contract.amendPaidInstalment': '第 {no} 期已回款 {received} 元，变更后不能删除或少于已回款金额',
    'error.payment.amendPending': '合同变更审批中，暂不能登记回款',
    'error.payment.overpaid': '本期未回款 {outstanding} 元，本次 {amount} 元超出',
    'error.payment.notCollectable': '合同审批通过后才能登记回款',
    'error.payment.unknownInstalment': '回款计划中没有该期',
    'error.payment.immutable': '回款登记后不能修改：{fields} 与已登记的不一致',
    'error.order.fixed': '订单登记后只能修改状态：{fields} 与已登记的不一致',
  },
  en: {
    'error.contract.planSum': 'The payment plan adds up to {plan} but the contract amount is {amount}',
    'error.contract.planRequired': 'Add a payment plan before submitting for approval',
    'error.contract.dates': 'The end date cannot be before the start date',
    'error.contract.notEditable': 'The contract is {status} and cannot be changed',
    'error.contract.notOwner': 'Only the owner and their managers may change or submit the contract',
    'error.contract.versionConflict': 'Someone else changed the contract; reload and try again',
    'error.contract.badTransition': 'The contract is {status}; that cannot be done now',
    'error.contract.unknownAttachment': 'An attachment does not exist or is not yours to use',
    'error.contract.terminationReason': 'Give a reason to terminate the contract',
    'error.approval.noApprover': 'No approver found for step "{step}"; ask an administrator to complete the organisation or the flow',
    'error.approval.commentRequired': 'Give a comment when rejecting',
    'error.approval.notPending': 'This approval has been decided or withdrawn',
    'error.contract.amendPending': 'An amendment of this contract is already awaiting approval',
    'error.contract.amendNothing': 'The amendment changes nothing',
    'error.contract.amendPaidInstalment': 'Instalment {no} has {received} received; it cannot be removed or set below that',
    'error.payment.amendPending': 'An amendment is awaiting approval; payments can be recorded once it is decided',
    'error.payment.overpaid': 'Only {outstanding} is outstanding on this instalment; {amount} is too much',
    'error.payment.notCollectable': 'Payments can be recorded once the contract is approved',
    'error.payment.unknownInstalment': 'The payment plan has no such instalment',
    'error.payment.immutable': 'A recorded payment cannot be changed; these fields differ from what was recorded: {fields}',
    'error.order.fixed': 'Only the status of a recorded order can change; these fields differ from what was recorded: {fields}',
  },
});

const statusNames: Record<string, { 'zh-CN': string; en: string }> = {
  draft: { 'zh-CN': '草稿', en: 'draft' },
  pending: { 'zh-CN': '审批中', en: 'pending approval' },
  approved: { 'zh-CN': '已审批', en: 'approved' },
  rejected: { 'zh-CN': '已驳回', en: 'rejected' },
  active: { 'zh-CN': '执行中', en: 'active' },
  completed: { 'zh-CN': '已完成', en: 'completed' },
  terminated: { 'zh-CN': '已终止', en: 'terminated' },
};

export function statusName(status: string, locale: 'zh-CN' | 'en'): string {
  return statusNames[status]?.[locale] ?? status;
}
