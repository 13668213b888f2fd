//! Turning the command line and environment into the domain's settings, the store and the secret.

use crate::cli::DbArgs;
use payments_core::{KeyHasher, Payments, PaymentsConfig};
use payments_store::{Backend, DieselStore, sqlite_path};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// A problem with the configuration: printed as one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// A failure at run time: one line, exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RunError(pub String);

pub fn domain_config(db: &DbArgs) -> Result<PaymentsConfig, ConfigError> {
    let order_ttl = time::Duration::try_from(db.order_ttl)
        .map_err(|_| ConfigError("KASSA_ORDER_TTL is too long".into()))?;
    let quarantine = time::Duration::try_from(db.quarantine)
        .map_err(|_| ConfigError("KASSA_QUARANTINE is too long".into()))?;
    let telegram = db
        .telegram_bot_token
        .as_deref()
        .is_some_and(|t| !t.is_empty());
    Ok(PaymentsConfig {
        order_ttl,
        max_amount: db.max_amount,
        display_offset: db.utc_offset,
        payable_step: db.payable_step,
        payable_steps: db.payable_steps,
        quarantine,
        notify: payments_core::NotifyPolicy {
            telegram_paid: telegram,
            telegram_expired: telegram && db.notify_expired,
        },
        ..PaymentsConfig::default()
    })
}

/// Opens the database, loads the secret and builds the domain.
pub fn open(db: &DbArgs) -> Result<(Payments, Arc<DieselStore>), RunError> {
    let backend = Backend::of_url(&db.database_url);
    let secret = load_secret(db, backend).map_err(|e| RunError(e.0))?;
    let hasher = KeyHasher::new(secret.as_bytes())
        .map_err(|_| RunError("KASSA_SECRET must be at least 16 bytes".into()))?;
    let config = domain_config(db).map_err(|e| RunError(e.0))?;
    let store = Arc::new(DieselStore::open(&db.database_url).map_err(|e| {
        RunError(format!(
            "cannot open the {} database: {e}",
            backend.as_str()
        ))
    })?);
    Ok((Payments::new(store.clone(), hasher, config), store))
}

/// `KASSA_SECRET`, or on SQLite the secret kept beside the database file, created once.
fn load_secret(db: &DbArgs, backend: Backend) -> Result<String, ConfigError> {
    if let Some(secret) = &db.secret {
        if secret.len() < 16 {
            return Err(ConfigError("KASSA_SECRET must be at least 16 bytes".into()));
        }
        return Ok(secret.clone());
    }
    if backend == Backend::Postgres {
        return Err(ConfigError(
            "KASSA_SECRET is required with PostgreSQL (every server on the database must share it)"
                .into(),
        ));
    }
    let path = PathBuf::from(format!("{}.secret", sqlite_path(&db.database_url)));
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 16 => return Ok(text.trim().to_owned()),
        Ok(_) => {
            return Err(ConfigError(format!(
                "{} holds no usable secret",
                path.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
    }
    let secret = nanoid::nanoid!(48);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(&path) {
        Ok(file) => file,
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return load_secret(db, backend),
        Err(e) => {
            return Err(ConfigError(format!(
                "cannot create {}: {e}",
                path.display()
            )));
        }
    };
    file.write_all(secret.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "generated a server secret");
    Ok(secret)
}
