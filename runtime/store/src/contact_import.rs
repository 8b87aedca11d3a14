//! Bulk import of customer cards from CSV: good rows are written, bad rows are reported
//! with their line and reason, and nothing is dropped silently.

use std::collections::HashMap;
use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codec::col;
use crate::contacts::{CONTACT_COLUMNS, MAX_NOTE_LEN, contact_from_row, fields_json};
use crate::error::{Result, StoreError};
use crate::ids::{TenantId, UnixMs};
use crate::number::{is_customer_number, normalise_number};
use crate::store::Store;

/// Most data rows one import may hold; a larger file is refused before anything is written.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// Columns with a meaning; every other column becomes a custom field on the card.
const NUMBER: &str = "number";
const NAME: &str = "name";
const COMPANY: &str = "company";
const MANAGER: &str = "manager";
const NOTE: &str = "note";

/// The outcome of [`Store::import_contacts_csv`]: `created + updated + errors.len() == rows`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Data rows read (the header excluded).
    pub rows: usize,
    /// Cards created.
    pub created: usize,
    /// Existing cards updated (including a number repeated within the file).
    pub updated: usize,
    /// Rows refused, with the reason.
    pub errors: Vec<ImportRowError>,
}

/// One refused row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowError {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// Why it was refused.
    pub message: String,
}

/// A row that passed validation.
struct ImportRow {
    number: String,
    name: Option<String>,
    company: Option<String>,
    manager: Option<i64>,
    note: Option<String>,
    fields: Map<String, Value>,
}

impl Store {
    /// Imports cards from CSV with a header row. `number` is required; `name`, `company`,
    /// `manager` (a user's extension) and `note` are optional; other columns become custom
    /// fields. Numbers are normalised, so a number already on a card (or repeated in the
    /// file) updates that card: non-empty cells overwrite, empty cells keep what is there.
    /// All good rows are written in one transaction after every row was checked.
    pub async fn import_contacts_csv(
        &self,
        tenant: TenantId,
        input: impl Read,
        now: UnixMs,
    ) -> Result<ImportReport> {
        let country = self.tenant_country(tenant).await?;
        let managers: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT extension, id FROM users WHERE tenant_id = $1",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();

        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|error| StoreError::Invalid(format!("CSV header: {error}")))?
            .iter()
            .map(|header| header.to_ascii_lowercase())
            .collect();
        if !headers.iter().any(|header| header == NUMBER) {
            return Err(StoreError::Invalid("CSV has no \"number\" column".into()));
        }

        let mut report = ImportReport::default();
        let mut good = Vec::new();
        for (index, record) in reader.records().enumerate() {
            report.rows += 1;
            if report.rows > MAX_IMPORT_ROWS {
                return Err(StoreError::Invalid(format!(
                    "more than {MAX_IMPORT_ROWS} rows"
                )));
            }
            // Line of the row if the CSV reader could tell, else header + index.
            let fallback_line = index as u64 + 2;
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    let line = error
                        .position()
                        .map_or(fallback_line, |position| position.line());
                    report.errors.push(ImportRowError {
                        line,
                        message: error.to_string(),
                    });
                    continue;
                }
            };
            let line = record
                .position()
                .map_or(fallback_line, |position| position.line());
            match parse_row(&headers, &record, &country, &managers) {
                Ok(row) => good.push(row),
                Err(message) => report.errors.push(ImportRowError { line, message }),
            }
        }

        let mut tx = self.begin_write().await?;
        for row in good {
            // Insert first: a card created concurrently (a call from that number) turns the
            // insert into a no-op instead of a unique violation that would abort the import.
            let inserted = sqlx::query(
                "INSERT INTO contacts (tenant_id, number, name, company, assigned_manager_id, fields, \
                 created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                 ON CONFLICT (tenant_id, number) DO NOTHING RETURNING id",
            )
            .bind(tenant.0)
            .bind(&row.number)
            .bind(row.name.as_deref())
            .bind(row.company.as_deref())
            .bind(row.manager)
            .bind(fields_json(&row.fields)?)
            .bind(now.0)
            .fetch_optional(&mut *tx)
            .await?;
            let contact_id: i64 = match inserted {
                Some(inserted) => {
                    report.created += 1;
                    col(&inserted, "id")?
                }
                None => {
                    let existing = sqlx::query(&format!(
                        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE tenant_id = $1 AND number = $2"
                    ))
                    .bind(tenant.0)
                    .bind(&row.number)
                    .fetch_one(&mut *tx)
                    .await?;
                    let existing = contact_from_row(&existing)?;
                    let mut fields = existing.fields;
                    fields.extend(row.fields);
                    sqlx::query(
                        "UPDATE contacts SET name = $3, company = $4, assigned_manager_id = $5, fields = $6, \
                         updated_ms = $7 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(existing.id.0)
                    .bind(row.name.or(existing.name))
                    .bind(row.company.or(existing.company))
                    .bind(row.manager.or(existing.assigned_manager.map(|user| user.0)))
                    .bind(fields_json(&fields)?)
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await?;
                    report.updated += 1;
                    existing.id.0
                }
            };
            if let Some(note) = row.note {
                sqlx::query(
                    "INSERT INTO contact_notes (tenant_id, contact_id, at_ms, author, text) VALUES ($1, $2, $3, 'import', $4)",
                )
                .bind(tenant.0)
                .bind(contact_id)
                .bind(now.0)
                .bind(note)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(report)
    }
}

/// Checks one row; the error is the message reported for it.
fn parse_row(
    headers: &[String],
    record: &csv::StringRecord,
    country: &str,
    managers: &HashMap<String, i64>,
) -> std::result::Result<ImportRow, String> {
    let mut row = ImportRow {
        number: String::new(),
        name: None,
        company: None,
        manager: None,
        note: None,
        fields: Map::new(),
    };
    for (header, cell) in headers.iter().zip(record.iter()) {
        let value = (!cell.is_empty()).then(|| cell.to_owned());
        match header.as_str() {
            NUMBER => row.number = normalise_number(cell, country),
            NAME => row.name = value,
            COMPANY => row.company = value,
            MANAGER => {
                if let Some(extension) = value {
                    let id = managers
                        .get(&extension)
                        .ok_or(format!("manager extension {extension:?} is not a user"))?;
                    row.manager = Some(*id);
                }
            }
            NOTE => {
                if value.as_ref().is_some_and(|note| note.len() > MAX_NOTE_LEN) {
                    return Err(format!("note is longer than {MAX_NOTE_LEN} bytes"));
                }
                row.note = value;
            }
            _ => {
                if let Some(value) = value {
                    row.fields.insert(header.clone(), Value::String(value));
                }
            }
        }
    }
    if !is_customer_number(&row.number) {
        let raw = headers
            .iter()
            .position(|header| header == NUMBER)
            .and_then(|at| record.get(at))
            .unwrap_or("");
        return Err(format!("{raw:?} is not a phone number"));
    }
    fields_json(&row.fields).map_err(|error| error.to_string())?;
    Ok(row)
}
