//! Who else is on a record right now, across organisations, so two of them do
//! not call the customer at once. Ephemeral: a console says it is there every
//! few seconds while the record is on screen, and is forgotten soon after it stops.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Seconds a console's "I am here" holds without a renewal.
pub const PRESENCE_TTL_SECONDS: i64 = 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PresenceActivity {
    Viewing,
    /// Changing one of the customer's contact details.
    Editing,
    /// Gone from the record: forgotten at once.
    Left,
}

impl PresenceActivity {
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceActivity::Viewing => "viewing",
            PresenceActivity::Editing => "editing",
            PresenceActivity::Left => "left",
        }
    }
}

/// What a console says about its user and a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct PresenceUpdate {
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    pub customer_id: String,
    pub activity: PresenceActivity,
    /// The contact point being changed, while `editing`.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    pub contact_point_id: Option<String>,
}

/// Someone else on the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Presence {
    pub user_id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub activity: PresenceActivity,
    /// What they are changing, as the viewer may read it ("Margaret Hughes's
    /// mobile"); `None` while viewing, or for a contact the viewer may not see.
    pub editing: Option<String>,
    pub since: DateTime<Utc>,
}
