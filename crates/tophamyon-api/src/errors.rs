//! The dialect's errors: `{"success":false,"error":"<English text>","code":"<snake_case>"}`.
//!
//! Business errors answer HTTP 200 (the document's clients read the body); throttling 429
//! with `Retry-After`; faults 5xx with a generic text. Every [`PaymentError`] is mapped here,
//! once.

use crate::json::Object;
use crate::query::QueryError;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use payments_core::{PaymentError, ShopStatus, StoreError};
use std::borrow::Cow;

/// The text of a wrong key or an unknown shop: the document's, and the same for both.
pub const INVALID_SHOP_KEY: &str = "Invalid shop key";

/// One error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Cow<'static, str>,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
    /// `check_shop` answers carry `"valid":false`, as the document shows.
    pub valid_false: bool,
}

impl ApiError {
    /// A business error: HTTP 200.
    pub fn new(code: &'static str, message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::with_status(StatusCode::OK, code, message)
    }

    pub fn with_status(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
            valid_false: false,
        }
    }

    pub fn invalid_key() -> ApiError {
        ApiError::new("invalid_shop_key", INVALID_SHOP_KEY)
    }

    pub fn internal() -> ApiError {
        ApiError::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
        )
    }

    pub fn unavailable() -> ApiError {
        ApiError::with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Service is temporarily unavailable, please try again later",
        )
    }

    /// Marks the error as `check_shop`'s, which adds `"valid":false`.
    pub fn for_check_shop(mut self) -> ApiError {
        self.valid_false = true;
        self
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let mut obj = Object::new();
        obj.bool("success", false);
        if self.valid_false {
            obj.bool("valid", false);
        }
        obj.str("error", &self.message).str("code", self.code);
        if let Some(seconds) = self.retry_after {
            obj.uint("retry_after", seconds);
        }
        obj.finish()
    }

    pub fn to_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(mime_json());
        if let Some(seconds) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            res.insert_header((header::ALLOW, HeaderValue::from_static("GET, POST")));
        }
        res.body(self.body())
    }
}

/// The content type of every answer.
pub fn mime_json() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

/// A code for why a shop with valid credentials cannot take payments, and its text.
pub fn admission_reason(err: &PaymentError) -> Option<(&'static str, String)> {
    match err {
        PaymentError::ShopNotActive(ShopStatus::Blocked) => {
            Some(("shop_not_active", "Shop is blocked".to_owned()))
        }
        PaymentError::ShopNotActive(status) => Some((
            "shop_not_active",
            format!("Shop is not active (status: {status})"),
        )),
        PaymentError::FeeUnpaid => Some((
            "monthly_fee_unpaid",
            "Shop's monthly fee is not paid".to_owned(),
        )),
        PaymentError::NoReceivingCard => Some((
            "no_receiving_card",
            "Shop has no receiving card connected".to_owned(),
        )),
        _ => None,
    }
}

impl From<PaymentError> for ApiError {
    fn from(err: PaymentError) -> ApiError {
        if let Some((code, text)) = admission_reason(&err) {
            return ApiError::new(code, text);
        }
        match err {
            PaymentError::InvalidCredentials => ApiError::invalid_key(),
            PaymentError::AmountAboveMaximum { max } => ApiError::new(
                "amount_too_large",
                format!("Maximum payment amount is {max} UZS"),
            ),
            PaymentError::OrderNotFound => ApiError::new("order_not_found", "Order not found"),
            PaymentError::NoFreePayableAmount {
                amount,
                wait_minutes,
            } => ApiError::new(
                "amount_busy",
                format!(
                    "An active payment of {amount} UZS exists. Enter another amount or wait {wait_minutes} minutes."
                ),
            ),
            PaymentError::Throttled { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..ApiError::with_status(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!("Too many invalid shop keys, try again in {retry_after} seconds"),
                )
            },
            PaymentError::Store(StoreError::Unavailable(detail)) => {
                tracing::error!(%detail, "storage unavailable");
                ApiError::unavailable()
            }
            other => {
                tracing::error!(error = %other, "unexpected error in the TopHamyon dialect");
                ApiError::internal()
            }
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(err: QueryError) -> ApiError {
        ApiError::new(err.code(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use payments_core::{Money, OrderStatus, Transition, TransitionRefused};

    fn map(err: PaymentError) -> (u16, &'static str, String) {
        let e = ApiError::from(err);
        (e.status.as_u16(), e.code, e.body())
    }

    #[test]
    fn check_shop_body_is_the_documents() {
        assert_eq!(
            ApiError::invalid_key().for_check_shop().body(),
            r#"{"success":false,"valid":false,"error":"Invalid shop key","code":"invalid_shop_key"}"#
        );
    }

    #[test]
    fn maps_every_payment_error() {
        use PaymentError::*;
        let cases = [
            (InvalidCredentials, 200, "invalid_shop_key"),
            (ShopNotActive(ShopStatus::Blocked), 200, "shop_not_active"),
            (ShopNotActive(ShopStatus::Pending), 200, "shop_not_active"),
            (FeeUnpaid, 200, "monthly_fee_unpaid"),
            (NoReceivingCard, 200, "no_receiving_card"),
            (
                AmountAboveMaximum {
                    max: Money::from_tiyin(100),
                },
                200,
                "amount_too_large",
            ),
            (OrderNotFound, 200, "order_not_found"),
            (Throttled { retry_after: 30 }, 429, "too_many_attempts"),
            (
                Store(StoreError::Unavailable("db down at 10.0.0.5".into())),
                503,
                "service_unavailable",
            ),
            (
                Store(StoreError::Other("syntax error near SELECT".into())),
                500,
                "internal_error",
            ),
            (
                Store(StoreError::Conflict("orders.code".into())),
                500,
                "internal_error",
            ),
            (ShopNotFound, 500, "internal_error"),
            (
                Refused(TransitionRefused {
                    current: OrderStatus::Paid,
                    transition: Transition::Cancel,
                }),
                500,
                "internal_error",
            ),
        ];
        for (err, status, code) in cases {
            let (s, c, body) = map(err);
            assert_eq!((s, c), (status, code));
            assert!(
                !body.contains("10.0.0.5") && !body.contains("SELECT"),
                "{body}"
            );
        }
    }

    #[test]
    fn throttled_carries_retry_after() {
        let e = ApiError::from(PaymentError::Throttled { retry_after: 42 });
        let res = e.to_response();
        assert_eq!(res.status().as_u16(), 429);
        assert_eq!(
            res.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("42")
        );
        assert!(e.body().contains(r#""retry_after":42"#));
    }
}
