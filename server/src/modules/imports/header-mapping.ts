// Which column of an import file holds which field: found from the header's words (客户名称, 公司名称,
// name…), shown to the user to correct, and saved under a name for the next file of the same shape.
import { compactKey } from '../standards/index.ts';

export const importFields = [
  'name', 'type', 'industry', 'source', 'level', 'stage', 'phone', 'email', 'address', 'region', 'website',
  'owner', 'createdAt', 'annualAmount', 'notes', 'tags', 'contactName', 'contactTitle', 'contactPhone', 'contactEmail',
] as const;
export type ImportField = (typeof importFields)[number];

/** Column header → field. Keys are compared compacted (no spaces, punctuation or case). */
const synonyms: Record<ImportField, string[]> = {
  name: ['客户名称', '公司名称', '企业名称', '单位名称', '客户', '名称', '客户名', '公司', 'name', 'customer', 'customername', 'company', 'companyname'],
  type: ['客户类型', '类型', '客户类别', 'type', 'customertype'],
  industry: ['所属行业', '行业', '行业类别', 'industry'],
  source: ['客户来源', '来源', '线索来源', '渠道', 'source', 'leadsource', 'channel'],
  level: ['客户级别', '级别', '客户等级', '等级', 'level', 'grade', 'rating'],
  stage: ['客户阶段', '阶段', '客户状态', 'stage', 'status'],
  phone: ['联系电话', '电话', '手机', '手机号', '手机号码', '联系方式', '电话号码', '座机', 'phone', 'mobile', 'tel', 'telephone', 'phonenumber'],
  email: ['邮箱', '电子邮箱', '邮件', 'email', 'e-mail', 'mail'],
  address: ['地址', '详细地址', '公司地址', '联系地址', '办公地址', 'address'],
  region: ['地区', '所在地区', '省市区', '省市', '区域', 'region', 'area'],
  website: ['网址', '官网', '公司网站', 'website', 'url', 'web'],
  owner: ['负责人', '所属销售', '销售', '业务员', '客户经理', '跟进人', 'owner', 'salesrep', 'sales'],
  createdAt: ['创建时间', '创建日期', '录入时间', '录入日期', '建档日期', 'createdat', 'created', 'createdate'],
  annualAmount: ['年采购额', '年采购金额', '采购额', '年销售额', '金额', 'annualamount', 'annualpurchase', 'amount'],
  notes: ['备注', '说明', '描述', 'notes', 'note', 'remark', 'remarks', 'description'],
  tags: ['标签', 'tags', 'tag'],
  contactName: ['联系人', '联系人姓名', '姓名', 'contact', 'contactname', 'contactperson'],
  contactTitle: ['职位', '职务', '联系人职位', 'title', 'position', 'jobtitle'],
  contactPhone: ['联系人电话', '联系人手机', 'contactphone', 'contactmobile'],
  contactEmail: ['联系人邮箱', 'contactemail'],
};

const byHeader = new Map<string, ImportField>();
for (const field of importFields) for (const word of synonyms[field]) byHeader.set(compactKey(word), field);

/** Column index → field, as saved and as the user edits it ('' or absent: not imported). */
export type ColumnMapping = Record<string, ImportField>;

/** The mapping the headers suggest: each field taken by its first matching column. */
export function autoMapping(headers: string[]): ColumnMapping {
  const mapping: ColumnMapping = {};
  const taken = new Set<ImportField>();
  headers.forEach((header, index) => {
    const field = byHeader.get(compactKey(header));
    if (field && !taken.has(field)) {
      mapping[String(index)] = field;
      taken.add(field);
    }
  });
  return mapping;
}

/** A saved mapping (header text → field) applied to a file's headers, matched by compacted text. */
export function applySavedMapping(headers: string[], saved: Record<string, string>): ColumnMapping {
  const wanted = new Map(Object.entries(saved).map(([header, field]) => [compactKey(header), field as ImportField]));
  const mapping: ColumnMapping = {};
  headers.forEach((header, index) => {
    const field = wanted.get(compactKey(header));
    if (field && (importFields as readonly string[]).includes(field)) mapping[String(index)] = field;
  });
  return mapping;
}

/** A mapping by column index, saved by header text so that it fits a file with its columns moved. */
export function mappingByHeader(headers: string[], mapping: ColumnMapping): Record<string, ImportField> {
  return Object.fromEntries(
    Object.entries(mapping)
      .filter(([index]) => headers[Number(index)] !== undefined)
      .map(([index, field]) => [headers[Number(index)]!, field]),
  );
}
