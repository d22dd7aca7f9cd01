//! Names, ids and addresses that look like a Chinese county's.

use bidwatch_model::ids::complete_uscc;
use rand::Rng;

const PLACES: &[&str] = &[
    "青山", "临江", "东湖", "南溪", "北岭", "西平", "金水", "玉泉", "长宁", "安远", "宏达", "恒信", "鑫源", "华泰", "中盛", "广厦", "瑞丰",
    "天成", "永安", "建兴",
];
const TRADES: &[&str] = &[
    "建设工程",
    "建筑",
    "市政工程",
    "路桥",
    "水利水电",
    "园林绿化",
    "装饰工程",
    "电力工程",
    "信息技术",
    "环保科技",
    "物业服务",
    "设备",
    "商贸",
];
const FORMS: &[&str] = &["有限公司", "有限责任公司", "集团有限公司", "股份有限公司"];
const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"];
const GIVEN: &[&str] =
    &["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华", "志强", "海燕", "文博"];
const ROADS: &[&str] = &["人民路", "解放路", "建设路", "中山路", "滨江路", "文化路", "新华街", "工业大道"];
/// Administrative division codes of a fictional prefecture (digits 3–8 of a USCC).
const REGION: &str = "330281";

pub(crate) fn firm_name(rng: &mut impl Rng, i: usize) -> String {
    let n = PLACES.len();
    let trade = TRADES[rng.random_range(0..TRADES.len())];
    let form = FORMS[rng.random_range(0..FORMS.len())];
    let suffix = if i >= n * n { format!("第{}", i / (n * n) + 1) } else { String::new() };
    let second = PLACES[(i / n + 1 + i % n) % n];
    format!("{}{second}{trade}{suffix}{form}", PLACES[i % n])
}

pub(crate) fn person_name(rng: &mut impl Rng) -> String {
    format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())])
}

/// A valid 统一社会信用代码 for an enterprise (registration code 91), unique by `serial`.
pub(crate) fn uscc(serial: usize) -> String {
    complete_uscc(&format!("91{REGION}{:08}", serial % 100_000_000)).unwrap_or_default()
}

/// A 身份证号 with a correct ISO 7064 MOD 11-2 check character, different from every one given
/// before (`used` counts the uses of each birth date and sequence number).
///
/// The birth date is drawn and the sequence number is `serial % 1000`, so two people share both
/// about once in 13 million: never in a county, but tens of thousands of times among the millions
/// of staff of a national data set, where they would read as one person on two firms' bids. The
/// second holder of a date and number is registered in the next district of the prefecture
/// (`330282`, …), as a real second person would be.
pub(crate) fn id_card(rng: &mut impl Rng, serial: usize, used: &mut std::collections::HashMap<u32, u8>) -> String {
    let year: u32 = rng.random_range(1960..2000);
    let month: u32 = rng.random_range(1..=12);
    let day: u32 = rng.random_range(1..=28);
    let seq = serial % 1000;
    let slot = (((year - 1960) * 12 + month - 1) * 28 + day - 1) * 1000 + seq as u32;
    let nth = used.entry(slot).or_insert(0);
    let region = if *nth == 0 { REGION.to_owned() } else { format!("3302{:02}", (81 + u32::from(*nth)) % 100) };
    *nth = nth.saturating_add(1);
    let body = format!("{region}{year}{month:02}{day:02}{seq:03}");
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

pub(crate) fn phone(rng: &mut impl Rng) -> String {
    format!("1{}{:09}", [3, 5, 7, 8, 9][rng.random_range(0..5)], rng.random_range(0..1_000_000_000u64))
}

pub(crate) fn address(rng: &mut impl Rng) -> String {
    format!("浙江省某市{}{}号{}室", ROADS[rng.random_range(0..ROADS.len())], rng.random_range(1..400), rng.random_range(101..2001))
}

pub(crate) fn account(rng: &mut impl Rng) -> String {
    format!("6228{:015}", rng.random_range(0..1_000_000_000_000_000u64))
}

pub(crate) fn public_ip(rng: &mut impl Rng) -> String {
    let first = [36, 39, 58, 60, 61, 112, 113, 115, 117, 120, 122, 183, 218, 222][rng.random_range(0..14)];
    format!("{first}.{}.{}.{}", rng.random_range(0..256), rng.random_range(0..256), rng.random_range(1..255))
}

pub(crate) fn mac(rng: &mut impl Rng) -> String {
    let b: Vec<String> =
        (0..6).map(|i| format!("{:02X}", if i == 0 { rng.random_range(0..=255u8) & 0xFC } else { rng.random_range(0..=255u8) })).collect();
    b.join(":")
}

pub(crate) fn hex_id(rng: &mut impl Rng, len: usize) -> String {
    (0..len).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0').to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    /// Two people drawn with the same birth date and sequence number still get different ids, and
    /// every id keeps a valid check character.
    #[test]
    fn id_cards_are_unique_even_when_date_and_sequence_repeat() {
        let mut used = std::collections::HashMap::new();
        let mut ids = std::collections::BTreeSet::new();
        for k in 0..50 {
            // the same seed draws the same birth date; serials 1000 apart share the sequence number
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            let id = super::id_card(&mut rng, 5 + 1000 * k, &mut used);
            assert_eq!(id.len(), 18);
            const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = id.bytes().take(17).zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
            assert_eq!(id.as_bytes()[17], b"10X98765432"[(sum % 11) as usize], "{id}");
            assert!(ids.insert(id.clone()), "{id} given twice");
        }
        // the first holder keeps the prefecture's own district code
        assert!(ids.iter().any(|id| id.starts_with("330281")));
    }
}
