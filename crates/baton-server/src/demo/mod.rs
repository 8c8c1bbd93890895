//! Demo data: the five stories of PRODUCT.md plus generated customers,
//! deterministic for a given size so that demos, screenshots and tests see the
//! same records. `baton-server demo --customers N` loads it.

mod generate;
mod stories;

use chrono::{DateTime, Utc};

use crate::auth::hash_password;
use crate::error::ServerError;
use crate::store::rows::Rows;
use crate::store::{self, Conn};
use crate::AppState;

/// Every demo user signs in with this password.
pub const DEMO_PASSWORD: &str = "baton-demo";

pub const RETAILER: (&str, &str) = ("northwind", "Northwind Electricals");
pub const INSTALLER: (&str, &str) = ("brightline", "Brightline Installations");
pub const CARRIER: (&str, &str) = ("swiftparcel", "Swift Parcels");
pub const DIGITAL: (&str, &str) = ("pageturn", "PageTurn Digital");

/// (id, name, kind, the customer fields its jobs need)
/// The retailer's confirmation templates (all a partner may send a customer).
pub const TEMPLATES: [(&str, &str, &str); 4] = [
    (
        "tpl_visit_booked",
        "Visit booked",
        "Your visit is booked. We will come in the time window we agreed with you, and call before we arrive.",
    ),
    ("tpl_on_the_way", "On our way", "We are on our way to you now."),
    (
        "tpl_delivery_delayed",
        "Delivery delayed",
        "Your delivery is running late. We will contact you with a new time today.",
    ),
    (
        "tpl_job_done",
        "Work completed",
        "The work is complete. Thank you for your time; reply to this message if anything is not right.",
    ),
];

const ORGS: [(&str, &str, &str, &str); 4] = [
    (RETAILER.0, RETAILER.1, "retailer", "[]"),
    (INSTALLER.0, INSTALLER.1, "partner", r#"["phone","address","orders"]"#),
    (CARRIER.0, CARRIER.1, "partner", r#"["phone","address"]"#),
    (DIGITAL.0, DIGITAL.1, "partner", r#"["email","orders"]"#),
];

/// (username, display name, role, org)
pub const USERS: [(&str, &str, &str, &str); 6] = [
    ("alice", "Alice Carter", "agent", "northwind"),
    ("sam", "Sam Okafor", "supervisor", "northwind"),
    ("ada", "Ada Mensah", "admin", "northwind"),
    ("dan", "Dan Brooks", "partner_dispatcher", "brightline"),
    ("priya", "Priya Shah", "partner_dispatcher", "swiftparcel"),
    ("lena", "Lena Varga", "partner_dispatcher", "pageturn"),
];

/// Story 1: the TV bought by a son for his 77-year-old mother, installed by Brightline.
pub mod story1 {
    pub const CUSTOMER_ID: &str = "cus_000001";
    pub const SON_ID: &str = "per_000001_1";
    pub const MOTHER_ID: &str = "per_000001_2";
    pub const MOTHER_NAME: &str = "Margaret Hughes";
    pub const MOTHER_MOBILE_ID: &str = "cp_000001_2_1";
    pub const MOTHER_MOBILE: &str = "+447946000202";
    pub const MOTHER_HOME: &str = "+441865123456";
    pub const SON_MOBILE: &str = "+447946000101";
    pub const SON_MOBILE_ID: &str = "cp_000001_1_1";
    pub const JOB_ID: &str = "job_000001_1";
}

/// A customer whose only job belongs to the carrier: the installer must never see it.
pub mod carrier_only {
    pub const CUSTOMER_ID: &str = "cus_000002";
    pub const NAME: &str = "Bethany Cole";
    pub const MOBILE: &str = "+447946000303";
}

/// Story 2: the carrier's customer, a callback due when the parcel reaches the depot.
pub mod story2 {
    pub const CUSTOMER_ID: &str = super::carrier_only::CUSTOMER_ID;
    pub const JOB_ID: &str = "job_000002_1";
    pub const CALLBACK_ID: &str = "cb_story2_address";
}

/// Story 3: a subscriber switching to PageTurn's digital edition; an email promised in 24 h.
pub mod story3 {
    pub const CUSTOMER_ID: &str = "cus_000003";
    pub const NAME: &str = "Eleanor Price";
    pub const PERSON_ID: &str = "per_000003_1";
    pub const EMAIL: &str = "eleanor.price@example.com";
    pub const TIME_ZONE: &str = "America/New_York";
    pub const ORDER_ID: &str = "ord_000003_1";
    pub const JOB_ID: &str = "job_000003_1";
    pub const COMMITMENT_ID: &str = "com_story3_login_email";
}

/// Story 4: a complaint the retailer owns, escalated to the installer.
pub mod story4 {
    pub const CUSTOMER_ID: &str = "cus_000004";
    pub const JOB_ID: &str = "job_000004_1";
    pub const TICKET_ID: &str = "tkt_story4_bracket";
    /// Brightline's internal note on the job: the retailer never reads it.
    pub const INTERNAL_NOTE_ID: &str = "note_story4_internal";
    pub const INTERNAL_NOTE: &str = "Second no-show by this technician this month; pair him with Kofi for the revisit.";
}

/// Two records of one person (same email): a likely duplicate to merge.
pub mod duplicates {
    pub const FIRST_ID: &str = "cus_000005";
    pub const SECOND_ID: &str = "cus_000006";
    pub const NAME: &str = "Grace Whitfield";
    pub const EMAIL: &str = "grace.whitfield@example.com";
}

/// A household whose two people share one landline.
pub mod household {
    pub const CUSTOMER_ID: &str = "cus_000007";
    pub const NAMES: [&str; 2] = ["Chidi Okafor", "Ada Okafor"];
    pub const LANDLINE: &str = "+441134960123";
}

/// Customers 1 to 7 are the stories; generated ones follow.
const STORY_CUSTOMERS: usize = 7;

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub customers: usize,
    pub jobs: usize,
}

fn seed_tx(db: &dyn Conn, customers: usize, hashes: &[String], now: DateTime<Utc>) -> Result<DemoSummary, ServerError> {
    let at = crate::wire::ts(now);
    for (id, name, body) in TEMPLATES {
        let t = baton_proto::ConfirmationTemplate {
            id: id.to_string(),
            name: name.to_string(),
            body: body.to_string(),
        };
        store::templates::put(db, &t, &at, "usr_sam")?;
    }
    for (id, name, kind, fields) in ORGS {
        store::bulk::insert_org(db, id, name, kind, fields)?;
    }
    for ((username, display, role, org), hash) in USERS.iter().zip(hashes) {
        store::bulk::insert_user(db, &format!("usr_{username}"), username, display, hash, role, org)?;
    }
    let story_jobs = {
        let mut r = Rows::new(db, now);
        stories::base_rows(&mut r)?;
        r.jobs
    };
    // The stories' edits go through the real mutations, which query by index:
    // they run before the bulk load takes the indexes away.
    stories::actions(db, now)?;
    let generated = store::bulk::without_secondary_indexes(db, BULK_TABLES, || {
        let mut r = Rows::new(db, now);
        generate::customers(&mut r, STORY_CUSTOMERS + 1, customers)?;
        Ok(r.jobs)
    })?;
    // Consoles receive the demo through their first snapshot, not as changes.
    store::history::clear_pending(db)?;
    Ok(DemoSummary {
        customers: customers.max(STORY_CUSTOMERS),
        jobs: story_jobs + generated,
    })
}

/// The tables the generated customers fill.
const BULK_TABLES: &[&str] = &[
    "customers",
    "people",
    "contact_points",
    "addresses",
    "orders",
    "jobs",
    "timeline",
    "feedback",
];

/// Fills an empty database with the demo organisations, users and customers
/// (at least the story customers). Does nothing (and says so) when the database
/// already holds data.
pub async fn seed(state: &AppState, customers: usize) -> Result<Option<DemoSummary>, ServerError> {
    let hashes = tokio::task::spawn_blocking(|| {
        USERS
            .iter()
            .map(|_| hash_password(DEMO_PASSWORD))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ServerError::Internal(format!("hashing demo passwords: {e}")))??;
    // Story due times follow the server's clock, so tests can move time on.
    let now = state.now();
    state
        .db
        .write(move |tx| {
            if store::bulk::org_count(tx)? > 0 {
                return Ok(None);
            }
            seed_tx(tx, customers, &hashes, now).map(Some)
        })
        .await
}
