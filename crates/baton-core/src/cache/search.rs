//! Finding a customer from what an agent types or a softphone pops: a phone
//! number in any common format, an email, a name, a customer or job number.

use std::collections::HashSet;

use baton_proto::contact::{display_phone, normalize_phone};
use rusqlite::{params, Connection};

use super::Cache;
use crate::error::Result;
use crate::view::{MatchKind, SearchHit};

/// Most results one search returns.
pub const MAX_HITS: usize = 50;

struct Hits {
    out: Vec<SearchHit>,
    seen: HashSet<(String, Option<String>)>,
}

impl Hits {
    fn push(&mut self, hit: SearchHit) {
        if self.out.len() < MAX_HITS && self.seen.insert((hit.customer_id.clone(), hit.person_name.clone())) {
            self.out.push(hit);
        }
    }
}

fn contact_hits(conn: &Connection, sql: &str, arg: &str, kind: MatchKind, hits: &mut Hits) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![arg, MAX_HITS as i64])?;
    while let Some(r) = rows.next()? {
        let value: String = r.get(4)?;
        let label: String = r.get(5)?;
        let shown = if kind == MatchKind::Phone {
            display_phone(&value)
        } else {
            value
        };
        hits.push(SearchHit {
            customer_id: r.get(0)?,
            customer_number: r.get(1)?,
            display_name: r.get(2)?,
            person_name: Some(r.get(3)?),
            match_kind: kind,
            matched: format!("{shown} ({label})"),
        });
    }
    Ok(())
}

/// Hits on a number: `sql` answers (customer id, customer number, display name,
/// the matched number, what it numbers: customer, job, order or ticket).
fn number_hits(conn: &Connection, sql: &str, prefix: &str, hits: &mut Hits) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![prefix, MAX_HITS as i64])?;
    while let Some(r) = rows.next()? {
        let what: String = r.get(4)?;
        hits.push(SearchHit {
            customer_id: r.get(0)?,
            customer_number: r.get(1)?,
            display_name: r.get(2)?,
            person_name: None,
            match_kind: match what.as_str() {
                "job" => MatchKind::JobNumber,
                "order" => MatchKind::OrderNumber,
                "ticket" => MatchKind::TicketNumber,
                _ => MatchKind::CustomerNumber,
            },
            matched: r.get(3)?,
        });
    }
    Ok(())
}

const CONTACT_SELECT: &str = "SELECT c.id, c.number, c.display_name, x.person_name, x.value, x.label
     FROM contact_index x JOIN customers c ON c.id = x.customer_id";

/// The E.164 prefixes a partly typed number can be the start of: with its country
/// code ("+44 7946", "0044 7946"), or a national number of the default region
/// ("07946 00" → "+447946 00"); digits alone may be either.
fn phone_prefixes(typed: &str, digits: &str) -> Vec<String> {
    let t = typed.trim_start();
    let cc = baton_proto::contact::DEFAULT_CALLING_CODE;
    if t.starts_with('+') {
        vec![format!("+{digits}")]
    } else if let Some(rest) = digits.strip_prefix("00") {
        vec![format!("+{rest}")]
    } else if let Some(national) = digits.strip_prefix('0') {
        vec![format!("+{cc}{national}")]
    } else {
        vec![format!("+{digits}"), format!("+{cc}{digits}")]
    }
}

/// Turns free text into an FTS5 prefix query: every word must match the start of a word.
fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Cache {
    pub fn search(&self, query: &str) -> Result<Vec<SearchHit>> {
        let q = query.trim();
        let mut hits = Hits {
            out: Vec::new(),
            seen: HashSet::new(),
        };
        if q.is_empty() || q.len() > 200 {
            return Ok(hits.out);
        }
        let conn = self.lock()?;
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let phone_like = !digits.is_empty() && q.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));

        if phone_like {
            // A complete number: exact match on E.164, so a shared landline finds everyone.
            if let Ok(e164) = normalize_phone(q) {
                let sql = format!(
                    "{CONTACT_SELECT} WHERE x.kind = 'phone' AND x.value = ?1 ORDER BY c.display_name LIMIT ?2"
                );
                contact_hits(&conn, &sql, &e164, MatchKind::Phone, &mut hits)?;
            }
            // A number as typed so far, from its start: a range on the stored E.164
            // (the value index answers it on a million customers in microseconds).
            if digits.len() >= 4 {
                let sql = format!(
                    "{CONTACT_SELECT} WHERE x.kind = 'phone' AND x.value >= ?1 AND x.value < ?1 || ':'
                     ORDER BY x.value LIMIT ?2"
                );
                for prefix in phone_prefixes(q, &digits) {
                    contact_hits(&conn, &sql, &prefix, MatchKind::Phone, &mut hits)?;
                }
            }
        }

        if q.contains('@') {
            let sql =
                format!("{CONTACT_SELECT} WHERE x.kind = 'email' AND x.value LIKE ?1 || '%' ORDER BY x.value LIMIT ?2");
            contact_hits(&conn, &sql, &q.to_lowercase(), MatchKind::Email, &mut hits)?;
        }

        // Customer, job, order and ticket numbers: "C-100001", "J-200011",
        // "O-300001", "T-400001" (prefix, any case).
        let upper = q.to_uppercase();
        if upper.starts_with("O-") || upper.starts_with("T-") {
            let sql = "SELECT c.id, c.number, c.display_name, x.number, x.kind FROM number_index x
                 JOIN customers c ON c.id = x.customer_id WHERE x.number LIKE ?1 || '%' ORDER BY x.number LIMIT ?2";
            number_hits(&conn, sql, &upper, &mut hits)?;
        }
        if upper.starts_with("C-") || upper.starts_with("J-") {
            let sql = "SELECT id, number, display_name, number, 'customer' FROM customers WHERE number LIKE ?1 || '%'
                 UNION ALL
                 SELECT c.id, c.number, c.display_name, j.number, 'job' FROM jobs j JOIN customers c ON c.id = j.customer_id WHERE j.number LIKE ?1 || '%'
                 LIMIT ?2";
            number_hits(&conn, sql, &upper, &mut hits)?;
        }

        if !phone_like && !q.contains('@') {
            // While a snapshot loads, the name index is rebuilt only when its last
            // page is in: the names that have arrived are scanned instead, each
            // word matching the start of a word of the name.
            let loading = super::state::get(&conn, "names_stale")?.is_some();
            let query = if loading { like_pattern(q) } else { fts_query(q) };
            if let Some(query) = query {
                let sql = if loading {
                    "SELECT c.id, c.number, c.display_name, n.name, n.person_id
                     FROM name_rows n JOIN customers c ON c.id = n.customer_id
                     WHERE (' ' || lower(n.name)) LIKE ?1 ORDER BY n.name LIMIT ?2"
                } else {
                    "SELECT c.id, c.number, c.display_name, n.name, n.person_id
                     FROM name_index f
                     JOIN name_rows n ON n.id = f.rowid
                     JOIN customers c ON c.id = n.customer_id
                     WHERE name_index MATCH ?1 ORDER BY f.rank LIMIT ?2"
                };
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(params![query, MAX_HITS as i64])?;
                while let Some(r) = rows.next()? {
                    let name: String = r.get(3)?;
                    let person: String = r.get(4)?;
                    hits.push(SearchHit {
                        customer_id: r.get(0)?,
                        customer_number: r.get(1)?,
                        display_name: r.get(2)?,
                        person_name: (!person.is_empty()).then(|| name.clone()),
                        match_kind: MatchKind::Name,
                        matched: name,
                    });
                }
            }
        }
        Ok(hits.out)
    }
}

/// Free text as a LIKE pattern over `' ' || lower(name)`: each word, in the
/// order typed, at the start of a word ("marg hug" → "% marg% hug%").
fn like_pattern(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("% {}", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.concat() + "%")
}

#[cfg(test)]
mod tests {
    use super::{fts_query, like_pattern, phone_prefixes};

    #[test]
    fn a_like_pattern_matches_words_from_their_start_and_has_no_wildcards_of_its_own() {
        assert_eq!(like_pattern("Marg hug").as_deref(), Some("% marg% hug%"));
        assert_eq!(like_pattern("50%_off").as_deref(), Some("% 50% off%"));
        assert_eq!(like_pattern(" -- "), None);
    }

    #[test]
    fn partly_typed_numbers_match_from_their_start() {
        assert_eq!(phone_prefixes("07946 00", "0794600"), ["+44794600"]);
        assert_eq!(phone_prefixes("+44 7946", "447946"), ["+447946"]);
        assert_eq!(phone_prefixes("0044 7946", "00447946"), ["+447946"]);
        assert_eq!(phone_prefixes("7946 000", "7946000"), ["+7946000", "+447946000"]);
    }

    #[test]
    fn fts_query_quotes_words_and_drops_operators() {
        assert_eq!(fts_query("marg hug").as_deref(), Some("\"marg\"* \"hug\"*"));
        assert_eq!(
            fts_query("o'brien AND \"x").as_deref(),
            Some("\"o\"* \"brien\"* \"AND\"* \"x\"*")
        );
        assert_eq!(fts_query(" -- "), None);
    }
}
