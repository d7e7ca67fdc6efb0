//! Attributes that every emitter writes alike: documentation and `#[deprecated]`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::annotations::DEPRECATED_NOTE;

/// `#[doc]` attributes for `lines`, or for `fallback` where there are none.
pub(crate) fn doc_attrs(lines: &[String], fallback: String) -> TokenStream {
    if lines.is_empty() {
        return doc_lines([fallback.as_str()]);
    }
    doc_lines(lines.iter().map(String::as_str))
}

/// A `#[doc]` attribute for each of `lines`, and none where there are none.
pub(crate) fn doc_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let lines = lines.into_iter().map(|line| format!(" {line}"));
    quote!(#(#[doc = #lines])*)
}

/// `#[deprecated]` with the note that says why, where the XML marks the item
/// `org.freedesktop.DBus.Deprecated`.
pub(crate) fn deprecated_attr(deprecated: bool) -> Option<TokenStream> {
    deprecated.then(|| quote!(#[deprecated(note = #DEPRECATED_NOTE)]))
}
