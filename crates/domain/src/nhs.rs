//! The NHS number: ten digits, the last a Modulus 11 check digit.

use std::fmt;

/// A valid NHS number. Only [`NhsNumber::parse`] makes one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NhsNumber(String);

/// Why text is not an NHS number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    /// Not ten digits once spaces and hyphens are removed.
    #[error("Enter an NHS number that is 10 digits long")]
    Length,
    /// Ten digits, but the check digit does not match.
    #[error("Enter a valid NHS number: the check digit is wrong")]
    CheckDigit,
}

impl NhsNumber {
    /// Parses "943 476 5919", "943-476-5919" or "9434765919".
    pub fn parse(raw: &str) -> Result<Self, NhsNumberError> {
        let digits: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(NhsNumberError::Length);
        }
        let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
        match check_digit(&d[..9]) {
            Some(c) if c == d[9] => Ok(NhsNumber(digits)),
            _ => Err(NhsNumberError::CheckDigit),
        }
    }

    /// The ten digits with no spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number shown as "943 476 5919".
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

/// The Modulus 11 check digit for the first nine digits; `None` when the
/// remainder makes 10, which means no valid number has these nine digits.
pub fn check_digit(nine: &[u32]) -> Option<u32> {
    let sum: u32 = nine.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers_in_any_layout() {
        // 943 476 5919 is the NHS's published example number.
        assert_eq!(
            NhsNumber::parse("943 476 5919").map(|n| n.formatted()),
            Ok("943 476 5919".into())
        );
        assert!(NhsNumber::parse("943-476-5919").is_ok());
        assert!(NhsNumber::parse("9434765919").is_ok());
    }

    #[test]
    fn rejects_wrong_check_digit_and_length() {
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit)
        );
        assert_eq!(NhsNumber::parse("943476591"), Err(NhsNumberError::Length));
        assert_eq!(NhsNumber::parse("94347659AB"), Err(NhsNumberError::Length));
    }

    #[test]
    fn remainder_ten_has_no_valid_number() {
        // Weighted sum 12 (digit 6 with weight 2): 12 mod 11 = 1, 11 - 1 = 10: no check digit.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 6]), None);
        // Weighted sum 2: 11 - 2 = 9.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 1]), Some(9));
        // Weighted sum 0: 11 - 0 = 11, which becomes 0.
        assert_eq!(check_digit(&[0; 9]), Some(0));
    }
}
