//! The emulator's pages: login, error, logout and index. Plain HTML forms that work without JavaScript, built with
//! `maud`, which escapes every interpolated value by default (no value from outside can become markup).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::krr::Lang;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}\
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left;vertical-align:top}\
.error{background:#fde8e8;border-left:4px solid #c81e1e;padding:.6rem 1rem}.note{color:#555}\
button{padding:.35rem .8rem;margin:.1rem}input[type=text]{padding:.35rem;width:12rem}code,pre{background:#f3f3f3;padding:.1rem .3rem}\
pre{padding:.6rem;overflow-x:auto}fieldset{border:1px solid #ccc;margin:1rem 0}";

/// A whole page around `body`.
pub fn page(lang: Lang, title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// A page for a request that must not be redirected (unknown client, bad redirect_uri, expired login).
pub fn error_page(lang: Lang, heading: &str, message: &str) -> String {
    page(
        lang,
        heading,
        html! {
            h1 { (heading) }
            p.error role="alert" { (message) }
        },
    )
}

/// The page after logout when there is no client to go back to.
pub fn logged_out_page() -> String {
    page(
        Lang::En,
        "Logged out",
        html! {
            h1 { "Logged out" }
            p { "The single sign-on session has ended." }
        },
    )
}

/// One person on the login page.
pub struct PersonChoice<'a> {
    pub pid: &'a str,
    pub shows: &'a str,
}

pub struct LoginPage<'a> {
    pub lang: Lang,
    pub request_id: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    pub acr_levels: &'a [&'a str],
    pub selected_acr: &'a str,
    pub persons: Vec<PersonChoice<'a>>,
    pub typed_pid: &'a str,
    pub error: Option<String>,
    /// `selfregistered-email` is among the levels: the field may hold an e-mail address instead.
    pub email_login: bool,
}

/// The login page. Its field names (`request`, `pid`, `acr`, `action`, `pick`) and ids are what the autologin
/// and the browser test drive.
pub fn login_page(p: &LoginPage) -> String {
    let t = |nb, en| p.lang.pick(nb, en);
    let body = html! {
        h1 { (t("Logg inn (ID-porten-emulator)", "Log in (ID-porten emulator)")) }
        p {
            (t("Tjenesten", "The service")) " " code { (p.client_id) } " "
            (t("ber om", "asks for")) " " code { (p.scopes.join(" ")) }
        }
        @if let Some(e) = &p.error {
            p.error role="alert" id="error" { (e) }
        }
        form method="post" action="/login" {
            input type="hidden" name="request" value=(p.request_id);
            fieldset {
                legend { (t("Testperson", "Test person")) }
                label for="pid" { (t("Fødselsnummer (11 siffer)", "National id (11 digits)")) } " "
                input type="text" id="pid" name="pid" inputmode="numeric" autocomplete="off" value=(p.typed_pid);
                " "
                label for="acr" { (t("Sikkerhetsnivå", "Assurance level")) } " "
                select id="acr" name="acr" {
                    @for level in p.acr_levels {
                        option value=(level) selected[*level == p.selected_acr] { (level) }
                    }
                }
                " "
                button type="submit" name="action" value="login" id="login" { (t("Logg inn", "Log in")) }
                " "
                button type="submit" name="action" value="cancel" id="cancel" { (t("Avbryt", "Cancel")) }
            }
            h2 { (t("Eller velg en dokumentert testperson", "Or pick a documented test person")) }
            table {
                thead { tr { th { (t("Fødselsnummer", "National id")) } th { (t("Viser", "Shows")) } th {} } }
                tbody {
                    @for person in &p.persons {
                        tr {
                            td { code { (person.pid) } }
                            td { (person.shows) }
                            td {
                                button type="submit" name="pick" value=(person.pid)
                                    id={ "pick-" (person.pid) }
                                    aria-label={ (t("Logg inn som", "Log in as")) " " (person.pid) } {
                                    (t("Logg inn som", "Log in as"))
                                }
                            }
                        }
                    }
                }
            }
        }
        @if p.email_login {
            p.note {
                (t(
                    "Med selfregistered-email skriver du en e-postadresse i feltet: den innloggingen har ikke fødselsnummer, og registeret har ikke noe svar.",
                    "With selfregistered-email, type an e-mail address in the field: that login has no national id, and the register has no answer."
                ))
            }
        }
        p.note {
            (t(
                "Et gyldig fødselsnummer som ikke er i listen, gir en person som ikke er registrert (IKKE_REGISTRERT).",
                "A valid national id not in the list gives a person the register does not know (IKKE_REGISTRERT)."
            ))
        }
    };
    page(p.lang, t("Logg inn", "Log in"), body)
}

/// One API scope on the consent page: its name and what it gives access to.
pub struct ConsentScope<'a> {
    pub name: &'a str,
    pub description: &'a str,
}

pub struct ConsentPage<'a> {
    pub lang: Lang,
    pub request_id: &'a str,
    pub client_id: &'a str,
    pub scopes: Vec<ConsentScope<'a>>,
}

/// The consent page of a client registered with `requires_user_consent`: the API scopes asked for, each a ticked
/// checkbox with its label. Field names `request`, `scope` (repeated), `action` (`accept`, `cancel`).
pub fn consent_page(p: &ConsentPage) -> String {
    let t = |nb, en| p.lang.pick(nb, en);
    let body = html! {
        h1 { (t("Samtykke (ID-porten-emulator)", "Consent (ID-porten emulator)")) }
        p {
            (t("Tjenesten", "The service")) " " code { (p.client_id) } " "
            (t("ber om tilgang til", "asks for access to"))
        }
        form method="post" action="/consent" {
            input type="hidden" name="request" value=(p.request_id);
            fieldset {
                legend { (t("Dette gir du tilgang til", "What you give access to")) }
                @for (i, scope) in p.scopes.iter().enumerate() {
                    input type="checkbox" id={ "scope-" (i) } name="scope" value=(scope.name) checked;
                    " "
                    label for={ "scope-" (i) } { code { (scope.name) } ": " (scope.description) }
                    br;
                }
            }
            p.note {
                (t(
                    "openid og profile følger alltid med innloggingen.",
                    "openid and profile always come with the login."
                ))
            }
            button type="submit" name="action" value="accept" id="accept" { (t("Godta", "Accept")) }
            " "
            button type="submit" name="action" value="cancel" id="cancel" { (t("Avbryt", "Cancel")) }
        }
    };
    page(p.lang, t("Samtykke", "Consent"), body)
}
