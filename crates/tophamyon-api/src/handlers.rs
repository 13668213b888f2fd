//! The endpoints: gather the parameters, parse them, call `payments-core` on the blocking
//! pool, render. Errors become dialect bodies in one place, [`handle`].

use crate::errors::{ApiError, mime_json};
use crate::render::{self, Times};
use crate::{Endpoint, TopHamyonConfig, fields, input};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use payments_core::{CodeStyle, PaymentError, Payments};

/// What the handlers need beyond the core.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The public base URL without a trailing `/`.
    public_url: String,
}

impl Settings {
    pub(crate) fn new(config: &TopHamyonConfig) -> Settings {
        Settings {
            public_url: config.public_url.trim_end_matches('/').to_owned(),
        }
    }
}

/// One of the five endpoints, for GET and POST.
pub(crate) async fn handle(
    endpoint: Endpoint,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match run(endpoint, &req, payload).await {
        Ok(body) => HttpResponse::Ok().content_type(mime_json()).body(body),
        Err(err) => {
            tracing::debug!(
                endpoint = endpoint.name(),
                code = err.code,
                status = err.status.as_u16(),
                "TopHamyon request refused"
            );
            let err = if endpoint == Endpoint::CheckShop {
                err.for_check_shop()
            } else {
                err
            };
            err.to_response()
        }
    }
}

/// Any other method on one of the five paths.
pub(crate) async fn method_not_allowed() -> HttpResponse {
    ApiError::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Only GET and POST are allowed",
    )
    .to_response()
}

/// `/api/<anything else>`.
pub(crate) async fn unknown_endpoint() -> HttpResponse {
    ApiError::with_status(
        StatusCode::NOT_FOUND,
        "unknown_endpoint",
        "Unknown endpoint; use check_shop, get_balance, create_payment, check_payment \
         or get_payments",
    )
    .to_response()
}

/// The client a request came from, for the wrong-key throttle.
fn client(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Runs a core call on the blocking pool.
async fn blocking<T, F>(payments: &Payments, call: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Payments) -> Result<T, PaymentError> + Send + 'static,
{
    let payments = payments.clone();
    match web::block(move || call(&payments)).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(err) => {
            tracing::error!(error = %err, "blocking pool refused a TopHamyon call");
            Err(ApiError::internal())
        }
    }
}

/// Runs a core read: at once on this worker when the store can serve it without waiting
/// ([`Payments::read_now`]: SQLite with an idle connection), else on the blocking pool.
async fn read<T, F>(payments: &Payments, call: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Payments) -> Result<T, PaymentError> + Send + 'static,
{
    match payments.read_now(call) {
        Ok(result) => result.map_err(ApiError::from),
        Err(call) => blocking(payments, call).await,
    }
}

async fn run(
    endpoint: Endpoint,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<String, ApiError> {
    let params = input::gather(req, payload).await?;
    let Some(payments) = req.app_data::<web::Data<Payments>>() else {
        tracing::error!("web::Data<Payments> is missing from the app data");
        return Err(ApiError::internal());
    };
    let payments = payments.get_ref();
    let times = || Times {
        now: payments.now(),
        offset: payments.config().display_offset,
    };
    match endpoint {
        Endpoint::CheckShop => {
            let creds = fields::credentials(&params, client(req))?;
            let shop = read(payments, move |p| p.authenticate(&creds)).await?;
            Ok(render::shop_check(&shop, Payments::admit(&shop)))
        }
        Endpoint::GetBalance => {
            let creds = fields::credentials(&params, client(req))?;
            let shop = read(payments, move |p| p.authenticate(&creds)).await?;
            Ok(render::balance(&shop))
        }
        Endpoint::CreatePayment => {
            let creds = fields::credentials(&params, client(req))?;
            let amount = fields::amount(&params, payments.config().max_amount)?;
            let (order, shop) = blocking(payments, move |p| {
                p.create_order(&creds, amount, CodeStyle::TopHamyon)
            })
            .await?;
            let public_url = req
                .app_data::<web::Data<Settings>>()
                .map(|s| s.public_url.as_str())
                .unwrap_or("");
            Ok(render::created(&order, &shop, times(), public_url))
        }
        Endpoint::CheckPayment => {
            let code = fields::order_code(&params)?;
            let view = read(payments, move |p| p.order(&code)).await?;
            Ok(render::payment(&view.order, &view.shop_name, times()))
        }
        Endpoint::GetPayments => {
            let creds = fields::credentials(&params, client(req))?;
            let page = fields::page(&params)?;
            let (shop, found) = read(payments, move |p| p.shop_and_orders(&creds, page)).await?;
            Ok(render::payments(&shop, page, &found, times()))
        }
    }
}
