//! `/admin/…` routes of settlement: bank-notification ingestion, the review of unmatched
//! payments, the delivery log and webhook secrets.

use super::json::{OrderJson, ShopJson};
use super::routes::{Reply, authorize, fail, path_order, path_shop};
use crate::http_util::{ApiError, blocking};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use payments_core::{
    IngestLine, IngestOutcome, PaymentError, PaymentRecord, PaymentStatus, Payments, Resolution,
    Settlement,
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/notifications", web::post().to(ingest))
        .route("/admin/payments/unmatched", web::get().to(unmatched))
        .route("/admin/payments/{id}/attach", web::post().to(attach))
        .route("/admin/payments/{id}/resolve", web::post().to(resolve))
        .route("/admin/shops/{id}/deliveries", web::get().to(deliveries))
        .route(
            "/admin/shops/{id}/deliveries/{outbox_id}/redeliver",
            web::post().to(redeliver),
        )
        .route(
            "/admin/shops/{id}/rotate-webhook-secret",
            web::post().to(rotate_webhook_secret),
        );
}

/// The JSON of one ingested message (shared with `kassa ingest`).
pub fn ingest_line_json(line: &IngestLine, payments: &Payments) -> Value {
    let mut v = json!({
        "message": line.excerpt,
        "card_last4": line.card_last4,
        "amount": line.amount.map(|a| a.to_string()),
    });
    let extra = match &line.outcome {
        IngestOutcome::Settled(Settlement::Matched { payment, order }) => {
            json!({"result": "matched", "payment_id": payment, "order": OrderJson::new(order, payments)})
        }
        IngestOutcome::Settled(Settlement::Unmatched { payment, reason }) => {
            json!({"result": "unmatched", "payment_id": payment, "reason": reason.as_str(), "detail": reason.describe()})
        }
        IngestOutcome::Settled(Settlement::Duplicate { payment, of }) => {
            json!({"result": "duplicate", "payment_id": payment, "duplicate_of": of})
        }
        IngestOutcome::NotTopUp { kind, detail } => {
            json!({"result": "not_top_up", "kind": format!("{kind:?}").to_lowercase(), "detail": detail})
        }
    };
    if let (Some(map), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        map.extend(extra.clone());
    }
    v
}

pub fn payment_json(p: &PaymentRecord, payments: &Payments) -> Value {
    let fmt = |t| payments.local(t).format(&Rfc3339).unwrap_or_default();
    json!({
        "id": p.id,
        "source": p.source,
        "card_last4": p.card_last4,
        "amount": p.amount.to_string(),
        "paid_at": p.paid_at.map(fmt),
        "received_at": fmt(p.received_at),
        "status": p.status.as_str(),
        "reason": p.reason.map(|r| r.as_str()),
        "order_id": p.order_id,
        "duplicate_of": p.duplicate_of,
        "note": p.note,
        "raw": p.raw,
    })
}

/// Raw notification text in (one or more messages separated by blank lines); each is recorded
/// and settled in this request.
async fn ingest(req: HttpRequest, payments: web::Data<Payments>, body: web::Bytes) -> Reply {
    authorize(&req)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_text",
                "the body must be UTF-8 text",
            )
        })?
        .to_owned();
    let p = payments.get_ref().clone();
    let lines = blocking(move || p.ingest_notifications(&text))
        .await
        .map_err(fail)?;
    let results: Vec<Value> = lines
        .iter()
        .map(|l| ingest_line_json(l, &payments))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "messages": results })))
}

async fn unmatched(req: HttpRequest, payments: web::Data<Payments>) -> Reply {
    authorize(&req)?;
    let p = payments.get_ref().clone();
    let (open, dups) = blocking(move || {
        Ok((
            p.payments(PaymentStatus::Unmatched, 500)?,
            p.payments(PaymentStatus::Duplicate, 500)?,
        ))
    })
    .await
    .map_err(fail)?;
    let to_json = |list: &Vec<PaymentRecord>| {
        list.iter()
            .map(|p| payment_json(p, &payments))
            .collect::<Vec<_>>()
    };
    Ok(HttpResponse::Ok()
        .json(json!({ "unmatched": to_json(&open), "duplicates": to_json(&dups) })))
}

fn payment_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_payment_id",
            "not a payment id",
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachBody {
    order: String,
}

async fn attach(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Reply {
    authorize(&req)?;
    let id = payment_id(&path)?;
    let body: AttachBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            &format!("expected {{\"order\": \"…\"}}: {e}"),
        )
    })?;
    let code = path_order(&body.order)?;
    let p = payments.get_ref().clone();
    let (payment, order) = blocking(move || p.attach_payment(id, &code))
        .await
        .map_err(fail)?;
    tracing::info!(
        payment_id = id,
        order_id = order.id,
        "payment attached by the operator"
    );
    Ok(HttpResponse::Ok().json(json!({ "payment": payment_json(&payment, &payments), "order": OrderJson::new(&order, &payments) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    status: String,
    #[serde(default)]
    note: String,
}

async fn resolve(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Reply {
    authorize(&req)?;
    let id = payment_id(&path)?;
    let body: ResolveBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            &format!("expected {{\"status\": \"refunded|ignored\", \"note\": \"…\"}}: {e}"),
        )
    })?;
    let resolution = match body.status.as_str() {
        "refunded" => Resolution::Refunded,
        "ignored" => Resolution::Ignored,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "status: must be refunded or ignored",
            ));
        }
    };
    let p = payments.get_ref().clone();
    let payment = blocking(move || p.resolve_payment(id, resolution, &body.note))
        .await
        .map_err(fail)?;
    Ok(HttpResponse::Ok().json(payment_json(&payment, &payments)))
}

async fn deliveries(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
) -> Reply {
    authorize(&req)?;
    let id = path_shop(&path)?;
    let p = payments.get_ref().clone();
    let log = blocking(move || {
        p.shop(id)?;
        p.deliveries(id, 200)
    })
    .await
    .map_err(fail)?;
    let fmt = |t| payments.local(t).format(&Rfc3339).unwrap_or_default();
    let lines: Vec<Value> = log
        .iter()
        .map(|d| {
            json!({
                "notification_id": d.outbox_id,
                "channel": d.channel.as_str(),
                "event": d.event.as_str(),
                "order": d.order_code,
                "state": d.outbox_status.as_str(),
                "attempt": d.attempt,
                "at": fmt(d.at),
                "ok": d.ok,
                "status_code": d.status_code,
                "error": d.error,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "shop_id": id.to_string(), "deliveries": lines })))
}

async fn redeliver(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<(String, String)>,
) -> Reply {
    authorize(&req)?;
    let (shop, outbox) = path.into_inner();
    let shop = path_shop(&shop)?;
    let outbox = payment_id(&outbox)?;
    let p = payments.get_ref().clone();
    blocking(move || p.redeliver(shop, outbox))
        .await
        .map_err(|e| match e {
            PaymentError::OrderNotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "notification_not_found",
                "no such notification of this shop",
            ),
            other => fail(other),
        })?;
    Ok(HttpResponse::Accepted().json(json!({ "notification_id": outbox, "state": "pending" })))
}

async fn rotate_webhook_secret(
    req: HttpRequest,
    payments: web::Data<Payments>,
    path: web::Path<String>,
) -> Reply {
    authorize(&req)?;
    let id = path_shop(&path)?;
    let p = payments.get_ref().clone();
    let shop = blocking(move || p.rotate_webhook_secret(id))
        .await
        .map_err(fail)?;
    Ok(HttpResponse::Ok().json(ShopJson::new(&shop, None)))
}
