//! Search keys for enterprise names: pinyin initials (`萍乡科技` → `pxkj`) and full pinyin
//! (`pingxiangkeji`). ASCII letters and digits in the name are kept (lower-cased).

use pinyin::ToPinyin;

/// (initials, full pinyin), both lower-case without separators.
pub fn pinyin_keys(name: &str) -> (String, String) {
    let mut initials = String::new();
    let mut full = String::new();
    for (ch, py) in name.chars().zip(name.to_pinyin()) {
        match py {
            Some(p) => {
                initials.push_str(p.first_letter());
                full.push_str(p.plain());
            }
            None if ch.is_ascii_alphanumeric() => {
                let c = ch.to_ascii_lowercase();
                initials.push(c);
                full.push(c);
            }
            None => {}
        }
    }
    (initials, full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_full() {
        let (i, f) = pinyin_keys("萍乡科技有限公司");
        assert_eq!(i, "pxkjyxgs");
        assert_eq!(f, "pingxiangkejiyouxiangongsi");
        let (i, _) = pinyin_keys("元江ABC（集团）");
        assert_eq!(i, "yjabcjt");
    }
}
