//! Administration: organisations, users and their invitations. Routes and the
//! `init` command call these; each action is authorised by [`reach`] and
//! audited in the same transaction as the change.
//!
//! The rule: a retailer admin runs every organisation; a partner admin runs its
//! own organisation's users (and sees its own organisation) and nothing else —
//! another organisation's ids answer the same 404 as unknown ones. Only the
//! retailer creates partners or changes what they see and their SLAs.

use baton_proto::validate;
use baton_proto::{
    AdminOrg, AdminUser, BusinessCalendar, Invitation, NewPartner, NewUser, OpenWork, OrgKind, OrgUpdate, Role,
    UserUpdate, MAX_SLA_MINUTES,
};
use chrono::{DateTime, Duration, Utc};

use crate::auth::AuthUser;
use crate::docs::Scope;
use crate::error::ServerError;
use crate::store::{self, user_codes::Purpose, Conn};
use crate::wire::ts;

/// How long an invitation or reset code may be used.
pub const CODE_VALID_FOR: Duration = Duration::days(7);

/// What an admin may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The retailer's admins: every organisation.
    All,
    /// A partner's admins: their own organisation's users.
    Own(String),
}

impl Reach {
    /// Whether `org` is within reach.
    pub fn covers(&self, org: &str) -> bool {
        match self {
            Reach::All => true,
            Reach::Own(own) => own == org,
        }
    }

    fn only(&self) -> Option<&str> {
        match self {
            Reach::All => None,
            Reach::Own(own) => Some(own),
        }
    }
}

/// The caller's reach, or 403 for anyone but an admin.
pub fn reach(caller: &AuthUser) -> Result<Reach, ServerError> {
    if caller.user.role != Role::Admin {
        return Err(ServerError::forbidden("only administrators can do this"));
    }
    Ok(match caller.scope() {
        Scope::Internal => Reach::All,
        Scope::Org(own) => Reach::Own(own),
    })
}

pub fn retailer_only(reach: &Reach, what: &str) -> Result<(), ServerError> {
    match reach {
        Reach::All => Ok(()),
        Reach::Own(_) => Err(ServerError::forbidden(format!(
            "only the retailer's administrators {what}"
        ))),
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, ServerError> {
    serde_json::to_string(v).map_err(|e| ServerError::Internal(format!("encoding an audit entry: {e}")))
}

/// Who did an admin action: a signed-in admin, or the `init` command.
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub org_id: &'a str,
}

impl<'a> Actor<'a> {
    pub fn of(caller: &'a AuthUser) -> Actor<'a> {
        Actor {
            user_id: &caller.user.id,
            org_id: &caller.user.org.id,
        }
    }
}

/// What an admin action was done to.
enum Subject<'a> {
    Org(&'a str),
    User(&'a str),
}

fn audit(
    db: &dyn Conn,
    actor: &Actor<'_>,
    at: &str,
    action: &str,
    subject: Subject<'_>,
    before: Option<&str>,
    after: &str,
) -> Result<(), ServerError> {
    let (entity, entity_id) = match subject {
        Subject::Org(id) => ("org", id),
        Subject::User(id) => ("user", id),
    };
    store::audit::append(
        db,
        &store::audit::NewEntry {
            at,
            user_id: actor.user_id,
            org_id: actor.org_id,
            action,
            entity,
            entity_id,
            before,
            after,
            customer_id: None,
        },
    )
}

fn sla(field: &str, v: Option<i64>, zero_clears: bool) -> Result<Option<i64>, ServerError> {
    match v {
        None => Ok(None),
        Some(0) if zero_clears => Ok(None),
        Some(m) if (1..=MAX_SLA_MINUTES).contains(&m) => Ok(Some(m)),
        Some(_) => Err(ServerError::bad_request(format!(
            "{field} must be 1 to {MAX_SLA_MINUTES} minutes{}",
            if zero_clears { " (or 0 for the default)" } else { "" }
        ))),
    }
}

fn name(field: &str, v: &str) -> Result<String, ServerError> {
    Ok(validate::text(field, v, validate::MAX_SHORT)?)
}

// ---- organisations ----

pub fn list_orgs(db: &dyn Conn, reach: &Reach) -> Result<Vec<AdminOrg>, ServerError> {
    store::orgs::admin_list(db, reach.only())
}

/// An organisation within reach, or 404.
pub fn org(db: &dyn Conn, reach: &Reach, id: &str) -> Result<AdminOrg, ServerError> {
    validate::id("organisation id", id)?;
    store::orgs::admin_get(db, id)?
        .filter(|o| reach.covers(&o.org.id))
        .ok_or_else(|| ServerError::not_found("organisation"))
}

pub fn create_partner(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    new: &NewPartner,
    at: &str,
) -> Result<AdminOrg, ServerError> {
    retailer_only(reach, "create partner organisations")?;
    validate::id("id", &new.id)?;
    let org_name = name("name", &new.name)?;
    let callback = sla("callback_sla_minutes", new.callback_sla_minutes, false)?;
    let commitment = sla("commitment_sla_minutes", new.commitment_sla_minutes, false)?;
    if store::orgs::get(db, &new.id)?.is_some() {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            format!("there is already an organisation '{}'", new.id),
        ));
    }
    let mut fields = new.visible_fields.clone();
    fields.sort_by_key(|f| *f as u8);
    fields.dedup();
    store::orgs::insert(db, &new.id, &org_name, OrgKind::Partner, &fields, callback, commitment)?;
    let created = org(db, reach, &new.id)?;
    audit(
        db,
        actor,
        at,
        "org_created",
        Subject::Org(&new.id),
        None,
        &json(&created)?,
    )?;
    Ok(created)
}

/// What an organisation update did beyond its own row.
pub struct OrgChanged {
    pub org: AdminOrg,
    /// Scopes whose consoles must hear of it (the partner's, when what it sees changed).
    pub touched: Vec<String>,
    /// Whether sessions ended (deactivation).
    pub sessions_ended: bool,
}

pub fn update_org(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    change: &OrgUpdate,
    now: DateTime<Utc>,
) -> Result<OrgChanged, ServerError> {
    retailer_only(reach, "change organisations")?;
    let before = org(db, reach, id)?;
    let mut after = before.clone();
    if let Some(n) = &change.name {
        after.org.name = name("name", n)?;
    }
    let partner = before.org.kind == OrgKind::Partner;
    if !partner
        && (change.visible_fields.is_some()
            || change.callback_sla_minutes.is_some()
            || change.commitment_sla_minutes.is_some()
            || change.active.is_some())
    {
        return Err(ServerError::bad_request(
            "the retailer's own organisation has no visible fields or SLAs and cannot be deactivated",
        ));
    }
    if let Some(f) = &change.visible_fields {
        let mut fields = f.clone();
        fields.sort_by_key(|f| *f as u8);
        fields.dedup();
        after.visible_fields = fields;
    }
    if change.callback_sla_minutes.is_some() {
        after.callback_sla_minutes = sla("callback_sla_minutes", change.callback_sla_minutes, true)?;
    }
    if change.commitment_sla_minutes.is_some() {
        after.commitment_sla_minutes = sla("commitment_sla_minutes", change.commitment_sla_minutes, true)?;
    }
    match change.active {
        Some(false) if after.deactivated_at.is_none() => after.deactivated_at = Some(now),
        Some(true) => after.deactivated_at = None,
        _ => {}
    }
    if after == before {
        return Ok(OrgChanged {
            org: before,
            touched: vec![],
            sessions_ended: false,
        });
    }
    let at = ts(now);
    store::orgs::update(db, &after)?;
    let mut touched = Vec::new();
    if after.visible_fields != before.visible_fields {
        let scope = Scope::Org(id.to_string());
        crate::feed::refresh_scope(db, &scope)?;
        touched.push(scope.key());
    }
    let deactivated = before.deactivated_at.is_none() && after.deactivated_at.is_some();
    if deactivated {
        store::users::end_sessions_of_org(db, id)?;
    }
    let action = match (
        deactivated,
        before.deactivated_at.is_some() && after.deactivated_at.is_none(),
    ) {
        (true, _) => "org_deactivated",
        (_, true) => "org_reactivated",
        _ => "org_changed",
    };
    audit(
        db,
        actor,
        &at,
        action,
        Subject::Org(id),
        Some(&json(&before)?),
        &json(&after)?,
    )?;
    Ok(OrgChanged {
        org: org(db, reach, id)?,
        touched,
        sessions_ended: deactivated,
    })
}

/// Sets an organisation's business hours, or clears them (`None`: open around
/// the clock): the retailer's admins for any organisation, a partner's admins
/// for their own. Escalations follow the new hours from the next sweep; due
/// times already set stay as they are. Audited.
pub fn set_calendar(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    calendar: Option<&BusinessCalendar>,
    now: DateTime<Utc>,
) -> Result<AdminOrg, ServerError> {
    let before = org(db, reach, id)?;
    let after = calendar.map(|c| c.validate().map(|(tidy, _)| tidy)).transpose()?;
    if before.calendar == after {
        return Ok(before);
    }
    store::orgs::set_calendar(db, id, after.as_ref())?;
    audit(
        db,
        actor,
        &ts(now),
        "org_calendar_changed",
        Subject::Org(id),
        Some(&json(&before.calendar)?),
        &json(&after)?,
    )?;
    org(db, reach, id)
}

pub fn open_work(db: &dyn Conn, reach: &Reach, id: &str) -> Result<OpenWork, ServerError> {
    let found = org(db, reach, id)?;
    let mut items = store::orgs::open_work(db, &found.org.id)?;
    if let Reach::Own(own) = reach {
        // A partner's admin reads each customer as the partner sees it: by the
        // name its jobs give, never the account holder's it has no part in.
        let scope = Scope::Org(own.clone());
        let mut names = std::collections::BTreeMap::new();
        let mut shown = Vec::with_capacity(items.len());
        for mut item in items {
            if !names.contains_key(&item.customer_id) {
                let name = match crate::docs::visible_customer(db, &scope, &item.customer_id) {
                    Ok(c) => Some(c.display_name),
                    Err(ServerError::Api(baton_proto::ErrorCode::NotFound, _)) => None,
                    Err(e) => return Err(e),
                };
                names.insert(item.customer_id.clone(), name);
            }
            if let Some(Some(name)) = names.get(&item.customer_id) {
                item.customer_name = name.clone();
                shown.push(item);
            }
        }
        items = shown;
    }
    Ok(OpenWork {
        items,
        org_id: found.org.id,
    })
}

// ---- users ----

pub fn list_users(db: &dyn Conn, reach: &Reach, org: Option<&str>, now: &str) -> Result<Vec<AdminUser>, ServerError> {
    if let Some(o) = org {
        // An organisation out of reach reads as unknown.
        self::org(db, reach, o)?;
    }
    store::users::admin_list(db, org.or(reach.only()), now)
}

/// A user within reach, or 404.
pub fn user(db: &dyn Conn, reach: &Reach, id: &str, now: &str) -> Result<AdminUser, ServerError> {
    validate::id("user id", id)?;
    store::users::admin_get(db, id, now)?
        .filter(|u| reach.covers(&u.org.id))
        .ok_or_else(|| ServerError::not_found("user"))
}

/// A one-time code: 16 letters and digits from an alphabet without look-alikes
/// (80 bits), shown in groups of four.
fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ0123456789";
    let mut rng = rand::rng();
    let raw: Vec<char> = (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    raw.chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of a code as a user may type it (any case, dashes or spaces).
pub fn code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    crate::auth::token_hash(&normal)
}

fn issue_code(
    db: &dyn Conn,
    user: AdminUser,
    purpose: Purpose,
    actor: &Actor<'_>,
    now: DateTime<Utc>,
) -> Result<Invitation, ServerError> {
    let code = new_code();
    let expires_at = now + CODE_VALID_FOR;
    store::user_codes::replace(
        db,
        &code_hash(&code),
        &user.id,
        purpose,
        actor.user_id,
        &ts(now),
        &ts(expires_at),
    )?;
    Ok(Invitation {
        user,
        code,
        expires_at,
        emailed_to: None,
        email_error: None,
    })
}

fn check_role(role: Role, kind: OrgKind) -> Result<(), ServerError> {
    if role.allowed_in(kind) {
        Ok(())
    } else {
        Err(ServerError::bad_request(format!(
            "a {} organisation's users cannot be {}",
            match kind {
                OrgKind::Retailer => "retailer",
                OrgKind::Partner => "partner",
            },
            role.as_str()
        )))
    }
}

pub fn invite(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    new: &NewUser,
    now: DateTime<Utc>,
) -> Result<Invitation, ServerError> {
    let target = org(db, reach, &new.org_id)?;
    if !baton_proto::valid_username(&new.username) {
        return Err(ServerError::bad_request(
            "username must be 2 to 100 letters, digits, '.', '-', '_' or '@'",
        ));
    }
    let display_name = name("display_name", &new.display_name)?;
    check_role(new.role, target.org.kind)?;
    if target.deactivated_at.is_some() {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            format!("{} is deactivated: reactivate it first", target.org.name),
        ));
    }
    if store::users::username_taken(db, &new.username)? {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            format!("the username '{}' is taken", new.username),
        ));
    }
    let id = format!("user-{}", uuid::Uuid::new_v4());
    let at = ts(now);
    store::users::insert(
        db,
        &store::users::NewUserRow {
            id: &id,
            username: &new.username,
            display_name: &display_name,
            password_hash: "",
            role: new.role,
            org_id: &target.org.id,
            at: &at,
        },
    )?;
    let created = user(db, reach, &id, &at)?;
    audit(
        db,
        actor,
        &at,
        "user_invited",
        Subject::User(&id),
        None,
        &json(&created)?,
    )?;
    issue_code(db, created, Purpose::Invite, actor, now)
}

/// Refuses leaving the retailer without an enabled admin.
fn keep_an_admin(db: &dyn Conn, before: &AdminUser, after_role: Role, after_disabled: bool) -> Result<(), ServerError> {
    let was = before.org.kind == OrgKind::Retailer && before.role == Role::Admin && before.disabled_at.is_none();
    let stays = after_role == Role::Admin && !after_disabled;
    if was && !stays && store::users::retailer_admins(db)?.len() <= 1 {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            "this is the retailer's last administrator: make someone else an administrator first".into(),
        ));
    }
    Ok(())
}

/// What changing a user did besides the user itself.
pub struct UserChanged {
    pub user: AdminUser,
    /// Its sessions ended: live streams re-check theirs.
    pub sessions_ended: bool,
    /// Feed scopes with new changes (records whose open work it was assigned).
    pub touched: Vec<String>,
}

pub fn update_user(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    change: &UserUpdate,
    now: DateTime<Utc>,
) -> Result<UserChanged, ServerError> {
    let at = ts(now);
    let before = user(db, reach, id, &at)?;
    let display_name = match &change.display_name {
        Some(n) => name("display_name", n)?,
        None => before.display_name.clone(),
    };
    let org = match change.org_id.as_deref().filter(|o| *o != before.org.id) {
        None => before.org.clone(),
        Some(target) => {
            retailer_only(reach, "move users to another organisation")?;
            let to = org(db, reach, target)?;
            if to.deactivated_at.is_some() {
                return Err(ServerError::bad_request(format!(
                    "{} is deactivated: reactivate it before moving anyone there",
                    to.org.name
                )));
            }
            to.org
        }
    };
    let moved = org.id != before.org.id;
    let role = change.role.unwrap_or(before.role);
    check_role(role, org.kind)?;
    let disabled_at = match change.disabled {
        Some(true) => Some(before.disabled_at.map_or_else(|| at.clone(), ts)),
        Some(false) => None,
        None => before.disabled_at.map(ts),
    };
    // A retailer admin moved to a partner is no longer the retailer's admin.
    let stays_admin = role == Role::Admin && org.kind == OrgKind::Retailer;
    keep_an_admin(
        db,
        &before,
        if stays_admin { role } else { Role::Agent },
        disabled_at.is_some(),
    )?;
    store::users::update(db, id, &display_name, role, disabled_at.as_deref())?;
    let mut touched = Vec::new();
    if moved {
        store::users::set_org(db, id, &org.id)?;
        // Its open work stays with the organisation it belongs to, in its queue.
        for customer in store::users::unassign_open_work(db, id)? {
            touched.extend(crate::feed::append_customer(db, &customer)?);
        }
        touched.sort();
        touched.dedup();
    }
    // A disabled user, one whose powers changed or one moved signs in again.
    let end_sessions = (disabled_at.is_some() && before.disabled_at.is_none()) || role != before.role || moved;
    if end_sessions {
        store::users::end_sessions_of(db, id)?;
    }
    let after = store::users::admin_get(db, id, &at)?.ok_or_else(|| ServerError::not_found("user"))?;
    if after != before {
        audit(
            db,
            actor,
            &at,
            if moved { "user_moved" } else { "user_changed" },
            Subject::User(id),
            Some(&json(&before)?),
            &json(&after)?,
        )?;
    }
    Ok(UserChanged {
        user: after,
        sessions_ended: end_sessions,
        touched,
    })
}

/// A reset code for a user: its password stops working at once and its
/// sessions end; it sets a new one with the code.
pub fn reset_password(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Invitation, ServerError> {
    let at = ts(now);
    let target = user(db, reach, id, &at)?;
    store::users::set_password(db, id, "")?;
    store::users::end_sessions_of(db, id)?;
    audit(
        db,
        actor,
        &at,
        "password_reset",
        Subject::User(id),
        None,
        &target.username,
    )?;
    let target = user(db, reach, id, &at)?;
    issue_code(db, target, Purpose::Reset, actor, now)
}

pub fn revoke_sessions(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<i64, ServerError> {
    let at = ts(now);
    // Out of reach reads as unknown.
    user(db, reach, id, &at)?;
    let ended = store::users::end_sessions_of(db, id)? as i64;
    audit(
        db,
        actor,
        &at,
        "sessions_revoked",
        Subject::User(id),
        None,
        &format!("{ended}"),
    )?;
    Ok(ended)
}

/// `init`: the retailer organisation and its first administrator, on a
/// database that has no organisation yet.
pub fn init(
    db: &dyn Conn,
    org_id: &str,
    org_name: &str,
    username: &str,
    display_name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<AdminUser, ServerError> {
    if store::orgs::any(db)? {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            "this database is already set up: sign in as its administrator".into(),
        ));
    }
    validate::id("organisation id", org_id)?;
    let org_name = name("organisation name", org_name)?;
    if !baton_proto::valid_username(username) {
        return Err(ServerError::bad_request(
            "username must be 2 to 100 letters, digits, '.', '-', '_' or '@'",
        ));
    }
    let display_name = name("display name", display_name)?;
    let at = ts(now);
    store::orgs::insert(db, org_id, &org_name, OrgKind::Retailer, &[], None, None)?;
    let id = format!("user-{}", uuid::Uuid::new_v4());
    store::users::insert(
        db,
        &store::users::NewUserRow {
            id: &id,
            username,
            display_name: &display_name,
            password_hash,
            role: Role::Admin,
            org_id,
            at: &at,
        },
    )?;
    let actor = Actor { user_id: &id, org_id };
    let created = user(db, &Reach::All, &id, &at)?;
    audit(
        db,
        &actor,
        &at,
        "initialised",
        Subject::Org(org_id),
        None,
        &json(&created)?,
    )?;
    Ok(created)
}

/// Whether the database has been set up (has its retailer).
pub fn initialised(db: &dyn Conn) -> Result<bool, ServerError> {
    store::orgs::any(db)
}

// ---- API keys ----

/// What an API key starts with, so a bearer token is told from a session's.
pub const KEY_PREFIX: &str = "bk_";

pub fn list_keys(db: &dyn Conn, reach: &Reach) -> Result<Vec<baton_proto::ApiKey>, ServerError> {
    store::api_keys::list(db, reach.only())
}

/// A key for an organisation's own system. It acts as a service user of that
/// organisation — a dispatcher at a partner, an agent at the retailer, never
/// an administrator — and can never sign in with a password.
pub fn create_key(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    new: &baton_proto::NewApiKey,
    now: DateTime<Utc>,
) -> Result<baton_proto::ApiKeyIssued, ServerError> {
    use rand::RngCore;
    let target = org(db, reach, &new.org_id)?;
    let key_name = name("name", &new.name)?;
    if target.deactivated_at.is_some() {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            format!("{} is deactivated: reactivate it first", target.org.name),
        ));
    }
    let role = match target.org.kind {
        OrgKind::Partner => Role::PartnerDispatcher,
        OrgKind::Retailer => Role::Agent,
    };
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    use base64::Engine;
    let secret = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    );
    let at = ts(now);
    let id = format!("key-{}", uuid::Uuid::new_v4());
    let user_id = format!("svc-{}", uuid::Uuid::new_v4());
    store::users::insert(
        db,
        &store::users::NewUserRow {
            id: &user_id,
            username: &user_id,
            display_name: &format!("{key_name} (API key)"),
            password_hash: "",
            role,
            org_id: &target.org.id,
            at: &at,
        },
    )?;
    let prefix: String = secret.chars().take(KEY_PREFIX.len() + 6).collect();
    store::api_keys::insert(
        db,
        &store::api_keys::NewKey {
            id: &id,
            user_id: &user_id,
            name: &key_name,
            key_hash: &crate::auth::token_hash(&secret),
            prefix: &prefix,
            created_by: actor.user_id,
            at: &at,
        },
    )?;
    let key = store::api_keys::get(db, &id)?.ok_or_else(|| ServerError::Internal("the new key is missing".into()))?;
    audit(
        db,
        actor,
        &at,
        "api_key_created",
        Subject::Org(&target.org.id),
        None,
        &json(&key)?,
    )?;
    Ok(baton_proto::ApiKeyIssued { key, secret })
}

pub fn revoke_key(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<baton_proto::ApiKey, ServerError> {
    validate::id("key id", id)?;
    let key = store::api_keys::get(db, id)?
        .filter(|k| reach.covers(&k.org.id))
        .ok_or_else(|| ServerError::not_found("API key"))?;
    let at = ts(now);
    if store::api_keys::revoke(db, id, &at)? {
        audit(
            db,
            actor,
            &at,
            "api_key_revoked",
            Subject::Org(&key.org.id),
            None,
            &key.name,
        )?;
    }
    store::api_keys::get(db, id)?.ok_or_else(|| ServerError::not_found("API key"))
}

// ---- webhooks ----

pub fn list_webhooks(db: &dyn Conn, reach: &Reach) -> Result<Vec<baton_proto::Webhook>, ServerError> {
    store::webhooks::list(db, reach.only())
}

fn webhook(db: &dyn Conn, reach: &Reach, id: &str) -> Result<baton_proto::Webhook, ServerError> {
    validate::id("webhook id", id)?;
    store::webhooks::get(db, id)?
        .filter(|h| reach.covers(&h.org_id))
        .ok_or_else(|| ServerError::not_found("webhook"))
}

/// An `https://` address (or `http://` to this machine, for a local receiver).
fn webhook_url(url: &str) -> Result<String, ServerError> {
    let bad =
        || ServerError::bad_request("the URL must be https://… (or http:// to this machine), at most 500 characters");
    if url.len() > 500 {
        return Err(bad());
    }
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| bad())?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad()),
    };
    match parsed.scheme() {
        "https" => Ok(parsed.to_string()),
        "http" if loopback => Ok(parsed.to_string()),
        _ => Err(bad()),
    }
}

pub fn create_webhook(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    new: &baton_proto::NewWebhook,
    now: DateTime<Utc>,
) -> Result<baton_proto::WebhookCreated, ServerError> {
    use rand::RngCore;
    let target = org(db, reach, &new.org_id)?;
    let url = webhook_url(&new.url)?;
    let mut events = new.events.clone();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(ServerError::bad_request("subscribe to at least one event"));
    }
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let secret = format!("whsec_{}", hex::encode(raw));
    let id = format!("wh-{}", uuid::Uuid::new_v4());
    let at = ts(now);
    store::webhooks::insert(
        db,
        &store::webhooks::NewHook {
            id: &id,
            org_id: &target.org.id,
            url: &url,
            events: &events,
            secret: &secret,
            created_by: actor.user_id,
            at: &at,
        },
    )?;
    let webhook = webhook(db, reach, &id)?;
    audit(
        db,
        actor,
        &at,
        "webhook_created",
        Subject::Org(&target.org.id),
        None,
        &json(&webhook)?,
    )?;
    Ok(baton_proto::WebhookCreated { webhook, secret })
}

pub fn disable_webhook(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<baton_proto::Webhook, ServerError> {
    let hook = webhook(db, reach, id)?;
    let at = ts(now);
    if hook.disabled_at.is_none() {
        store::webhooks::disable(db, id, &at)?;
        audit(
            db,
            actor,
            &at,
            "webhook_disabled",
            Subject::Org(&hook.org_id),
            None,
            &hook.url,
        )?;
    }
    webhook(db, reach, id)
}

/// A webhook's log, newest first (up to 200).
pub fn webhook_deliveries(
    db: &dyn Conn,
    reach: &Reach,
    id: &str,
) -> Result<Vec<baton_proto::WebhookDelivery>, ServerError> {
    let hook = webhook(db, reach, id)?;
    store::webhooks::deliveries(db, &hook.id, 200)
}

/// Sends a logged delivery again, at once. Audited.
pub fn replay_delivery(
    db: &dyn Conn,
    reach: &Reach,
    actor: &Actor<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<baton_proto::WebhookDelivery, ServerError> {
    validate::id("delivery id", id)?;
    let d = store::webhooks::delivery(db, id)?.ok_or_else(|| ServerError::not_found("delivery"))?;
    let hook = webhook(db, reach, &d.webhook_id).map_err(|_| ServerError::not_found("delivery"))?;
    let at = ts(now);
    store::webhooks::replay(db, id, &at)?;
    audit(db, actor, &at, "webhook_replayed", Subject::Org(&hook.org_id), None, id)?;
    store::webhooks::delivery(db, id)?.ok_or_else(|| ServerError::not_found("delivery"))
}
