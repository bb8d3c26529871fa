//! Keys as people read them, in messages and tables: UTF-8 as it is, everything that would
//! break a line or hide itself escaped, long keys cut short. Machine formats carry keys
//! exactly instead (see [`crate::output::keys`]).

/// `bytes` for people: `\\`, `\t`, `\n`, `\r` for those bytes, `\xNN` for other control
/// characters and bytes that are not UTF-8; after `limit` characters (an escape counts as
/// one), `…`.
pub fn shown(bytes: &[u8], limit: usize) -> String {
    let mut text = String::new();
    let mut count = 0;
    let mut push = |piece: &str, text: &mut String| {
        if count >= limit {
            return false;
        }
        count += 1;
        text.push_str(piece);
        true
    };
    let hex = |byte: u8| format!("\\x{byte:02x}");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let escaped = match c {
                '\\' => "\\\\".to_string(),
                '\t' => "\\t".to_string(),
                '\n' => "\\n".to_string(),
                '\r' => "\\r".to_string(),
                c if c.is_control() => c.encode_utf8(&mut [0; 4]).bytes().map(hex).collect(),
                c => c.to_string(),
            };
            if !push(&escaped, &mut text) {
                return cut(text);
            }
        }
        for &byte in chunk.invalid() {
            if !push(&hex(byte), &mut text) {
                return cut(text);
            }
        }
    }
    text
}

fn cut(mut text: String) -> String {
    text.push('…');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_show_as_text_with_the_invisible_escaped() {
        assert_eq!(shown(b"user:1", 10), "user:1");
        assert_eq!(shown("café:鍵".as_bytes(), 10), "café:鍵");
        assert_eq!(
            shown(b"a\tb\\c\r\n\x00\x7f", 20),
            "a\\tb\\\\c\\r\\n\\x00\\x7f"
        );
        assert_eq!(shown(b"\xff\xc3", 10), "\\xff\\xc3");
        assert_eq!(shown(b"abcdef", 3), "abc…");
        assert_eq!(shown(b"abc", 3), "abc");
        assert_eq!(shown(b"", 3), "");
    }
}
