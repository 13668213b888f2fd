//! The operator's CLI commands: the admin API's operations, run directly on the database.

use crate::admin::json::{self, OrderJson, ShopJson};
use crate::cli::{OrderCommand, ShopAddArgs, ShopCommand, ShopUpdateArgs};
use crate::config::{ConfigError, RunError};
use payments_core::{
    OrderCode, PaymentError, Payments, ShopDraft, ShopKey, ShopPatch, VerifyReport,
};
use serde_json::json;

/// What a command ended with: 0 done, 1 failed at run time, 2 bad input.
#[derive(Debug)]
pub enum Failure {
    Input(ConfigError),
    Run(RunError),
}

impl From<json::FieldError> for Failure {
    fn from(e: json::FieldError) -> Self {
        Failure::Input(ConfigError(e.to_string()))
    }
}

impl From<PaymentError> for Failure {
    fn from(e: PaymentError) -> Self {
        match e {
            PaymentError::Store(e) => Failure::Run(RunError(e.to_string())),
            other => Failure::Input(ConfigError(other.to_string())),
        }
    }
}

fn print(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

pub fn shop(payments: &Payments, command: ShopCommand) -> Result<(), Failure> {
    match command {
        ShopCommand::Add(args) => {
            let (shop, key) = payments.add_shop(draft(args)?)?;
            print(&ShopJson::new(&shop, Some(&key)));
        }
        ShopCommand::Show { id } => {
            print(&ShopJson::new(&payments.shop(json::shop_id(&id)?)?, None))
        }
        ShopCommand::Update(args) => {
            let id = json::shop_id(&args.id)?;
            let patch = patch(args)?;
            if patch.is_empty() {
                return Err(Failure::Input(ConfigError(
                    "nothing to change: give at least one --field".into(),
                )));
            }
            print(&ShopJson::new(&payments.update_shop(id, &patch)?, None));
        }
        ShopCommand::RotateKey { id } => {
            let (shop, key) = payments.rotate_key(json::shop_id(&id)?)?;
            print(&ShopJson::new(&shop, Some(&key)));
        }
    }
    Ok(())
}

fn draft(a: ShopAddArgs) -> Result<ShopDraft, Failure> {
    Ok(ShopDraft {
        id: a.id.as_deref().map(json::shop_id).transpose()?,
        key: a
            .key
            .as_deref()
            .map(|k| {
                ShopKey::new_secret(k).map_err(|_| {
                    Failure::Input(ConfigError(
                        "--key must be 10 to 128 printable ASCII characters".into(),
                    ))
                })
            })
            .transpose()?,
        name: a.name,
        user_id: a.user_id,
        kind: json::kind(&a.kind)?,
        status: json::status(&a.status)?,
        month_status: json::month_status(&a.month_status)?,
        card: a.card.as_deref().map(json::card).transpose()?.flatten(),
        callback_url: a
            .callback_url
            .as_deref()
            .map(json::callback_url)
            .transpose()?
            .flatten(),
    })
}

fn patch(a: ShopUpdateArgs) -> Result<ShopPatch, Failure> {
    Ok(ShopPatch {
        name: a.name,
        user_id: a.user_id,
        kind: a.kind.as_deref().map(json::kind).transpose()?,
        status: a.status.as_deref().map(json::status).transpose()?,
        month_status: a
            .month_status
            .as_deref()
            .map(json::month_status)
            .transpose()?,
        card: a.card.as_deref().map(json::card).transpose()?,
        callback_url: a
            .callback_url
            .as_deref()
            .map(json::callback_url)
            .transpose()?,
        webhook_secret: None,
    })
}

pub fn order(payments: &Payments, command: OrderCommand) -> Result<(), Failure> {
    match command {
        OrderCommand::Confirm { code } => {
            let code = OrderCode::parse(&code)
                .map_err(|_| Failure::Input(ConfigError("not an order code".into())))?;
            let order = payments.confirm(&code)?;
            print(&OrderJson::new(&order, payments));
        }
    }
    Ok(())
}

pub fn verify_json(report: &VerifyReport) -> serde_json::Value {
    json!({
        "ok": report.is_clean(),
        "shops": report.shops,
        "mismatches": report.mismatches.iter().map(|m| json!({
            "shop_id": m.shop_id.to_string(),
            "balance": m.balance.to_string(),
            "ledger_sum": m.ledger_sum.to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// Exit status 1 when any balance differs from its ledger.
pub fn verify(payments: &Payments) -> Result<(), Failure> {
    let report = payments.verify()?;
    print(&verify_json(&report));
    if report.is_clean() {
        Ok(())
    } else {
        Err(Failure::Run(RunError(format!(
            "{} shop(s) with balance != sum(ledger)",
            report.mismatches.len()
        ))))
    }
}
