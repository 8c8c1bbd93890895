//! Business hours. Each organisation may have a calendar (opening hours in its
//! time zone, and holidays); SLA clocks, triggered-callback due times and
//! escalations count only the hours it is open, so nobody is escalated for a
//! night, a weekend or a holiday they do not work. An organisation without a
//! calendar is open around the clock.
//!
//! The same arithmetic runs on the server (due times, the escalation sweep) and
//! in the console (business time remaining), so the two never disagree.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::contact::ContactError;
use crate::ErrorCode;

/// Most opening periods a week may have (four a day).
pub const MAX_OPENING_PERIODS: usize = 28;
/// Most holidays a calendar may list.
pub const MAX_HOLIDAYS: usize = 400;
/// How far ahead the arithmetic looks for opening hours before it gives up.
const HORIZON_DAYS: i64 = 800;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    fn index(self) -> usize {
        self as usize
    }

    fn of(date: NaiveDate) -> Weekday {
        Weekday::ALL[date.weekday().num_days_from_monday() as usize]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }
}

/// A time of day on a wall clock, `"HH:MM"`, from `00:00` to `24:00` (the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
#[schema(value_type = String, example = "08:30", pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
pub struct ClockTime(u16);

impl ClockTime {
    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn from_minutes(m: u16) -> Option<ClockTime> {
        (m <= 24 * 60).then_some(ClockTime(m))
    }
}

impl TryFrom<String> for ClockTime {
    type Error = String;
    fn try_from(s: String) -> Result<ClockTime, String> {
        let bad = || format!("'{s}' is not a time of day such as 08:30 (00:00 to 24:00)");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return Err(bad());
        }
        let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m >= 60 || h * 60 + m > 24 * 60 {
            return Err(bad());
        }
        Ok(ClockTime(h * 60 + m))
    }
}

impl From<ClockTime> for String {
    fn from(t: ClockTime) -> String {
        t.to_string()
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// One opening period on a day of the week, in the calendar's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct OpeningHours {
    pub day: Weekday,
    pub opens: ClockTime,
    /// After `opens`; `24:00` for open until midnight.
    pub closes: ClockTime,
}

/// A day the organisation is closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Holiday {
    #[schema(value_type = String, format = Date, example = "2026-12-25")]
    pub date: NaiveDate,
    pub name: String,
}

/// An organisation's business hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct BusinessCalendar {
    /// An IANA time zone name, such as `Europe/London`.
    #[schema(example = "Europe/London")]
    pub time_zone: String,
    /// The opening periods of the week; a day with none is closed.
    pub hours: Vec<OpeningHours>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

impl BusinessCalendar {
    /// Checks the calendar and returns it tidied (periods by day and time,
    /// holidays by date, names trimmed), with the clock it defines.
    pub fn validate(&self) -> Result<(BusinessCalendar, BusinessClock), ContactError> {
        let bad = |m: String| ContactError::new(ErrorCode::BadRequest, m);
        let tz: Tz = self.time_zone.trim().parse().map_err(|_| {
            bad(format!(
                "time_zone '{}' is not a time zone name such as Europe/London",
                self.time_zone
            ))
        })?;
        if self.hours.is_empty() {
            return Err(bad("a calendar must be open at some time of the week".into()));
        }
        if self.hours.len() > MAX_OPENING_PERIODS {
            return Err(bad(format!("a week has at most {MAX_OPENING_PERIODS} opening periods")));
        }
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(bad(format!("a calendar lists at most {MAX_HOLIDAYS} holidays")));
        }
        let mut hours = self.hours.clone();
        hours.sort_by_key(|h| (h.day, h.opens));
        for h in &hours {
            if h.closes <= h.opens {
                return Err(bad(format!(
                    "opening hours on {} must close after they open ({} to {})",
                    h.day.as_str(),
                    h.opens,
                    h.closes
                )));
            }
        }
        for pair in hours.windows(2) {
            if let [a, b] = pair {
                if a.day == b.day && b.opens < a.closes {
                    return Err(bad(format!(
                        "opening hours on {} overlap ({} to {} and {} to {})",
                        a.day.as_str(),
                        a.opens,
                        a.closes,
                        b.opens,
                        b.closes
                    )));
                }
            }
        }
        let mut holidays = Vec::with_capacity(self.holidays.len());
        let mut dates = BTreeSet::new();
        for h in &self.holidays {
            let name = crate::validate::text("holiday name", &h.name, crate::validate::MAX_SHORT)?;
            if !dates.insert(h.date) {
                return Err(bad(format!("the holiday on {} is listed twice", h.date)));
            }
            holidays.push(Holiday { date: h.date, name });
        }
        holidays.sort_by_key(|h| h.date);
        let tidy = BusinessCalendar {
            time_zone: tz.name().to_string(),
            hours,
            holidays,
        };
        let clock = BusinessClock::of(&tidy, tz);
        Ok((tidy, clock))
    }

    /// The clock of a calendar already checked (as stored); around the clock if
    /// it no longer reads, so a bad stored row never stops an escalation.
    pub fn clock(&self) -> BusinessClock {
        self.validate().map(|(_, c)| c).unwrap_or_default()
    }
}

/// The time arithmetic of a calendar, or of none (open around the clock).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessClock(Option<Hours>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Hours {
    tz: Tz,
    /// Per weekday (Monday first), the open periods in minutes since midnight.
    week: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessClock {
    /// Open around the clock: business time is wall time.
    pub fn always_open() -> BusinessClock {
        BusinessClock(None)
    }

    /// The clock of an organisation with or without a calendar.
    pub fn for_calendar(calendar: Option<&BusinessCalendar>) -> BusinessClock {
        calendar.map(BusinessCalendar::clock).unwrap_or_default()
    }

    fn of(calendar: &BusinessCalendar, tz: Tz) -> BusinessClock {
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for h in &calendar.hours {
            week[h.day.index()].push((h.opens.minutes(), h.closes.minutes()));
        }
        BusinessClock(Some(Hours {
            tz,
            week,
            holidays: calendar.holidays.iter().map(|h| h.date).collect(),
        }))
    }

    pub fn is_around_the_clock(&self) -> bool {
        self.0.is_none()
    }

    /// Whether the organisation is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        match &self.0 {
            None => true,
            Some(h) => h.spans(at).next().is_some_and(|(start, _)| start <= at),
        }
    }

    /// When it next opens: `at` itself while open; `None` if not within two years.
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.0 {
            None => Some(at),
            Some(h) => h.spans(at).next().map(|(start, _)| start.max(at)),
        }
    }

    /// Open time between `from` and `to` (zero when `to` is not after `from`).
    pub fn open_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        match &self.0 {
            None => to - from,
            Some(h) => h
                .spans(from)
                .take_while(|(start, _)| *start < to)
                .map(|(start, end)| end.min(to) - start.max(from))
                .fold(Duration::zero(), |sum, d| sum + d),
        }
    }

    /// The instant `open` business time after `from`: when an SLA of that length
    /// started at `from` falls due. Past the horizon (a calendar all holidays),
    /// wall time, so a due time always exists.
    pub fn add(&self, from: DateTime<Utc>, open: Duration) -> DateTime<Utc> {
        let Some(h) = &self.0 else { return from + open };
        if open <= Duration::zero() {
            return from;
        }
        let mut left = open;
        for (start, end) in h.spans(from) {
            let start = start.max(from);
            if end - start >= left {
                return start + left;
            }
            left -= end - start;
        }
        from + open
    }

    /// Business time from `now` to `due`: positive while there is time left,
    /// negative by the open time it has been overdue.
    pub fn remaining(&self, now: DateTime<Utc>, due: DateTime<Utc>) -> Duration {
        if due >= now {
            self.open_between(now, due)
        } else {
            -self.open_between(due, now)
        }
    }
}

impl Hours {
    /// The open periods (as instants) that end after `from`, in order.
    fn spans(&self, from: DateTime<Utc>) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first = from.with_timezone(&self.tz).date_naive() - Duration::days(1);
        (0..HORIZON_DAYS)
            .filter_map(move |i| first.checked_add_signed(Duration::days(i)))
            .filter(|d| !self.holidays.contains(d))
            .flat_map(move |d| {
                self.week[Weekday::of(d).index()]
                    .iter()
                    .map(move |&(o, c)| (self.instant(d, o), self.instant(d, c)))
            })
            .filter(move |(start, end)| end > start && *end > from)
    }

    /// The instant a wall-clock minute of a day names. In the hour a clock goes
    /// back, the first; in the hour it skips, the moment it springs forward.
    fn instant(&self, date: NaiveDate, minute: u16) -> DateTime<Utc> {
        let local: NaiveDateTime = date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(i64::from(minute));
        // A gap is at most a few hours; its end is the first minute that exists.
        for step in 0..=240 {
            let probe = local + Duration::minutes(step);
            if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                return t.with_timezone(&Utc);
            }
        }
        Utc.from_utc_datetime(&local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    fn ct(s: &str) -> ClockTime {
        ClockTime::try_from(s.to_string()).expect("clock time")
    }

    /// Weekdays 08:00–18:00 in London, closed on 28 December 2026 (a Monday).
    fn london() -> BusinessCalendar {
        BusinessCalendar {
            time_zone: "Europe/London".into(),
            hours: [
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ]
            .into_iter()
            .map(|day| OpeningHours {
                day,
                opens: ct("08:00"),
                closes: ct("18:00"),
            })
            .collect(),
            holidays: vec![Holiday {
                date: NaiveDate::from_ymd_opt(2026, 12, 28).expect("date"),
                name: "Boxing Day (substitute)".into(),
            }],
        }
    }

    #[test]
    fn clock_times_read_and_write_as_hours_and_minutes() {
        assert_eq!(ct("08:30").minutes(), 510);
        assert_eq!(ct("24:00").to_string(), "24:00");
        for bad in ["8:30", "24:01", "12:60", "noon", "", "08:3a", "-1:00"] {
            assert!(ClockTime::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_sla_started_on_friday_afternoon_runs_over_the_weekend_and_a_holiday() {
        let clock = london().clock();
        // Friday 25 December 2026 is a Friday but not listed: open.
        // Four hours from Thursday 24 Dec 16:00 (GMT): 2 h Thursday, 2 h Friday.
        assert_eq!(
            clock.add(t("2026-12-24T16:00:00Z"), Duration::hours(4)),
            t("2026-12-25T10:00:00Z")
        );
        // From Friday 17:00: 1 h Friday, then Saturday, Sunday and the Monday holiday
        // are skipped, and the other 3 h run on Tuesday morning.
        assert_eq!(
            clock.add(t("2026-12-25T17:00:00Z"), Duration::hours(4)),
            t("2026-12-29T11:00:00Z")
        );
        // Started while closed, it starts when the organisation opens.
        assert_eq!(
            clock.add(t("2026-12-26T12:00:00Z"), Duration::minutes(30)),
            t("2026-12-29T08:30:00Z")
        );
        // Ending exactly at closing time is due at closing time, not next morning.
        assert_eq!(
            clock.add(t("2026-12-24T17:00:00Z"), Duration::hours(1)),
            t("2026-12-24T18:00:00Z")
        );
    }

    #[test]
    fn open_time_between_two_instants_counts_only_opening_hours() {
        let clock = london().clock();
        let (fri, tue) = (t("2026-12-25T17:30:00Z"), t("2026-12-29T09:00:00Z"));
        assert_eq!(clock.open_between(fri, tue), Duration::minutes(90));
        assert_eq!(clock.remaining(fri, tue), Duration::minutes(90));
        assert_eq!(clock.remaining(tue, fri), Duration::minutes(-90));
        assert_eq!(clock.open_between(tue, fri), Duration::zero());
        assert!(!clock.is_open(t("2026-12-28T10:00:00Z")), "the holiday");
        assert!(clock.is_open(t("2026-12-29T08:00:00Z")));
        assert!(!clock.is_open(t("2026-12-29T18:00:00Z")), "closing time is closed");
        assert_eq!(
            clock.next_open(t("2026-12-26T10:00:00Z")),
            Some(t("2026-12-29T08:00:00Z"))
        );
        assert_eq!(
            clock.next_open(t("2026-12-29T09:15:00Z")),
            Some(t("2026-12-29T09:15:00Z"))
        );
    }

    #[test]
    fn adding_then_measuring_gives_back_the_same_open_time() {
        let clock = london().clock();
        let mut from = t("2026-12-20T05:17:00Z");
        for minutes in [1, 59, 61, 600, 601, 1439, 3000, 9000] {
            let due = clock.add(from, Duration::minutes(minutes));
            assert_eq!(
                clock.open_between(from, due),
                Duration::minutes(minutes),
                "{from} + {minutes}"
            );
            from = due + Duration::minutes(7);
        }
    }

    #[test]
    fn opening_hours_follow_the_local_clock_across_a_change_to_summer_time() {
        let clock = london().clock();
        // 29 March 2027: London is on BST (UTC+1), so 08:00 local is 07:00 UTC.
        assert_eq!(
            clock.next_open(t("2027-03-29T05:00:00Z")),
            Some(t("2027-03-29T07:00:00Z"))
        );
        // Friday 26 March 17:00 UTC (17:00 GMT) + 2 h: 1 h Friday, 1 h Monday from 07:00 UTC.
        assert_eq!(
            clock.add(t("2027-03-26T17:00:00Z"), Duration::hours(2)),
            t("2027-03-29T08:00:00Z")
        );
    }

    #[test]
    fn a_period_in_the_hour_the_clock_skips_starts_when_it_springs_forward() {
        let cal = BusinessCalendar {
            time_zone: "Europe/London".into(),
            hours: vec![OpeningHours {
                day: Weekday::Sunday,
                opens: ct("01:30"),
                closes: ct("03:00"),
            }],
            holidays: vec![],
        };
        let clock = cal.clock();
        // 28 March 2027, 01:00 GMT becomes 02:00 BST: 01:30 local does not exist.
        assert_eq!(
            clock.next_open(t("2027-03-28T00:00:00Z")),
            Some(t("2027-03-28T01:00:00Z"))
        );
        assert_eq!(
            clock.open_between(t("2027-03-27T00:00:00Z"), t("2027-03-29T00:00:00Z")),
            Duration::hours(1)
        );
    }

    #[test]
    fn without_a_calendar_business_time_is_wall_time() {
        let clock = BusinessClock::always_open();
        let a = t("2026-12-26T03:00:00Z");
        assert_eq!(clock.add(a, Duration::minutes(90)), a + Duration::minutes(90));
        assert_eq!(clock.remaining(a, a - Duration::hours(2)), Duration::hours(-2));
        assert!(clock.is_open(a));
    }

    #[test]
    fn a_bad_calendar_is_refused_in_words() {
        let msg = |c: BusinessCalendar| c.validate().expect_err("refused").message;
        let mut c = london();
        c.time_zone = "Europe/Londres".into();
        assert!(msg(c).contains("not a time zone"));
        let mut c = london();
        c.hours.clear();
        assert!(msg(c).contains("open at some time"));
        let mut c = london();
        c.hours[0].closes = ct("07:00");
        assert!(msg(c).contains("close after they open"));
        let mut c = london();
        c.hours.push(OpeningHours {
            day: Weekday::Monday,
            opens: ct("17:00"),
            closes: ct("20:00"),
        });
        assert!(msg(c).contains("overlap"));
        let mut c = london();
        c.holidays.push(c.holidays[0].clone());
        assert!(msg(c).contains("listed twice"));
        let mut c = london();
        c.holidays[0].name = "  ".into();
        assert!(msg(c).contains("must not be empty"));
    }

    #[test]
    fn a_calendar_is_tidied_when_checked() {
        let mut c = london();
        c.hours.reverse();
        c.time_zone = " Europe/London ".into();
        let (tidy, _) = c.validate().expect("valid");
        assert_eq!(tidy.hours[0].day, Weekday::Monday);
        assert_eq!(tidy.time_zone, "Europe/London");
        let json = serde_json::to_value(&tidy).expect("json");
        assert_eq!(json["hours"][0]["opens"], "08:00");
        assert_eq!(json["holidays"][0]["date"], "2026-12-28");
    }
}
