//! The module `types` that the types table defines: enums, flags, structs, maps and aliases,
//! and the GLib bytestring, each serialised as its signature says.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use zbus::Signature;

use crate::type_table::{Entry, Shape, Table};
use crate::{emit, types};

impl Table {
    /// The module `types` with every type of the table, or nothing for an empty table.
    pub(crate) fn code(&self) -> TokenStream {
        if self.entries.is_empty() {
            return TokenStream::new();
        }
        let items = self.entries.iter().map(entry_code);
        quote! {
            /// The types that the XML names (Telepathy's `tp:enum`, `tp:flags`, `tp:struct`,
            /// `tp:mapping`, `tp:simple-type`, this toolkit's `rs.dbus_xml_codegen.*`
            /// annotations, GLib bytestrings). Each has the signature of the values it
            /// carries; the wire is the same as with the plain types.
            pub mod types {
                #(#items)*
            }
        }
    }
}

/// `#[doc]` attributes for the lines of `docs` (none where it is empty).
fn doc_attrs(docs: &str) -> TokenStream {
    emit::doc_lines(docs.lines())
}

const SERDE: &str = "zbus::export::serde";

fn entry_code(entry: &Entry) -> TokenStream {
    let rust = &entry.named.rust;
    if let Some(home) = &entry.home {
        // One type for one definition: the file that defines it holds it.
        let doc = format!(
            " `{}`, as the file of the module `{home}` defines it.",
            entry.name
        );
        return quote!(#[doc = #doc] pub use super::super::#home::types::#rust;);
    }
    let signature = entry.named.signature.to_string();
    let mut docs = entry.docs.clone();
    if docs.is_empty() {
        docs = format!("`{}` in the XML.", entry.name);
    }
    let docs = doc_attrs(&format!("{docs}\n\nOn the wire: `{signature}`."));
    let derive_serde = quote! {
        zbus::export::serde::Serialize, zbus::export::serde::Deserialize, zbus::Type
    };
    match &entry.shape {
        Shape::Alias(ty) => {
            let ty = types::owned_ty(ty);
            quote!(#docs pub type #rust = #ty;)
        }
        Shape::Mapping(key, value) => {
            let (key, value) = (types::owned_ty(key), types::owned_ty(value));
            quote!(#docs pub type #rust = std::collections::HashMap<#key, #value>;)
        }
        Shape::Struct(fields) => {
            let default = types::has_default(&entry.named.signature).then(|| quote!(Default,));
            let clone = (!types::holds_fd(&entry.named.signature)).then(|| quote!(Clone,));
            let fields = fields.iter().map(|(name, ty, docs)| {
                let ty = types::owned_ty(ty);
                let docs = doc_attrs(docs);
                quote!(#docs pub #name: #ty)
            });
            quote! {
                #docs
                #[derive(Debug, #clone PartialEq, #default #derive_serde)]
                #[serde(crate = #SERDE)]
                #[zbus(crate = "zbus::wire")]
                pub struct #rust { #(#fields,)* }
            }
        }
        Shape::Enum {
            repr,
            variants,
            fallback,
        } => enum_code(rust, &docs, repr, variants, fallback, &derive_serde),
        Shape::Flags { repr, consts } => flags_code(rust, &docs, repr, consts, &derive_serde),
        Shape::Bytestring => bytestring_code(&derive_serde),
    }
}

fn enum_code(
    rust: &Ident,
    docs: &TokenStream,
    repr: &Signature,
    variants: &[(Ident, String, String)],
    fallback: &Ident,
    derive_serde: &TokenStream,
) -> TokenStream {
    let string = *repr == Signature::Str;
    let raw = types::owned(repr);
    let raw_text = raw.to_string();
    let signature = repr.to_string();
    let names: Vec<&Ident> = variants.iter().map(|(r, _, _)| r).collect();
    let variant_docs = variants.iter().map(|(_, wire, docs)| {
        let head = format!(" `{wire}`");
        let docs = docs.lines().map(|l| format!(" {l}"));
        quote!(#[doc = #head] #(#[doc = ""] #[doc = #docs])*)
    });
    let fallback_doc = format!(
        " A value that the XML does not name, as it came: a newer peer may send one. \
         [`{rust}::known`] turns it into an `InvalidArgs` error where a service accepts \
         only the values it knows."
    );
    let patterns: Vec<TokenStream> = variants
        .iter()
        .map(|(_, wire, _)| {
            if string {
                quote!(#wire)
            } else {
                wire.parse().expect("an integer is a token")
            }
        })
        .collect();
    let copy = (!string).then(|| quote!(Copy,));
    let (from_raw, into_raw) = if string {
        (
            quote! {
                match raw.as_str() {
                    #(#patterns => Self::#names,)*
                    _ => Self::#fallback(raw),
                }
            },
            quote! {
                match value {
                    #(#rust::#names => #patterns.to_owned(),)*
                    #rust::#fallback(raw) => raw,
                }
            },
        )
    } else {
        (
            quote! {
                match raw {
                    #(#patterns => Self::#names,)*
                    other => Self::#fallback(other),
                }
            },
            quote! {
                match value {
                    #(#rust::#names => #patterns,)*
                    #rust::#fallback(raw) => raw,
                }
            },
        )
    };
    let known_list = variants
        .iter()
        .map(|(r, w, _)| {
            if string {
                format!("{w:?}")
            } else {
                format!("{w} ({r})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
        .replace('{', "{{")
        .replace('}', "}}");
    let shown = if string { "{raw:?}" } else { "{raw}" };
    let not_named = format!("{shown} is not a value of {rust} (it has: {known_list})");
    let zero = if string {
        quote!(String::new())
    } else {
        quote!(0)
    };
    quote! {
        #docs
        #[derive(Debug, Clone, #copy PartialEq, Eq, Hash, #derive_serde)]
        #[serde(crate = #SERDE, from = #raw_text, into = #raw_text)]
        #[zbus(crate = "zbus::wire", signature = #signature)]
        pub enum #rust {
            #(#variant_docs #names,)*
            #[doc = #fallback_doc]
            #fallback(#raw),
        }

        impl From<#raw> for #rust {
            fn from(raw: #raw) -> Self {
                #from_raw
            }
        }

        impl From<#rust> for #raw {
            fn from(value: #rust) -> Self {
                #into_raw
            }
        }

        impl Default for #rust {
            /// What `0` or `""` is, as the plain type's default.
            fn default() -> Self {
                Self::from(#zero)
            }
        }

        impl #rust {
            /// Every value that the XML names, in its order.
            pub fn known_values() -> Vec<Self> {
                vec![#(Self::#names),*]
            }

            /// `self` where the XML names it; else `org.freedesktop.DBus.Error.InvalidArgs`
            /// naming the value and those known, for a service that takes no other.
            pub fn known(self) -> Result<Self, zbus::fdo::Error> {
                match self {
                    Self::#fallback(raw) => Err(zbus::fdo::Error::InvalidArgs(format!(#not_named))),
                    known => Ok(known),
                }
            }
        }
    }
}

fn flags_code(
    rust: &Ident,
    docs: &TokenStream,
    repr: &Signature,
    consts: &[(Ident, u64, String)],
    derive_serde: &TokenStream,
) -> TokenStream {
    let raw = types::owned(repr);
    let signature = repr.to_string();
    let values = consts.iter().map(|(name, bits, docs)| {
        let head = format!(" `{bits:#x}`");
        let docs = docs.lines().map(|l| format!(" {l}"));
        let bits: TokenStream = bits.to_string().parse().expect("an integer is a token");
        quote!(#[doc = #head] #(#[doc = ""] #[doc = #docs])* pub const #name: Self = Self(#bits);)
    });
    let known: TokenStream = consts
        .iter()
        .fold(0u64, |all, (_, bits, _)| all | bits)
        .to_string()
        .parse()
        .expect("an integer is a token");
    // `Debug` names the flags that are set, and the bits the XML names none of.
    let named = consts
        .iter()
        .filter(|(_, bits, _)| *bits != 0)
        .map(|(name, _, _)| {
            let text = name.to_string();
            quote!((Self::#name, #text))
        });
    // The type's name in the format string itself (an identifier: no braces to escape).
    let debug_format = format!("{rust}({{}})");
    quote! {
        #docs
        #[doc = ""]
        #[doc = " Bits that the XML does not name are kept as they came (see `unknown_bits`)."]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, #derive_serde)]
        #[serde(crate = #SERDE, transparent)]
        #[zbus(crate = "zbus::wire", signature = #signature)]
        pub struct #rust(pub #raw);

        impl #rust {
            #(#values)*

            /// Every flag that the XML names.
            pub const KNOWN: Self = Self(#known);

            /// No flag set.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// The bits, as on the wire.
            pub const fn bits(self) -> #raw {
                self.0
            }

            /// Whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// The bits that the XML names none of.
            pub const fn unknown_bits(self) -> #raw {
                self.0 & !Self::KNOWN.0
            }
        }

        impl std::fmt::Debug for #rust {
            /// `TrackFlags(LIVE | FAVOURITE)`; bits the XML does not name in hex
            /// (`TrackFlags(EXPLICIT | 0x100)`); none set: `TrackFlags(0x0)`.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut parts: Vec<String> = [#(#named),*]
                    .iter()
                    .filter(|(flag, _)| self.contains(*flag))
                    .map(|(_, name)| (*name).to_owned())
                    .collect();
                let unknown = self.unknown_bits();
                if unknown != 0 || parts.is_empty() {
                    parts.push(format!("{unknown:#x}"));
                }
                write!(f, #debug_format, parts.join(" | "))
            }
        }

        impl std::ops::BitOr for #rust {
            type Output = Self;
            fn bitor(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }
        }

        impl std::ops::BitOrAssign for #rust {
            fn bitor_assign(&mut self, other: Self) {
                self.0 |= other.0;
            }
        }

        impl std::ops::BitAnd for #rust {
            type Output = Self;
            fn bitand(self, other: Self) -> Self {
                Self(self.0 & other.0)
            }
        }
    }
}

fn bytestring_code(derive_serde: &TokenStream) -> TokenStream {
    quote! {
        /// A GLib bytestring: a path or name as bytes, which on the wire (`ay`) end in one NUL,
        /// as GLib's `g_variant_new_bytestring` writes them and GLib clients read them (without
        /// the NUL they read an empty string). This type holds the bytes without the NUL: it
        /// adds the NUL when sent and strips it when received, and takes a value received
        /// without one as it is.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, #derive_serde)]
        #[serde(crate = #SERDE, from = "Vec<u8>", into = "Vec<u8>")]
        #[zbus(crate = "zbus::wire", signature = "ay")]
        pub struct Bytestring(Vec<u8>);

        impl Bytestring {
            /// The bytes, without the NUL.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The bytes as a path.
            pub fn as_path(&self) -> &std::path::Path {
                std::path::Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&self.0))
            }

            /// The bytes as a string, where they are UTF-8.
            pub fn to_str(&self) -> Option<&str> {
                std::str::from_utf8(&self.0).ok()
            }
        }

        impl From<Vec<u8>> for Bytestring {
            /// Takes `bytes` as received: one NUL at the end is taken off.
            fn from(mut bytes: Vec<u8>) -> Self {
                if bytes.last() == Some(&0) {
                    bytes.pop();
                }
                Self(bytes)
            }
        }

        impl From<Bytestring> for Vec<u8> {
            /// The bytes as sent: with the NUL at the end.
            fn from(value: Bytestring) -> Self {
                let mut bytes = value.0;
                bytes.push(0);
                bytes
            }
        }

        impl From<&str> for Bytestring {
            fn from(text: &str) -> Self {
                Self::from(text.as_bytes().to_vec())
            }
        }

        impl From<String> for Bytestring {
            fn from(text: String) -> Self {
                Self::from(text.into_bytes())
            }
        }

        impl From<std::path::PathBuf> for Bytestring {
            fn from(path: std::path::PathBuf) -> Self {
                Self::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::into_vec(path.into_os_string()))
            }
        }

        impl From<&std::path::Path> for Bytestring {
            fn from(path: &std::path::Path) -> Self {
                Self::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::as_bytes(path.as_os_str()).to_vec())
            }
        }
    }
}
