//! Which call a request makes, with its parameters parsed into payments-core's typed values.
//! Every check that needs no database happens here, before the core is asked anything.

use crate::errors::{ApiError, CallKind};
use crate::params::Params;
use payments_core::{Money, OrderCode, ShopId, ShopKey};

/// A request of the RasmiyPay dialect, ready for payments-core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Create {
        shop_id: ShopId,
        key: ShopKey,
        amount: Money,
    },
    Check {
        code: OrderCode,
    },
    Cancel {
        code: OrderCode,
    },
    ShopInfo {
        shop_id: ShopId,
        key: ShopKey,
    },
}

impl Call {
    /// `method` picks the call (`create`, `check`, `cancel`, ASCII case ignored); without one,
    /// the request is the shop-info call.
    pub fn parse(params: &Params) -> Result<Call, ApiError> {
        let method = params.text("method").map(str::to_ascii_lowercase);
        match method.as_deref() {
            Some("create") => {
                let (shop_id, key) = credentials(params, CallKind::Create)?;
                let amount = amount(params)?;
                Ok(Call::Create {
                    shop_id,
                    key,
                    amount,
                })
            }
            Some("check") => Ok(Call::Check {
                code: order_code(params)?,
            }),
            Some("cancel") => Ok(Call::Cancel {
                code: order_code(params)?,
            }),
            Some(_) => Err(ApiError::UnknownMethod),
            None => {
                let (shop_id, key) = credentials(params, CallKind::ShopInfo)?;
                Ok(Call::ShopInfo { shop_id, key })
            }
        }
    }

    pub fn kind(&self) -> CallKind {
        match self {
            Call::Create { .. } => CallKind::Create,
            Call::Check { .. } => CallKind::Check,
            Call::Cancel { .. } => CallKind::Cancel,
            Call::ShopInfo { .. } => CallKind::ShopInfo,
        }
    }
}

/// Both present, or `credentials_missing`. A shop id or key that cannot be one answers exactly
/// as an unknown shop does.
fn credentials(params: &Params, call: CallKind) -> Result<(ShopId, ShopKey), ApiError> {
    // Keys are printable ASCII without spaces, so trimming surrounding whitespace (a pasted
    // newline) can only turn a wrong key into the right one it was meant to be.
    let (Some(id), Some(key)) = (params.text("shop_id"), params.text("shop_key")) else {
        return Err(ApiError::CredentialsMissing);
    };
    let shop_id = ShopId::parse(id).map_err(|_| ApiError::InvalidCredentials(call))?;
    let key = ShopKey::presented(key).map_err(|_| ApiError::InvalidCredentials(call))?;
    Ok((shop_id, key))
}

/// The amount as exact text: `50000`, `50000.00`, `1000.5`. Missing, signed, exponent,
/// separators, more than two decimals, zero: `invalid_amount`.
pub fn amount(params: &Params) -> Result<Money, ApiError> {
    let text = params.text("amount").ok_or(ApiError::InvalidAmount)?;
    Money::parse(text).map_err(|_| ApiError::InvalidAmount)
}

/// `order`: missing is `order_missing`; a text no order code can be is an unknown order.
fn order_code(params: &Params) -> Result<OrderCode, ApiError> {
    let text = params.text("order").ok_or(ApiError::OrderMissing)?;
    OrderCode::parse(text).map_err(|_| ApiError::OrderNotFound)
}
