//! The field table: what each documented field of the /person answer means, in Bokmål and English. Adding a KRR
//! field means a row here (and, for the emulator's answers, its data); `explain` finds the meaning by path.

/// What each documented field means, in Bokmål and English.
pub fn field_meaning(path: &str) -> Option<(&'static str, &'static str)> {
    Some(match path {
        "personidentifikator" => (
            "fødselsnummer eller D-nummer til den innloggede personen",
            "national id (fødselsnummer or D-number) of the logged-in person",
        ),
        "reservasjon" => (
            "om personen har reservert seg mot digital kommunikasjon fra det offentlige",
            "whether the person has opted out of digital communication from the public sector",
        ),
        "status" => (
            "personens status i registeret",
            "the person's status in the register",
        ),
        "varslingsstatus" => (
            "om kontaktinformasjonen kan brukes til varsling (eForvaltningsforskriften § 32)",
            "whether the contact info may be used for notification (eForvaltningsforskriften §32)",
        ),
        "kontaktinformasjon" => ("personens kontaktinformasjon", "the person's contact info"),
        "kontaktinformasjon.epostadresse" => (
            "e-postadressen personen har registrert",
            "e-mail address registered by the person",
        ),
        "kontaktinformasjon.epostadresse_oppdatert" => (
            "sist personen endret e-postadressen",
            "last time the person changed the e-mail address",
        ),
        "kontaktinformasjon.epostadresse_sist_verifisert" => (
            "sist personen bekreftet e-postadressen",
            "last time the person confirmed the e-mail address",
        ),
        "kontaktinformasjon.epostadresse_sist_validert" => (
            "sist registeret validerte at e-postadressen er i bruk",
            "last time the register validated that the e-mail address is in use",
        ),
        "kontaktinformasjon.epostadresse_duplisert" => (
            "om den samme e-postadressen også er registrert på andre personer",
            "whether the same e-mail address is also registered for other persons",
        ),
        "kontaktinformasjon.mobiltelefonnummer" => (
            "mobilnummeret personen har registrert",
            "mobile number registered by the person",
        ),
        "kontaktinformasjon.mobiltelefonnummer_oppdatert" => (
            "sist personen endret mobilnummeret",
            "last time the person changed the mobile number",
        ),
        "kontaktinformasjon.mobiltelefonnummer_sist_verifisert" => (
            "sist personen bekreftet mobilnummeret",
            "last time the person confirmed the mobile number",
        ),
        "kontaktinformasjon.mobiltelefonnummer_sist_validert" => (
            "sist registeret validerte at mobilnummeret er i bruk",
            "last time the register validated that the mobile number is in use",
        ),
        "kontaktinformasjon.mobiltelefonnummer_duplisert" => (
            "om det samme mobilnummeret også er registrert på andre personer",
            "whether the same mobile number is also registered for other persons",
        ),
        "digital_post" => (
            "personens digitale postkasse",
            "the person's digital mailbox",
        ),
        "digital_post.postkasseadresse" => (
            "personens adresse hos en digital postkasseleverandør",
            "the person's mailbox address at a digital mailbox provider",
        ),
        "digital_post.postkasseleverandoeradresse" => (
            "organisasjonsnummeret til postkasseleverandøren",
            "organisation number of the mailbox provider",
        ),
        "sertifikat" => (
            "personens krypteringssertifikat for digital post (X.509, base64 DER)",
            "the person's encryption certificate for digital post (X.509, base64 DER)",
        ),
        "spraak" => (
            "personens foretrukne språk",
            "the person's preferred language",
        ),
        "spraak_oppdatert" => (
            "sist språket ble endret",
            "when the language was last changed",
        ),
        "reservasjonstidspunkt" => ("når personen reserverte seg", "when the person opted out"),
        "reservasjon_oppdatert" => (
            "sist reservasjonen ble endret",
            "when the reservation was last changed",
        ),
        _ => return None,
    })
}
