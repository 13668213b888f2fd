//! The typed parameters of the five endpoints, each parsed into `payments-core` values with
//! its own error code.

use crate::errors::ApiError;
use crate::query::Params;
use payments_core::{AmountError, Credentials, IdError, Money, OrderCode, Page, ShopId, ShopKey};

/// The dialect's minimum payment: 1000 UZS.
pub const MIN_AMOUNT: Money = Money::from_tiyin(100_000);
/// `limit` when none is given, and its largest value.
pub const DEFAULT_LIMIT: u32 = 10;
pub const MAX_LIMIT: u32 = 100;

/// `shop_id` and `shop_key`, with the client they came from.
pub fn credentials(params: &Params, client: String) -> Result<Credentials, ApiError> {
    let shop_id = match params.get("shop_id").map(ShopId::parse) {
        None | Some(Err(IdError::Empty)) => {
            return Err(ApiError::new("missing_shop_id", "shop_id is required"));
        }
        Some(Err(IdError::Malformed)) => {
            return Err(ApiError::new(
                "invalid_shop_id",
                "shop_id must be a positive integer",
            ));
        }
        Some(Ok(id)) => id,
    };
    let key = match params.get("shop_key").map(ShopKey::presented) {
        None | Some(Err(IdError::Empty)) => {
            return Err(ApiError::new("missing_shop_key", "shop_key is required"));
        }
        // A key no shop can have is simply a wrong key.
        Some(Err(IdError::Malformed)) => return Err(ApiError::invalid_key()),
        Some(Ok(key)) => key,
    };
    Ok(Credentials {
        shop_id,
        key,
        client,
    })
}

/// `amount`: exact, at least [`MIN_AMOUNT`], at most `max`.
pub fn amount(params: &Params, max: Money) -> Result<Money, ApiError> {
    let too_small = || {
        ApiError::new(
            "amount_too_small",
            format!("Minimum payment amount is {MIN_AMOUNT} UZS"),
        )
    };
    let too_large = || {
        ApiError::new(
            "amount_too_large",
            format!("Maximum payment amount is {max} UZS"),
        )
    };
    let Some(text) = params.get("amount") else {
        return Err(ApiError::new("missing_amount", "amount is required"));
    };
    let amount = match Money::parse(text) {
        Ok(m) => m,
        Err(AmountError::Empty) => {
            return Err(ApiError::new("missing_amount", "amount is required"));
        }
        Err(AmountError::Malformed) => {
            return Err(ApiError::new(
                "invalid_amount",
                "amount must be a number like 1000 or 1000.50",
            ));
        }
        Err(AmountError::TooManyDecimals) => {
            return Err(ApiError::new(
                "invalid_amount",
                "amount may have at most two decimals",
            ));
        }
        Err(AmountError::Zero) => return Err(too_small()),
        Err(AmountError::TooLarge) => return Err(too_large()),
    };
    if amount < MIN_AMOUNT {
        return Err(too_small());
    }
    if amount > max {
        return Err(too_large());
    }
    Ok(amount)
}

/// `order_id`, or else `payment_id`: either reference finds the order.
pub fn order_code(params: &Params) -> Result<OrderCode, ApiError> {
    let (name, text) = match (params.get("order_id"), params.get("payment_id")) {
        (Some(text), _) => ("order_id", text),
        (None, Some(text)) => ("payment_id", text),
        (None, None) => {
            return Err(ApiError::new("missing_order_id", "order_id is required"));
        }
    };
    match OrderCode::parse(text) {
        Ok(code) => Ok(code),
        Err(IdError::Empty) => Err(ApiError::new("missing_order_id", "order_id is required")),
        Err(IdError::Malformed) => Err(ApiError::new(
            "invalid_order_id",
            format!("{name} must be letters, digits and underscores, at most 64 characters"),
        )),
    }
}

/// `limit` (1 to 100, default 10) and `offset` (0 or more, default 0).
pub fn page(params: &Params) -> Result<Page, ApiError> {
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => integer(text)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    "invalid_limit",
                    format!("limit must be an integer from 1 to {MAX_LIMIT}"),
                )
            })?,
    };
    let offset = match params.get("offset") {
        None => 0,
        Some(text) => integer(text)
            .filter(|&n| i64::try_from(n).is_ok())
            .ok_or_else(|| {
                ApiError::new("invalid_offset", "offset must be an integer of 0 or more")
            })?,
    };
    Ok(Page { limit, offset })
}

/// A non-negative integer in plain digits (surrounding ASCII spaces allowed).
fn integer(text: &str) -> Option<u64> {
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn params(q: &str) -> Params {
        Params::parse(q.as_bytes()).expect("valid query")
    }

    const MAX: Money = Money::from_tiyin(100_000_000 * 100);

    #[test]
    fn credentials_codes() {
        let code = |q: &str| {
            credentials(&params(q), "c".into())
                .map(|_| ())
                .map_err(|e| e.code)
        };
        assert_eq!(code("shop_id=101&shop_key=test_key_123"), Ok(()));
        assert_eq!(code("shop_key=test_key_123"), Err("missing_shop_id"));
        assert_eq!(code("shop_id=&shop_key=k"), Err("missing_shop_id"));
        assert_eq!(code("shop_id=abc&shop_key=k"), Err("invalid_shop_id"));
        assert_eq!(code("shop_id=-1&shop_key=k"), Err("invalid_shop_id"));
        assert_eq!(code("shop_id=101"), Err("missing_shop_key"));
        assert_eq!(code("shop_id=101&shop_key=a+b"), Err("invalid_shop_key"));
    }

    #[test]
    fn amounts() {
        let a = |q: &str| amount(&params(q), MAX).map_err(|e| e.code);
        assert_eq!(a("amount=1000.00"), Ok(MIN_AMOUNT));
        assert_eq!(a("amount=1000"), Ok(MIN_AMOUNT));
        assert_eq!(a("amount=1000.5"), Ok(Money::from_tiyin(100_050)));
        assert_eq!(a("amount=999.99"), Err("amount_too_small"));
        assert_eq!(a("amount=0"), Err("amount_too_small"));
        assert_eq!(a("amount=1"), Err("amount_too_small"));
        assert_eq!(a("amount=100000001"), Err("amount_too_large"));
        assert_eq!(a("amount=9999999999999999999"), Err("amount_too_large"));
        assert_eq!(a(""), Err("missing_amount"));
        assert_eq!(a("amount=+"), Err("missing_amount"));
        for bad in ["-5", "1e3", "NaN", "1%2C000", "abc", "1000.001", "Infinity"] {
            assert_eq!(a(&format!("amount={bad}")), Err("invalid_amount"), "{bad}");
        }
    }

    #[test]
    fn order_codes() {
        let o = |q: &str| {
            order_code(&params(q))
                .map(|c| c.to_string())
                .map_err(|e| e.code)
        };
        assert_eq!(o("order_id=ORD_1_abc"), Ok("ORD_1_abc".into()));
        assert_eq!(o("payment_id=PAY_1_abc"), Ok("PAY_1_abc".into()));
        assert_eq!(o("order_id=ORD_1&payment_id=PAY_2"), Ok("ORD_1".into()));
        assert_eq!(o(""), Err("missing_order_id"));
        assert_eq!(o("order_id=a'b"), Err("invalid_order_id"));
    }

    #[test]
    fn paging_is_strict() {
        let p = |q: &str| {
            page(&params(q))
                .map(|p| (p.limit, p.offset))
                .map_err(|e| e.code)
        };
        assert_eq!(p(""), Ok((10, 0)));
        assert_eq!(p("limit=1"), Ok((1, 0)));
        assert_eq!(p("limit=100&offset=5"), Ok((100, 5)));
        assert_eq!(p("limit=&offset="), Ok((10, 0)));
        for bad in [
            "0",
            "101",
            "-1",
            "abc",
            "1.5",
            "1e2",
            "%2B5",
            "%2D1",
            "99999999999999999999",
        ] {
            assert_eq!(p(&format!("limit={bad}")), Err("invalid_limit"), "{bad}");
        }
        for bad in ["-1", "abc", "1.5", "9223372036854775808", "%2B1"] {
            assert_eq!(p(&format!("offset={bad}")), Err("invalid_offset"), "{bad}");
        }
        assert_eq!(p("offset=9223372036854775807"), Ok((10, i64::MAX as u64)));
    }

    proptest! {
        #[test]
        fn field_parsers_never_panic(s in "\\PC{0,40}") {
            let mut p = Params::default();
            for name in ["shop_id", "shop_key", "amount", "order_id", "limit", "offset"] {
                let _ = p.insert(name.to_owned(), s.clone());
            }
            let _ = credentials(&p, "c".into());
            let _ = amount(&p, MAX);
            let _ = order_code(&p);
            let _ = page(&p);
        }
    }
}
