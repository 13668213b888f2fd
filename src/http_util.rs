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

/// A request's body, shared by the handler (which reads it) and the answer (which holds it
/// until it is written).
///
/// Works around actix-http 3 (3.19 and 3.20 alike): when a handler answers without reading a
/// *chunked* request body, the HTTP/1 dispatcher switches to draining the body to keep the
/// connection, and that drain can stall for good: the connection stays open with unread bytes
/// (CLOSE-WAIT) until the process ends, even with `Connection: close` — one request from anyone
/// takes a connection slot for ever. While the body is still held when the answer goes out, the
/// dispatcher takes its other path for an unread body instead: it closes the connection, after
/// at most the client disconnect timeout. Found by `tests/hostile_clients.rs`.
#[derive(Clone)]
pub struct HeldBody(std::rc::Rc<std::cell::RefCell<actix_web::dev::Payload>>);

impl HeldBody {
    /// Takes the request's body and gives the request one that reads through this.
    pub fn share(req: &mut actix_web::dev::ServiceRequest) -> HeldBody {
        use actix_web::HttpMessage;
        let held = HeldBody(std::rc::Rc::new(std::cell::RefCell::new(
            req.take_payload(),
        )));
        let stream: std::pin::Pin<
            Box<
                dyn futures_util::Stream<
                        Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
                    >,
            >,
        > = Box::pin(held.clone());
        req.set_payload(actix_web::dev::Payload::from(stream));
        held
    }

    /// The answer, carrying the request's body until its own last byte is written: that is
    /// when the dispatcher decides what to do with a body left unread.
    pub fn hold_until_written<B: actix_web::body::MessageBody + 'static>(
        self,
        res: actix_web::dev::ServiceResponse<B>,
    ) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody> {
        res.map_body(|_, body| {
            actix_web::body::BoxBody::new(Holding {
                body: actix_web::body::BoxBody::new(body),
                _held: self,
            })
        })
    }

    /// For an answer made from an error, which cannot carry the body: holds it a few seconds
    /// more, past the moment the answer is written.
    pub fn release_later(self) {
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(std::time::Duration::from_secs(5)).await;
            drop(self);
        });
    }
}

impl futures_util::Stream for HeldBody {
    type Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        match self.0.try_borrow_mut() {
            Ok(mut payload) => std::pin::Pin::new(&mut *payload).poll_next(cx),
            // Only the handler reads; the answer merely holds.
            Err(_) => std::task::Poll::Ready(None),
        }
    }
}

/// An answer's body that holds the request's body (see [`HeldBody`]).
struct Holding {
    body: actix_web::body::BoxBody,
    _held: HeldBody,
}

impl actix_web::body::MessageBody for Holding {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_next(cx)
    }
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
