//! Picking one language out of the bilingual messages of `keis-crdt` ("uk / en").

use crate::case_list::Lang;

/// The part of a bilingual "українською / in English" message for `lang`. A message
/// without the separator is returned whole.
pub fn pick(message: &str, lang: Lang) -> &str {
    match message.split_once(" / ") {
        Some((uk, en)) => match lang {
            Lang::Uk => uk.trim(),
            Lang::En => en.trim(),
        },
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_language() {
        let m = keis_crdt::validate::FieldError::RnokppFormat.to_string();
        assert_eq!(pick(&m, Lang::Uk), "РНОКПП має містити 10 цифр");
        assert_eq!(pick(&m, Lang::En), "RNOKPP must be 10 digits");
        assert_eq!(pick("plain", Lang::En), "plain");
    }
}
