use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a user does in Baton; decides their home view and what the server lets them do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    Agent,
    PartnerDispatcher,
    Supervisor,
    /// Runs the organisation: its users and, at the retailer, its partners. An
    /// admin also has a supervisor's powers in its own organisation.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::PartnerDispatcher => "partner_dispatcher",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "partner_dispatcher" => Some(Role::PartnerDispatcher),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role has a supervisor's powers in its own organisation
    /// (queues, erasure, exports, templates at the retailer).
    pub fn supervises(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }

    /// The roles a user of an organisation of `kind` may hold.
    pub fn allowed_in(self, kind: OrgKind) -> bool {
        match kind {
            OrgKind::Retailer => matches!(self, Role::Agent | Role::Supervisor | Role::Admin),
            OrgKind::Partner => matches!(self, Role::PartnerDispatcher | Role::Supervisor | Role::Admin),
        }
    }
}

/// The retailer that owns the customer relationship, or a partner working for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OrgKind {
    Retailer,
    Partner,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct UserInfo {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org: Org,
}

impl UserInfo {
    /// The sync scope of this user: retailer staff see `internal`, partner users `org:<id>`.
    pub fn scope(&self) -> String {
        match self.org.kind {
            OrgKind::Retailer => "internal".to_string(),
            OrgKind::Partner => format!("org:{}", self.org.id),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LoginRequest {
    /// Must hold something besides spaces and control characters.
    #[schema(pattern = "^[\\s\\S]*[^\\x00-\\x20][\\s\\S]*$")]
    pub username: String,
    #[schema(min_length = 1)]
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct LoginResponse {
    /// Opaque bearer token; the client keeps it in the OS keyring only.
    pub token: String,
    pub user: UserInfo,
}
