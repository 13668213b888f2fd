//! The operator's settlement commands: `kassa ingest`, `kassa payments …`,
//! `kassa export transactions`.

use crate::admin::json::{OrderJson, shop_id};
use crate::admin::settlement::{ingest_line_json, payment_json};
use crate::cli::{ExportCommand, PaymentsCommand};
use crate::commands::Failure;
use crate::config::{ConfigError, RunError};
use payments_core::{Order, OrderCode, PaymentStatus, Payments, Resolution};
use serde_json::json;
use std::io::Read;
use std::path::Path;
use time::macros::format_description;

fn input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(ConfigError(e.to_string()))
}

fn print(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Settles every message of the text; prints what became of each.
pub fn ingest(payments: &Payments, file: Option<&Path>) -> Result<(), Failure> {
    let mut text = String::new();
    match file {
        Some(path) if path != Path::new("-") => {
            text = std::fs::read_to_string(path)
                .map_err(|e| input(format!("cannot read {}: {e}", path.display())))?;
        }
        _ => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| input(format!("cannot read stdin: {e}")))?;
        }
    }
    let lines = payments.ingest_notifications(&text)?;
    print(
        &json!({ "messages": lines.iter().map(|l| ingest_line_json(l, payments)).collect::<Vec<_>>() }),
    );
    Ok(())
}

pub fn payments_command(payments: &Payments, command: PaymentsCommand) -> Result<(), Failure> {
    match command {
        PaymentsCommand::Unmatched => {
            let open = payments.payments(PaymentStatus::Unmatched, 1000)?;
            let dups = payments.payments(PaymentStatus::Duplicate, 1000)?;
            print(&json!({
                "unmatched": open.iter().map(|p| payment_json(p, payments)).collect::<Vec<_>>(),
                "duplicates": dups.iter().map(|p| payment_json(p, payments)).collect::<Vec<_>>(),
            }));
        }
        PaymentsCommand::Attach { payment_id, order } => {
            let code = OrderCode::parse(&order).map_err(|_| input("not an order code"))?;
            let (payment, order) = payments.attach_payment(payment_id, &code)?;
            print(
                &json!({ "payment": payment_json(&payment, payments), "order": OrderJson::new(&order, payments) }),
            );
        }
        PaymentsCommand::Resolve {
            payment_id,
            status,
            note,
        } => {
            let resolution = match status.as_str() {
                "refunded" => Resolution::Refunded,
                "ignored" => Resolution::Ignored,
                _ => return Err(input("--as must be refunded or ignored")),
            };
            print(&payment_json(
                &payments.resolve_payment(payment_id, resolution, &note)?,
                payments,
            ));
        }
    }
    Ok(())
}

fn parse_since(text: &str, payments: &Payments) -> Result<time::OffsetDateTime, Failure> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let date = time::Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| input("--since: use RFC 3339 (2026-11-24T00:00:00+05:00) or YYYY-MM-DD"))?;
    Ok(date
        .midnight()
        .assume_offset(payments.config().display_offset))
}

/// One paid order as exported: the fields a merchant's `transactions.json` keeps.
fn transaction(order: &Order, payments: &Payments) -> serde_json::Value {
    let fmt = |t| {
        payments
            .local(t)
            .format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .unwrap_or_default()
    };
    json!({
        "order": order.codes.code,
        "payment_id": order.codes.payment_id,
        "insert_id": order.id,
        "shop_id": order.shop_id.to_string(),
        "amount": order.amount.to_string(),
        "amount_tiyin": order.amount.tiyin(),
        "payable_amount": order.payable_amount.to_string(),
        "status": order.status.as_str(),
        "created_at": fmt(order.created_at),
        "paid_at": order.finished_at.map(fmt),
    })
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

pub fn export(payments: &Payments, command: ExportCommand) -> Result<(), Failure> {
    let ExportCommand::Transactions {
        shop,
        since,
        format,
        output,
    } = command;
    let shop = shop.as_deref().map(shop_id).transpose().map_err(input)?;
    let since = since
        .as_deref()
        .map(|s| parse_since(s, payments))
        .transpose()?;
    let orders = payments.paid_orders(shop, since)?;
    let rows: Vec<serde_json::Value> = orders.iter().map(|o| transaction(o, payments)).collect();
    let text = match format.as_str() {
        "json" => {
            serde_json::to_string_pretty(&rows)
                .map_err(|e| Failure::Run(RunError(e.to_string())))?
                + "\n"
        }
        "csv" => {
            const COLUMNS: [&str; 10] = [
                "order",
                "payment_id",
                "insert_id",
                "shop_id",
                "amount",
                "amount_tiyin",
                "payable_amount",
                "status",
                "created_at",
                "paid_at",
            ];
            let mut out = COLUMNS.join(",") + "\n";
            for row in &rows {
                let fields: Vec<String> = COLUMNS
                    .iter()
                    .map(|c| match &row[*c] {
                        serde_json::Value::String(s) => csv_field(s),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    })
                    .collect();
                out += &(fields.join(",") + "\n");
            }
            out
        }
        _ => return Err(input("--format must be json or csv")),
    };
    match output {
        Some(path) => {
            // Temp file + rename: a reader never sees half an export.
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, &text)
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| {
                    Failure::Run(RunError(format!("cannot write {}: {e}", path.display())))
                })?;
        }
        None => print!("{text}"),
    }
    Ok(())
}
