//! The emulator's register: test persons (from `assets/emulator-data.json` or `--data FILE`), extra clients, and
//! building the /person answer for a token's scopes by the register's rules.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::krr::rules::{channel_usable, varslingsstatus_by_rule};
use crate::krr::time::parse_krr_time;
use crate::krr::{
    CodeList, NationalId, Reservasjon, Spraak, Status, Varslingsstatus, generate_synthetic,
};

/// The data shipped in the binary.
pub const DEFAULT_DATA: &str = include_str!("../../assets/emulator-data.json");

/// A date in the data file: relative to the emulator's clock ("30 days ago"), or absolute.
#[derive(Clone, Debug, PartialEq)]
pub enum When {
    DaysAgo(i64),
    At(String, DateTime<FixedOffset>),
}

/// A date in the data file that is neither relative nor absolute.
#[derive(Debug, thiserror::Error)]
pub enum WhenError {
    #[error("'{0}': expected '<n> days ago'")]
    NotDays(String),
    #[error("'{0}': expected '<n> days ago' or an RFC 3339 time")]
    NotTime(String),
}

/// What is wrong with a data file; each names the person and field it is about.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{0}")]
    Json(#[source] serde_json::Error),
    #[error("person {pid}: not a valid national id: {source}")]
    Pid {
        pid: String,
        #[source]
        source: crate::krr::IdError,
    },
    #[error("person {pid}: '{raw}' is not a {field} code")]
    Code {
        pid: String,
        raw: String,
        field: &'static str,
    },
    #[error("person {pid}: {source}")]
    When {
        pid: String,
        #[source]
        source: WhenError,
    },
    #[error("person {0} is listed twice")]
    Twice(String),
    #[error("client {client_id}: {message}")]
    Client { client_id: String, message: String },
}

impl ClientRecord {
    /// Every method the client may use: `auth_methods` and `token_endpoint_auth_method`.
    pub fn methods(&self) -> Vec<String> {
        let mut m = self.auth_methods.clone();
        m.extend(self.token_endpoint_auth_method.iter().cloned());
        m
    }

    /// The public keys of a private_key_jwt client; refused when unreadable or empty.
    pub fn key_set(&self) -> Result<Option<crate::jose::jwk::KeySet>, DataError> {
        let fail = |message: String| DataError::Client {
            client_id: self.client_id.clone(),
            message,
        };
        let Some(jwks) = &self.jwks else {
            return if self.methods().iter().any(|m| m == "private_key_jwt") {
                Err(fail(
                    "private_key_jwt needs \"jwks\": the client's public keys".into(),
                ))
            } else {
                Ok(None)
            };
        };
        let set = crate::jose::jwk::KeySet::parse(&jwks.to_string())
            .map_err(|e| fail(format!("jwks: {e}")))?;
        match (set.keys.is_empty(), set.skipped.first()) {
            (true, Some(why)) => Err(fail(format!("jwks: no usable key ({why})"))),
            (true, None) => Err(fail("jwks: no keys".into())),
            _ => Ok(Some(set)),
        }
    }
}

impl When {
    fn parse(raw: &str) -> Result<When, WhenError> {
        if let Some(n) = raw
            .trim()
            .strip_suffix("days ago")
            .or_else(|| raw.trim().strip_suffix("day ago"))
        {
            return n
                .trim()
                .parse()
                .map(When::DaysAgo)
                .map_err(|_| WhenError::NotDays(raw.to_owned()));
        }
        parse_krr_time(raw)
            .map(|t| When::At(raw.to_owned(), t))
            .ok_or_else(|| WhenError::NotTime(raw.to_owned()))
    }

    /// "N days ago" counts from midnight UTC of the clock's day, so that every answer of one day (and of every
    /// emulator run that day) carries the same timestamps.
    pub fn instant(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            When::DaysAgo(n) => start_of_day(now) - Duration::days(*n),
            When::At(_, t) => t.with_timezone(&Utc),
        }
    }

    /// The timestamp as the register would send it: absolute ones verbatim, relative ones in KRR's `...Z` shape.
    pub fn render(&self, now: DateTime<Utc>) -> String {
        match self {
            When::DaysAgo(_) => self
                .instant(now)
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            When::At(raw, _) => raw.clone(),
        }
    }
}

/// Midnight UTC of `now`'s day.
pub fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChannelRecord {
    pub value: String,
    pub oppdatert: Option<When>,
    pub sist_verifisert: Option<When>,
}

impl ChannelRecord {
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        channel_usable(
            self.oppdatert.as_ref().map(|w| w.instant(now)),
            self.sist_verifisert.as_ref().map(|w| w.instant(now)),
            now,
        )
    }
}

/// One person of the emulator's register.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonRecord {
    pub pid: String,
    /// What this person demonstrates, for the login page (Bokmål, English).
    pub shows: (String, String),
    pub reservasjon: Option<Reservasjon>,
    pub reservasjonstidspunkt: Option<When>,
    pub status: Status,
    pub epost: Option<ChannelRecord>,
    pub mobil: Option<ChannelRecord>,
    pub digital_post: Option<(String, String)>,
    pub sertifikat: bool,
    pub spraak: Option<Spraak>,
    pub spraak_oppdatert: Option<When>,
    /// Made by the emulator (`synthetic` in the data file), not listed in it.
    pub generated: bool,
}

impl PersonRecord {
    /// An id not in the data: a person the register does not know.
    pub fn not_registered(pid: &str) -> PersonRecord {
        PersonRecord {
            pid: pid.to_owned(),
            shows: ("ikke registrert".into(), "not registered".into()),
            reservasjon: Some(Reservasjon::Nei),
            reservasjonstidspunkt: None,
            status: Status::IkkeRegistrert,
            epost: None,
            mobil: None,
            digital_post: None,
            sertifikat: false,
            spraak: None,
            spraak_oppdatert: None,
            generated: false,
        }
    }

    pub fn varslingsstatus(&self, now: DateTime<Utc>) -> Varslingsstatus {
        let usable = [&self.epost, &self.mobil]
            .iter()
            .filter(|c| c.as_ref().is_some_and(|c| c.usable(now)))
            .count();
        varslingsstatus_by_rule(self.status, self.reservasjon, usable)
    }

    /// The /person answer for a token that unlocks `unlocked` (top-level field names, see `krr::scopes`).
    /// `certificate` is the person's certificate (base64 DER) when they have one.
    pub fn answer(
        &self,
        unlocked: &BTreeSet<&str>,
        now: DateTime<Utc>,
        filter_kan_ikke_varsles: bool,
        certificate: Option<&str>,
    ) -> Value {
        let mut out = Map::new();
        out.insert("personidentifikator".into(), json!(self.pid));
        if let Some(r) = self.reservasjon {
            out.insert("reservasjon".into(), json!(r.code()));
        }
        out.insert("status".into(), json!(self.status.code()));
        if let Some(t) = &self.reservasjonstidspunkt {
            out.insert("reservasjonstidspunkt".into(), json!(t.render(now)));
        }
        let varsling = self.varslingsstatus(now);
        let asked_varsling = unlocked.contains("varslingsstatus");
        if asked_varsling {
            out.insert("varslingsstatus".into(), json!(varsling.code()));
        }
        // The register leaves contact info, mailbox and certificate out when it says the person cannot be notified.
        let withheld = self.status != Status::Aktiv
            || (filter_kan_ikke_varsles
                && asked_varsling
                && varsling == Varslingsstatus::KanIkkeVarsles);
        if !withheld {
            if unlocked.contains("kontaktinformasjon") {
                let mut k = Map::new();
                for (prefix, channel) in [
                    ("epostadresse", &self.epost),
                    ("mobiltelefonnummer", &self.mobil),
                ] {
                    let Some(c) = channel else { continue };
                    k.insert(prefix.into(), json!(c.value));
                    if let Some(t) = &c.oppdatert {
                        k.insert(format!("{prefix}_oppdatert"), json!(t.render(now)));
                    }
                    if let Some(t) = &c.sist_verifisert {
                        k.insert(format!("{prefix}_sist_verifisert"), json!(t.render(now)));
                    }
                }
                if !k.is_empty() {
                    out.insert("kontaktinformasjon".into(), Value::Object(k));
                }
            }
            if unlocked.contains("digital_post")
                && let Some((address, provider)) = &self.digital_post
            {
                out.insert(
                    "digital_post".into(),
                    json!({"postkasseadresse": address, "postkasseleverandoeradresse": provider}),
                );
            }
            if unlocked.contains("sertifikat")
                && let Some(cert) = certificate
            {
                out.insert("sertifikat".into(), json!(cert));
            }
        }
        if unlocked.contains("spraak")
            && self.status == Status::Aktiv
            && let Some(s) = self.spraak
        {
            out.insert("spraak".into(), json!(s.code()));
            if let Some(t) = &self.spraak_oppdatert {
                out.insert("spraak_oppdatert".into(), json!(t.render(now)));
            }
        }
        Value::Object(out)
    }
}

/// A client registered at the emulator besides the built-in ones.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRecord {
    pub client_id: String,
    /// The emulator's own test secret for this client (a fake, never a real one).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// `none`, `client_secret_basic`, `client_secret_post`, `private_key_jwt`.
    #[serde(default)]
    pub auth_methods: Vec<String>,
    /// One method, as ID-porten's client registration names it (added to `auth_methods`).
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// private_key_jwt: the client's public keys (a JWKS), which its assertions must be signed with.
    #[serde(default)]
    pub jwks: Option<serde_json::Value>,
    /// The client must send its authorization requests by PAR (RFC 9126 §6): a plain authorize is refused.
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,

    /// Exact redirect URIs allowed besides `http://127.0.0.1:{any port}/{any path}`.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// ID-porten's `requires_user_consent`: after the login the person sees a consent page and may untick API
    /// scopes; the token carries only what was consented.
    #[serde(default)]
    pub requires_user_consent: bool,
    /// The client's organisation number (the access token's `consumer`); default the emulator's own.
    #[serde(default)]
    pub orgno: Option<String>,
    /// The supplier's organisation number (the access token's `supplier`); default the client's `orgno`.
    #[serde(default)]
    pub supplier_orgno: Option<String>,
}

/// The whole data set.
#[derive(Clone, Debug)]
pub struct EmulatorData {
    pub persons: BTreeMap<String, PersonRecord>,
    /// Order for the login page: as in the file, generated ones last.
    pub order: Vec<String>,
    pub clients: Vec<ClientRecord>,
    pub filter_kan_ikke_varsles: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileData {
    #[serde(rename = "_comment", default)]
    _comment: Option<String>,
    #[serde(default = "yes")]
    filter_kan_ikke_varsles: bool,
    #[serde(default)]
    clients: Vec<ClientRecord>,
    persons: Vec<FilePerson>,
    #[serde(default)]
    synthetic: Option<FileSynthetic>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePerson {
    pid: String,
    shows: Texts,
    #[serde(default)]
    reservasjon: Option<String>,
    #[serde(default)]
    reservasjonstidspunkt: Option<String>,
    status: String,
    #[serde(default)]
    epost: Option<FileChannel>,
    #[serde(default)]
    mobil: Option<FileChannel>,
    #[serde(default)]
    digital_post: Option<FileDigitalPost>,
    #[serde(default)]
    sertifikat: bool,
    #[serde(default)]
    spraak: Option<String>,
    #[serde(default)]
    spraak_oppdatert: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Texts {
    nb: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileChannel {
    #[serde(alias = "nummer")]
    adresse: String,
    #[serde(default)]
    oppdatert: Option<String>,
    #[serde(default)]
    sist_verifisert: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDigitalPost {
    postkasseadresse: String,
    postkasseleverandoeradresse: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSynthetic {
    count: usize,
    birth_date: NaiveDate,
}

fn code<T: CodeList>(raw: &str, pid: &str) -> Result<T, DataError> {
    T::from_code(raw).ok_or_else(|| DataError::Code {
        pid: pid.to_owned(),
        raw: raw.to_owned(),
        field: T::FIELD,
    })
}

fn when(raw: &Option<String>, pid: &str) -> Result<Option<When>, DataError> {
    raw.as_deref()
        .map(When::parse)
        .transpose()
        .map_err(|source| DataError::When {
            pid: pid.to_owned(),
            source,
        })
}

impl EmulatorData {
    pub fn default_data() -> EmulatorData {
        EmulatorData::parse(DEFAULT_DATA).expect("the shipped emulator data is valid (tested)")
    }

    /// Parses a data file; errors name the person and field.
    pub fn parse(text: &str) -> Result<EmulatorData, DataError> {
        let file: FileData = serde_json::from_str(text).map_err(DataError::Json)?;
        let mut data = EmulatorData {
            persons: BTreeMap::new(),
            order: Vec::new(),
            clients: file.clients,
            filter_kan_ikke_varsles: file.filter_kan_ikke_varsles,
        };
        for p in file.persons {
            NationalId::parse(&p.pid).map_err(|source| DataError::Pid {
                pid: p.pid.clone(),
                source,
            })?;
            let channel = |c: &Option<FileChannel>| -> Result<Option<ChannelRecord>, DataError> {
                c.as_ref()
                    .map(|c| {
                        Ok(ChannelRecord {
                            value: c.adresse.clone(),
                            oppdatert: when(&c.oppdatert, &p.pid)?,
                            sist_verifisert: when(&c.sist_verifisert, &p.pid)?,
                        })
                    })
                    .transpose()
            };
            let record = PersonRecord {
                shows: (p.shows.nb.clone(), p.shows.en.clone()),
                reservasjon: p
                    .reservasjon
                    .as_deref()
                    .map(|r| code(r, &p.pid))
                    .transpose()?,
                reservasjonstidspunkt: when(&p.reservasjonstidspunkt, &p.pid)?,
                status: code(&p.status, &p.pid)?,
                epost: channel(&p.epost)?,
                mobil: channel(&p.mobil)?,
                digital_post: p.digital_post.as_ref().map(|d| {
                    (
                        d.postkasseadresse.clone(),
                        d.postkasseleverandoeradresse.clone(),
                    )
                }),
                sertifikat: p.sertifikat,
                spraak: p.spraak.as_deref().map(|s| code(s, &p.pid)).transpose()?,
                spraak_oppdatert: when(&p.spraak_oppdatert, &p.pid)?,
                generated: false,
                pid: p.pid.clone(),
            };
            if data.persons.insert(p.pid.clone(), record).is_some() {
                return Err(DataError::Twice(p.pid));
            }
            data.order.push(p.pid);
        }
        for c in &data.clients {
            if c.methods().is_empty() {
                return Err(DataError::Client {
                    client_id: c.client_id.clone(),
                    message: "no auth_methods (or token_endpoint_auth_method)".into(),
                });
            }
            c.key_set()?;
        }
        if let Some(s) = file.synthetic {
            for (i, id) in generate_synthetic(s.birth_date, s.count)
                .into_iter()
                .enumerate()
            {
                data.add_synthetic(i, &id.digits);
            }
        }
        Ok(data)
    }

    /// A generated Tenor-style (+80) person; `i` picks one of four profiles.
    fn add_synthetic(&mut self, i: usize, pid: &str) {
        let days = |n| Some(When::DaysAgo(n));
        let (shows_nb, shows_en, reserved, epost, mobil) = match i % 4 {
            0 => (
                "syntetisk: mobil og e-post",
                "synthetic: mobile and e-mail",
                false,
                true,
                true,
            ),
            1 => (
                "syntetisk: bare e-post",
                "synthetic: e-mail only",
                false,
                true,
                false,
            ),
            2 => (
                "syntetisk: mobil eldre enn 18 mnd",
                "synthetic: mobile older than 18 months",
                false,
                false,
                true,
            ),
            _ => (
                "syntetisk: reservert",
                "synthetic: reserved",
                true,
                true,
                false,
            ),
        };
        let stale = i % 4 == 2;
        let record = PersonRecord {
            pid: pid.to_owned(),
            shows: (shows_nb.into(), shows_en.into()),
            reservasjon: Some(if reserved {
                Reservasjon::Ja
            } else {
                Reservasjon::Nei
            }),
            reservasjonstidspunkt: if reserved { days(120) } else { None },
            status: Status::Aktiv,
            epost: epost.then(|| ChannelRecord {
                value: format!("{pid}@syntetisk.example.no"),
                oppdatert: days(40),
                sist_verifisert: None,
            }),
            mobil: mobil.then(|| ChannelRecord {
                value: format!("+4740{}", &pid[5..11]),
                oppdatert: days(if stale { 900 } else { 40 }),
                sist_verifisert: None,
            }),
            digital_post: None,
            sertifikat: false,
            spraak: None,
            spraak_oppdatert: None,
            generated: true,
        };
        if self.persons.insert(pid.to_owned(), record).is_none() {
            self.order.push(pid.to_owned());
        }
    }

    /// The record for a pid: from the data, or a not-registered person.
    pub fn person(&self, pid: &str) -> PersonRecord {
        self.persons
            .get(pid)
            .cloned()
            .unwrap_or_else(|| PersonRecord::not_registered(pid))
    }
}

#[cfg(test)]
#[path = "data_tests.rs"]
mod tests;
