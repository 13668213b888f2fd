//! Small pieces shared by the binary's HTTP routes.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use payments_core::{PaymentError, StoreError};
use serde_json::{Value, json};

/// The request path as it may be logged. Two kinds of path carry a bearer secret: the pay
/// page's (`/pay/<token>…`: whoever has the token sees the order, and in the demo pays it) and
/// an order's in the admin API (`/admin/orders/<code>…`: a RasmiyPay code is enough to check
/// and cancel its order). That segment is logged as `…`; any other path as it is.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/pay/", "/admin/orders/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return std::borrow::Cow::Owned(format!("{prefix}…{tail}"));
        }
    }
    std::borrow::Cow::Borrowed(path)
}

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

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn secrets_in_paths_are_not_logged() {
        assert_eq!(loggable_path("/pay/l2cs33hxl015k3je"), "/pay/…");
        assert_eq!(
            loggable_path("/pay/l2cs33hxl015k3je/status"),
            "/pay/…/status"
        );
        assert_eq!(
            loggable_path("/admin/orders/90uk46hgqicitu7qx6l2/confirm"),
            "/admin/orders/…/confirm"
        );
        assert_eq!(loggable_path("/pay/"), "/pay/…");
        for plain in [
            "/api",
            "/api/check_shop",
            "/admin/verify",
            "/health",
            "/payx",
        ] {
            assert_eq!(loggable_path(plain), plain);
        }
    }
}
