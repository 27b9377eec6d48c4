use super::*;

fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("test date")
}

#[test]
fn rnokpp_table() {
    let born = Some(d("1969-08-06"));
    let cases: &[(&str, Option<Date>, Result<(), FieldError>)] = &[
        ("2542000120", born, Ok(())),
        ("2542000120", None, Ok(())),
        ("3288712341", Some(d("1990-01-15")), Ok(())),
        ("4360400313", Some(d("2019-05-20")), Ok(())),
        ("2542000121", born, Err(FieldError::RnokppCheckDigit)),
        ("2542000120", Some(d("1969-08-07")), Err(FieldError::RnokppBirthDate)),
        ("254200012", born, Err(FieldError::RnokppFormat)),
        ("25420001200", born, Err(FieldError::RnokppFormat)),
        ("25420001a0", born, Err(FieldError::RnokppFormat)),
        ("", None, Err(FieldError::RnokppFormat)),
        ("٢٥٤٢٠٠٠١٢٠", None, Err(FieldError::RnokppFormat)),
    ];
    for (input, birth, want) in cases {
        assert_eq!(&rnokpp(input, *birth), want, "{input}");
    }
}

#[test]
fn unzr_table() {
    let born = Some(d("1969-08-06"));
    let cases: &[(&str, Option<Date>, Result<(), FieldError>)] = &[
        ("19690806-00010", born, Ok(())),
        ("19900115-00420", Some(d("1990-01-15")), Ok(())),
        ("20190520-00775", None, Ok(())),
        ("19690806-00011", born, Err(FieldError::UnzrCheckDigit)),
        ("19690806-00010", Some(d("1969-08-05")), Err(FieldError::UnzrBirthDate)),
        ("19690806000010", born, Err(FieldError::UnzrFormat)),
        ("19691306-00010", None, Err(FieldError::UnzrFormat)),
        ("1969086-00010", None, Err(FieldError::UnzrFormat)),
        ("19690806-0001", None, Err(FieldError::UnzrFormat)),
        ("", None, Err(FieldError::UnzrFormat)),
    ];
    for (input, birth, want) in cases {
        assert_eq!(&unzr(input, *birth), want, "{input}");
    }
}

#[test]
fn mrz_check_digits_of_the_icao_specimen() {
    // ICAO Doc 9303 Part 4 specimen: L898902C<3, birth 690806 1, expiry 940623 6.
    assert_eq!(mrz_check_digit("L898902C<"), Some(3));
    assert_eq!(mrz_check_digit("690806"), Some(1));
    assert_eq!(mrz_check_digit("940623"), Some(6));
    assert_eq!(mrz_check_digit("ZE184226B<<<<<"), Some(1));
    assert_eq!(mrz_check_digit("l898902c"), None);
}

#[test]
fn katottg_table() {
    assert_eq!(katottg("UA05020030010063857"), Ok(()));
    for bad in ["UA0502003001006385", "ua05020030010063857", "UA0502003001006385X", "", "UA"] {
        assert_eq!(katottg(bad), Err(FieldError::Katottg), "{bad}");
    }
}

#[test]
fn phone_table() {
    let ok = [
        ("+380 67 123 45 67", "+380671234567"),
        ("067-123-45-67", "+380671234567"),
        ("380671234567", "+380671234567"),
        ("(067) 123 45 67", "+380671234567"),
    ];
    for (input, want) in ok {
        assert_eq!(phone(input).as_deref(), Ok(want), "{input}");
    }
    for bad in ["", "12345", "+1 555 0100", "067 123 45 6x", "0671234567+", "+3806712345678"] {
        assert_eq!(phone(bad), Err(FieldError::Phone), "{bad}");
    }
}

#[test]
fn problems_name_the_field() {
    let mut p = Problems::new("household[1]");
    p.check("rnokpp", rnokpp("123", None));
    p.check("surname", required("  ").map(|_| ()));
    let found = p.into_vec();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].field, "household[1].rnokpp");
    assert_eq!(found[1].field, "household[1].surname");
    assert!(found[0].to_string().contains("RNOKPP"));
}
