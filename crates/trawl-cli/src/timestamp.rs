//! The RFC 3339 timestamp `--timestamp` sets, and the forms STIX and
//! MISP write it in.

use std::fmt::Write as _;

/// A UTC instant from 1970-01-01 to 9999-12-31, to the millisecond.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z, leap seconds not counted.
    seconds: i64,
    millis: u16,
}

/// Seconds from 1970-01-01 to 10000-01-01.
const END_SECONDS: i64 = 253_402_300_800;

impl Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, with `T`
    /// and `Z` in either case. Digits past the millisecond are dropped.
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        let invalid = |why: &str| {
            format!(
                "invalid RFC 3339 timestamp '{text}': {why}; expected a \
                 form such as 2024-05-01T12:00:00Z"
            )
        };
        let bytes = text.as_bytes();
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            let digits = bytes.get(range)?;
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            digits
                .iter()
                .try_fold(0i64, |n, d| Some(n * 10 + i64::from(d - b'0')))
        };
        let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
        let shape_ok = separators
            .iter()
            .all(|&(at, expected)| bytes.get(at) == Some(&expected))
            && matches!(bytes.get(10), Some(b'T' | b't'));
        let fields = (
            number(0..4),
            number(5..7),
            number(8..10),
            number(11..13),
            number(14..16),
            number(17..19),
        );
        let (
            Some(year),
            Some(month),
            Some(day),
            Some(hour),
            Some(minute),
            Some(second),
        ) = fields
        else {
            return Err(invalid("the date or time is malformed"));
        };
        if !shape_ok {
            return Err(invalid("the date or time is malformed"));
        }
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
        {
            return Err(invalid("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(invalid(
                "no such time of day (leap seconds are not accepted)",
            ));
        }

        let mut rest = bytes.get(19..).unwrap_or_default();
        let mut millis = 0i64;
        if let Some((b'.', tail)) = rest.split_first() {
            let count = tail.iter().take_while(|b| b.is_ascii_digit()).count();
            if count == 0 {
                return Err(invalid("the fraction of a second has no digits"));
            }
            let mut scale = 100;
            for digit in tail.iter().take(count.min(3)) {
                millis += i64::from(digit - b'0') * scale;
                scale /= 10;
            }
            rest = tail.get(count..).unwrap_or_default();
        }
        let offset = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(invalid("the UTC offset is malformed"));
                }
                let hours = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
                let minutes = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
                if hours > 23 || minutes > 59 {
                    return Err(invalid("the UTC offset is out of range"));
                }
                let offset = hours * 3600 + minutes * 60;
                if *sign == b'-' {
                    -offset
                } else {
                    offset
                }
            }
            _ => return Err(invalid("a UTC offset (Z or +HH:MM) is missing")),
        };
        let seconds = days_from_civil(year, month, day) * 86_400
            + hour * 3600
            + minute * 60
            + second
            - offset;
        if !(0..END_SECONDS).contains(&seconds) {
            return Err(invalid("it is before 1970 or after 9999 in UTC"));
        }
        Ok(Timestamp { seconds, millis: u16::try_from(millis).unwrap_or(0) })
    }

    /// Creates the timestamp of a whole number of seconds since 1970.
    pub fn from_unix(seconds: u32) -> Timestamp {
        Timestamp { seconds: i64::from(seconds), millis: 0 }
    }

    /// Returns the STIX form, in UTC to the millisecond:
    /// `1970-01-01T00:00:00.000Z`.
    pub fn stix(self) -> String {
        let mut text = self.seconds_text();
        let _ = write!(text, ".{:03}Z", self.millis);
        text
    }

    /// Returns the form without a fraction: `1970-01-01T00:00:00Z`.
    pub fn to_seconds_string(self) -> String {
        let mut text = self.seconds_text();
        text.push('Z');
        text
    }

    /// Returns the UTC date, `1970-01-01`.
    pub fn date(self) -> String {
        let (year, month, day) = civil_from_days(self.seconds / 86_400);
        format!("{year:04}-{month:02}-{day:02}")
    }

    /// Returns the whole seconds since 1970 in decimal, as MISP writes
    /// its `timestamp` fields.
    pub fn unix(self) -> String {
        self.seconds.to_string()
    }

    fn seconds_text(self) -> String {
        let of_day = self.seconds % 86_400;
        format!(
            "{}T{:02}:{:02}:{:02}",
            self.date(),
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60
        )
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Returns the days from 1970-01-01 to a proleptic Gregorian date, by
/// counting in 400-year eras that start on March 1st.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Returns the `(year, month, day)` of a day count from 1970-01-01, the
/// inverse of `days_from_civil`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524
        - day_of_era / 146_096)
        / 365;
    let day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_normalise_to_utc() {
        let cases = [
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z", "0"),
            (
                "2024-02-29t23:30:00.1234z",
                "2024-02-29T23:30:00.123Z",
                "1709249400",
            ),
            (
                "2024-03-01T01:00:00+02:00",
                "2024-02-29T23:00:00.000Z",
                "1709247600",
            ),
            (
                "1999-12-31T23:00:00-01:00",
                "2000-01-01T00:00:00.000Z",
                "946684800",
            ),
            (
                "9999-12-31T23:59:59.999Z",
                "9999-12-31T23:59:59.999Z",
                "253402300799",
            ),
        ];
        for (input, stix, unix) in cases {
            let parsed = Timestamp::parse(input).unwrap();
            assert_eq!(parsed.stix(), stix, "{input}");
            assert_eq!(parsed.unix(), unix, "{input}");
        }
    }

    #[test]
    fn malformed_timestamps_are_rejected() {
        let cases = [
            "",
            "1970-01-01",
            "1970-01-01T00:00:00",
            "1970-01-01 00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-06-30T23:59:60Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+2:00",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:30:00+01:00",
            "+2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00Zjunk",
            "２０２４-01-01T00:00:00Z",
        ];
        for input in cases {
            assert!(Timestamp::parse(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn dates_round_trip_through_day_counts() {
        for days in [0, 59, 365, 10_956, 11_016, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert_eq!(
            Timestamp::from_unix(86_399).to_seconds_string(),
            "1970-01-01T23:59:59Z"
        );
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = Timestamp::parse(&text);
        }

        #[test]
        fn stix_form_parses_back(seconds in 0i64..END_SECONDS, millis in 0u16..1000) {
            let timestamp = Timestamp { seconds, millis };
            proptest::prop_assert_eq!(Timestamp::parse(&timestamp.stix()), Ok(timestamp));
        }
    }
}
