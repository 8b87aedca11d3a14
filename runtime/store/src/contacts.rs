//! Customer cards: one per normalised number, with notes, history, an assigned manager and
//! explicit, audited deletion.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;

use crate::call_record::{CALL_COLUMNS, Call, call_from_row};
use crate::codec::{MAX_NAME_LEN, Page, col, json_col, require_text, to_json};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{ContactId, NoteId, TenantId, UnixMs, UserId};
use crate::number::{is_customer_number, normalise_number};
use crate::store::Store;

/// Longest note text accepted.
pub const MAX_NOTE_LEN: usize = 10_000;

/// Largest custom-fields document (serialised JSON) on a card or record.
pub const MAX_FIELDS_BYTES: usize = 64 * 1024;

/// A customer card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The card's id.
    pub id: ContactId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The normalised number (E.164 where possible): the card's key within the tenant.
    pub number: String,
    /// The customer's name.
    pub name: Option<String>,
    /// The customer's company.
    pub company: Option<String>,
    /// The user who looks after this customer; routing may ring them first.
    pub assigned_manager: Option<UserId>,
    /// Free-form fields (address, loyalty level, CRM id).
    pub fields: Map<String, Value>,
    /// When the card was created.
    pub created: UnixMs,
    /// When it last changed.
    pub updated: UnixMs,
}

/// The editable fields of a card (a full replacement).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactUpdate {
    /// The customer's name.
    pub name: Option<String>,
    /// The customer's company.
    pub company: Option<String>,
    /// The user who looks after this customer (must be a user of the tenant).
    pub assigned_manager: Option<UserId>,
    /// Free-form fields.
    pub fields: Map<String, Value>,
}

/// A note on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The note's id.
    pub id: NoteId,
    /// The card it belongs to.
    pub contact_id: ContactId,
    /// When it was written.
    pub at: UnixMs,
    /// Who wrote it (user name, `scenario`, `import`).
    pub author: Option<String>,
    /// The text.
    pub text: String,
}

/// One destructive action, with a snapshot of what it removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it happened.
    pub at: UnixMs,
    /// Who did it.
    pub actor: String,
    /// What was done (`delete`).
    pub action: String,
    /// The kind of object (`contact`).
    pub object_kind: String,
    /// The object's id.
    pub object_id: String,
    /// Why, as given by the actor.
    pub reason: Option<String>,
    /// The object as it was before.
    pub snapshot: Value,
}

pub(crate) const CONTACT_COLUMNS: &str =
    "id, tenant_id, number, name, company, assigned_manager_id, fields, created_ms, updated_ms";

pub(crate) fn contact_from_row(row: &AnyRow) -> Result<Contact> {
    Ok(Contact {
        id: ContactId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        number: col(row, "number")?,
        name: col(row, "name")?,
        company: col(row, "company")?,
        assigned_manager: col::<Option<i64>>(row, "assigned_manager_id")?.map(UserId),
        fields: json_col(row, "fields")?,
        created: UnixMs(col(row, "created_ms")?),
        updated: UnixMs(col(row, "updated_ms")?),
    })
}

fn note_from_row(row: &AnyRow) -> Result<Note> {
    Ok(Note {
        id: NoteId(col(row, "id")?),
        contact_id: ContactId(col(row, "contact_id")?),
        at: UnixMs(col(row, "at_ms")?),
        author: col(row, "author")?,
        text: col(row, "text")?,
    })
}

/// Serialises custom fields, refusing oversized documents.
pub(crate) fn fields_json(fields: &Map<String, Value>) -> Result<String> {
    let text = to_json(fields)?;
    if text.len() > MAX_FIELDS_BYTES {
        return Err(StoreError::Invalid(format!(
            "fields are larger than {MAX_FIELDS_BYTES} bytes"
        )));
    }
    Ok(text)
}

impl Store {
    /// Normalises `raw` for the tenant and checks it is an outside phone number.
    pub(crate) async fn customer_number(&self, tenant: TenantId, raw: &str) -> Result<String> {
        let number = normalise_number(raw, &self.tenant_country(tenant).await?);
        if is_customer_number(&number) {
            Ok(number)
        } else {
            Err(StoreError::Invalid(format!(
                "{raw:?} is not a customer phone number"
            )))
        }
    }

    /// Fails with [`StoreError::Invalid`] unless `user` is a user of the tenant.
    pub(crate) async fn require_user_of(&self, tenant: TenantId, user: UserId) -> Result<()> {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM users WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.0)
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?;
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::Invalid(format!("user {user} is not a user of this tenant")))
    }

    /// The card for `raw` (normalised for the tenant), created empty if there is none.
    pub async fn contact_for_number(
        &self,
        tenant: TenantId,
        raw: &str,
        now: UnixMs,
    ) -> Result<Contact> {
        let number = self.customer_number(tenant, raw).await?;
        sqlx::query(
            "INSERT INTO contacts (tenant_id, number, created_ms, updated_ms) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (tenant_id, number) DO NOTHING",
        )
        .bind(tenant.0)
        .bind(&number)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        self.find_contact(tenant, &number)
            .await?
            .ok_or(StoreError::NotFound("contact"))
    }

    /// The card for `raw` (normalised for the tenant), if there is one.
    pub async fn find_contact(&self, tenant: TenantId, raw: &str) -> Result<Option<Contact>> {
        let number = normalise_number(raw, &self.tenant_country(tenant).await?);
        let row = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE tenant_id = $1 AND number = $2"
        ))
        .bind(tenant.0)
        .bind(&number)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(contact_from_row).transpose()
    }

    /// One card of the tenant.
    pub async fn contact(&self, tenant: TenantId, id: ContactId) -> Result<Contact> {
        let row = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("contact"))?;
        contact_from_row(&row)
    }

    /// The tenant's cards, by number.
    pub async fn list_contacts(&self, tenant: TenantId, page: Page) -> Result<Vec<Contact>> {
        let rows = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE tenant_id = $1 ORDER BY number {}",
            page.sql()
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(contact_from_row).collect()
    }

    /// Replaces a card's editable fields.
    pub async fn update_contact(
        &self,
        tenant: TenantId,
        id: ContactId,
        update: &ContactUpdate,
        now: UnixMs,
    ) -> Result<Contact> {
        let fields = fields_json(&update.fields)?;
        if let Some(manager) = update.assigned_manager {
            self.require_user_of(tenant, manager).await?;
        }
        let row = sqlx::query(&format!(
            "UPDATE contacts SET name = $3, company = $4, assigned_manager_id = $5, fields = $6, updated_ms = $7 \
             WHERE tenant_id = $1 AND id = $2 RETURNING {CONTACT_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(update.name.as_deref())
        .bind(update.company.as_deref())
        .bind(update.assigned_manager.map(|user| user.0))
        .bind(fields)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("contact"))?;
        contact_from_row(&row)
    }

    /// Moves a card to another number (normalised); [`StoreError::Conflict`] if that
    /// number already has a card.
    pub async fn change_contact_number(
        &self,
        tenant: TenantId,
        id: ContactId,
        raw: &str,
        now: UnixMs,
    ) -> Result<Contact> {
        let number = self.customer_number(tenant, raw).await?;
        let row = sqlx::query(&format!(
            "UPDATE contacts SET number = $3, updated_ms = $4 WHERE tenant_id = $1 AND id = $2 RETURNING {CONTACT_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(&number)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(conflict_as("contact with this number"))?
        .ok_or(StoreError::NotFound("contact"))?;
        contact_from_row(&row)
    }

    /// Adds a note to a card.
    pub async fn add_note(
        &self,
        tenant: TenantId,
        contact: ContactId,
        author: Option<&str>,
        text: &str,
        now: UnixMs,
    ) -> Result<Note> {
        require_text("note", text, MAX_NOTE_LEN)?;
        let row = sqlx::query(
            "INSERT INTO contact_notes (tenant_id, contact_id, at_ms, author, text) \
             SELECT $1, id, $3, $4, $5 FROM contacts WHERE tenant_id = $1 AND id = $2 \
             RETURNING id, contact_id, at_ms, author, text",
        )
        .bind(tenant.0)
        .bind(contact.0)
        .bind(now.0)
        .bind(author)
        .bind(text)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("contact"))?;
        note_from_row(&row)
    }

    /// A card's notes, oldest first.
    pub async fn notes(&self, tenant: TenantId, contact: ContactId) -> Result<Vec<Note>> {
        self.contact(tenant, contact).await?;
        let rows = sqlx::query(
            "SELECT id, contact_id, at_ms, author, text FROM contact_notes \
             WHERE tenant_id = $1 AND contact_id = $2 ORDER BY at_ms, id",
        )
        .bind(tenant.0)
        .bind(contact.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(note_from_row).collect()
    }

    /// The calls with the card's number, newest first.
    pub async fn contact_history(
        &self,
        tenant: TenantId,
        contact: ContactId,
        page: Page,
    ) -> Result<Vec<Call>> {
        let number = self.contact(tenant, contact).await?.number;
        let rows = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE tenant_id = $1 AND customer_number = $2 \
             ORDER BY start_ms DESC, id DESC {}",
            page.sql()
        ))
        .bind(tenant.0)
        .bind(&number)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(call_from_row).collect()
    }

    /// Deletes a card and its notes, explicitly: `actor` and `reason` go to the audit log
    /// with a snapshot of the card and notes, in the same transaction. Calls stay.
    pub async fn delete_contact(
        &self,
        tenant: TenantId,
        id: ContactId,
        actor: &str,
        reason: Option<&str>,
        now: UnixMs,
    ) -> Result<()> {
        require_text("actor", actor, MAX_NAME_LEN)?;
        let mut tx = self.begin_write().await?;
        let notes = sqlx::query(
            "SELECT id, contact_id, at_ms, author, text FROM contact_notes \
             WHERE tenant_id = $1 AND contact_id = $2 ORDER BY at_ms, id",
        )
        .bind(tenant.0)
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(note_from_row)
        .collect::<Result<Vec<_>>>()?;
        let row = sqlx::query(&format!(
            "DELETE FROM contacts WHERE tenant_id = $1 AND id = $2 RETURNING {CONTACT_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("contact"))?;
        let contact = contact_from_row(&row)?;
        let snapshot = serde_json::json!({ "contact": contact, "notes": notes });
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, at_ms, actor, action, object_kind, object_id, reason, snapshot) \
             VALUES ($1, $2, $3, 'delete', 'contact', $4, $5, $6)",
        )
        .bind(tenant.0)
        .bind(now.0)
        .bind(actor)
        .bind(id.0.to_string())
        .bind(reason)
        .bind(to_json(&snapshot)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's audit log, newest first.
    pub async fn audit_log(&self, tenant: TenantId, page: Page) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT at_ms, actor, action, object_kind, object_id, reason, snapshot FROM audit_log \
             WHERE tenant_id = $1 ORDER BY at_ms DESC, id DESC {}",
            page.sql()
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: UnixMs(col(row, "at_ms")?),
                    actor: col(row, "actor")?,
                    action: col(row, "action")?,
                    object_kind: col(row, "object_kind")?,
                    object_id: col(row, "object_id")?,
                    reason: col(row, "reason")?,
                    snapshot: json_col(row, "snapshot")?,
                })
            })
            .collect()
    }
}
