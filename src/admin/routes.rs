//! `/admin/…` over HTTP, behind `Authorization: Bearer $KASSA_ADMIN_TOKEN`.

use super::json::{NewShopJson, OrderJson, ShopJson, ShopPatchJson, shop_id};
use crate::http_util::{ApiError, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use payments_core::{OrderCode, PaymentError, Payments};
use serde_json::json;
use subtle::ConstantTimeEq;

/// The admin token, if the admin API is on.
#[derive(Clone)]
pub struct AdminToken(pub Option<String>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "AdminToken(set)"
        } else {
            "AdminToken(off)"
        })
    }
}

/// Mounts `/admin`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    super::settlement::routes(cfg);
    cfg.service(
        web::scope("/admin")
            .route("/shops", web::post().to(add_shop))
            .route("/shops/{id}", web::get().to(show_shop))
            .route("/shops/{id}", web::patch().to(update_shop))
            .route("/shops/{id}/rotate-key", web::post().to(rotate_key))
            .route("/orders/{code}", web::get().to(show_order))
            .route("/orders/{code}/confirm", web::post().to(confirm_order))
            .route("/verify", web::get().to(verify))
            .default_service(web::to(unknown)),
    );
}

pub(super) type Reply = Result<HttpResponse, ApiError>;

/// 404 while the admin API is off, 401 without a bearer token, 403 with a wrong one.
pub(super) fn authorize(req: &HttpRequest) -> Result<(), ApiError> {
    let expected = req
        .app_data::<web::Data<AdminToken>>()
        .and_then(|t| t.0.clone());
    let Some(expected) = expected else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "admin_disabled",
            "the admin API is off (KASSA_ADMIN_TOKEN is unset)",
        ));
    };
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(presented) = presented else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send Authorization: Bearer <admin token>",
        ));
    };
    if bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "wrong admin token",
        ))
    }
}

/// The one mapping of domain errors to admin responses.
pub(super) fn fail(e: PaymentError) -> ApiError {
    let (status, code) = match &e {
        PaymentError::ShopNotFound | PaymentError::InvalidCredentials => {
            (StatusCode::NOT_FOUND, "shop_not_found")
        }
        PaymentError::OrderNotFound => (StatusCode::NOT_FOUND, "order_not_found"),
        PaymentError::PaymentNotFound => (StatusCode::NOT_FOUND, "payment_not_found"),
        PaymentError::PaymentNotOpen(_) => (StatusCode::CONFLICT, "payment_not_open"),
        PaymentError::ShopIdTaken => (StatusCode::CONFLICT, "shop_id_taken"),
        PaymentError::Refused(_) => (StatusCode::CONFLICT, "order_not_pending"),
        PaymentError::Store(payments_core::StoreError::Unavailable(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
        PaymentError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
    };
    if status.is_server_error() {
        tracing::error!(error = %e, "admin request failed");
        return ApiError::new(
            status,
            code,
            "the database is unavailable or failed; try again",
        );
    }
    ApiError::new(status, code, &e.to_string())
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            &format!("body is not the JSON expected: {e}"),
        )
    })
}

pub(super) fn path_shop(raw: &str) -> Result<payments_core::ShopId, ApiError> {
    shop_id(raw)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_shop_id", &e.to_string()))
}

pub(super) fn path_order(raw: &str) -> Result<OrderCode, ApiError> {
    OrderCode::parse(raw).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_order_code",
            "not an order code",
        )
    })
}

fn field_error(e: super::json::FieldError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", &e.to_string())
}

async fn add_shop(req: HttpRequest, payments: web::Data<Payments>, body: web::Bytes) -> Reply {
    authorize(&req)?;
    let draft = parse_body::<NewShopJson>(&body)?
        .into_draft()
        .map_err(field_error)?;
    let p = payments.get_ref().clone();
    let (shop, key) = blocking(move || p.add_shop(draft)).await.map_err(fail)?;
    tracing::info!(shop_id = %shop.id, "shop created");
    Ok(HttpResponse::Created().json(ShopJson::new(&shop, Some(&key))))
}

async fn show_shop(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
) -> Reply {
    authorize(&req)?;
    let id = path_shop(&path)?;
    let p = payments.get_ref().clone();
    let shop = blocking(move || p.shop(id)).await.map_err(fail)?;
    Ok(HttpResponse::Ok().json(ShopJson::new(&shop, None)))
}

async fn update_shop(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Reply {
    authorize(&req)?;
    let id = path_shop(&path)?;
    let patch = parse_body::<ShopPatchJson>(&body)?
        .into_patch()
        .map_err(field_error)?;
    let p = payments.get_ref().clone();
    let shop = blocking(move || p.update_shop(id, &patch))
        .await
        .map_err(fail)?;
    tracing::info!(shop_id = %shop.id, "shop updated");
    Ok(HttpResponse::Ok().json(ShopJson::new(&shop, None)))
}

async fn rotate_key(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
) -> Reply {
    authorize(&req)?;
    let id = path_shop(&path)?;
    let p = payments.get_ref().clone();
    let (shop, key) = blocking(move || p.rotate_key(id)).await.map_err(fail)?;
    tracing::info!(shop_id = %shop.id, "shop key rotated");
    Ok(HttpResponse::Ok().json(ShopJson::new(&shop, Some(&key))))
}

async fn show_order(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
) -> Reply {
    authorize(&req)?;
    let code = path_order(&path)?;
    let p = payments.get_ref().clone();
    let view = blocking(move || p.order(&code)).await.map_err(fail)?;
    Ok(HttpResponse::Ok().json(OrderJson::new(&view.order, &payments)))
}

/// 200 when it pays a pending order; 409 with the order's state otherwise, never a second credit.
async fn confirm_order(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
) -> Reply {
    authorize(&req)?;
    let code = path_order(&path)?;
    let p = payments.get_ref().clone();
    let c = code.clone();
    match blocking(move || p.confirm(&c)).await {
        Ok(order) => {
            tracing::info!(order_id = order.id, "order confirmed by the operator");
            Ok(HttpResponse::Ok().json(OrderJson::new(&order, &payments)))
        }
        Err(PaymentError::Refused(r)) => {
            let p = payments.get_ref().clone();
            let order = blocking(move || p.order(&code)).await.map_err(fail)?.order;
            let message = format!("order is already {}", r.current);
            Err(
                ApiError::new(StatusCode::CONFLICT, "order_not_pending", &message)
                    .with("status", json!(r.current.as_str()))
                    .with("order", json!(OrderJson::new(&order, &payments))),
            )
        }
        Err(e) => Err(fail(e)),
    }
}

async fn verify(req: HttpRequest, payments: web::Data<Payments>) -> Reply {
    authorize(&req)?;
    let p = payments.get_ref().clone();
    let report = blocking(move || p.verify()).await.map_err(fail)?;
    Ok(HttpResponse::Ok().json(crate::commands::verify_json(&report)))
}

async fn unknown(req: HttpRequest) -> Reply {
    authorize(&req)?;
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such admin route",
    ))
}
