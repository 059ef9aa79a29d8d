//! 统一社会信用代码 (unified social credit code, USCC) per GB 32100-2015: 18 characters from
//! `0123456789ABCDEFGHJKLMNPQRTUWXY`, the last one a check character over the first 17.

use std::fmt;

pub const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A validated credit code (upper case, 18 chars, check digit correct).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("信用代码应为18位，实际{0}位 (must be 18 characters, got {0})")]
    Length(usize),
    #[error("信用代码第{pos}位字符'{ch}'无效 (bad character '{ch}' at position {pos})")]
    BadChar { pos: usize, ch: char },
    #[error("信用代码校验位错误：应为'{expected}'，实为'{found}' (check digit should be '{expected}', found '{found}')")]
    CheckDigit { expected: char, found: char },
}

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (which must already be valid).
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARSET[check as usize] as char)
}

impl CreditCode {
    /// Validate; lower case is accepted and upper-cased, surrounding spaces trimmed.
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        let s = input.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(CreditCodeError::Length(n));
        }
        for (i, ch) in s.chars().enumerate() {
            if !ch.is_ascii() || value_of(ch as u8).is_none() {
                return Err(CreditCodeError::BadChar { pos: i + 1, ch });
            }
        }
        let bytes = s.as_bytes();
        let expected = check_char(&bytes[..17]).ok_or(CreditCodeError::Length(n))?;
        let found = bytes[17] as char;
        if expected != found {
            return Err(CreditCodeError::CheckDigit { expected, found });
        }
        Ok(CreditCode(s))
    }

    /// Complete 17 valid characters with their check character (used by generators).
    pub fn complete(first17: &str) -> Option<CreditCode> {
        let c = check_char(first17.as_bytes())?;
        Some(CreditCode(format!("{first17}{c}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes_validate() {
        // 91350100M000100Y43 is the example from GB 32100-2015's annex
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            CreditCode::parse("91350100m000100y43").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn reasons_are_precise() {
        assert_eq!(CreditCode::parse("9135"), Err(CreditCodeError::Length(4)));
        assert_eq!(
            CreditCode::parse("91350100I000100Y43"),
            Err(CreditCodeError::BadChar { pos: 9, ch: 'I' })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4中"),
            Err(CreditCodeError::BadChar { pos: 18, ch: '中' })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckDigit {
                expected: '3',
                found: '4'
            })
        );
        let msg = CreditCode::parse("91350100M000100Y44")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("校验位"), "{msg}");
    }

    fn code17() -> impl Strategy<Value = String> {
        proptest::collection::vec(0usize..31, 17)
            .prop_map(|v| v.into_iter().map(|i| CHARSET[i] as char).collect())
    }

    proptest! {
        #[test]
        fn completed_codes_validate(first in code17()) {
            let code = CreditCode::complete(&first).unwrap();
            prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
        }

        #[test]
        fn any_single_substitution_is_caught(first in code17(), pos in 0usize..18, delta in 1usize..31) {
            let code = CreditCode::complete(&first).unwrap().into_string();
            let mut bytes = code.into_bytes();
            let v = CHARSET.iter().position(|&c| c == bytes[pos]).unwrap();
            bytes[pos] = CHARSET[(v + delta) % 31];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&changed).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = CreditCode::parse(&s);
        }
    }
}
