//! The `/api` handler: read the parameters, parse the call, make one payments-core call on the
//! blocking pool, render the answer. Any failure becomes the dialect's error body.

use crate::RasmiyConfig;
use crate::body::read_params;
use crate::call::Call;
use crate::errors::{ApiError, CallKind};
use crate::render::{self, Clock};
use actix_web::{HttpRequest, HttpResponse, web};
use payments_core::{CodeStyle, Credentials, PaymentError, Payments, ShopId, ShopKey};

/// GET and POST `/api`.
pub async fn api(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    match answer(&req, payload).await {
        Ok(response) => response,
        Err(err) => {
            tracing::debug!(code = err.code(), "rasmiy error");
            err.response()
        }
    }
}

/// Any other HTTP method on `/api`.
pub async fn method_not_allowed() -> HttpResponse {
    ApiError::MethodNotAllowed.response()
}

async fn answer(req: &HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let Some(payments) = req.app_data::<web::Data<Payments>>().cloned() else {
        tracing::error!("rasmiy-api mounted without web::Data<Payments> in app data");
        return Err(ApiError::Internal);
    };
    let public_url = req
        .app_data::<web::Data<RasmiyConfig>>()
        .map(|c| c.public_url.clone())
        .unwrap_or_default();
    let params = read_params(req, payload).await?;
    let call = Call::parse(&params)?;
    let kind = call.kind();
    let client = client_of(req);
    match call {
        Call::Create {
            shop_id,
            key,
            amount,
        } => {
            let creds = credentials(shop_id, key.clone(), client);
            let (order, shop) = blocking(&payments, kind, move |p| {
                p.create_order(&creds, amount, CodeStyle::Rasmiy)
            })
            .await?;
            tracing::info!(shop_id = %shop.id, order = %order.codes.code, amount = %order.amount, "rasmiy create");
            Ok(render::created(
                &order,
                &shop,
                &key,
                &public_url,
                clock(&payments),
            ))
        }
        Call::Check { code } => {
            let view = blocking(&payments, kind, move |p| p.order(&code)).await?;
            Ok(render::checked(&view.order, clock(&payments)))
        }
        Call::Cancel { code } => {
            let order = blocking(&payments, kind, move |p| p.cancel(&code)).await?;
            tracing::info!(shop_id = %order.shop_id, order = %order.codes.code, "rasmiy cancel");
            Ok(render::cancelled(&order))
        }
        Call::ShopInfo { shop_id, key } => {
            let creds = credentials(shop_id, key, client);
            let shop = blocking(&payments, kind, move |p| p.authenticate(&creds)).await?;
            Ok(render::shop_info(&shop))
        }
    }
}

fn credentials(shop_id: ShopId, key: ShopKey, client: String) -> Credentials {
    Credentials {
        shop_id,
        key,
        client,
    }
}

/// Who is asking, for the wrong-key throttle: the peer's IP address. (Forwarded headers are
/// not trusted: any client could set them to escape the throttle.)
fn client_of(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn clock(payments: &Payments) -> Clock {
    Clock {
        now: payments.now(),
        offset: payments.config().display_offset,
    }
}

/// Runs one blocking payments-core call off the async workers and maps its error once.
async fn blocking<T, F>(payments: &Payments, kind: CallKind, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Payments) -> Result<T, PaymentError> + Send + 'static,
{
    let payments = payments.clone();
    match web::block(move || f(&payments)).await {
        Ok(result) => result.map_err(|e| ApiError::from_payment(e, kind)),
        Err(e) => {
            tracing::error!(error = %e, "blocking pool failed");
            Err(ApiError::Internal)
        }
    }
}
