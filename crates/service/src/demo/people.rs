//! Made-up people: a deterministic generator, names, and valid ID numbers.

use super::*;

/// A small deterministic generator, so the demo is the same every time.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) | 1)
    }
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub(super) const SURNAMES: &[&str] = &[
    "陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊", "許", "鄭", "謝", "郭", "洪", "曾", "邱",
    "廖", "賴", "周",
];
pub(super) const GIVEN: &[&str] = &[
    "家", "宇", "承", "恩", "柏", "翰", "冠", "廷", "子", "晴", "雅", "婷", "怡", "君", "欣", "妤", "詠",
    "心", "品", "妍", "宥", "辰", "彥", "安", "芷", "若", "思", "沛", "語", "涵",
];
pub(super) const FATHER_GIVEN: &[&str] =
    &["志明", "建宏", "俊傑", "家豪", "宗翰", "文雄", "國華", "明輝", "志偉", "嘉銘"];
pub(super) const MOTHER_GIVEN: &[&str] =
    &["淑芬", "美玲", "雅惠", "淑惠", "怡君", "佩君", "麗華", "秀英", "惠如", "玉珍"];
pub(super) const RETURN_REASONS: &[&str] = &[
    "簽名不完整，請重新簽署全名",
    "學生姓名與校務系統不符（周／週），請確認後重新送出",
    "家長身分證字號與戶籍資料不符",
    "稱謂選擇錯誤，請確認與學生的關係",
];

/// A valid ID number: the letter, the second digit, seven digits from `n`, check digit.
pub fn make_id(letter: char, second: char, n: u64) -> String {
    let prefix = format!("{letter}{second}{:07}", n % 10_000_000);
    let check = check_digit_for(&prefix).unwrap_or(0);
    format!("{prefix}{check}")
}
