//! Tender-document clauses: the ordinary ones every document has (with their numbers drawn for the
//! project), lawful look-alikes of restrictive wording, one project-specific technical clause, and —
//! planted and recorded in `truth.csv` — restrictive clauses of each FCR kind and tailor-made copies
//! of a clause from a tender the same firm won before.
//!
//! Clauses draw from their own random stream, so adding them left every other table of a seed as
//! it was.

use rand::Rng;

/// One clause to write.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    pub no: usize,
    pub text: String,
    /// The FCR rule a planted clause breaks.
    pub planted: Option<&'static str>,
}

const QUALS: [&str; 4] = [
    "建筑工程施工总承包三级及以上",
    "市政公用工程施工总承包二级及以上",
    "公路工程施工总承包三级及以上",
    "水利水电工程施工总承包三级及以上",
];
const BRANDS: [&str; 5] = ["华工", "东方星", "明辉", "中科达", "长江电气"];
const PLACES: [&str; 3] = ["本县", "本市", "本省"];
const SPECS: [&str; 12] = [
    "摊铺宽度",
    "额定功率",
    "最大扬程",
    "防护等级",
    "处理能力",
    "响应时间",
    "续航里程",
    "承载能力",
    "噪声限值",
    "工作温度",
    "存储容量",
    "过滤精度",
];
const EQUIP: [&str; 12] = [
    "沥青摊铺机",
    "高压配电柜",
    "污水提升泵",
    "监控服务器",
    "电动清扫车",
    "智能门禁终端",
    "振动压路机",
    "变频供水设备",
    "LED显示屏",
    "中央空调机组",
    "消防报警主机",
    "垃圾压缩设备",
];
const BODIES: [&str; 6] = [
    "国家建筑工程质量监督检验中心",
    "中国质量认证中心",
    "国家电控配电设备质量检验检测中心",
    "公安部安全与警用电子产品质量检测中心",
    "国家环境保护产品质量监督检验中心",
    "中国船级社",
];

fn letters(rng: &mut impl Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'A' + rng.random_range(0..26u8))).collect()
}

/// The project-specific technical clause: words and model codes drawn for this project, so two
/// projects' clauses differ unless one was copied.
pub(crate) fn technical(rng: &mut impl Rng) -> String {
    let pick = |rng: &mut dyn rand::RngCore, list: &[&'static str]| list[rng.random_range(0..list.len())];
    let (e1, e2) = (pick(rng, &EQUIP), pick(rng, &EQUIP));
    let (s1, s2, s3) = (pick(rng, &SPECS), pick(rng, &SPECS), pick(rng, &SPECS));
    let body = pick(rng, &BODIES);
    let cert = pick(rng, &["型式试验", "能效认证", "安全认证", "环保认证"]);
    format!(
        "投标人须配备{e1}（型号{}{}-{}）及{e2}（型号{}{}），{s1}不低于{}，{s2}不高于{}，{s3}达到{}级，并提供{body}出具的{}系列{cert}报告及原厂授权书。",
        letters(rng, 4),
        rng.random_range(100..999),
        letters(rng, 2),
        letters(rng, 3),
        rng.random_range(10..99),
        rng.random_range(10..500),
        rng.random_range(10..500),
        rng.random_range(1..5),
        letters(rng, 3),
    )
}

/// A copy of an earlier clause with its numbers changed and a few words added, as a document
/// writer edits a template.
pub(crate) fn copy_of(rng: &mut impl Rng, text: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            if !in_number {
                out.push_str(&rng.random_range(10..900).to_string());
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(ch);
        }
    }
    out.replace('。', "（有效期内）。")
}

/// The clauses of one project. `ceiling` is in yuan; `plant` is the FCR kind to plant, if any.
pub(crate) fn clauses(rng: &mut impl Rng, engineering: bool, ceiling: f64, bond_waived: bool, plant: Option<&'static str>) -> Vec<Clause> {
    let wan = |x: f64| ((x / 1e4).round() as i64).max(1);
    let mut texts: Vec<(String, Option<&'static str>)> = Vec::new();
    if engineering {
        texts.push((
            format!("投标人须具备{}资质，并在人员、设备、资金等方面具有相应的施工能力。", QUALS[rng.random_range(0..QUALS.len())]),
            None,
        ));
        texts.push((
            format!("项目经理须具备{}级注册建造师执业资格，且未担任其他在建工程项目的项目经理。", ["一", "二"][rng.random_range(0..2)]),
            None,
        ));
        texts.push((
            format!(
                "投标人须提供近{}年类似工程业绩，单项合同金额不低于{}万元。",
                rng.random_range(3..6),
                wan(ceiling * rng.random_range(0.3..0.8))
            ),
            None,
        ));
    } else {
        texts.push(("投标人须具有独立承担民事责任的能力，具有良好的商业信誉和健全的财务会计制度。".to_owned(), None));
        texts.push(("投标人参加政府采购活动前三年内，在经营活动中没有重大违法记录。".to_owned(), None));
    }
    texts.push((format!("本项目{}联合体投标。", if rng.random_bool(0.7) { "不接受" } else { "接受" }), None));
    texts.push((
        format!(
            "评标办法：综合评估法，其中商务部分{}分，技术部分{}分，报价部分{}分。",
            rng.random_range(10..30),
            rng.random_range(20..50),
            rng.random_range(30..60)
        ),
        None,
    ));
    texts.push((
        if bond_waived {
            "本项目免收投标保证金。".to_owned()
        } else {
            format!("投标保证金{}元，以银行转账或保函形式提交。", wan(ceiling * 0.02) * 10_000)
        },
        None,
    ));
    // Lawful look-alikes of restrictive wording.
    match rng.random_range(0..5) {
        0 => texts.push((format!("参考品牌：{}或相当于同等及以上品质的产品。", BRANDS[rng.random_range(0..BRANDS.len())]), None)),
        1 => texts.push(("中标人须在项目所在地设立项目部，负责现场管理。".to_owned(), None)),
        2 => texts.push((format!("类似工程业绩每项加1分，最多加{}分。", rng.random_range(2..6)), None)),
        3 => texts.push(("投标人应为依法设立的法人或者其他组织，不限所有制形式。".to_owned(), None)),
        _ => texts.push(("投标人须为中华人民共和国境内依法注册的法人。".to_owned(), None)),
    }
    texts.push((technical(rng), None));
    if let Some(kind) = plant {
        let place = PLACES[rng.random_range(0..PLACES.len())];
        let brand = BRANDS[rng.random_range(0..BRANDS.len())];
        let text = match kind {
            "FCR-001" => {
                if rng.random_bool(0.5) {
                    format!("主要设备须采用{brand}品牌产品。")
                } else {
                    "核心部件须为原装进口产品。".to_owned()
                }
            }
            "FCR-002" => format!("近三年获得{place}优质工程奖的，加{}分。", rng.random_range(1..4)),
            "FCR-003" => {
                if rng.random_bool(0.5) {
                    format!("投标人须在{place}注册设立分公司。")
                } else {
                    "本地注册企业方可参加投标。".to_owned()
                }
            }
            "FCR-004" => "投标人须为国有控股企业。".to_owned(),
            "FCR-005" => {
                if engineering {
                    format!("投标人注册资本不低于{}万元。", wan(ceiling * rng.random_range(5.0..20.0)))
                } else {
                    format!("投标人近三年年均营业收入不低于{}万元。", wan(ceiling * rng.random_range(1.0..5.0)))
                }
            }
            _ => "外地企业须另行提交银行资信证明。".to_owned(),
        };
        let at = rng.random_range(1..texts.len());
        texts.insert(at, (text, Some(kind)));
    }
    texts.into_iter().enumerate().map(|(i, (text, planted))| Clause { no: i + 1, text, planted }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_copy_keeps_the_words_and_changes_the_numbers() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let t = technical(&mut rng);
        let c = copy_of(&mut rng, &t);
        assert_ne!(t, c);
        let words = |s: &str| s.chars().filter(|c| !c.is_ascii_digit()).take(20).collect::<String>();
        assert_eq!(words(&c), words(&t));
    }
}
