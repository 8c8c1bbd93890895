//! The five stories of the product brief, as data. Base rows are inserted as a
//! retailer's systems would hold them; everything agents did is replayed through
//! the real intent mutations as the demo users, so the stories' timelines,
//! confirmations, audit rows and feed entries are exactly what the product makes.

use baton_proto::{
    AttemptOutcome, CallbackTrigger, Intent, JobStatus, Mutation, MutationOutcome, NoteVisibility, Priority,
};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::*;
use crate::auth::{self, AuthUser};
use crate::error::ServerError;
use crate::mutations;
use crate::store::rows::{NewContact, NewJob, Rows};
use crate::store::{self, Conn};

const MOBILE_APPTS: &str = r#"["appointments"]"#;
const CONFIRMS: &str = r#"["confirmations"]"#;
const NONE: &str = "[]";

fn phone<'a>(label: &'a str, value: &'a str, purposes: &'a str) -> NewContact<'a> {
    NewContact {
        kind: "phone",
        label,
        value,
        purposes,
    }
}

fn email<'a>(value: &'a str, purposes: &'a str) -> NewContact<'a> {
    NewContact {
        kind: "email",
        label: "personal",
        value,
        purposes,
    }
}

/// Applies `intent` as `username`, failing the seed if the server refuses it: the
/// stories must always be representable.
fn act(tx: &dyn Conn, now: DateTime<Utc>, username: &str, intent: Intent) -> Result<(), ServerError> {
    let user = auth::user_by_username(tx, username)?
        .ok_or_else(|| ServerError::Internal(format!("demo user {username} is missing")))?;
    let caller = AuthUser {
        user,
        token: String::new(),
    };
    let m = Mutation {
        id: Uuid::new_v4(),
        client_seq: 0,
        created_at: now,
        intent,
    };
    let out = mutations::apply_batch(tx, &caller, Uuid::nil(), std::slice::from_ref(&m), now)?;
    match out.results.into_iter().next().map(|r| r.outcome) {
        Some(MutationOutcome::Applied { .. }) => Ok(()),
        other => Err(ServerError::Internal(format!(
            "demo story edit by {username} was refused: {other:?}"
        ))),
    }
}

/// Inserts the story customers' base rows (customers 1 to 7).
pub fn base_rows(r: &mut Rows<'_>) -> Result<(), ServerError> {
    // Story 1. The son bought the TV; the install is at his mother's, and she is the
    // one the installer must call (mobile first, then home).
    let c = story1::CUSTOMER_ID;
    r.customer(c, "C-100001", "Arthur Hughes")?;
    r.person(
        story1::SON_ID,
        c,
        "Arthur Hughes",
        r#"["account_holder"]"#,
        0,
        &[
            phone("mobile", story1::SON_MOBILE, NONE),
            email("arthur.hughes@example.com", CONFIRMS),
        ],
    )?;
    r.person(
        story1::MOTHER_ID,
        c,
        story1::MOTHER_NAME,
        r#"["site_contact"]"#,
        1,
        &[
            phone("mobile", story1::MOTHER_MOBILE, MOBILE_APPTS),
            phone("home", story1::MOTHER_HOME, MOBILE_APPTS),
        ],
    )?;
    r.address("adr_000001_1", c, "billing", "12 Elm Road", "Leeds", "LS6 2AB")?;
    r.address(
        "adr_000001_2",
        c,
        "installation",
        "4 Rosebank Cottages",
        "York",
        "YO10 5DD",
    )?;
    r.order(
        "ord_000001_1",
        c,
        "O-300001",
        "order",
        "placed",
        3,
        r#"[{"sku":"TV-55-OLED","name":"55\" OLED TV","quantity":1},{"sku":"SVC-WALLMOUNT","name":"Wall-mount installation","quantity":1}]"#,
    )?;
    for (id, number, org, kind, status, summary, day, hour) in [
        (
            story1::JOB_ID,
            "J-200011",
            INSTALLER.0,
            "installation",
            "scheduled",
            "Wall-mount and set up 55\" TV",
            1,
            10,
        ),
        (
            "job_000001_2",
            "J-200012",
            CARRIER.0,
            "delivery",
            "en_route",
            "Deliver 55\" TV to install address",
            0,
            14,
        ),
    ] {
        r.job(&NewJob {
            id,
            number,
            customer_id: c,
            org,
            kind,
            status,
            summary,
            contact_person_id: Some(story1::MOTHER_ID),
            address_id: Some("adr_000001_2"),
            order_id: Some("ord_000001_1"),
            day,
            hour,
        })?;
    }
    r.history(
        "tl_000001_1",
        c,
        "interaction",
        "Chat with Arthur Hughes: TV is for his mother Margaret; install at her address, call her (mobile, then home).",
        None,
    )?;

    // Story 2. The carrier's customer: an address typo noticed after dispatch.
    let c = carrier_only::CUSTOMER_ID;
    r.customer(c, "C-100002", carrier_only::NAME)?;
    r.person(
        "per_000002_1",
        c,
        carrier_only::NAME,
        r#"["account_holder", "site_contact"]"#,
        0,
        &[
            phone("mobile", carrier_only::MOBILE, MOBILE_APPTS),
            email("bethany.cole@example.com", CONFIRMS),
        ],
    )?;
    r.address("adr_000002_1", c, "delivery", "72 Mill Lane", "Bristol", "BS3 4QT")?;
    r.order(
        "ord_000002_1",
        c,
        "O-300002",
        "order",
        "placed",
        2,
        r#"[{"sku":"SB-300","name":"Soundbar 300","quantity":1}]"#,
    )?;
    r.job(&NewJob {
        id: story2::JOB_ID,
        number: "J-200021",
        customer_id: c,
        org: CARRIER.0,
        kind: "delivery",
        status: "en_route",
        summary: "Deliver soundbar",
        contact_person_id: Some("per_000002_1"),
        address_id: Some("adr_000002_1"),
        order_id: Some("ord_000002_1"),
        day: 1,
        hour: 9,
    })?;

    // Story 3. A magazine subscriber switching to the digital edition, run by PageTurn.
    let c = story3::CUSTOMER_ID;
    r.customer(c, "C-100003", story3::NAME)?;
    // She spends the winter with her daughter in New York: her billing address
    // is in Norwich, her clock is not the agents'.
    crate::store::customers::set_time_zone(r.tx, c, Some(story3::TIME_ZONE))?;
    r.person(
        story3::PERSON_ID,
        c,
        story3::NAME,
        r#"["account_holder"]"#,
        0,
        &[phone("mobile", "+447946000404", NONE), email(story3::EMAIL, CONFIRMS)],
    )?;
    r.address("adr_000003_1", c, "billing", "9 Orchard Close", "Norwich", "NR2 3LP")?;
    r.order(
        story3::ORDER_ID,
        c,
        "O-300003",
        "subscription",
        "active",
        400,
        r#"[{"sku":"MAG-HOMETECH-DIGI","name":"Home Tech Monthly, digital edition","quantity":1}]"#,
    )?;
    r.job(&NewJob {
        id: story3::JOB_ID,
        number: "J-200031",
        customer_id: c,
        org: DIGITAL.0,
        kind: "digital_fulfilment",
        status: "scheduled",
        summary: "Switch Home Tech Monthly from print to the digital edition",
        contact_person_id: Some(story3::PERSON_ID),
        address_id: None,
        order_id: Some(story3::ORDER_ID),
        day: 0,
        hour: 9,
    })?;

    // Story 4. A complaint about the installer's work, owned by the retailer.
    let c = story4::CUSTOMER_ID;
    r.customer(c, "C-100004", "Daniel Moss")?;
    r.person(
        "per_000004_1",
        c,
        "Daniel Moss",
        r#"["account_holder", "site_contact"]"#,
        0,
        &[
            phone("mobile", "+447946000505", MOBILE_APPTS),
            email("daniel.moss@example.com", CONFIRMS),
        ],
    )?;
    r.address(
        "adr_000004_1",
        c,
        "installation",
        "31 Queens Road",
        "Cardiff",
        "CF11 9LB",
    )?;
    r.order(
        "ord_000004_1",
        c,
        "O-300004",
        "order",
        "fulfilled",
        10,
        r#"[{"sku":"TV-65-QLED","name":"65\" QLED TV","quantity":1},{"sku":"SVC-WALLMOUNT","name":"Wall-mount installation","quantity":1}]"#,
    )?;
    r.job(&NewJob {
        id: story4::JOB_ID,
        number: "J-200041",
        customer_id: c,
        org: INSTALLER.0,
        kind: "installation",
        status: "scheduled",
        summary: "Wall-mount 65\" TV",
        contact_person_id: Some("per_000004_1"),
        address_id: Some("adr_000004_1"),
        order_id: Some("ord_000004_1"),
        day: -2,
        hour: 13,
    })?;

    // Likely duplicates: the same person registered twice, same email.
    for (n, id, number, mobile) in [
        (5, duplicates::FIRST_ID, "C-100005", "+447946000606"),
        (6, duplicates::SECOND_ID, "C-100006", "+447946000707"),
    ] {
        r.customer(id, number, duplicates::NAME)?;
        r.person(
            &format!("per_{n:06}_1"),
            id,
            duplicates::NAME,
            r#"["account_holder", "site_contact"]"#,
            0,
            &[
                phone("mobile", mobile, MOBILE_APPTS),
                email(duplicates::EMAIL, CONFIRMS),
            ],
        )?;
        r.address(
            &format!("adr_{n:06}_1"),
            id,
            "delivery",
            "5 Church Walk",
            "Oxford",
            "OX4 1AA",
        )?;
    }

    // A household sharing a landline: searching it must find both people.
    let c = household::CUSTOMER_ID;
    r.customer(c, "C-100007", "Chidi Okafor")?;
    for (i, name) in household::NAMES.iter().enumerate() {
        r.person(
            &format!("per_000007_{}", i + 1),
            c,
            name,
            if i == 0 {
                r#"["account_holder"]"#
            } else {
                r#"["authorised_third_party"]"#
            },
            i,
            &[phone("home", household::LANDLINE, NONE)],
        )?;
    }
    r.address("adr_000007_1", c, "billing", "88 Park Crescent", "Leeds", "LS6 3HQ")?;
    Ok(())
}

/// What agents did in the stories, through the real mutations.
pub fn actions(tx: &dyn Conn, now: DateTime<Utc>) -> Result<(), ServerError> {
    // Story 2: the retailer's chat agent logs the request against the carrier's job,
    // owned by the carrier, due the moment the parcel reaches the depot.
    act(
        tx,
        now,
        "alice",
        Intent::ScheduleCallback {
            customer_id: story2::CUSTOMER_ID.into(),
            callback_id: story2::CALLBACK_ID.into(),
            owner_org_id: CARRIER.0.into(),
            owner_user_id: None,
            person_id: Some("per_000002_1".into()),
            phone: carrier_only::MOBILE.into(),
            request: "Delivery address has a typo: it is 27 Mill Lane, not 72. Please correct it and confirm the delivery day.".into(),
            due_at: None,
            due_until: None,
            trigger: Some(CallbackTrigger::JobStatus {
                job_id: story2::JOB_ID.into(),
                status: JobStatus::AtDepot,
            }),
            job_id: Some(story2::JOB_ID.into()),
        },
    )?;

    // Story 3: PageTurn's agent promises the login email within 24 hours.
    act(
        tx,
        now,
        "lena",
        Intent::RecordCommitment {
            customer_id: story3::CUSTOMER_ID.into(),
            commitment_id: story3::COMMITMENT_ID.into(),
            text: "Email the digital-edition login details".into(),
            due_at: now + Duration::hours(24),
            owner_org_id: DIGITAL.0.into(),
            ticket_id: None,
            job_id: Some(story3::JOB_ID.into()),
        },
    )?;

    // Story 4: the retailer owns the complaint, escalates it to the installer with
    // the context, pauses the clock while the partner acts; the partner answers on
    // the same timeline and commits to a revisit.
    act(
        tx,
        now,
        "alice",
        Intent::OpenTicket {
            customer_id: story4::CUSTOMER_ID.into(),
            ticket_id: story4::TICKET_ID.into(),
            subject: "Complaint: TV wall bracket missing after installation".into(),
            priority: Priority::High,
            job_ids: vec![story4::JOB_ID.into()],
        },
    )?;
    act(
        tx,
        now,
        "alice",
        Intent::EscalateTicket {
            customer_id: story4::CUSTOMER_ID.into(),
            ticket_id: story4::TICKET_ID.into(),
            org_id: INSTALLER.0.into(),
            reason: "Installer left without fitting the wall bracket; TV is on the floor. Customer works from home, any weekday morning.".into(),
            pause_reason: Some("waiting on partner".into()),
        },
    )?;
    act(
        tx,
        now,
        "dan",
        Intent::AddNote {
            customer_id: story4::CUSTOMER_ID.into(),
            note_id: "note_story4_partner".into(),
            text: "Bracket was out of stock on the day. Technician revisit booked, bracket in the van.".into(),
            job_id: Some(story4::JOB_ID.into()),
            ticket_id: Some(story4::TICKET_ID.into()),
            visibility: NoteVisibility::Shared,
        },
    )?;
    // Brightline's own word to its technicians: never the retailer's to read.
    act(
        tx,
        now,
        "dan",
        Intent::AddNote {
            customer_id: story4::CUSTOMER_ID.into(),
            note_id: story4::INTERNAL_NOTE_ID.into(),
            text: story4::INTERNAL_NOTE.into(),
            job_id: Some(story4::JOB_ID.into()),
            ticket_id: Some(story4::TICKET_ID.into()),
            visibility: NoteVisibility::Internal,
        },
    )?;
    act(
        tx,
        now,
        "dan",
        Intent::RecordCommitment {
            customer_id: story4::CUSTOMER_ID.into(),
            commitment_id: "com_story4_revisit".into(),
            text: "Technician revisit to fit the wall bracket".into(),
            due_at: now + Duration::days(2),
            owner_org_id: INSTALLER.0.into(),
            ticket_id: Some(story4::TICKET_ID.into()),
            job_id: Some(story4::JOB_ID.into()),
        },
    )?;

    // Story 5: customer feedback on partners' work, and a callback kept on time.
    act(
        tx,
        now,
        "sam",
        Intent::RecordFeedback {
            customer_id: story4::CUSTOMER_ID.into(),
            feedback_id: "fb_story4".into(),
            job_id: story4::JOB_ID.into(),
            csat: Some(2),
            nps: Some(3),
            comment: "Installer left the TV on the floor.".into(),
            // The installer asked again for the address the retailer had given it.
            reasked: Some(true),
        },
    )?;
    act(
        tx,
        now,
        "alice",
        Intent::ScheduleCallback {
            customer_id: story1::CUSTOMER_ID.into(),
            callback_id: "cb_story5_kept".into(),
            owner_org_id: INSTALLER.0.into(),
            owner_user_id: None,
            person_id: Some(story1::MOTHER_ID.into()),
            phone: story1::MOTHER_MOBILE.into(),
            request: "Confirm the installation time with Margaret.".into(),
            due_at: Some(now + Duration::hours(4)),
            due_until: None,
            trigger: None,
            job_id: Some(story1::JOB_ID.into()),
        },
    )?;
    act(
        tx,
        now,
        "dan",
        Intent::RecordCallbackAttempt {
            customer_id: story1::CUSTOMER_ID.into(),
            callback_id: "cb_story5_kept".into(),
            outcome: AttemptOutcome::Reached,
            note: "Margaret confirmed 10:00 tomorrow.".into(),
        },
    )?;
    agents_day(tx, now)
}

/// Alice's own follow-ups, so her home view has work on it: two callbacks she
/// took on and a promise she made. Due from tomorrow, after every overdue
/// window the engine tests move the clock through.
fn agents_day(tx: &dyn Conn, now: DateTime<Utc>) -> Result<(), ServerError> {
    for (id, customer, person, phone, request, hours) in [
        (
            "cb_alice_refund",
            duplicates::FIRST_ID,
            "per_000005_1",
            None,
            "Call back once the refund for the returned kettle is approved.",
            26,
        ),
        (
            "cb_alice_slot",
            story1::CUSTOMER_ID,
            story1::SON_ID,
            Some(story1::SON_MOBILE),
            "Arthur wants to hear that his mother's installation slot is confirmed.",
            28,
        ),
    ] {
        let phone = match phone {
            Some(p) => p.to_string(),
            None => store::bulk::first_phone(tx, person)?,
        };
        act(
            tx,
            now,
            "alice",
            Intent::ScheduleCallback {
                customer_id: customer.into(),
                callback_id: id.into(),
                owner_org_id: RETAILER.0.into(),
                owner_user_id: Some("usr_alice".into()),
                person_id: Some(person.into()),
                phone,
                request: request.into(),
                due_at: Some(now + Duration::hours(hours)),
                due_until: Some(now + Duration::hours(hours + 1)),
                trigger: None,
                job_id: None,
            },
        )?;
    }
    act(
        tx,
        now,
        "alice",
        Intent::RecordCommitment {
            customer_id: story1::CUSTOMER_ID.into(),
            commitment_id: "com_alice_warranty".into(),
            text: "Email Arthur the TV's extended-warranty certificate.".into(),
            due_at: now + Duration::hours(30),
            owner_org_id: RETAILER.0.into(),
            ticket_id: None,
            job_id: None,
        },
    )
}
