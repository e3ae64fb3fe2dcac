//! Check digits that tell a real identifier from a run of digits: Luhn (payment cards),
//! ISO 13616 mod-97 (IBAN) and the Spanish DNI/NIE control letter.

/// Whether `digits` (ASCII digits only) pass the Luhn check.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, digit)| {
            let value = u32::from(digit - b'0');
            if index % 2 == 1 {
                let doubled = value * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                value
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The length of an IBAN in `country` (ISO 3166 alpha-2), from the SWIFT IBAN registry.
pub fn iban_length(country: &str) -> Option<usize> {
    #[rustfmt::skip]
    const LENGTHS: &[(&str, usize)] = &[
        ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16),
        ("BG", 22), ("BH", 22), ("BR", 29), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24),
        ("DE", 22), ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18),
        ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27),
        ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26),
        ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32), ("LI", 21),
        ("LT", 20), ("LU", 20), ("LV", 21), ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19),
        ("MR", 27), ("MT", 31), ("MU", 30), ("NL", 18), ("NO", 15), ("PK", 24), ("PL", 28),
        ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("SA", 24), ("SC", 31),
        ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("ST", 25), ("SV", 28), ("TL", 23),
        ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20),
    ];
    LENGTHS
        .iter()
        .find(|(code, _)| *code == country)
        .map(|(_, length)| *length)
}

/// Whether `iban` (upper-case letters and digits, no spaces) has its country's length and
/// passes the ISO 7064 mod-97 check.
pub fn iban(iban: &str) -> bool {
    let bytes = iban.as_bytes();
    if bytes.len() < 5
        || !bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        || iban_length(&iban[..2]) != Some(bytes.len())
    {
        return false;
    }
    // The first four characters go to the end; letters count as 10..=35.
    let mut remainder: u32 = 0;
    for &byte in bytes[4..].iter().chain(&bytes[..4]) {
        remainder = if byte.is_ascii_digit() {
            (remainder * 10 + u32::from(byte - b'0')) % 97
        } else {
            (remainder * 100 + u32::from(byte - b'A') + 10) % 97
        };
    }
    remainder == 1
}

/// Whether a Spanish DNI (`12345678Z`) or NIE (`X1234567L`) has the right control letter.
pub fn spanish_id(id: &str) -> bool {
    const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let bytes = id.as_bytes();
    if bytes.len() != 9 {
        return false;
    }
    let prefix = match bytes[0] {
        b'X' => Some(0),
        b'Y' => Some(1),
        b'Z' => Some(2),
        _ => None,
    };
    let digits = match prefix {
        Some(_) => &bytes[1..8],
        None => &bytes[..8],
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let number = digits
        .iter()
        .fold(prefix.unwrap_or(0), |n, d| n * 10 + u32::from(d - b'0'));
    LETTERS[(number % 23) as usize] == bytes[8]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_card_numbers_and_refuses_a_changed_digit() {
        for valid in [
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "6011111111111117",
            "4012888888881881",
            "79927398713",
        ] {
            assert!(luhn(valid.as_bytes()), "{valid}");
        }
        for invalid in [
            "4111111111111112",
            "5555555555554445",
            "79927398710",
            "",
            "12a4",
        ] {
            assert!(!luhn(invalid.as_bytes()), "{invalid}");
        }
    }

    #[test]
    fn iban_checks_length_and_mod_97() {
        // Examples of the ECBS and Wikipedia, and the SWIFT registry's examples.
        for valid in [
            "GB82WEST12345698765432",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "BE71096123456769",
            "CH9300762011623852957",
            "NO9386011117947",
            "ES9121000418450200051332",
        ] {
            assert!(iban(valid), "{valid}");
        }
        for invalid in [
            "GB82WEST12345698765433", // a changed digit
            "GB28WEST12345698765432", // swapped check digits
            "DE8937040044053201300",  // one character short
            "QQ82WEST12345698765432", // no such country
            "gb82west12345698765432", // not normalised
        ] {
            assert!(!iban(invalid), "{invalid}");
        }
    }

    #[test]
    fn spanish_ids_check_the_control_letter() {
        assert!(spanish_id("12345678Z"));
        assert!(spanish_id("00000000T"));
        assert!(spanish_id("X1234567L"));
        assert!(spanish_id("Y0000000Z"));
        assert!(!spanish_id("12345678A"));
        assert!(!spanish_id("X1234567T"));
        assert!(!spanish_id("1234567Z"));
    }
}
