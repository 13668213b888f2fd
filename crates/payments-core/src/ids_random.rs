//! The default [`IdGenerator`]: random codes from the operating system's CSPRNG (via nanoid).

use crate::{CodeStyle, IdGenerator, OrderCodes, ShopId, ShopKey};
use time::OffsetDateTime;

const LOWER_ALNUM: [char; 36] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i',
    'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
];
const UPPER_ALNUM: [char; 36] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I',
    'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
];
pub(crate) const ALNUM: [char; 62] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i',
    'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'A', 'B',
    'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U',
    'V', 'W', 'X', 'Y', 'Z',
];
const DIGITS: [char; 10] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/// Length of the random part of codes: 36^20 ≈ 2^103, above the 96 bits asked for.
pub const RANDOM_PART_LEN: usize = 20;
/// RasmiyPay-style codes have no prefix, so they get a longer random part: 36^24 ≈ 2^124.
pub const RASMIY_CODE_LEN: usize = 24;

/// Random ids from a cryptographic generator.
///
/// ```
/// use payments_core::{CodeStyle, IdGenerator, RANDOM_PART_LEN, RASMIY_CODE_LEN, RandomIds};
/// use time::OffsetDateTime;
/// let now = OffsetDateTime::from_unix_timestamp(1_795_507_312)?;
/// let codes = RandomIds.order_codes(CodeStyle::TopHamyon, now);
/// assert!(codes.code.starts_with("ORD_1795507312_"));
/// assert!(codes.payment_id.starts_with("PAY_1795507312_"));
/// assert_eq!(codes.code.len(), "ORD_1795507312_".len() + RANDOM_PART_LEN);
/// assert_eq!(RandomIds.order_codes(CodeStyle::Rasmiy, now).code.len(), RASMIY_CODE_LEN);
/// assert_eq!(RandomIds.shop_key().expose().len(), 16);
/// # Ok::<(), time::error::ComponentRange>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

fn random(len: usize, alphabet: &[char]) -> String {
    nanoid::nanoid!(len, alphabet)
}

impl IdGenerator for RandomIds {
    fn order_codes(&self, style: CodeStyle, now: OffsetDateTime) -> OrderCodes {
        let unix = now.unix_timestamp();
        let code = match style {
            CodeStyle::Rasmiy => random(RASMIY_CODE_LEN, &LOWER_ALNUM),
            CodeStyle::TopHamyon => format!("ORD_{unix}_{}", random(RANDOM_PART_LEN, &LOWER_ALNUM)),
        };
        OrderCodes {
            code,
            payment_id: format!("PAY_{unix}_{}", random(RANDOM_PART_LEN, &LOWER_ALNUM)),
            pay_token: random(32, &LOWER_ALNUM),
        }
    }

    /// Six digits, like the original service's (`695008`); the first never zero.
    fn shop_id(&self) -> ShopId {
        let digits = format!("{}{}", random(1, &DIGITS[1..]), random(5, &DIGITS));
        ShopId(digits.parse().unwrap_or(100_000))
    }

    /// Sixteen uppercase letters and digits (≈ 82 bits), like `Z631XLBO7O` but longer.
    fn shop_key(&self) -> ShopKey {
        ShopKey(random(16, &UPPER_ALNUM))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_have_their_shapes() {
        let now = OffsetDateTime::from_unix_timestamp(1_701_234_567).expect("time");
        let c = RandomIds.order_codes(CodeStyle::TopHamyon, now);
        assert!(c.code.starts_with("ORD_1701234567_"), "{}", c.code);
        assert!(c.payment_id.starts_with("PAY_1701234567_"));
        assert_eq!(c.code.len(), "ORD_1701234567_".len() + RANDOM_PART_LEN);
        let r = RandomIds.order_codes(CodeStyle::Rasmiy, now);
        assert_eq!(r.code.len(), RASMIY_CODE_LEN);
        assert!(
            r.code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert_ne!(r.code, r.pay_token);
    }

    #[test]
    fn random_parts_carry_at_least_96_bits() {
        let bits = |len: usize, alphabet: usize| len as f64 * (alphabet as f64).log2();
        assert!(bits(RANDOM_PART_LEN, LOWER_ALNUM.len()) >= 96.0);
        assert!(bits(RASMIY_CODE_LEN, LOWER_ALNUM.len()) >= 96.0);
        // And they really vary: 10 000 draws, no repeats, every symbol used at each position.
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut seen = HashSet::new();
        let mut symbols = vec![HashSet::new(); RASMIY_CODE_LEN];
        for _ in 0..10_000 {
            let code = RandomIds.order_codes(CodeStyle::Rasmiy, now).code;
            for (i, c) in code.chars().enumerate() {
                symbols[i].insert(c);
            }
            assert!(seen.insert(code));
        }
        assert!(symbols.iter().all(|s| s.len() == LOWER_ALNUM.len()));
    }

    /// What an attacker could guess to read or act on someone's order: the order code, the
    /// `PAY_…` id and the pay-page token, in both code styles. Each one's random part is
    /// measured from draws: the entropy seen at each position (from symbol frequencies, so a
    /// biased or constant position counts for what it is), summed, is at least 96 bits.
    #[test]
    fn every_guessable_code_measures_at_least_96_bits() {
        const DRAWS: usize = 20_000;
        let now = OffsetDateTime::from_unix_timestamp(1_701_234_567).expect("time");
        let random_part = |s: &str| s.rsplit('_').next().unwrap_or(s).to_owned();
        for style in [CodeStyle::Rasmiy, CodeStyle::TopHamyon] {
            let draws: Vec<OrderCodes> = (0..DRAWS)
                .map(|_| RandomIds.order_codes(style, now))
                .collect();
            for field in ["code", "payment_id", "pay_token"] {
                let parts: Vec<String> = draws
                    .iter()
                    .map(|c| match field {
                        "code" => random_part(&c.code),
                        "payment_id" => random_part(&c.payment_id),
                        _ => random_part(&c.pay_token),
                    })
                    .collect();
                let len = parts[0].len();
                assert!(parts.iter().all(|p| p.len() == len), "{style:?} {field}");
                let distinct: HashSet<&String> = parts.iter().collect();
                assert_eq!(distinct.len(), DRAWS, "{style:?} {field}: a repeat");
                let mut bits = 0.0;
                for position in 0..len {
                    let mut counts = std::collections::HashMap::new();
                    for p in &parts {
                        *counts.entry(p.as_bytes()[position]).or_insert(0usize) += 1;
                    }
                    let entropy: f64 = counts
                        .values()
                        .map(|&n| {
                            let q = n as f64 / DRAWS as f64;
                            -q * q.log2()
                        })
                        .sum();
                    bits += entropy;
                }
                assert!(
                    bits >= 96.0,
                    "{style:?} {field}: {len} random symbols measure {bits:.1} bits"
                );
                eprintln!("{style:?} {field}: {len} random symbols, {bits:.1} bits measured");
            }
        }
    }

    #[test]
    fn shop_ids_and_keys() {
        for _ in 0..100 {
            let id = RandomIds.shop_id().get();
            assert!((100_000..1_000_000).contains(&id));
            assert_eq!(RandomIds.shop_key().expose().len(), 16);
        }
    }
}
