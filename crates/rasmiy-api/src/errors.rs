//! Every error the dialect answers, with its stable code, its wording (the original service's
//! Uzbek text where it had one) and its HTTP status; and the one mapping of [`PaymentError`].
//!
//! Business errors answer HTTP 200, as the original did: the document's clients read the body.
//! Unreadable requests answer 400/405/413, throttling 429 and server faults 5xx, each with the
//! same body: `{"status":"error","message":"…","code":"…"}`.

use crate::params::{MAX_BODY_BYTES, ParamError};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, RETRY_AFTER};
use payments_core::{Money, OrderStatus, PaymentError, StoreError};
use serde::Serialize;
use std::borrow::Cow;

/// Which call an error answers: the original worded a bad shop id or key differently in
/// `create` and in the shop-info call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Create,
    Check,
    Cancel,
    ShopInfo,
}

/// An error answer of the RasmiyPay dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    CredentialsMissing,
    /// Unknown shop id or wrong key: one case, worded by call, never telling which it was.
    InvalidCredentials(CallKind),
    ShopNotActive,
    FeeUnpaid,
    NoReceivingCard,
    InvalidAmount,
    AmountTooLarge {
        max: Money,
    },
    /// Every payable amount near this one is taken on the shop's card for now.
    AmountBusy {
        amount: Money,
        wait_minutes: i64,
    },
    OrderMissing,
    OrderNotFound,
    AlreadyCancelled,
    AlreadyPaid,
    UnknownMethod,
    MethodNotAllowed,
    BadRequest(ParamError),
    Throttled {
        retry_after: u64,
    },
    Unavailable,
    Internal,
}

/// Seconds a client is asked to wait when the database is unavailable.
const UNAVAILABLE_RETRY_AFTER: u64 = 5;

impl ApiError {
    /// Every error code this dialect answers, for the documentation check.
    pub const CODES: [&'static str; 19] = [
        "credentials_missing",
        "invalid_credentials",
        "shop_not_active",
        "fee_unpaid",
        "no_receiving_card",
        "invalid_amount",
        "amount_too_large",
        "amount_busy",
        "order_missing",
        "order_not_found",
        "order_already_cancelled",
        "order_already_paid",
        "unknown_method",
        "method_not_allowed",
        "bad_request",
        "payload_too_large",
        "too_many_requests",
        "unavailable",
        "internal_error",
    ];

    /// The stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::CredentialsMissing => "credentials_missing",
            ApiError::InvalidCredentials(_) => "invalid_credentials",
            ApiError::ShopNotActive => "shop_not_active",
            ApiError::FeeUnpaid => "fee_unpaid",
            ApiError::NoReceivingCard => "no_receiving_card",
            ApiError::InvalidAmount => "invalid_amount",
            ApiError::AmountTooLarge { .. } => "amount_too_large",
            ApiError::AmountBusy { .. } => "amount_busy",
            ApiError::OrderMissing => "order_missing",
            ApiError::OrderNotFound => "order_not_found",
            ApiError::AlreadyCancelled => "order_already_cancelled",
            ApiError::AlreadyPaid => "order_already_paid",
            ApiError::UnknownMethod => "unknown_method",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::BadRequest(ParamError::TooLarge) => "payload_too_large",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Throttled { .. } => "too_many_requests",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal => "internal_error",
        }
    }

    /// The message, in the original service's words where it had them.
    pub fn message(&self) -> Cow<'static, str> {
        let text = match self {
            ApiError::CredentialsMissing => "shop_id yoki shop_key yuborilmadi!",
            ApiError::InvalidCredentials(CallKind::ShopInfo) => {
                "Bunday shop_id yoki shop_key topilmadi!"
            }
            ApiError::InvalidCredentials(_) => "Do'kon topilmadi!",
            ApiError::ShopNotActive => "Do'kon faol emas!",
            ApiError::FeeUnpaid => "Oylik to'lov qilinmagan!",
            ApiError::NoReceivingCard => "Hisob ulanmagan!",
            ApiError::InvalidAmount | ApiError::AmountTooLarge { .. } => "Miqdor noto'g'ri!",
            ApiError::OrderMissing => "order kodi yuborilmadi!",
            ApiError::OrderNotFound => "Bunday order topilmadi!",
            ApiError::AlreadyCancelled => "Bu order allaqachon bekor qilingan!",
            ApiError::AlreadyPaid => "Bu order allaqachon to'langan!",
            ApiError::UnknownMethod => "Noma'lum method! Mavjudlari: create, check, cancel.",
            ApiError::MethodNotAllowed => "Faqat GET va POST so'rovlari qabul qilinadi!",
            ApiError::BadRequest(e) => return Cow::Owned(bad_request_message(*e)),
            ApiError::AmountBusy {
                amount,
                wait_minutes,
            } => {
                // The original service's words.
                return Cow::Owned(format!(
                    "{amount} so'm miqdorida faol to'lov mavjud. Boshqa miqdor kiriting yoki {wait_minutes} daqiqa kuting."
                ));
            }
            ApiError::Throttled { retry_after } => {
                return Cow::Owned(format!(
                    "Juda ko'p noto'g'ri urinish! {retry_after} soniyadan keyin qayta urinib ko'ring."
                ));
            }
            ApiError::Unavailable => {
                "Xizmat vaqtincha ishlamayapti, birozdan keyin qayta urinib ko'ring!"
            }
            ApiError::Internal => "Ichki xatolik yuz berdi!",
        };
        Cow::Borrowed(text)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadRequest(ParamError::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::OK,
        }
    }

    /// The one mapping of the domain's errors to this dialect's.
    pub fn from_payment(err: PaymentError, call: CallKind) -> ApiError {
        match err {
            PaymentError::InvalidCredentials | PaymentError::ShopNotFound => {
                ApiError::InvalidCredentials(call)
            }
            PaymentError::ShopNotActive(_) => ApiError::ShopNotActive,
            PaymentError::FeeUnpaid => ApiError::FeeUnpaid,
            PaymentError::NoReceivingCard => ApiError::NoReceivingCard,
            PaymentError::AmountAboveMaximum { max } => ApiError::AmountTooLarge { max },
            PaymentError::NoFreePayableAmount {
                amount,
                wait_minutes,
            } => ApiError::AmountBusy {
                amount,
                wait_minutes,
            },
            PaymentError::OrderNotFound => ApiError::OrderNotFound,
            PaymentError::Refused(refused) => match refused.current {
                OrderStatus::Paid => ApiError::AlreadyPaid,
                OrderStatus::Cancelled | OrderStatus::Expired => ApiError::AlreadyCancelled,
                OrderStatus::Pending => {
                    tracing::error!(?refused, "a transition was refused from pending");
                    ApiError::Internal
                }
            },
            PaymentError::Throttled { retry_after } => ApiError::Throttled { retry_after },
            PaymentError::Store(StoreError::Unavailable(detail)) => {
                tracing::warn!(%detail, "storage unavailable");
                ApiError::Unavailable
            }
            other @ (PaymentError::ShopIdTaken
            | PaymentError::PaymentNotFound
            | PaymentError::PaymentNotOpen(_)) => {
                tracing::error!(error = %other, "an administrative error reached a RasmiyPay call");
                ApiError::Internal
            }
            PaymentError::Store(e) => {
                tracing::error!(error = %e, "storage error");
                ApiError::Internal
            }
        }
    }

    /// The answer: the dialect's error body, its status and headers.
    pub fn response(&self) -> HttpResponse {
        let body = ErrorBody {
            status: "error",
            message: self.message(),
            code: self.code(),
            retry_after: match self {
                ApiError::Throttled { retry_after } => Some(*retry_after),
                _ => None,
            },
            max_amount: match self {
                ApiError::AmountTooLarge { max } => Some(max.to_string()),
                _ => None,
            },
        };
        let mut builder = HttpResponse::build(self.status());
        match self {
            ApiError::Throttled { retry_after } => {
                builder.insert_header((RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unavailable => {
                builder.insert_header((RETRY_AFTER, UNAVAILABLE_RETRY_AFTER.to_string()));
            }
            ApiError::MethodNotAllowed => {
                builder.insert_header((ALLOW, "GET, POST"));
            }
            _ => {}
        }
        crate::render::json(builder, &body)
    }
}

fn bad_request_message(e: ParamError) -> String {
    match e {
        ParamError::TooLarge => {
            format!(
                "So'rov juda katta! Eng ko'pi {} KiB.",
                MAX_BODY_BYTES / 1024
            )
        }
        ParamError::MalformedJson => "So'rov tanasi to'g'ri JSON emas!".to_owned(),
        ParamError::JsonNotObject => "JSON so'rov obyekt ({...}) bo'lishi kerak!".to_owned(),
        ParamError::MalformedMultipart => "multipart/form-data so'rovi buzilgan!".to_owned(),
        ParamError::InvalidUtf8 => "So'rovdagi matn UTF-8 emas!".to_owned(),
        ParamError::NulByte => "So'rovda NUL belgisi bor!".to_owned(),
        ParamError::ValueTooLong => format!(
            "Parametr juda uzun! Eng ko'pi {} KiB.",
            crate::params::MAX_VALUE_BYTES / 1024
        ),
        ParamError::Unreadable => "So'rov tanasini o'qib bo'lmadi!".to_owned(),
    }
}

/// Every error of the dialect: the document's `status` and `message`, plus a stable `code`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = RasmiyError)]
pub(crate) struct ErrorBody {
    #[schema(example = "error")]
    status: &'static str,
    /// The original service's Uzbek text; branch on `code`, not on this.
    #[schema(value_type = String, example = "Bunday order topilmadi!")]
    message: Cow<'static, str>,
    #[schema(schema_with = crate::openapi::error_code)]
    code: &'static str,
    /// With `too_many_requests`: seconds to wait (also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 300)]
    retry_after: Option<u64>,
    /// With `amount_too_large`: the server's maximum, as som text.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "100000000")]
    max_amount: Option<String>,
}

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> ApiError {
        ApiError::BadRequest(e)
    }
}
