//! Small pieces shared by the binary's HTTP routes.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use payments_core::{PaymentError, StoreError};
use serde_json::{Value, json};

/// Runs a blocking domain call on the blocking pool.
pub async fn blocking<T, F>(f: F) -> Result<T, PaymentError>
where
    F: FnOnce() -> Result<T, PaymentError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::web::block(f).await.unwrap_or_else(|_| {
        Err(PaymentError::Store(StoreError::Other(
            "blocking task failed".into(),
        )))
    })
}

/// An error answer of the binary's own routes: `{"error": …, "code": …, …}` with a status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            body: json!({ "error": message, "code": code }),
        }
    }

    /// With more fields beside `error` and `code`.
    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        if let Some(map) = self.body.as_object_mut() {
            map.insert(key.to_owned(), value);
        }
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status).json(&self.body);
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
