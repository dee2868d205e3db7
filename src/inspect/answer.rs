//! Judging the register's answer as an answer to this login (the body itself is `body`'s): signed when a signed
//! one was asked for, about the person who logged in, and an error page told in one sentence, not as markup.

use super::body::BodyInspection;
use super::report::Accept;
use crate::krr::Lang;

/// What is wrong with a readable 200 answer as an answer to this request (beyond the body itself, which
/// `inspect_body` judges): unsigned when a signed one was asked for.
pub(super) fn answer_problems(
    b: &BodyInspection,
    accept: Accept,
    content_type: Option<&str>,
    lang: Lang,
) -> Vec<String> {
    let mut problems = Vec::new();
    if accept == Accept::Jose && b.jose.is_none() {
        let got = content_type.and_then(|c| c.split(';').next()).map_or_else(
            || "no Content-Type".to_owned(),
            |c| c.trim().to_ascii_lowercase(),
        );
        problems.push(match lang {
            Lang::Nb => format!(
                "ba om et signert svar (application/jose), fikk et usignert ({got}): ingenting beviser at det kom fra \
                 registeret"
            ),
            Lang::En => format!(
                "asked for a signed answer (application/jose), got an unsigned one ({got}): nothing proves it came \
                 from the register"
            ),
        });
    }
    problems
}

/// The mismatch between the answer's `personidentifikator` and the logged-in person's `pid`, in words.
pub(super) fn other_person(
    b: &BodyInspection,
    logged_in_pid: Option<&str>,
    lang: Lang,
) -> Option<String> {
    let answered = b.person.get("personidentifikator")?.as_str()?;
    let logged_in = logged_in_pid?;
    (answered != logged_in).then(|| match lang {
        Lang::Nb => format!(
            "svaret gjelder {answered}, men den innloggede personen er {logged_in} (pid i tokenet)"
        ),
        Lang::En => format!(
            "the answer is for {answered}, but the logged-in person is {logged_in} (the token's pid)"
        ),
    })
}

/// Whether an answer is an HTML page (a proxy's or a maintenance page), by its label or its first bytes.
pub(super) fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let labelled =
        content_type.is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("text/html"));
    let start = String::from_utf8_lossy(&body[..body.len().min(256)])
        .trim_start()
        .to_ascii_lowercase();
    labelled || start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// An HTML error page in one sentence: the status, the label, what it probably means, and its title or first
/// heading when it has one (never the raw markup).
pub(super) fn html_error(status: u16, content_type: Option<&str>, body: &[u8]) -> String {
    let label = content_type
        .and_then(|c| c.split(';').next())
        .map_or("text/html", str::trim);
    let text = String::from_utf8_lossy(body);
    let heading = ["title", "h1"]
        .iter()
        .find_map(|tag| element_text(&text, tag));
    let why = match status {
        503 => ": it is probably down for maintenance",
        502 | 504 => ": a proxy in front of it could not reach it",
        _ => "",
    };
    let mut message =
        format!("the register answered {status} with an HTML page ({label}), not its JSON{why}");
    if let Some(h) = heading {
        message.push_str(&format!(" (the page says \"{h}\")"));
    }
    message
}

/// The text of the first `<tag>…</tag>`, tags inside it dropped and white space folded; `None` when absent or empty.
fn element_text(html: &str, tag: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find(&format!("<{tag}"))?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find(&format!("</{tag}"))?;
    let mut out = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let folded = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (!folded.is_empty()).then(|| folded.chars().take(120).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_html_error_page_is_one_sentence_with_its_title_and_no_markup() {
        let page =
            b"<!DOCTYPE html><html><head><title>\n  Planned  <b>maintenance</b>\n</title></head>\
                     <body><h1>Back soon</h1></body></html>";
        assert!(is_html(None, page), "sniffed without a label");
        assert!(is_html(Some("Text/HTML; charset=utf-8"), b"oops"));
        assert!(!is_html(Some("application/json"), b"{}"));
        assert_eq!(
            html_error(503, Some("text/html; charset=utf-8"), page),
            "the register answered 503 with an HTML page (text/html), not its JSON: it is probably down for \
             maintenance (the page says \"Planned maintenance\")"
        );
        // No title: the first heading; neither: the sentence alone. Unclosed or odd markup never panics.
        assert_eq!(
            element_text("<body><H1 class=x>Down</H1>", "h1"),
            Some("Down".to_owned())
        );
        assert_eq!(
            html_error(500, None, b"<html><title></title>"),
            "the register answered 500 with an HTML page (text/html), not its JSON"
        );
        for odd in [
            "<title",
            "<title>",
            "<title>\u{e6}\u{f8}",
            "</title><title>x",
        ] {
            let _ = element_text(odd, "title");
        }
    }

    fn body(person: serde_json::Value, signed: bool) -> BodyInspection {
        let mut b = crate::inspect::inspect_body(
            person.to_string().as_bytes(),
            Some("application/json"),
            &crate::jose::TrustStore::default(),
            None,
            Lang::En,
            chrono::Utc::now(),
        )
        .unwrap();
        if !signed {
            b.jose = None;
        }
        b
    }

    #[test]
    fn an_answer_for_someone_else_is_named_and_an_unsigned_one_is_a_problem() {
        let b = body(
            serde_json::json!({"personidentifikator": "01048800153", "status": "AKTIV"}),
            false,
        );
        assert_eq!(
            other_person(&b, Some("27129324169"), Lang::En).as_deref(),
            Some(
                "the answer is for 01048800153, but the logged-in person is 27129324169 (the token's pid)"
            )
        );
        assert_eq!(other_person(&b, Some("01048800153"), Lang::En), None);
        assert_eq!(other_person(&b, None, Lang::En), None);
        assert_eq!(
            answer_problems(
                &b,
                Accept::Jose,
                Some("application/json;charset=UTF-8"),
                Lang::En
            ),
            [
                "asked for a signed answer (application/jose), got an unsigned one (application/json): nothing \
              proves it came from the register"
            ]
        );
        assert!(answer_problems(&b, Accept::Json, Some("application/json"), Lang::En).is_empty());
    }
}
