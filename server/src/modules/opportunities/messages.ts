import { registerMessages } from '../../core/i18n.ts';

registerMessages({
  'zh-CN': {
    'error.opportunity.unknownStage': '该阶段不在所选的阶段设置中',
    'error.opportunity.lostReason': '输单需要选择原因',
    'error.opportunity.versionConflict': '商机已被他人修改，请刷新后重试',
    'error.opportunity.closed': '商机已结束（赢单或输单），请先重新打开',
    'error.stageSet.inUse': '阶段「{stage}」还有 {count} 个商机，不能删除',
  },
  en: {
    'error.opportunity.unknownStage': 'That stage is not in the chosen stage set',
    'error.opportunity.lostReason': 'Choose a reason for the loss',
    'error.opportunity.versionConflict': 'Someone else changed the opportunity; reload and try again',
    'error.opportunity.closed': 'The opportunity is closed (won or lost); reopen it first',
    'error.stageSet.inUse': 'Stage "{stage}" still has {count} opportunities and cannot be removed',
  },
});
