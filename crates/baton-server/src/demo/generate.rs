//! Generated customers around the stories: deterministic for a given size, and
//! cheap enough per row that a million load in well under a minute.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{CARRIER, DIGITAL, INSTALLER};
use crate::error::ServerError;
use crate::store::rows::{NewContact, NewJob, Rows};

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
/// (sku, product, installed by a partner)
const PRODUCTS: [(&str, &str, bool); 6] = [
    ("WM-8KG", "Washing machine 8 kg", true),
    ("DW-60", "Dishwasher 60 cm", true),
    ("TV-50-LED", "50\" LED TV", false),
    ("FR-FF", "Fridge freezer", true),
    ("LT-14", "Laptop 14\"", false),
    ("HP-NC", "Noise-cancelling headphones", false),
];

/// A UK mobile number in E.164, from 07100 000000 to 07399 999999: every
/// number there is a valid mobile (parts of 074–079 are not, and 076 is for
/// pagers), so none needs parsing here (which would dominate a large load).
/// Six draws for three prefixes keep the generator's sequence as it was.
fn mobile(rng: &mut StdRng) -> String {
    let prefix = (rng.random_range(4..=9) - 4) % 3 + 1;
    format!("+447{prefix}{:08}", rng.random_range(0..100_000_000))
}

/// Customers `first..=last`, numbered after the story customers.
pub fn customers(r: &mut Rows<'_>, first: usize, last: usize) -> Result<(), ServerError> {
    let mut rng = StdRng::seed_from_u64(7);
    let lines: Vec<String> = PRODUCTS
        .iter()
        .map(|(sku, name, _)| serde_json::json!([{"sku": sku, "name": name, "quantity": 1}]).to_string())
        .collect();
    for n in first..=last {
        let id = format!("cus_{n:06}");
        let first_name = FIRST[rng.random_range(0..FIRST.len())];
        let last_name = LAST[rng.random_range(0..LAST.len())];
        let name = format!("{first_name} {last_name}");
        let email = format!(
            "{}.{}{n}@example.com",
            first_name.to_lowercase(),
            last_name.to_lowercase()
        );
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
        r.customer(&id, &format!("C-{}", 100_000 + n), &name)?;
        let two_people = rng.random_bool(0.3);
        let holder = format!("per_{n:06}_1");
        let m1 = mobile(&mut rng);
        r.person(
            &holder,
            &id,
            &name,
            if two_people {
                r#"["account_holder"]"#
            } else {
                r#"["account_holder", "site_contact"]"#
            },
            0,
            &[
                NewContact {
                    kind: "phone",
                    label: "mobile",
                    value: &m1,
                    purposes: r#"["appointments"]"#,
                },
                NewContact {
                    kind: "email",
                    label: "personal",
                    value: &email,
                    purposes: r#"["confirmations"]"#,
                },
            ],
        )?;
        let contact = if two_people {
            let other = format!("{} {last_name}", FIRST[rng.random_range(0..FIRST.len())]);
            let m2 = mobile(&mut rng);
            let pid = format!("per_{n:06}_2");
            r.person(
                &pid,
                &id,
                &other,
                r#"["site_contact"]"#,
                1,
                &[NewContact {
                    kind: "phone",
                    label: "mobile",
                    value: &m2,
                    purposes: r#"["appointments"]"#,
                }],
            )?;
            pid
        } else {
            holder
        };
        let address = format!("adr_{n:06}_1");
        r.address(&address, &id, "delivery", &street, city, &postcode)?;

        let p = rng.random_range(0..PRODUCTS.len());
        let (_, product, installed) = PRODUCTS[p];
        let order = format!("ord_{n:06}_1");
        let order_number = format!("O-{}", 300_000 + n);
        r.order(
            &order,
            &id,
            &order_number,
            "order",
            "placed",
            rng.random_range(0..30),
            &lines[p],
        )?;

        let roll = rng.random_range(0..10);
        let (org, kind, statuses, summary, contact_id, address_id) = match roll {
            0..=2 if installed => (
                INSTALLER,
                "installation",
                &["created", "scheduled", "delayed", "completed"][..],
                format!("Install {product}"),
                contact.as_str(),
                Some(address.as_str()),
            ),
            0..=6 => (
                CARRIER,
                "delivery",
                &["scheduled", "en_route", "at_depot", "completed"][..],
                format!("Deliver {product}"),
                contact.as_str(),
                Some(address.as_str()),
            ),
            7 => (
                DIGITAL,
                "digital_fulfilment",
                &["scheduled", "completed"][..],
                "Switch magazine subscription to the digital edition".to_string(),
                id.as_str(),
                None,
            ),
            _ => continue,
        };
        let status = statuses[rng.random_range(0..statuses.len())];
        let job = format!("job_{n:06}_1");
        let holder_id = format!("per_{n:06}_1");
        r.job(&NewJob {
            id: &job,
            number: &format!("J-{}", 200_000 + n * 10 + 1),
            customer_id: &id,
            org: org.0,
            kind,
            status,
            summary: &summary,
            contact_person_id: Some(if contact_id == id { &holder_id } else { contact_id }),
            address_id,
            order_id: Some(&order),
            day: rng.random_range(0..7),
            hour: rng.random_range(8..17),
        })?;
        r.history(
            &format!("tl_{n:06}_1"),
            &id,
            "job_assigned",
            &format!("{summary}: booked with {}", org.1),
            Some(&job),
        )?;
        if status == "completed" && rng.random_bool(0.5) {
            let csat = rng.random_range(1..=5u8);
            let nps = (csat * 2).saturating_sub(rng.random_range(0..=1));
            // Spread over the last twelve weeks, one in five having had to repeat
            // something and one in five not asked (from `n`, so the rest of the
            // generated data stays as it was).
            let reasked = match n % 5 {
                0 => Some(true),
                4 => None,
                _ => Some(false),
            };
            let days_ago = i64::try_from(n * 37 % 84).unwrap_or(0);
            r.feedback(
                &crate::store::feedback::NewFeedback {
                    id: &format!("fb_{n:06}_1"),
                    customer_id: &id,
                    org_id: org.0,
                    job_id: Some(&job),
                    ticket_id: None,
                    csat: Some(csat),
                    nps: Some(nps),
                    comment: "",
                    reasked,
                    at: "",
                    // Every fifth rating is a customer's own answer to a survey.
                    source: if n % 5 == 3 {
                        crate::store::feedback::Source::Survey
                    } else {
                        crate::store::feedback::Source::Agent
                    },
                },
                days_ago,
            )?;
        }
    }
    Ok(())
}
