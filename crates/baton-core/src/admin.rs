//! Administration from the console: organisations, users and invitations.
//! These run on the server (the cache holds none of it), so they need the
//! connection; offline they say so. The server authorises every one; the
//! console checks only what it can say sooner (the caller is an admin).

use baton_proto::{
    AdminOrg, AdminUser, ApiKey, ApiKeyIssued, BusinessCalendar, ErrorCode, Invitation, NewApiKey, NewPartner, NewUser,
    OpenWork, OrgUpdate, Role, SessionsEnded, UserUpdate,
};
use baton_proto::{ImportFormat, ImportKind, ImportReport, NewWebhook, Webhook, WebhookCreated, WebhookDelivery};
use reqwest::Method;

use crate::client::url_segment;
use crate::error::{CoreError, Result};
use crate::Console;

const NO_BODY: Option<&()> = None;

impl Console {
    fn require_admin(&self) -> Result<()> {
        if self.session().user.role == Role::Admin {
            Ok(())
        } else {
            Err(CoreError::invalid(
                ErrorCode::Forbidden,
                "only administrators can do this",
            ))
        }
    }

    pub async fn admin_orgs(&self) -> Result<Vec<AdminOrg>> {
        self.require_admin()?;
        self.api().admin(Method::GET, "/orgs", NO_BODY).await
    }

    pub async fn admin_org_create(&self, new: &NewPartner) -> Result<AdminOrg> {
        self.require_admin()?;
        baton_proto::validate::id("id", &new.id)?;
        baton_proto::validate::text("name", &new.name, baton_proto::validate::MAX_SHORT)?;
        self.api().admin(Method::POST, "/orgs", Some(new)).await
    }

    pub async fn admin_org_update(&self, id: &str, change: &OrgUpdate) -> Result<AdminOrg> {
        self.require_admin()?;
        let path = format!("/orgs/{}", url_segment(id));
        self.api().admin(Method::PATCH, &path, Some(change)).await
    }

    /// Sets an organisation's business hours, checked here first so a mistake
    /// is named before it reaches the server.
    pub async fn admin_set_calendar(&self, id: &str, calendar: &BusinessCalendar) -> Result<AdminOrg> {
        self.require_admin()?;
        let (tidy, _) = calendar.validate()?;
        let path = format!("/orgs/{}/calendar", url_segment(id));
        self.api().admin(Method::PUT, &path, Some(&tidy)).await
    }

    /// Removes an organisation's business hours: open around the clock.
    pub async fn admin_clear_calendar(&self, id: &str) -> Result<AdminOrg> {
        self.require_admin()?;
        let path = format!("/orgs/{}/calendar", url_segment(id));
        self.api().admin(Method::DELETE, &path, NO_BODY).await
    }

    pub async fn admin_open_work(&self, id: &str) -> Result<OpenWork> {
        self.require_admin()?;
        let path = format!("/orgs/{}/open-work", url_segment(id));
        self.api().admin(Method::GET, &path, NO_BODY).await
    }

    pub async fn admin_users(&self) -> Result<Vec<AdminUser>> {
        self.require_admin()?;
        self.api().admin(Method::GET, "/users", NO_BODY).await
    }

    pub async fn admin_user_invite(&self, new: &NewUser) -> Result<Invitation> {
        self.require_admin()?;
        if !baton_proto::valid_username(&new.username) {
            return Err(CoreError::invalid(
                ErrorCode::BadRequest,
                "username must be 2 to 100 letters, digits, '.', '-', '_' or '@'",
            ));
        }
        baton_proto::validate::text("name", &new.display_name, baton_proto::validate::MAX_SHORT)?;
        self.api().admin(Method::POST, "/users", Some(new)).await
    }

    pub async fn admin_user_update(&self, id: &str, change: &UserUpdate) -> Result<AdminUser> {
        self.require_admin()?;
        let path = format!("/users/{}", url_segment(id));
        self.api().admin(Method::PATCH, &path, Some(change)).await
    }

    pub async fn admin_user_reset_password(&self, id: &str) -> Result<Invitation> {
        self.require_admin()?;
        let path = format!("/users/{}/reset-password", url_segment(id));
        self.api().admin(Method::POST, &path, NO_BODY).await
    }

    pub async fn admin_user_revoke_sessions(&self, id: &str) -> Result<SessionsEnded> {
        self.require_admin()?;
        let path = format!("/users/{}/revoke-sessions", url_segment(id));
        self.api().admin(Method::POST, &path, NO_BODY).await
    }

    pub async fn admin_api_keys(&self) -> Result<Vec<ApiKey>> {
        self.require_admin()?;
        self.api().admin(Method::GET, "/api-keys", NO_BODY).await
    }

    /// A key for an organisation's own system; its secret is in this answer only.
    pub async fn admin_api_key_create(&self, new: &NewApiKey) -> Result<ApiKeyIssued> {
        self.require_admin()?;
        baton_proto::validate::text("name", &new.name, baton_proto::validate::MAX_SHORT)?;
        self.api().admin(Method::POST, "/api-keys", Some(new)).await
    }

    pub async fn admin_api_key_revoke(&self, id: &str) -> Result<ApiKey> {
        self.require_admin()?;
        let path = format!("/api-keys/{}/revoke", url_segment(id));
        self.api().admin(Method::POST, &path, NO_BODY).await
    }

    pub async fn admin_webhooks(&self) -> Result<Vec<Webhook>> {
        self.require_admin()?;
        self.api().admin(Method::GET, "/webhooks", NO_BODY).await
    }

    pub async fn admin_webhook_create(&self, new: &NewWebhook) -> Result<WebhookCreated> {
        self.require_admin()?;
        self.api().admin(Method::POST, "/webhooks", Some(new)).await
    }

    pub async fn admin_webhook_disable(&self, id: &str) -> Result<Webhook> {
        self.require_admin()?;
        let path = format!("/webhooks/{}/disable", url_segment(id));
        self.api().admin(Method::POST, &path, NO_BODY).await
    }

    pub async fn admin_webhook_deliveries(&self, id: &str) -> Result<Vec<WebhookDelivery>> {
        self.require_admin()?;
        let path = format!("/webhooks/{}/deliveries", url_segment(id));
        self.api().admin(Method::GET, &path, NO_BODY).await
    }

    pub async fn admin_webhook_replay(&self, delivery_id: &str) -> Result<WebhookDelivery> {
        self.require_admin()?;
        let path = format!("/webhook-deliveries/{}/replay", url_segment(delivery_id));
        self.api().admin(Method::POST, &path, NO_BODY).await
    }

    /// Imports a file the administrator chose (customers, people, contact
    /// points, addresses, orders or jobs; CSV or JSON Lines). Larger files than
    /// the API takes go through `baton-server import`.
    pub async fn admin_import_start(
        &self,
        kind: ImportKind,
        format: ImportFormat,
        file: String,
    ) -> Result<ImportReport> {
        self.require_admin()?;
        if file.len() > MAX_IMPORT_BYTES {
            return Err(CoreError::invalid(
                ErrorCode::PayloadTooLarge,
                "this file is larger than 256 MiB: import it on the server with `baton-server import`",
            ));
        }
        if file.trim().is_empty() {
            return Err(CoreError::invalid(ErrorCode::BadRequest, "this file is empty"));
        }
        self.api().import_start(kind, format, file).await
    }

    pub async fn admin_imports(&self) -> Result<Vec<ImportReport>> {
        self.require_admin()?;
        self.api().imports().await
    }

    pub async fn admin_import(&self, id: &str) -> Result<ImportReport> {
        self.require_admin()?;
        self.api().import(id).await
    }
}

/// The largest file the server's import API takes (256 MiB).
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;
