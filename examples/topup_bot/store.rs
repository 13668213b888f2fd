//! What the bot remembers, in `BOT_DATA_DIR`:
//!
//! - `transactions.json`: every order the bot made, one JSON object a line, with its status,
//!   and the Telegram update offset. It is the only source of truth: a user's balance is the
//!   sum of their paid orders, so marking an order paid *is* crediting it, and an order code
//!   can be paid (credited) only once.
//! - `balances.json`: the balances derived from it, rewritten after it for people and other
//!   programs to read; never read back.
//!
//! Both are written atomically: a temporary file in the same folder, `fsync`, `rename` over the
//! old file, `fsync` of the folder. A crash leaves the old file or the new one, never half of one.

use crate::money::{self, Tiyin};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub const TRANSACTIONS: &str = "transactions.json";
pub const BALANCES: &str = "balances.json";

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the payment.
    Pending,
    /// Paid: the amount is on the user's balance.
    Paid,
    /// Not paid in time; cancelled through Kassa (or found cancelled there).
    Expired,
    /// Cancelled by the user (`/cancel`).
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }
}

/// One order the bot made for a user, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// Kassa's order code (what `check` and `cancel` take).
    pub order: String,
    /// The Telegram user whose balance it tops up.
    pub user_id: u64,
    /// Where to tell them.
    pub chat_id: i64,
    /// The user's language (Telegram's `language_code`), for the messages sent later.
    #[serde(default)]
    pub lang: String,
    /// What the balance gets, in so'm (`"5000"`, `"5000.50"`).
    #[serde(with = "money::kassa_text")]
    pub amount: Tiyin,
    /// What the payer must transfer, exactly.
    #[serde(with = "money::kassa_text")]
    pub payable_amount: Tiyin,
    /// The receiving card, digits.
    #[serde(default)]
    pub card: Option<String>,
    /// The hosted pay page, for page shops.
    #[serde(default)]
    pub pay_url: Option<String>,
    pub status: Status,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds: when Kassa said the order expires (refreshed at each check).
    pub expires_at: u64,
    /// Unix seconds: when the bot saw it paid, expired or cancelled.
    #[serde(default)]
    pub closed_at: Option<u64>,
    /// The user was told of the final status (or cannot be told).
    #[serde(default)]
    pub notified: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Head {
    version: u32,
    /// The next Telegram update to ask for: updates below it were handled.
    telegram_offset: i64,
}

#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    pub telegram_offset: i64,
    txs: Vec<Transaction>,
}

#[derive(Debug, Deserialize)]
struct FileForm {
    version: u32,
    telegram_offset: i64,
    transactions: Vec<Transaction>,
}

impl Store {
    /// Reads `transactions.json` from `dir` (created if missing); a file that cannot be read is
    /// an error, never overwritten.
    pub fn open(dir: &Path) -> Result<Store, String> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(TRANSACTIONS);
        let store = match fs::read_to_string(&path) {
            Ok(text) => {
                let form: FileForm = serde_json::from_str(&text)
                    .map_err(|e| format!("{} is not readable: {e}", path.display()))?;
                if form.version != 1 {
                    return Err(format!(
                        "{}: version {} is not known to this bot",
                        path.display(),
                        form.version
                    ));
                }
                let mut seen = std::collections::HashSet::new();
                for tx in &form.transactions {
                    if !seen.insert(tx.order.as_str()) {
                        return Err(format!(
                            "{}: order {} appears twice",
                            path.display(),
                            tx.order
                        ));
                    }
                }
                Store {
                    dir: dir.to_owned(),
                    telegram_offset: form.telegram_offset,
                    txs: form.transactions,
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Store {
                dir: dir.to_owned(),
                telegram_offset: 0,
                txs: Vec::new(),
            },
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(store)
    }

    /// Writes `transactions.json`, then `balances.json`, each atomically.
    pub fn save(&self) -> io::Result<()> {
        let head = serde_json::to_string(&Head {
            version: 1,
            telegram_offset: self.telegram_offset,
        })?;
        // `{"version":1,"telegram_offset":N,"transactions":[` then one transaction a line.
        let mut text = String::with_capacity(256 + self.txs.len() * 320);
        text.push_str(head.trim_end_matches('}'));
        text.push_str(",\"transactions\":[");
        for (i, tx) in self.txs.iter().enumerate() {
            text.push_str(if i == 0 { "\n" } else { ",\n" });
            text.push_str(&serde_json::to_string(tx)?);
        }
        text.push_str("\n]}\n");
        write_atomically(&self.dir, TRANSACTIONS, text.as_bytes())?;

        let balances: BTreeMap<String, String> = self
            .balances()
            .into_iter()
            .map(|(user, amount)| (user.to_string(), money::to_kassa(amount)))
            .collect();
        let mut text = serde_json::to_string_pretty(&balances)?;
        text.push('\n');
        write_atomically(&self.dir, BALANCES, text.as_bytes())
    }

    pub fn get(&self, order: &str) -> Option<&Transaction> {
        self.txs.iter().find(|t| t.order == order)
    }

    fn get_mut(&mut self, order: &str) -> Option<&mut Transaction> {
        self.txs.iter_mut().find(|t| t.order == order)
    }

    /// Adds a new order; `false` (and nothing changes) when the code is already known.
    pub fn add(&mut self, tx: Transaction) -> bool {
        if self.get(&tx.order).is_some() {
            return false;
        }
        self.txs.push(tx);
        true
    }

    /// Removes an order that [`Store::add`] added but could not be saved.
    pub fn forget(&mut self, order: &str) {
        self.txs.retain(|t| t.order != order);
    }

    /// Moves a pending order to `to`; `true` only for the call that moved it. The one place an
    /// order becomes paid, so it is credited once whatever repeats.
    pub fn close(&mut self, order: &str, to: Status, now: u64) -> bool {
        match self.get_mut(order) {
            Some(tx) if tx.status == Status::Pending && to != Status::Pending => {
                tx.status = to;
                tx.closed_at = Some(now);
                true
            }
            _ => false,
        }
    }

    /// Undoes [`Store::close`] (when the save after it failed).
    pub fn reopen(&mut self, order: &str) {
        if let Some(tx) = self.get_mut(order) {
            tx.status = Status::Pending;
            tx.closed_at = None;
        }
    }

    pub fn set_expires_at(&mut self, order: &str, expires_at: u64) {
        if let Some(tx) = self.get_mut(order) {
            tx.expires_at = expires_at;
        }
    }

    pub fn set_notified(&mut self, order: &str, notified: bool) {
        if let Some(tx) = self.get_mut(order) {
            tx.notified = notified;
        }
    }

    pub fn pending(&self) -> Vec<Transaction> {
        self.txs
            .iter()
            .filter(|t| t.status == Status::Pending)
            .cloned()
            .collect()
    }

    /// Final orders whose user was not told yet.
    pub fn unnotified(&self) -> Vec<Transaction> {
        self.txs
            .iter()
            .filter(|t| t.status != Status::Pending && !t.notified)
            .cloned()
            .collect()
    }

    pub fn pending_of(&self, user_id: u64) -> Vec<Transaction> {
        self.txs
            .iter()
            .filter(|t| t.user_id == user_id && t.status == Status::Pending)
            .cloned()
            .collect()
    }

    /// The user's orders, newest first.
    pub fn history(&self, user_id: u64, limit: usize) -> Vec<Transaction> {
        self.txs
            .iter()
            .rev()
            .filter(|t| t.user_id == user_id)
            .take(limit)
            .cloned()
            .collect()
    }

    /// The sum of the user's paid orders.
    pub fn balance(&self, user_id: u64) -> Tiyin {
        self.txs
            .iter()
            .filter(|t| t.user_id == user_id && t.status == Status::Paid)
            .map(|t| t.amount)
            .sum()
    }

    pub fn balances(&self) -> BTreeMap<u64, Tiyin> {
        let mut out = BTreeMap::new();
        for tx in self.txs.iter().filter(|t| t.status == Status::Paid) {
            *out.entry(tx.user_id).or_insert(0) += tx.amount;
        }
        out
    }
}

/// Temporary file, fsync, rename over `name`, fsync of the folder.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, dir.join(name))?;
        // The rename itself is durable once the folder is synced (Unix; elsewhere a no-op).
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
