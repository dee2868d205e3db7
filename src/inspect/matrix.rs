//! The scope matrix: one login and lookup per scope set, reusing the provider's single sign-on session so the
//! person logs in once (the browser's session with ID-porten, or the emulator's SSO cookie), and a table of which
//! fields each set gives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lookup::{Inspection, LookupRequest, Progress, Target, lookup};
use crate::escape::terminal as safe;
use crate::krr::scopes::{ScopeDialect, read_scopes};

/// The read scopes whose subsets the matrix tries: Difi's four (16 sets), Digdir's two (4 sets).
pub fn matrix_read_scopes(dialect: ScopeDialect) -> Vec<String> {
    read_scopes(dialect)
        .into_iter()
        .filter(|s| s.name != "user/spraak.read")
        .map(|s| s.name.to_owned())
        .collect()
}

/// Every subset of the dialect's read scopes, smallest first; each set also carries the OpenID Connect scopes.
pub fn default_scope_sets(dialect: ScopeDialect) -> Vec<Vec<String>> {
    let reads = matrix_read_scopes(dialect);
    let mut sets: Vec<Vec<String>> = (0..1u32 << reads.len())
        .map(|mask| {
            reads
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, s)| s.clone())
                .collect()
        })
        .collect();
    sets.sort_by_key(Vec::len);
    let base: Vec<String> = match dialect {
        ScopeDialect::Digdir => vec!["openid".into(), "profile".into()],
        ScopeDialect::Difi => vec!["openid".into()],
    };
    sets.into_iter()
        .map(|s| base.iter().cloned().chain(s).collect())
        .collect()
}

/// How a row's token was obtained: by a refresh narrowed to the row's scopes (one login for the whole matrix, RFC
/// 6749 §6), or, where the provider refuses that, by a login of its own with `prompt=none` (its SSO session).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Obtained {
    Refresh,
    PromptNone,
    /// The row is the matrix's one login (it failed, so no set got further).
    #[default]
    Login,
}

impl Obtained {
    pub fn label(self) -> &'static str {
        match self {
            Obtained::Refresh => "refresh",
            Obtained::PromptNone => "prompt=none",
            Obtained::Login => "login",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MatrixRow {
    pub scopes: Vec<String>,
    /// The /person status (403 for a set without a read scope).
    pub status: Option<u16>,
    pub verdict: String,
    pub error: Option<String>,
    /// How this row's token was obtained.
    #[serde(default)]
    pub obtained: Obtained,
    /// Field path → value, for the fields the answer had.
    pub values: BTreeMap<String, Value>,
    /// The whole lookup, for opening the row.
    pub inspection: Inspection,
}

impl MatrixRow {
    /// Top-level fields present, besides the three always there.
    pub fn scoped_fields(&self) -> Vec<String> {
        let mut top: Vec<String> = self
            .values
            .keys()
            .map(|p| p.split('.').next().unwrap_or(p).to_owned())
            .filter(|k| !["personidentifikator", "reservasjon", "status"].contains(&k.as_str()))
            .collect();
        top.sort();
        top.dedup();
        top
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Matrix {
    pub environment: Target,
    /// Every field path any row had, in the register's order.
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
    /// `login` (the one login with every scope, and its lookup) and `sets` (every row after it), in ms.
    #[serde(default)]
    pub timings_ms: Vec<(String, u64)>,
}

fn row_of(scopes: Vec<String>, inspection: Inspection, obtained: Obtained) -> MatrixRow {
    let values = inspection
        .body
        .as_ref()
        .map(|b| {
            b.fields
                .iter()
                .map(|f| (f.path.clone(), f.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    MatrixRow {
        scopes,
        status: inspection.http.status,
        verdict: inspection
            .body
            .as_ref()
            .map_or_else(|| "-".to_owned(), |b| b.verdict().label().to_owned()),
        error: inspection.error.as_ref().map(|e| e.message.clone()),
        obtained,
        values,
        inspection,
    }
}

/// Runs one lookup per set with `base` (its scopes replaced), with one login: the person logs in once with every
/// scope the sets ask for, and each set's token comes from a refresh narrowed to it (RFC 6749 §6), so a real
/// browser is visited once. Where the provider refuses the narrowing (or gives no refresh token), that set logs in
/// on its own with `prompt=none`, answered from the provider's SSO session. Each row says which way it went.
pub async fn run_matrix(
    http_client: &reqwest::Client,
    base: &LookupRequest,
    sets: &[Vec<String>],
    on_row: &(dyn Fn(usize, &MatrixRow) + Send + Sync),
) -> Matrix {
    let quiet = |_p: Progress| {};
    let mut every: Vec<String> = Vec::new();
    for scope in sets.iter().flatten() {
        if !every.contains(scope) {
            every.push(scope.clone());
        }
    }
    let mut first_request = base.clone();
    first_request.scopes = every;
    let mut kept = None;
    let started = std::time::Instant::now();
    let first = lookup(http_client, &first_request, &quiet, None, &mut kept).await;
    let login_ms = started.elapsed().as_millis() as u64;
    let sets_started = std::time::Instant::now();
    let provider = kept.as_ref().map(|o| o.provider.clone());
    let mut refresh_token = kept.and_then(|o| o.refresh_token);
    let mut rows = Vec::new();
    for (n, scopes) in sets.iter().enumerate() {
        let mut request = base.clone();
        request.scopes = scopes.clone();
        let by_refresh = match (&provider, &refresh_token) {
            (Some(provider), Some(token)) => match base.client_auth(&provider.issuer) {
                Ok(auth) => {
                    let (got, exchange) = crate::oidc::refresh::refresh(
                        http_client,
                        provider,
                        &auth,
                        token,
                        Some(scopes),
                    )
                    .await;
                    got.ok().map(|outcome| (outcome, exchange))
                }
                Err(_) => None,
            },
            _ => None,
        };
        let row = match by_refresh {
            Some((outcome, exchange)) => {
                // Rotation: the next refresh uses the new token.
                if let Some(next) = &outcome.refresh_token {
                    refresh_token = Some(next.clone());
                }
                let i = lookup(
                    http_client,
                    &request,
                    &quiet,
                    Some((outcome, vec![exchange])),
                    &mut None,
                )
                .await;
                row_of(scopes.clone(), i, Obtained::Refresh)
            }
            // The one login failed: nothing can go further, and every row says why.
            None if provider.is_none() => row_of(scopes.clone(), first.clone(), Obtained::Login),
            None => {
                if base.prompt.is_none() {
                    request.prompt = Some("none".into());
                }
                let i = lookup(http_client, &request, &quiet, None, &mut None).await;
                row_of(scopes.clone(), i, Obtained::PromptNone)
            }
        };
        on_row(n, &row);
        rows.push(row);
    }
    let timings_ms = vec![
        ("login".to_owned(), login_ms),
        ("sets".to_owned(), sets_started.elapsed().as_millis() as u64),
    ];
    let mut columns: Vec<String> = Vec::new();
    // The row with the most fields sets the order; others add theirs after.
    let mut by_size: Vec<&MatrixRow> = rows.iter().collect();
    by_size.sort_by_key(|r| std::cmp::Reverse(r.values.len()));
    for r in by_size {
        if let Some(body) = &r.inspection.body {
            for f in &body.fields {
                if !columns.contains(&f.path) {
                    columns.push(f.path.clone());
                }
            }
        }
    }
    Matrix {
        environment: base.target.clone(),
        columns,
        rows,
        timings_ms,
    }
}

/// A CSV field. Control characters are shown as `\u{..}` escapes: a CSV file is read with `cat` as often as with a
/// spreadsheet, and a value must not drive the terminal.
fn csv_field(s: &str) -> String {
    let s = safe(s);
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// One row per set: scopes, status, verdict, then each column's value (empty when absent).
pub fn to_csv(m: &Matrix) -> String {
    // `http_status`, not `status`: the register has a field called `status` too, and it is a column.
    let mut out = String::from("scopes,http_status,verdict,obtained");
    for c in &m.columns {
        out.push(',');
        out.push_str(&csv_field(c));
    }
    out.push('\n');
    for r in &m.rows {
        out.push_str(&csv_field(&r.scopes.join(" ")));
        out.push(',');
        out.push_str(&r.status.map(|s| s.to_string()).unwrap_or_default());
        out.push(',');
        out.push_str(&r.verdict);
        out.push(',');
        out.push_str(r.obtained.label());
        for c in &m.columns {
            out.push(',');
            let v = r.values.get(c).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            out.push_str(&csv_field(&v.unwrap_or_default()));
        }
        out.push('\n');
    }
    out
}

/// A terminal table (values from outside with their control characters made visible): each set, its status, and the fields it gave.
pub fn to_text(m: &Matrix) -> String {
    let width = m
        .rows
        .iter()
        .map(|r| safe(&r.scopes.join(" ")).len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = format!(
        "{:<width$}  STATUS  VERDICT       BY           FIELDS\n",
        "SCOPES"
    );
    for r in &m.rows {
        let status = r
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into());
        let fields = r.scoped_fields();
        let fields = match (&r.error, fields.is_empty()) {
            // The first clause of the error is enough in a table; the JSON has it whole.
            (Some(e), _) => format!("({})", safe(e.split(':').next().unwrap_or(e))),
            (None, true) => "(only the always-present fields)".into(),
            (None, false) => safe(&fields.join(", ")).into_owned(),
        };
        out.push_str(&format!(
            "{:<width$}  {status:<6}  {:<12}  {:<11}  {fields}\n",
            safe(&r.scopes.join(" ")),
            safe(&r.verdict),
            r.obtained.label()
        ));
    }
    let ms = |name: &str| {
        m.timings_ms
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    };
    if let (Some(login), Some(sets)) = (ms("login"), ms("sets")) {
        let n = m.rows.len();
        out.push_str(&format!(
            "\nOne login with every scope: {login} ms; then {n} set{} in {sets} ms.\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sets_are_every_subset() {
        let difi = default_scope_sets(ScopeDialect::Difi);
        assert_eq!(difi.len(), 16);
        assert_eq!(difi[0], ["openid"]);
        assert_eq!(difi[15].len(), 5);
        let digdir = default_scope_sets(ScopeDialect::Digdir);
        assert_eq!(digdir.len(), 4);
        assert!(digdir.iter().all(|s| s[..2] == ["openid", "profile"]));
    }

    #[test]
    fn csv_quotes() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
