//! The emulator's pages: login, error and index. Plain HTML forms that work without JavaScript; every value from
//! outside is escaped.

use std::fmt::Write;

use crate::krr::Lang;

/// The one HTML escaper (the bottom room `crate::escape`), under the name the pages use.
pub use crate::escape::html as escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}\
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left;vertical-align:top}\
.error{background:#fde8e8;border-left:4px solid #c81e1e;padding:.6rem 1rem}.note{color:#555}\
button{padding:.35rem .8rem;margin:.1rem}input[type=text]{padding:.35rem;width:12rem}code,pre{background:#f3f3f3;padding:.1rem .3rem}\
pre{padding:.6rem;overflow-x:auto}fieldset{border:1px solid #ccc;margin:1rem 0}";

pub fn page(lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        lang.code(),
        escape(title)
    )
}

/// A page for a request that must not be redirected (unknown client, bad redirect_uri, expired login).
pub fn error_page(lang: Lang, heading: &str, message: &str) -> String {
    page(
        lang,
        heading,
        &format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>",
            escape(heading),
            escape(message)
        ),
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
}

pub fn login_page(p: &LoginPage) -> String {
    let t = |nb, en| p.lang.pick(nb, en);
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{}</h1><p>{} <code>{}</code> {} <code>{}</code></p>",
        t(
            "Logg inn (ID-porten-emulator)",
            "Log in (ID-porten emulator)"
        ),
        t("Tjenesten", "The service"),
        escape(p.client_id),
        t("ber om", "asks for"),
        escape(&p.scopes.join(" "))
    );
    if let Some(e) = &p.error {
        let _ = write!(
            b,
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            escape(e)
        );
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"request\" value=\"{}\">",
        escape(p.request_id)
    );
    let _ = write!(
        b,
        "<fieldset><legend>{}</legend><label for=\"pid\">{}</label> \
         <input type=\"text\" id=\"pid\" name=\"pid\" inputmode=\"numeric\" autocomplete=\"off\" value=\"{}\"> \
         <label for=\"acr\">{}</label> <select id=\"acr\" name=\"acr\">",
        t("Testperson", "Test person"),
        t("Fødselsnummer (11 siffer)", "National id (11 digits)"),
        escape(p.typed_pid),
        t("Sikkerhetsnivå", "Assurance level"),
    );
    for level in p.acr_levels {
        let selected = if *level == p.selected_acr {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            b,
            "<option value=\"{0}\"{selected}>{0}</option>",
            escape(level)
        );
    }
    let _ = write!(
        b,
        "</select> <button type=\"submit\" name=\"action\" value=\"login\" id=\"login\">{}</button> \
         <button type=\"submit\" name=\"action\" value=\"cancel\" id=\"cancel\">{}</button></fieldset>",
        t("Logg inn", "Log in"),
        t("Avbryt", "Cancel")
    );
    let _ = write!(
        b,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        t(
            "Eller velg en dokumentert testperson",
            "Or pick a documented test person"
        ),
        t("Fødselsnummer", "National id"),
        t("Viser", "Shows")
    );
    for person in &p.persons {
        let _ = write!(
            b,
            "<tr><td><code>{0}</code></td><td>{1}</td><td><button type=\"submit\" name=\"pick\" value=\"{0}\" \
             id=\"pick-{0}\" aria-label=\"{2} {0}\">{2}</button></td></tr>",
            escape(person.pid),
            escape(person.shows),
            t("Logg inn som", "Log in as")
        );
    }
    b.push_str("</tbody></table></form>");
    let _ = write!(
        b,
        "<p class=\"note\">{}</p>",
        t(
            "Et gyldig fødselsnummer som ikke er i listen, gir en person som ikke er registrert (IKKE_REGISTRERT).",
            "A valid national id not in the list gives a person the register does not know (IKKE_REGISTRERT)."
        )
    );
    page(p.lang, t("Logg inn", "Log in"), &b)
}
