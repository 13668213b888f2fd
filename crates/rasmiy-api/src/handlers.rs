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
#[utoipa::path(
    method(get, post),
    path = "/api",
    tag = "RasmiyPay",
    operation_id = "rasmiy_api",
    summary = "create, check, cancel, or shop information (by `method`)",
    description = crate::openapi::API_DESCRIPTION,
    params(crate::openapi::Params),
    request_body(
        description = "The same parameters as the query string, in a form, multipart or JSON body (optional).",
        content(
            (crate::openapi::Params = "application/x-www-form-urlencoded"),
            (crate::openapi::Params = "multipart/form-data"),
            (crate::openapi::Params = "application/json", example = json!({"method": "create", "shop_id": 695008, "shop_key": "Z631XLBO7O", "amount": 50000}))
        )
    ),
    responses(
        (status = 200, description = "The call's answer, or a business error (`status: error`).", body = crate::openapi::Answer, examples(
            ("create" = (summary = "create (a page shop: with pay_url)", value = json!({"status":"success","order":"jy5q8q5mwmuq51cvw7ty3xak","insert_id":1,"data":{"amount":"50000","shop_id":"695008","shop_key":"Z631XLBO7O"},"pay_url":"http://127.0.0.1:8080/pay/jtqkywuwm0g0umb5h26wc5ufbmlt8hyo","payable_amount":"50000","card":"8600310495126224","expires_at":"2026-11-24 13:07:28","expires_in":300}))),
            ("check" = (summary = "check", value = json!({"status":"success","order":"iu2dia2cbqf82yis0za4i4ax","data":{"amount":"50000","status":"pending","date":"2026-11-24 13:02:28"},"payable_amount":"50000","expires_at":"2026-11-24 13:07:28","expires_in":300}))),
            ("cancel" = (summary = "cancel", value = json!({"status":"success","message":"Buyurtma muvaffaqiyatli bekor qilindi.","order":"iu2dia2cbqf82yis0za4i4ax"}))),
            ("shop" = (summary = "shop information (no method)", value = json!({"status":"success","data":{"user_id":123456789,"shop_id":"695008","shop_name":"Do'kon nomi","balance":"50000","status":"confirm","month_status":"Toʻlandi"}}))),
            ("error" = (summary = "a business error", value = json!({"status":"error","message":"Bunday order topilmadi!","code":"order_not_found"}))),
            ("too_large" = (summary = "amount_too_large", value = json!({"status":"error","message":"Miqdor noto'g'ri!","code":"amount_too_large","max_amount":"100000000"})))
        )),
        (status = 400, description = "A body or query that cannot be read (`bad_request`).", body = crate::errors::ErrorBody,
            example = json!({"status":"error","message":"So'rov tanasi to'g'ri JSON emas!","code":"bad_request"})),
        (status = 405, description = "Another HTTP method (`method_not_allowed`).", body = crate::errors::ErrorBody,
            headers(("Allow" = String, description = "GET, POST")),
            example = json!({"status":"error","message":"Faqat GET va POST so'rovlari qabul qilinadi!","code":"method_not_allowed"})),
        (status = 413, description = "A body over 64 KiB (`payload_too_large`).", body = crate::errors::ErrorBody,
            example = json!({"status":"error","message":"So'rov juda katta! Eng ko'pi 64 KiB.","code":"payload_too_large"})),
        (status = 429, description = "Too many wrong keys from this client for this shop (`too_many_requests`).", body = crate::errors::ErrorBody,
            headers(("Retry-After" = u64, description = "seconds")),
            example = json!({"status":"error","message":"Juda ko'p noto'g'ri urinish! 300 soniyadan keyin qayta urinib ko'ring.","code":"too_many_requests","retry_after":300})),
        (status = 500, description = "A server fault (`internal_error`); details only in the server log.", body = crate::errors::ErrorBody,
            example = json!({"status":"error","message":"Ichki xatolik yuz berdi!","code":"internal_error"})),
        (status = 503, description = "The database cannot be reached (`unavailable`).", body = crate::errors::ErrorBody,
            headers(("Retry-After" = u64, description = "seconds")),
            example = json!({"status":"error","message":"Xizmat vaqtincha ishlamayapti, birozdan keyin qayta urinib ko'ring!","code":"unavailable"}))
    )
)]
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
            // The internal id, never the code: a RasmiyPay code is enough to check and cancel.
            tracing::info!(shop_id = %shop.id, order_id = order.id, amount = %order.amount, "rasmiy create");
            Ok(render::created(
                &order,
                &shop,
                &key,
                &public_url,
                clock(&payments),
            ))
        }
        Call::Check { code } => {
            let view = read(&payments, kind, move |p| p.order(&code)).await?;
            Ok(render::checked(&view.order, clock(&payments)))
        }
        Call::Cancel { code } => {
            let order = blocking(&payments, kind, move |p| p.cancel(&code)).await?;
            tracing::info!(shop_id = %order.shop_id, order_id = order.id, "rasmiy cancel");
            Ok(render::cancelled(&order))
        }
        Call::ShopInfo { shop_id, key } => {
            let creds = credentials(shop_id, key, client);
            let shop = read(&payments, kind, move |p| p.authenticate(&creds)).await?;
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

/// Runs one payments-core read: at once on this worker when the store can serve it without
/// waiting ([`Payments::read_now`]: SQLite with an idle connection), else as [`blocking`].
async fn read<T, F>(payments: &Payments, kind: CallKind, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Payments) -> Result<T, PaymentError> + Send + 'static,
{
    match payments.read_now(f) {
        Ok(result) => result.map_err(|e| ApiError::from_payment(e, kind)),
        Err(f) => blocking(payments, kind, f).await,
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
