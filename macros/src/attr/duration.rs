//! Durations written as text (`"250ms"`, `"30s"`, `"1h30m"`), parsed at
//! compile time so that a bad one is an error on its literal, not a panic
//! at startup.

/// The units a duration may use, for error messages.
pub(crate) const UNITS: &str = "ms, s, m, h, d";

/// Milliseconds in one unit, by name.
fn unit_millis(unit: &str) -> Option<u128> {
    Some(match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    })
}

/// The milliseconds `text` spells, as parts of a number and a unit
/// (`"1h30m"`, `"1d 12h"`), or a sentence saying what is wrong with it.
pub(crate) fn parse_millis(text: &str) -> Result<u64, String> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(format!(
            "empty duration: write a number and a unit, e.g. \"30s\" (units: {UNITS})"
        ));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(end);
        if !digits.chars().any(|c| c.is_ascii_digit()) {
            return Err(format!(
                "expected a number at `{rest}`: write a number and a unit, e.g. \"1h30m\" (units: {UNITS})"
            ));
        }
        if after.starts_with(['.', ',']) {
            return Err(format!(
                "fractions are not supported in `{text}`: combine whole units instead, e.g. \"1h30m\" or \"1500ms\""
            ));
        }
        let end = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(end);
        let per = match unit_millis(unit) {
            Some(per) => per,
            None if unit.is_empty() => return Err(no_unit(digits, after)),
            None => return Err(format!("unknown unit `{unit}` (units: {UNITS})")),
        };
        let too_long = || {
            format!("`{text}` is too long: a duration holds at most u64::MAX milliseconds (about 584 million years)")
        };
        let n: u128 = digits.replace('_', "").parse().map_err(|_| too_long())?;
        total = n
            .checked_mul(per)
            .and_then(|part| total.checked_add(part))
            .filter(|&t| t <= u128::from(u64::MAX))
            .ok_or_else(too_long)?;
        rest = after.trim_start();
    }
    if total == 0 {
        return Err(
            "a zero duration expires every entry the moment it is written: give a positive duration, or leave this key out"
                .to_string(),
        );
    }
    Ok(total as u64)
}

/// Why `digits` has no unit right after it: a unit after a space (not
/// allowed, and named), or none at all.
fn no_unit(digits: &str, after: &str) -> String {
    let spaced = after.trim_start();
    let word_end = spaced
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(spaced.len());
    let word = &spaced[..word_end];
    if word.is_empty() {
        format!(
            "`{digits}` has no unit: write \"{digits}s\", \"{digits}m\" or another unit ({UNITS})"
        )
    } else if unit_millis(word).is_some() {
        format!("no space is allowed between a number and its unit: write \"{digits}{word}\"")
    } else {
        // `min`, `secs`, `hours`: the unit the word starts with, longest first.
        let unit = ["ms", "s", "m", "h", "d"]
            .into_iter()
            .find(|u| word.starts_with(u))
            .unwrap_or("s");
        format!(
            "unknown unit `{word}` (units: {UNITS}), written after a space: write the number and its unit together, e.g. \"{digits}{unit}\""
        )
    }
}

#[cfg(test)]
mod tests {
    use super::parse_millis;

    #[test]
    fn every_unit_and_combinations() {
        assert_eq!(parse_millis("250ms"), Ok(250));
        assert_eq!(parse_millis("30s"), Ok(30_000));
        assert_eq!(parse_millis("5m"), Ok(300_000));
        assert_eq!(parse_millis("2h"), Ok(7_200_000));
        assert_eq!(parse_millis("1d"), Ok(86_400_000));
        assert_eq!(parse_millis("1h30m"), Ok(5_400_000));
        assert_eq!(parse_millis("1d 12h"), Ok(129_600_000));
        assert_eq!(parse_millis("1_500ms"), Ok(1_500));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_millis("").unwrap_err().contains("empty"));
        assert!(parse_millis("30").unwrap_err().contains("no unit"));
        assert!(parse_millis("5y").unwrap_err().contains("unknown unit `y`"));
        let spaced = [
            ("5 min", "unknown unit `min`", "e.g. \"5m\""),
            ("30 parsecs", "unknown unit `parsecs`", "e.g. \"30s\""),
            ("5 m", "no space is allowed", "write \"5m\""),
        ];
        for (text, starts, ends) in spaced {
            let why = parse_millis(text).unwrap_err();
            assert!(why.starts_with(starts) && why.ends_with(ends), "{why}");
        }
        assert!(parse_millis("1d 12h").is_ok());
        assert!(parse_millis("0s").unwrap_err().contains("zero"));
        assert!(parse_millis("0h0m").unwrap_err().contains("zero"));
        assert!(parse_millis("1.5h").unwrap_err().contains("fractions"));
        assert!(parse_millis("h").unwrap_err().contains("expected a number"));
        assert!(parse_millis("99999999999999999999999d")
            .unwrap_err()
            .contains("too long"));
        assert!(parse_millis("213503982335d")
            .unwrap_err()
            .contains("too long"));
    }

    #[test]
    fn the_longest_duration_fits() {
        assert_eq!(parse_millis("18446744073709551615ms"), Ok(u64::MAX));
        assert!(parse_millis("18446744073709551616ms").is_err());
    }
}
