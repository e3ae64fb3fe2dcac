//! Personal data: e-mail addresses, phone numbers, payment cards (Luhn), IBANs (mod 97),
//! US social security numbers, UK national insurance numbers, Spanish DNI/NIE, IPv4 and IPv6
//! addresses. Conservative on purpose: a number is reported only in a shape people write that
//! identifier in, and with its check digits where it has them.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::checksum;
use super::{Detector, PatternSpec, whole};

/// Raised whenever a pattern or a validation changes what is found.
pub const VERSION: u32 = 2;

/// ASCII word boundary: Unicode ones would make the matcher leave its fast automaton on
/// non-ASCII text.
const B: &str = r"(?-u:\b)";

/// The PII detector.
pub fn detector() -> Detector {
    let spec = |entity: &str, regex: String, validate: super::Validate| PatternSpec {
        entity: entity.to_string(),
        regex,
        case_insensitive: false,
        validate,
    };
    let specs = vec![
        // The local part takes RFC 5322's specials (`o'brien@`) after a letter or digit.
        spec(
            "email",
            r"[\p{L}\p{N}_%+-](?:[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]*[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-])?@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,24}".to_string(),
            whole,
        ),
        // E.164 with its `+`, or national shapes with their usual separators (NANP, UK): a bare
        // run of digits is not taken for a phone number. One pattern, so that `+1 (555) ...`
        // is one number and not also the national number inside it.
        spec(
            "phone_number",
            format!(
                r"\+[1-9][0-9]{{0,2}}[ .-]?(?:\([0-9]{{1,4}}\)[ .-]?)?(?:[0-9][ .-]?){{5,13}}[0-9]{B}|(?:\([2-9][0-9]{{2}}\) ?|{B}[2-9][0-9]{{2}}[-. ])[2-9][0-9]{{2}}[-. ][0-9]{{4}}{B}|{B}0(?:[1-9][0-9]{{3}} [0-9]{{6}}|[1-9][0-9] [0-9]{{4}} [0-9]{{4}}){B}"
            ),
            phone_number,
        ),
        spec(
            "payment_card",
            format!(r"{B}[2-6][0-9]{{3}}(?:[ -]?[0-9]){{9,15}}{B}"),
            payment_card,
        ),
        spec(
            "iban",
            format!(r"{B}[A-Z]{{2}}[0-9]{{2}}(?: ?[A-Z0-9]){{11,30}}{B}"),
            iban,
        ),
        spec(
            "us_ssn",
            format!(r"{B}[0-9]{{3}}-[0-9]{{2}}-[0-9]{{4}}{B}"),
            us_ssn,
        ),
        spec(
            "uk_nino",
            format!(
                r"{B}(?i:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{{2}} ?[0-9]{{2}} ?[0-9]{{2}} ?[A-D]){B}"
            ),
            uk_nino,
        ),
        spec(
            "es_dni",
            format!(r"{B}(?i:[XYZ]?-?[0-9]{{7,8}}-?[A-Z]){B}"),
            spanish_id,
        ),
        spec(
            "ip_address",
            format!(r"{B}(?:[0-9]{{1,3}}\.){{3}}[0-9]{{1,3}}{B}"),
            |found| found.parse::<Ipv4Addr>().is_ok().then_some((0, found.len())),
        ),
        spec(
            "ip_address",
            format!(r"{B}(?:[0-9A-Fa-f]{{0,4}}:){{2,7}}[0-9A-Fa-f]{{0,4}}{B}(?:%[0-9A-Za-z]+)?"),
            ipv6,
        ),
    ];
    Detector::new("pii", VERSION, specs).expect("the PII patterns compile")
}

fn digits(text: &str) -> Vec<u8> {
    text.bytes().filter(u8::is_ascii_digit).collect()
}

/// E.164 allows at most 15 digits with the country code; fewer than 8 is not a number. The
/// national shapes are exact already.
fn phone_number(found: &str) -> Option<(usize, usize)> {
    let international = found.starts_with('+');
    (!international || (8..=15).contains(&digits(found).len())).then_some((0, found.len()))
}

/// One kind of separator, a length the card network issues, Luhn-valid.
fn payment_card(found: &str) -> Option<(usize, usize)> {
    if found.contains(' ') && found.contains('-') {
        return None;
    }
    let digits = digits(found);
    (issued_length(&digits) && checksum::luhn(&digits)).then_some((0, found.len()))
}

/// Lengths by the leading digits of the networks: Visa 4 (13, 16, 19), Mastercard 2 and 5
/// (16), Amex 34 and 37 (15), Diners 30, 36, 38, 39 (14 to 19), JCB 35 (16 to 19),
/// Discover, UnionPay and Maestro 6 (16 to 19).
fn issued_length(digits: &[u8]) -> bool {
    let length = digits.len();
    match (digits.first(), digits.get(1)) {
        (Some(b'4'), _) => matches!(length, 13 | 16 | 19),
        (Some(b'2' | b'5'), _) => length == 16,
        (Some(b'3'), Some(b'4' | b'7')) => length == 15,
        (Some(b'3'), Some(b'0' | b'6' | b'8' | b'9')) => (14..=19).contains(&length),
        (Some(b'3'), Some(b'5')) | (Some(b'6'), _) => (16..=19).contains(&length),
        _ => false,
    }
}

/// The candidate may run on into the next word; an IBAN ends where its country's length does,
/// and must not run on into more letters or digits.
fn iban(found: &str) -> Option<(usize, usize)> {
    let length = checksum::iban_length(&found[..2])?;
    let mut compact = String::with_capacity(length);
    let mut end = None;
    for (offset, character) in found.char_indices() {
        if character != ' ' {
            compact.push(character);
            if compact.len() == length {
                end = Some(offset + 1);
                break;
            }
        }
    }
    let end = end?;
    let runs_on = found[end..]
        .chars()
        .next()
        .is_some_and(|next| next.is_ascii_alphanumeric());
    (!runs_on && checksum::iban(&compact)).then_some((0, end))
}

/// Areas 000, 666 and 900-999, group 00 and serial 0000 are never issued; two numbers are
/// famous examples rather than anybody's.
fn us_ssn(found: &str) -> Option<(usize, usize)> {
    let (area, group, serial) = (&found[..3], &found[4..6], &found[7..]);
    let never_issued = area == "000"
        || area == "666"
        || area.starts_with('9')
        || group == "00"
        || serial == "0000"
        || found == "078-05-1120"
        || found == "219-09-9999";
    (!never_issued).then_some((0, found.len()))
}

/// Prefixes that HMRC never allocates; written in either case, as people type it.
fn uk_nino(found: &str) -> Option<(usize, usize)> {
    let prefix = found[..2].to_ascii_uppercase();
    let unallocated = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&prefix.as_str());
    (!unallocated).then_some((0, found.len()))
}

/// The control letter in either case, as people type it.
fn spanish_id(found: &str) -> Option<(usize, usize)> {
    let compact: String = found
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    checksum::spanish_id(&compact).then_some((0, found.len()))
}

/// At least two groups written out, so `::`, `d::` of `std::vec` and clock times are not
/// addresses; the standard library decides the rest. A zone (`%eth0`, RFC 4007) is part of the
/// address as written.
fn ipv6(found: &str) -> Option<(usize, usize)> {
    let address = found.split('%').next().unwrap_or(found);
    let groups = address.split(':').filter(|group| !group.is_empty()).count();
    (groups >= 2 && address.parse::<Ipv6Addr>().is_ok()).then_some((0, found.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn found(text: &str) -> Vec<(&'static str, &str)> {
        static DETECTOR: OnceLock<Detector> = OnceLock::new();
        let mut found: Vec<(&str, &str)> = DETECTOR
            .get_or_init(detector)
            .find(text)
            .map(|m| (m.entity, &text[m.start..m.end]))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn emails() {
        assert_eq!(
            found("write to ana.lopez+ai@mail.example.co.uk."),
            [("email", "ana.lopez+ai@mail.example.co.uk")]
        );
        assert_eq!(
            found("write to jörg@bücher.de"),
            [("email", "jörg@bücher.de")]
        );
        assert_eq!(
            found("ask o'brien@example.ie"),
            [("email", "o'brien@example.ie")]
        );
        assert!(found("meet @ noon, user@localhost").is_empty());
    }

    #[test]
    fn phone_numbers_in_the_shapes_people_write() {
        for phone in [
            "+44 20 7946 0018",
            "+1 (555) 234-5678",
            "+34612345678",
            "(555) 234-5678",
            "555-234-5678",
            "020 7946 0018",
            "07700 900123",
        ] {
            assert_eq!(
                found(&format!("call {phone} today")),
                [("phone_number", phone)],
                "{phone}"
            );
        }
        for not_a_phone in [
            "order 5552345678",
            "+12345",
            "in 2024 1234 people",
            "v1.2.3",
        ] {
            assert!(found(not_a_phone).is_empty(), "{not_a_phone}");
        }
    }

    #[test]
    fn payment_cards_need_the_luhn_check() {
        assert_eq!(
            found("card 4111 1111 1111 1111 exp 12/29"),
            [("payment_card", "4111 1111 1111 1111")]
        );
        assert_eq!(
            found("card 3782-822463-10005"),
            [("payment_card", "3782-822463-10005")]
        );
        // A number before it that fails the checks does not hide it.
        assert_eq!(
            found("order 55523 4111 1111 1111 1111"),
            [("payment_card", "4111 1111 1111 1111")]
        );
        assert!(found("card 4111 1111 1111 1112").is_empty());
        assert!(found("id 41111111111111110000000").is_empty());
        assert!(found("card 4111 1111-1111 1111").is_empty());
    }

    #[test]
    fn ibans_need_their_length_and_mod_97() {
        assert_eq!(
            found("pay to DE89 3704 0044 0532 0130 00 TODAY"),
            [("iban", "DE89 3704 0044 0532 0130 00")]
        );
        assert_eq!(
            found("IBAN GB82WEST12345698765432."),
            [("iban", "GB82WEST12345698765432")]
        );
        // Its digits pass the Luhn check, but no network issues 18-digit cards starting 37.
        assert!(found("pay to DE89 3704 0044 0532 0130 01").is_empty());
        assert!(found("ref DE8937040044053201300099").is_empty());
    }

    #[test]
    fn national_ids() {
        assert_eq!(found("SSN 123-45-6789"), [("us_ssn", "123-45-6789")]);
        for never_issued in [
            "000-12-3456",
            "666-12-3456",
            "912-34-5678",
            "123-00-4567",
            "123-45-0000",
        ] {
            assert!(found(never_issued).is_empty(), "{never_issued}");
        }
        assert_eq!(found("NI AB 12 34 56 C"), [("uk_nino", "AB 12 34 56 C")]);
        assert_eq!(found("NI JG103759A"), [("uk_nino", "JG103759A")]);
        assert_eq!(found("ni jg103759a"), [("uk_nino", "jg103759a")]);
        assert!(found("NI GB123456A").is_empty());
        assert!(found("NI DA123456A").is_empty());
        assert_eq!(found("DNI 12345678Z"), [("es_dni", "12345678Z")]);
        assert_eq!(found("NIE X-1234567-L"), [("es_dni", "X-1234567-L")]);
        assert_eq!(found("dni 12345678z"), [("es_dni", "12345678z")]);
        assert!(found("DNI 12345678A").is_empty());
    }

    #[test]
    fn ip_addresses() {
        assert_eq!(
            found("from 192.168.1.20 at"),
            [("ip_address", "192.168.1.20")]
        );
        assert!(found("from 192.168.1.256").is_empty());
        assert_eq!(
            found("from 2001:db8::8a2e:370:7334 at"),
            [("ip_address", "2001:db8::8a2e:370:7334")]
        );
        assert_eq!(found("link fe80::1%eth0"), [("ip_address", "fe80::1%eth0")]);
        assert!(found("at 10:30:45, use std::vec::Vec").is_empty());
    }
}
