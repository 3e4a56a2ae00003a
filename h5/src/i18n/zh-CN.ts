export default {
  app: { name: '客脉' },
  tabs: { home: '首页', customers: '客户', messages: '消息', me: '我的' },
  common: {
    retry: '重试', loading: '加载中…', empty: '暂无数据', loadFailed: '加载失败', noMore: '没有更多了', save: '保存', cancel: '取消',
    confirm: '确定', edit: '编辑', search: '搜索', filter: '筛选', all: '全部', offline: '网络不可用',
  },
  login: { title: '选择演示账号登录', devOnly: '开发登录（仅本地）', unavailable: '请从企业微信或钉钉工作台打开客脉' },
  home: { due: '今日待跟进', overdue: '已逾期', idle: '超过 7 天未跟进', incomplete: '待补充资料', recent: '最近动态', pending: '待同步 {n} 条' },
  stage: { lead: '线索', prospect: '意向', customer: '成交', lost: '流失' },
  method: { call: '电话', visit: '拜访', wechat: '微信', email: '邮件', meeting: '会议', other: '其他' },
  customers: {
    mine: '我的', team: '团队', pool: '公海', searchPlaceholder: '名称 / 电话 / 拼音首字母', new: '新建客户', claim: '领取',
    claimed: '已领取', lastFollowUp: '{n} 天前跟进', neverFollowed: '从未跟进', today: '今天跟进', sort: '排序',
    sortUpdated: '最近更新', sortCreated: '最近创建', sortIdle: '最久未跟进', sortName: '名称',
  },
  filters: { stage: '阶段', level: '级别', industry: '行业', region: '地区', idleDays: '未跟进天数', owner: '负责人', reset: '重置', apply: '确定' },
  detail: {
    call: '拨打', followUp: '写跟进', checkIn: '拜访签到', release: '放回公海', releaseReason: '放回原因', transfer: '转移',
    contacts: '联系人', timeline: '动态', owner: '负责人', noContacts: '还没有联系人', addContact: '添加联系人', pool: '公海客户',
  },
  timeline: {
    created: '创建了客户', followUp: '{method}跟进', stageChanged: '阶段 {from} → {to}', ownerChanged: '负责人变更', released: '放回公海',
    claimed: '从公海领取', contactAdded: '添加联系人 {name}', contactUpdated: '更新联系人 {name}', contactRemoved: '删除联系人 {name}',
  },
  form: {
    type: '类型', company: '企业', person: '个人', name: '客户名称', industry: '行业', source: '来源', level: '级别', stage: '阶段',
    region: '地区', address: '详细地址', phone: '电话', email: '邮箱', tags: '标签', notes: '备注', required: '必填',
    invalidPhone: '不是有效的电话号码', invalidEmail: '不是有效的邮箱地址', choose: '请选择',
    duplicate: '已存在：{name}（负责人：{owner}）', duplicatePool: '已存在：{name}（在公海中）', missing: '待补充：{fields}',
    saved: '已保存',
  },
  followUp: {
    title: '写跟进', visitTitle: '拜访签到', method: '方式', contact: '联系人', content: '跟进内容', result: '结果/反馈', next: '下次跟进',
    stage: '更新阶段', location: '位置', locate: '获取定位', locating: '定位中…', accuracy: '精度 {n} 米', noLocation: '未获取到定位',
    noLocationReason: '无法定位的原因', photos: '现场照片（最多 9 张）', submit: '提交', saved: '已提交', queued: '网络不可用，已存入待同步',
    reasonRequired: '没有定位时请说明原因',
  },
  queue: { title: '待同步', empty: '没有待同步的记录', retry: '重试', discard: '放弃', failed: '失败：{reason}', syncing: '同步中…', synced: '已同步 {n} 条' },
  me: { language: '语言', logout: '退出登录', settings: '系统设置', role: { rep: '销售', manager: '经理', director: '总监', admin: '管理员', service: '客服' } },
  messages: { empty: '暂无消息' },
  settings: {
    pool: '公海规则', dailyClaimLimit: '每日领取上限', holdingLimit: '持有客户上限', cooldownDays: '放弃后不可重领（天）',
    organisation: '组织架构', sync: '同步通讯录', syncHint: '从企业微信或钉钉同步部门和人员；每晚 2 点也会自动同步',
    synced: '新增 {created} 人，更新 {updated} 人，离职 {left} 人',
  },
};
