// The generated customer list the import benchmark imports: mostly new customers, a tenth of them
// repeats of stored ones, one in twenty the row before written differently, one in fifty broken.
import ExcelJS from 'exceljs';

const header = ['客户名称', '客户类型', '所属行业', '联系人', '职位', '联系电话', '邮箱', '地址', '客户来源', '负责人', '创建时间', '年采购额'];
const brands = ['恒通', '瑞德', '博远', '华美', '新锐', '广联', '云帆', '领航', '正泰', '天成', '佳禾', '启明', '众诚', '安捷', '星辰', '润达'];
const trades = ['网络科技', '精密制造', '投资管理', '物流', '餐饮管理', '新材料', '教育科技', '医疗器械', '贸易', '置业'];
const cities = [['浙江', '杭州', '西湖区'], ['江苏', '苏州', '吴中区'], ['广东', '深圳', '南山区'], ['湖北', '武汉', '洪山区'], ['四川', '成都', '武侯区'], ['福建', '厦门', '思明区']];
const surnames = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const given = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '勇', '艳', '杰', '涛', '明'];

/** Rows as a sales team's list holds them: mostly new, some repeats of stored customers and of each other, a few broken. */
export async function buildImportFile(rows: number, stored: { name: string; phones: string[] }[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('客户');
  sheet.addRow(header);
  for (let i = 0; i < rows; i++) {
    const [province, city, district] = cities[i % cities.length]!;
    const contact = surnames[i % surnames.length]! + given[Math.floor(i / 10) % given.length]! + given[Math.floor(i / 120) % given.length]!;
    let name = `${city}${brands[i % brands.length]}${trades[(i >> 4) % trades.length]}${i}号有限公司`;
    let phone = `1${3 + (i % 7)}${String(100_000_000 + ((i * 7_919) % 900_000_000)).padStart(9, '0')}`;
    if (i % 10 === 3 && stored.length) {
      const existing = stored[(i * 31) % stored.length]!; // a customer already in Kemai
      name = existing.name;
      phone = existing.phones[0] ?? phone;
    } else if (i % 20 === 7) {
      name = `${brands[(i - 1) % brands.length]}${trades[((i - 1) >> 4) % trades.length]}${i - 1}号（${city}）有限公司`; // the row before, written differently
    }
    if (i % 50 === 11) phone = '1380013'; // broken
    sheet.addRow([name, i % 9 === 0 ? '个人' : '公司', ['IT', '制造', '零售', '物流运输', '教育培训'][i % 5], contact, '经理', phone, i % 4 === 0 ? `info${i}@co${i}.com.cn` : '', `${province} ${city} ${district} 科技路${i}号`, ['展会', '电销', '转介绍'][i % 3], '', '2025-03-01', `${(i % 90) + 1}万`]);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

