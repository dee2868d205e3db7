//! Timestamps as KRR sends them, and human phrasing of ages ("7 years ago").
//!
//! KRR uses three ISO-8601 shapes: `2018-06-29T10:14:52+02` (hour-only offset), `2023-08-05T10:45:15.768Z` and
//! `2010-12-16T13:32:05.000+01:00`. A value that fits none of them is kept as received and flagged, never an error
//! for the whole answer.

use chrono::{DateTime, FixedOffset, Months, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::codes::Lang;

/// A timestamp exactly as received, with its parsed value when it has one of the accepted shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    raw: String,
    parsed: Option<DateTime<FixedOffset>>,
}

impl Timestamp {
    pub fn parse(raw: &str) -> Self {
        Timestamp {
            raw: raw.to_owned(),
            parsed: parse_krr_time(raw),
        }
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    pub fn parsed(&self) -> Option<DateTime<FixedOffset>> {
        self.parsed
    }

    pub fn utc(&self) -> Option<DateTime<Utc>> {
        self.parsed.map(|t| t.with_timezone(&Utc))
    }
}

/// Parses one of the three shapes KRR uses. Returns `None` for anything else, including a time without offset
/// (its instant would be a guess).
pub fn parse_krr_time(raw: &str) -> Option<DateTime<FixedOffset>> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    // `+02` / `-0130`: hour-only or colon-less offsets.
    let bytes = s.as_bytes();
    let sign_at = s.rfind(['+', '-'])?;
    if sign_at < 10 || !s[..sign_at].contains('T') {
        return None;
    }
    let offset = &s[sign_at + 1..];
    let normalised_offset = match offset.len() {
        2 if offset.bytes().all(|b| b.is_ascii_digit()) => format!("{offset}:00"),
        4 if offset.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}:{}", &offset[..2], &offset[2..])
        }
        _ => return None,
    };
    let candidate = format!(
        "{}{}{}",
        &s[..sign_at],
        bytes[sign_at] as char,
        normalised_offset
    );
    DateTime::parse_from_rfc3339(&candidate).ok()
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(Timestamp::parse(&s))
    }
}

/// The instant 18 calendar months before `now`: contact info confirmed before it may not be used for notification.
pub fn eighteen_months_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(18))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// "7 years ago", "in 3 days", "for 2 måneder siden": the distance from `now` to `then`, in the largest whole unit.
pub fn describe_age(then: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let secs = (now - then).num_seconds();
    let future = secs < 0;
    let secs = secs.unsigned_abs();
    let (n, unit) = largest_unit(secs);
    let (one, many) = unit_names(unit, lang);
    let word = if n == 1 { one } else { many };
    match (lang, future) {
        (_, _) if unit == Unit::Now => lang.pick("nå", "just now").to_owned(),
        (Lang::En, false) => format!("{n} {word} ago"),
        (Lang::En, true) => format!("in {n} {word}"),
        (Lang::Nb, false) => format!("for {n} {word} siden"),
        (Lang::Nb, true) => format!("om {n} {word}"),
    }
}

/// A short duration: "1 min 40 s", "2 h 5 min", "3 d 4 h".
pub fn describe_duration(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) if s == 0 => format!("{m} min"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Now,
    Second,
    Minute,
    Hour,
    Day,
    Month,
    Year,
}

fn largest_unit(secs: u64) -> (u64, Unit) {
    const DAY: u64 = 86_400;
    match secs {
        0..=4 => (0, Unit::Now),
        5..=59 => (secs, Unit::Second),
        60..=3599 => (secs / 60, Unit::Minute),
        3600..=86_399 => (secs / 3600, Unit::Hour),
        _ if secs < 31 * DAY => (secs / DAY, Unit::Day),
        _ if secs < 365 * DAY => (secs / (30 * DAY), Unit::Month),
        _ => (secs / (365 * DAY), Unit::Year),
    }
}

fn unit_names(unit: Unit, lang: Lang) -> (&'static str, &'static str) {
    match (unit, lang) {
        (Unit::Now, _) => ("", ""),
        (Unit::Second, Lang::En) => ("second", "seconds"),
        (Unit::Minute, Lang::En) => ("minute", "minutes"),
        (Unit::Hour, Lang::En) => ("hour", "hours"),
        (Unit::Day, Lang::En) => ("day", "days"),
        (Unit::Month, Lang::En) => ("month", "months"),
        (Unit::Year, Lang::En) => ("year", "years"),
        (Unit::Second, Lang::Nb) => ("sekund", "sekunder"),
        (Unit::Minute, Lang::Nb) => ("minutt", "minutter"),
        (Unit::Hour, Lang::Nb) => ("time", "timer"),
        (Unit::Day, Lang::Nb) => ("dag", "dager"),
        (Unit::Month, Lang::Nb) => ("måned", "måneder"),
        (Unit::Year, Lang::Nb) => ("år", "år"),
    }
}

/// A certificate's validity in words, from `now`: "expired 30 days ago", "valid for 12 more days", "not valid
/// until 2027-01-01 (in 30 days)", or "expires today".
pub fn certificate_validity(
    not_before: Option<DateTime<Utc>>,
    not_after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    lang: Lang,
) -> Option<String> {
    let days = |n: i64| match (lang, n) {
        (Lang::Nb, 1) => "1 dag".to_owned(),
        (Lang::Nb, n) => format!("{n} dager"),
        (Lang::En, 1) => "1 day".to_owned(),
        (Lang::En, n) => format!("{n} days"),
    };
    if let Some(nb) = not_before
        && now < nb
    {
        let date = nb.format("%Y-%m-%d");
        let n = (nb - now).num_days();
        return Some(match (lang, n) {
            (Lang::Nb, 0) => format!("ikke gyldig før {date} (senere i dag)"),
            (Lang::Nb, n) => format!("ikke gyldig før {date} (om {})", days(n)),
            (Lang::En, 0) => format!("not valid until {date} (later today)"),
            (Lang::En, n) => format!("not valid until {date} (in {})", days(n)),
        });
    }
    let na = not_after?;
    Some(if now > na {
        match ((now - na).num_days(), lang) {
            (0, Lang::Nb) => "utløpt i dag".to_owned(),
            (0, Lang::En) => "expired today".to_owned(),
            (n, Lang::Nb) => format!("utløpt for {} siden", days(n)),
            (n, Lang::En) => format!("expired {} ago", days(n)),
        }
    } else {
        match ((na - now).num_days(), lang) {
            (0, Lang::Nb) => "utløper i dag".to_owned(),
            (0, Lang::En) => "expires today".to_owned(),
            (n, Lang::Nb) => format!("gyldig i {} til", days(n)),
            (1, Lang::En) => "valid for 1 more day".to_owned(),
            (n, Lang::En) => format!("valid for {n} more days"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn certificate_validity_in_words() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let d = chrono::Duration::days;
        let v = |nb: i64, na: i64, lang| {
            certificate_validity(Some(now + d(nb)), Some(now + d(na)), now, lang).unwrap()
        };
        assert_eq!(v(-400, -30, Lang::En), "expired 30 days ago");
        assert_eq!(v(-400, -30, Lang::Nb), "utløpt for 30 dager siden");
        assert_eq!(v(-400, 12, Lang::En), "valid for 12 more days");
        assert_eq!(v(-400, 1, Lang::Nb), "gyldig i 1 dag til");
        assert_eq!(
            v(31, 400, Lang::En),
            "not valid until 2027-01-01 (in 31 days)"
        );
        assert_eq!(
            v(31, 400, Lang::Nb),
            "ikke gyldig før 2027-01-01 (om 31 dager)"
        );
        assert_eq!(certificate_validity(None, None, now, Lang::En), None);
    }

    #[test]
    fn all_three_krr_shapes_parse_to_the_same_instant_kind() {
        let a = parse_krr_time("2018-06-29T10:14:52+02").unwrap();
        assert_eq!(a.to_rfc3339(), "2018-06-29T10:14:52+02:00");
        let b = parse_krr_time("2023-08-05T10:45:15.768Z").unwrap();
        assert_eq!(
            b.with_timezone(&Utc),
            Utc.with_ymd_and_hms(2023, 8, 5, 10, 45, 15).unwrap()
                + chrono::Duration::milliseconds(768)
        );
        let c = parse_krr_time("2010-12-16T13:32:05.000+01:00").unwrap();
        assert_eq!(
            c.with_timezone(&Utc),
            Utc.with_ymd_and_hms(2010, 12, 16, 12, 32, 5).unwrap()
        );
        assert_eq!(
            parse_krr_time("2018-06-29T10:14:52-0130")
                .unwrap()
                .offset()
                .local_minus_utc(),
            -5400
        );
    }

    #[test]
    fn malformed_times_are_kept_and_flagged() {
        for raw in [
            "yesterday",
            "2018-06-29",
            "2018-06-29T10:14:52",
            "2018-13-29T10:14:52+02",
            "",
            "+02",
            "2018-06-29T10:14:52+2",
        ] {
            let t = Timestamp::parse(raw);
            assert_eq!(t.parsed(), None, "{raw}");
            assert_eq!(t.raw(), raw);
        }
    }

    #[test]
    fn ages_read_naturally() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let t = Utc.with_ymd_and_hms(2018, 11, 20, 12, 0, 0).unwrap();
        assert_eq!(describe_age(t, now, Lang::En), "8 years ago");
        assert_eq!(describe_age(t, now, Lang::Nb), "for 8 år siden");
        assert_eq!(
            describe_age(now + chrono::Duration::days(3), now, Lang::En),
            "in 3 days"
        );
        assert_eq!(
            describe_age(now - chrono::Duration::days(60), now, Lang::En),
            "2 months ago"
        );
        assert_eq!(describe_duration(100), "1 min 40 s");
        assert_eq!(
            eighteen_months_before(now),
            Utc.with_ymd_and_hms(2025, 5, 24, 12, 0, 0).unwrap()
        );
    }
}
