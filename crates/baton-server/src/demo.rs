//! Demo data: the stories of PRODUCT.md plus generated customers, deterministic
//! for a given size so that demos, screenshots and tests see the same records.

use baton_proto::contact::normalize_phone;
use chrono::{DateTime, Duration, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Transaction};

use crate::auth::hash_password;
use crate::error::ServerError;
use crate::AppState;

/// Every demo user signs in with this password.
pub const DEMO_PASSWORD: &str = "baton-demo";

pub const RETAILER: (&str, &str) = ("northwind", "Northwind Electricals");
pub const INSTALLER: (&str, &str) = ("brightline", "Brightline Installations");
pub const CARRIER: (&str, &str) = ("swiftparcel", "Swift Parcels");
pub const DIGITAL: (&str, &str) = ("pageturn", "PageTurn Digital");

/// (username, display name, role, org)
pub const USERS: [(&str, &str, &str, &str); 5] = [
    ("alice", "Alice Carter", "agent", "northwind"),
    ("sam", "Sam Okafor", "supervisor", "northwind"),
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

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub customers: usize,
    pub jobs: usize,
}

struct Seeder<'a> {
    tx: &'a Transaction<'a>,
    now: DateTime<Utc>,
    jobs: usize,
}

struct NewPerson<'a> {
    name: &'a str,
    roles: &'a str,
    contacts: Vec<(&'a str, &'a str, String)>, // (kind, label, value)
}

impl Seeder<'_> {
    fn customer(
        &mut self,
        n: usize,
        name: &str,
        people: &[NewPerson<'_>],
        addresses: &[(&str, &str, &str, &str)],
    ) -> Result<(), ServerError> {
        let id = format!("cus_{n:06}");
        let now = self.now.to_rfc3339();
        self.tx
            .prepare_cached("INSERT INTO customers (id, number, display_name, updated_at) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![id, format!("C-{:06}", 100_000 + n), name, now])?;
        for (pi, p) in people.iter().enumerate() {
            let pid = format!("per_{n:06}_{}", pi + 1);
            self.tx
                .prepare_cached(
                    "INSERT INTO people (id, customer_id, name, roles, position) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![pid, id, p.name, p.roles, pi as i64])?;
            for (ci, (kind, label, value)) in p.contacts.iter().enumerate() {
                self.tx
                    .prepare_cached(
                        "INSERT INTO contact_points (id, person_id, kind, label, value, preferred, updated_at, updated_by, position)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'Northwind onboarding', ?8)",
                    )?
                    .execute(params![format!("cp_{n:06}_{}_{}", pi + 1, ci + 1), pid, kind, label, value, ci == 0, now, ci as i64])?;
            }
        }
        for (ai, (purpose, line1, city, postcode)) in addresses.iter().enumerate() {
            self.tx
                .prepare_cached("INSERT INTO addresses (id, customer_id, purpose, line1, city, postcode) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![format!("adr_{n:06}_{}", ai + 1), id, purpose, line1, city, postcode])?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn job(
        &mut self,
        n: usize,
        j: usize,
        org: &str,
        kind: &str,
        status: &str,
        summary: &str,
        contact: Option<usize>,
        address: Option<usize>,
        day_offset: i64,
        hour: u32,
    ) -> Result<(), ServerError> {
        let start = (self.now + Duration::days(day_offset))
            .with_hour(hour)
            .and_then(|d| d.with_minute(0))
            .and_then(|d| d.with_second(0))
            .and_then(|d| d.with_nanosecond(0))
            .unwrap_or(self.now);
        let end = start + Duration::hours(2);
        self.tx
            .prepare_cached(
                "INSERT INTO jobs (id, number, customer_id, org_id, kind, status, summary, contact_person_id, address_id,
                                   appointment_start, appointment_end, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                format!("job_{n:06}_{j}"),
                format!("J-{:06}", 200_000 + n * 10 + j),
                format!("cus_{n:06}"),
                org,
                kind,
                status,
                summary,
                contact.map(|p| format!("per_{n:06}_{p}")),
                address.map(|a| format!("adr_{n:06}_{a}")),
                start.to_rfc3339(),
                end.to_rfc3339(),
                self.now.to_rfc3339(),
            ])?;
        self.jobs += 1;
        Ok(())
    }
}

const FIRST: [&str; 24] = [
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy", "Leo", "Grace", "Arthur",
    "Freya", "Oscar", "Lily", "Theo", "Ella", "Samir", "Chloe", "Tomasz", "Aisha", "Kwame", "Niamh",
];
const LAST: [&str; 20] = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright", "Walker",
    "Evans", "Thomas", "Roberts", "Khan", "Lewis", "Nowak", "Murphy", "Okoro", "Clarke",
];
const STREETS: [&str; 10] = [
    "Elm Road",
    "Station Street",
    "Mill Lane",
    "Church Walk",
    "Victoria Avenue",
    "Park Crescent",
    "Queens Road",
    "High Street",
    "Orchard Close",
    "Riverside Drive",
];
const CITIES: [(&str, &str); 8] = [
    ("Leeds", "LS6"),
    ("York", "YO10"),
    ("Bristol", "BS3"),
    ("Manchester", "M20"),
    ("Norwich", "NR2"),
    ("Cardiff", "CF11"),
    ("Glasgow", "G12"),
    ("Oxford", "OX4"),
];

fn mobile(rng: &mut StdRng) -> String {
    loop {
        let candidate = format!("+4479{}{:07}", rng.random_range(1..=5), rng.random_range(0..10_000_000));
        if let Ok(e164) = normalize_phone(&candidate) {
            return e164;
        }
    }
}

fn seed_tx(tx: &Transaction<'_>, customers: usize, hashes: &[String]) -> Result<DemoSummary, ServerError> {
    for (id, name, kind) in [
        (RETAILER.0, RETAILER.1, "retailer"),
        (INSTALLER.0, INSTALLER.1, "partner"),
        (CARRIER.0, CARRIER.1, "partner"),
        (DIGITAL.0, DIGITAL.1, "partner"),
    ] {
        tx.execute(
            "INSERT INTO orgs (id, name, kind) VALUES (?1, ?2, ?3)",
            params![id, name, kind],
        )?;
    }
    for ((username, display, role, org), hash) in USERS.iter().zip(hashes) {
        tx.execute(
            "INSERT INTO users (id, username, display_name, password_hash, role, org_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![format!("usr_{username}"), username, display, hash, role, org],
        )?;
    }

    let mut s = Seeder {
        tx,
        now: Utc::now(),
        jobs: 0,
    };

    // Story 1. The son bought the TV; the install is at his mother's, and she is the
    // one the installer must call (mobile first, then home).
    s.customer(
        1,
        "Arthur Hughes",
        &[
            NewPerson {
                name: "Arthur Hughes",
                roles: r#"["account_holder"]"#,
                contacts: vec![
                    ("phone", "mobile", story1::SON_MOBILE.into()),
                    ("email", "personal", "arthur.hughes@example.com".into()),
                ],
            },
            NewPerson {
                name: story1::MOTHER_NAME,
                roles: r#"["site_contact"]"#,
                contacts: vec![
                    ("phone", "mobile", story1::MOTHER_MOBILE.into()),
                    ("phone", "home", story1::MOTHER_HOME.into()),
                ],
            },
        ],
        &[
            ("billing", "12 Elm Road", "Leeds", "LS6 2AB"),
            ("installation", "4 Rosebank Cottages", "York", "YO10 5DD"),
        ],
    )?;
    s.job(
        1,
        1,
        INSTALLER.0,
        "installation",
        "scheduled",
        "Wall-mount and set up 55\" TV (order O-300001)",
        Some(2),
        Some(2),
        1,
        10,
    )?;
    s.job(
        1,
        2,
        CARRIER.0,
        "delivery",
        "en_route",
        "Deliver 55\" TV to install address (order O-300001)",
        Some(2),
        Some(2),
        0,
        14,
    )?;

    // A carrier-only customer, to prove partners are fenced off from each other.
    s.customer(
        2,
        carrier_only::NAME,
        &[NewPerson {
            name: carrier_only::NAME,
            roles: r#"["account_holder", "site_contact"]"#,
            contacts: vec![
                ("phone", "mobile", carrier_only::MOBILE.into()),
                ("email", "personal", "bethany.cole@example.com".into()),
            ],
        }],
        &[("delivery", "27 Mill Lane", "Bristol", "BS3 4QT")],
    )?;
    s.job(
        2,
        1,
        CARRIER.0,
        "delivery",
        "at_depot",
        "Deliver soundbar (order O-300002)",
        Some(1),
        Some(1),
        1,
        9,
    )?;

    let mut rng = StdRng::seed_from_u64(7);
    for n in 3..customers.max(2) + 1 {
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let name = format!("{first} {last}");
        let email = format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), n);
        let (city, district) = CITIES[rng.random_range(0..CITIES.len())];
        let street = format!(
            "{} {}",
            rng.random_range(1..120),
            STREETS[rng.random_range(0..STREETS.len())]
        );
        let postcode = format!(
            "{district} {}{}{}",
            rng.random_range(1..9),
            (b'A' + rng.random_range(0..26u8)) as char,
            (b'A' + rng.random_range(0..26u8)) as char
        );
        let two_people = rng.random_bool(0.3);
        let mut people = vec![NewPerson {
            name: &name,
            roles: if two_people {
                r#"["account_holder"]"#
            } else {
                r#"["account_holder", "site_contact"]"#
            },
            contacts: vec![("phone", "mobile", mobile(&mut rng)), ("email", "personal", email)],
        }];
        let partner_name = format!("{} {last}", FIRST[rng.random_range(0..FIRST.len())]);
        if two_people {
            people.push(NewPerson {
                name: &partner_name,
                roles: r#"["site_contact"]"#,
                contacts: vec![("phone", "mobile", mobile(&mut rng))],
            });
        }
        s.customer(n, &name, &people, &[("delivery", &street, city, &postcode)])?;
        let contact = if two_people { 2 } else { 1 };
        match rng.random_range(0..10) {
            0..=2 => s.job(
                n,
                1,
                INSTALLER.0,
                "installation",
                ["created", "scheduled", "delayed"][rng.random_range(0..3)],
                "Install washing machine",
                Some(contact),
                Some(1),
                rng.random_range(0..7),
                rng.random_range(8..17),
            )?,
            3..=6 => s.job(
                n,
                1,
                CARRIER.0,
                "delivery",
                ["scheduled", "en_route", "at_depot"][rng.random_range(0..3)],
                "Deliver order",
                Some(contact),
                Some(1),
                rng.random_range(0..5),
                rng.random_range(8..17),
            )?,
            7 => s.job(
                n,
                1,
                DIGITAL.0,
                "digital_fulfilment",
                "scheduled",
                "Switch magazine subscription to digital edition",
                Some(1),
                None,
                0,
                9,
            )?,
            _ => {}
        }
    }
    Ok(DemoSummary {
        customers: customers.max(2),
        jobs: s.jobs,
    })
}

/// Fills an empty database with the demo organisations, users and customers.
/// Does nothing (and says so) when the database already holds data.
pub async fn seed(state: &AppState, customers: usize) -> Result<Option<DemoSummary>, ServerError> {
    let hashes = tokio::task::spawn_blocking(|| {
        USERS
            .iter()
            .map(|_| hash_password(DEMO_PASSWORD))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ServerError::Internal(format!("hashing demo passwords: {e}")))??;
    state
        .db
        .write(move |tx| {
            let existing: i64 = tx.query_row("SELECT COUNT(*) FROM orgs", [], |r| r.get(0))?;
            if existing > 0 {
                return Ok(None);
            }
            seed_tx(tx, customers, &hashes).map(Some)
        })
        .await
}
