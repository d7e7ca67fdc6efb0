//! Wire names to Rust identifiers.
//!
//! D-Bus names keep their exact spelling on the wire (the generated code always states them
//! with `name = "..."`); only the Rust side is converted here.

use proc_macro2::{Ident, Span};

/// Words that cannot be plain identifiers; they become raw identifiers (`r#type`), which the
/// zbus macros strip again when they export an argument name.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Words that not even a raw identifier can spell; they get a trailing underscore.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// `SlowResult`, `slow_result`, `slow-result` and `GetHTTPProxy` become `slow_result`,
/// `slow_result`, `slow_result` and `get_http_proxy`: a word starts at a capital after a
/// lower-case letter or a digit, and at the last capital of a run of them where two or more
/// lower-case letters follow it (`HTTPProxy`), but not fewer (`NVMe` is `nvme`, `IPv4` is
/// `ipv4`, and `TimeUSec` is `time_u_sec`).
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut snake = String::with_capacity(name.len() + 4);
    for (i, &ch) in chars.iter().enumerate() {
        if ch == '-' || ch == '_' {
            if !snake.ends_with('_') {
                snake.push('_');
            }
            continue;
        }
        if ch.is_ascii_uppercase() && i > 0 && !snake.ends_with('_') {
            let prev = chars[i - 1];
            let lower_after = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_lowercase())
                .count();
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && lower_after >= 2)
            {
                snake.push('_');
            }
        }
        snake.push(ch.to_ascii_lowercase());
    }
    snake
}

/// `power_profiles`, `PowerProfiles` and `power-profiles` become `PowerProfiles`.
pub(crate) fn pascal_case(name: &str) -> String {
    let mut pascal = String::with_capacity(name.len());
    let mut capitalize = true;
    for ch in name.chars() {
        if ch == '_' || ch == '-' {
            capitalize = true;
        } else if capitalize {
            pascal.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(ch);
        }
    }
    pascal
}

/// The identifier for a snake-case name, raw where the name is a keyword. Characters that no
/// identifier may hold (an argument name is free text to some XML writers) become `_`.
pub(crate) fn ident(snake: &str) -> Ident {
    let mut cleaned: String = snake
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned.starts_with(|c: char| c.is_ascii_digit()) {
        cleaned.insert(0, '_');
    }
    let snake = cleaned.as_str();
    if NOT_RAW.contains(&snake) {
        Ident::new(&format!("{snake}_"), Span::call_site())
    } else if KEYWORDS.contains(&snake) {
        Ident::new_raw(snake, Span::call_site())
    } else {
        Ident::new(snake, Span::call_site())
    }
}

/// Prelude names that generated code uses, which an interface's type must not shadow.
const PRELUDE_TYPES: &[&str] = &["String", "Vec", "Option", "Result", "Box", "Send", "Sync"];

/// The last dot-separated element of an interface name, in Pascal case:
/// `net.hadess.PowerProfiles` gives `PowerProfiles` (and `org.example.String` gives
/// `StringInterface`, as generated code needs the prelude's `String`).
pub(crate) fn interface_type_name(interface: &str) -> String {
    let name = pascal_case(interface.rsplit('.').next().unwrap_or(interface));
    if PRELUDE_TYPES.contains(&name.as_str()) {
        name + "Interface"
    } else if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        // `a.b._` or `a.b.5G`: no type name starts like that.
        format!("Interface{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("quick"), "quick");
        assert_eq!(snake_case("slow_result"), "slow_result");
        assert_eq!(snake_case("SlowResult"), "slow_result");
        assert_eq!(snake_case("GetHTTPProxy"), "get_http_proxy");
        assert_eq!(snake_case("Ipv4Address"), "ipv4_address");
        assert_eq!(snake_case("my-arg"), "my_arg");
        assert_eq!(snake_case("NVMeRevision"), "nvme_revision");
        assert_eq!(snake_case("IPv4Address"), "ipv4_address");
        assert_eq!(snake_case("TimeUSec"), "time_u_sec");
        assert_eq!(
            snake_case("OperatingSystemCPEName"),
            "operating_system_cpe_name"
        );
        assert_eq!(snake_case("UDisks2"), "u_disks2");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("bits").to_string(), "bits");
        assert_eq!(ident("p/>s").to_string(), "p__s");
        assert_eq!(ident("9lives").to_string(), "_9lives");
        assert_eq!(ident("").to_string(), "__");
    }

    #[test]
    fn interface_type_name_takes_the_last_element() {
        assert_eq!(
            interface_type_name("net.hadess.PowerProfiles"),
            "PowerProfiles"
        );
        assert_eq!(interface_type_name("org.example.lower_case"), "LowerCase");
        assert_eq!(interface_type_name("org.example.String"), "StringInterface");
        assert_eq!(interface_type_name("org.example.5G"), "Interface5G");
    }
}
