/**
 * The 31 provincial-level authorities plus the Xinjiang Production and Construction Corps
 * (R01: a case belongs to exactly one of them). Codes are ISO 3166-2:CN suffixes; the Corps
 * has none, so it uses `BT` (兵团). `abbr` is the 简称 printed on certificates (L07).
 */
export const PROVINCES = {
  BJ: { name: '北京市', abbr: '京' },
  TJ: { name: '天津市', abbr: '津' },
  HE: { name: '河北省', abbr: '冀' },
  SX: { name: '山西省', abbr: '晋' },
  NM: { name: '内蒙古自治区', abbr: '蒙' },
  LN: { name: '辽宁省', abbr: '辽' },
  JL: { name: '吉林省', abbr: '吉' },
  HL: { name: '黑龙江省', abbr: '黑' },
  SH: { name: '上海市', abbr: '沪' },
  JS: { name: '江苏省', abbr: '苏' },
  ZJ: { name: '浙江省', abbr: '浙' },
  AH: { name: '安徽省', abbr: '皖' },
  FJ: { name: '福建省', abbr: '闽' },
  JX: { name: '江西省', abbr: '赣' },
  SD: { name: '山东省', abbr: '鲁' },
  HA: { name: '河南省', abbr: '豫' },
  HB: { name: '湖北省', abbr: '鄂' },
  HN: { name: '湖南省', abbr: '湘' },
  GD: { name: '广东省', abbr: '粤' },
  GX: { name: '广西壮族自治区', abbr: '桂' },
  HI: { name: '海南省', abbr: '琼' },
  CQ: { name: '重庆市', abbr: '渝' },
  SC: { name: '四川省', abbr: '川' },
  GZ: { name: '贵州省', abbr: '贵' },
  YN: { name: '云南省', abbr: '云' },
  XZ: { name: '西藏自治区', abbr: '藏' },
  SN: { name: '陕西省', abbr: '陕' },
  GS: { name: '甘肃省', abbr: '甘' },
  QH: { name: '青海省', abbr: '青' },
  NX: { name: '宁夏回族自治区', abbr: '宁' },
  XJ: { name: '新疆维吾尔自治区', abbr: '新' },
  BT: { name: '新疆生产建设兵团', abbr: '兵团' },
} as const;

export type ProvinceCode = keyof typeof PROVINCES;
export const PROVINCE_CODES = Object.keys(PROVINCES) as [ProvinceCode, ...ProvinceCode[]];
