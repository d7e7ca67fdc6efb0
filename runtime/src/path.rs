//! Object path elements from any text, as GLib escapes them (a helper: services with an
//! escaping of their own build their paths themselves).

/// `text` as one element of an object path, the way GLib's `g_dbus_escape_object_path`
/// writes it: ASCII letters and digits stay, every other byte becomes `_` and two lower-case
/// hex digits (`sda-1` → `sda_2d1`), and `""` becomes `_`. [`unescape_path_element`] reads
/// it back.
pub fn escape_path_element(text: &str) -> String {
    if text.is_empty() {
        return "_".to_owned();
    }
    let mut escaped = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() {
            escaped.push(char::from(byte));
        } else {
            escaped.push_str(&format!("_{byte:02x}"));
        }
    }
    escaped
}

/// The text that [`escape_path_element`] made `element` from; `None` where `element` is
/// not such an escape (GLib's `g_dbus_unescape_object_path`).
pub fn unescape_path_element(element: &str) -> Option<String> {
    if element == "_" {
        return Some(String::new());
    }
    let mut bytes = Vec::with_capacity(element.len());
    let mut rest = element.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first.is_ascii_alphanumeric() {
            bytes.push(first);
            rest = tail;
        } else if first == b'_' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).ok()?;
            let byte = u8::from_str_radix(hex, 16).ok()?;
            if byte.is_ascii_alphanumeric() || hex.bytes().any(|b| b.is_ascii_uppercase()) {
                return None;
            }
            bytes.push(byte);
            rest = &tail[2..];
        } else {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_element_escapes_as_glib_does_and_reads_back() {
        for (text, element) in [
            ("", "_"),
            ("sda1", "sda1"),
            ("sda-1", "sda_2d1"),
            ("a_b", "a_5fb"),
            ("d0b1e2f3-aa", "d0b1e2f3_2daa"),
            ("é", "_c3_a9"),
        ] {
            assert_eq!(escape_path_element(text), element);
            assert_eq!(unescape_path_element(element).as_deref(), Some(text));
        }
        for not_an_escape in ["a-b", "_2", "_zz", "_41", "_2D"] {
            assert_eq!(
                unescape_path_element(not_an_escape),
                None,
                "{not_an_escape}"
            );
        }
    }
}
