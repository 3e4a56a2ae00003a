// Words the demo generator builds realistic Chinese customers from.
export const brandFirst = [...'华鼎盛泰恒宏金银云天长新星远海瑞嘉佳安广永正博众凯启明信诚达通利亿汇中科智联领航锦程百川'];
export const brandSecond = [...'为盛达泰通源川程宇辰图诚信华科联航帆旺隆丰茂鑫荣昌祥福康宁和顺兴德邦瑞'];

export const trades: { word: string; industry: string }[] = [
  { word: '网络科技', industry: '互联网' },
  { word: '信息技术', industry: '互联网' },
  { word: '软件', industry: '互联网' },
  { word: '数据科技', industry: '互联网' },
  { word: '融资租赁', industry: '租赁和商务服务' },
  { word: '投资管理', industry: '金融' },
  { word: '精密制造', industry: '制造业' },
  { word: '机械设备', industry: '制造业' },
  { word: '电子', industry: '制造业' },
  { word: '新材料', industry: '制造业' },
  { word: '贸易', industry: '批发零售' },
  { word: '商贸', industry: '批发零售' },
  { word: '物流', industry: '物流' },
  { word: '供应链管理', industry: '物流' },
  { word: '教育科技', industry: '教育' },
  { word: '培训', industry: '教育' },
  { word: '医疗器械', industry: '医疗健康' },
  { word: '生物医药', industry: '医疗健康' },
  { word: '置业', industry: '房地产' },
  { word: '建筑工程', industry: '建筑' },
  { word: '新能源', industry: '能源' },
  { word: '餐饮管理', industry: '餐饮' },
  { word: '食品', industry: '餐饮' },
  { word: '文化传媒', industry: '文化传媒' },
  { word: '农业科技', industry: '农业' },
];

export const legalForms = ['有限公司', '有限公司', '有限责任公司', '股份有限公司'];

export const surnames = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
export const givenNames = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国俊峰波宁浩婷雪琳晨宇欣悦航飞思远梓涵子轩雨婷'];

export const positions = ['总经理', '采购经理', '采购专员', '技术总监', 'IT负责人', '财务经理', '行政主管', '项目经理', '销售总监', '董事长助理'];

export const followUpNotes: { method: string; content: string }[] = [
  { method: 'call', content: '电话沟通，客户对产品感兴趣，约下周演示' },
  { method: 'call', content: '回访客户，了解使用情况，反馈良好' },
  { method: 'visit', content: '上门拜访，与采购负责人面谈，确认需求范围' },
  { method: 'visit', content: '现场演示系统，客户技术团队提出对接问题' },
  { method: 'wechat', content: '微信发送报价单和案例资料' },
  { method: 'wechat', content: '微信跟进合同条款，客户法务审核中' },
  { method: 'email', content: '邮件发送方案书，待客户内部评审' },
  { method: 'meeting', content: '参加客户项目启动会，明确实施计划' },
  { method: 'other', content: '行业展会上再次接触，交换名片' },
];

export const sources = ['转介绍', '官网', '公众号', '展会', '电话营销', '地推', '广告投放', '合作伙伴', '老客户'];
export const levels = ['A', 'B', 'B', 'C', 'C', 'C'];
export const scales = ['1-49', '50-199', '200-999', '1000+'];
export const streets = ['人民路', '中山路', '解放路', '建设路', '和平路', '长江路', '科技园路', '滨江大道', '新华路', '文化路'];
