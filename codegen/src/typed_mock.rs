//! A typed mock of one interface ([`crate::Builder::build_mock`]): a type that implements the
//! server trait, records every call and set property in order, and answers the values a test
//! sets (else its types' defaults), for tests of code that serves or calls the interface
//! without writing a fake by hand.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Arg, Interface, Method, Property, type_ident};
use crate::names::pascal_case;
use crate::types;

/// The widest tuple that the standard library gives `Debug` and `Default`: a method with
/// more out-arguments keeps no value to answer (it answers `NotSupported`).
const WIDEST_STD_TUPLE: usize = 12;

/// What a mock's member answers where no value is set, or where it keeps none.
fn fallback(what: &str, has_default: bool) -> TokenStream {
    if has_default {
        quote!(Ok(Default::default()))
    } else {
        let message = format!("the mock has no value set for {what}");
        quote!(Err(zbus::fdo::Error::NotSupported(#message.to_owned())))
    }
}

/// The answer of a member whose value the mock keeps in `field`: that value, else `fallback`.
fn kept(field: &Ident, fallback: TokenStream) -> TokenStream {
    quote! {
        match self.values().#field.clone() {
            Some(value) => Ok(value),
            None => #fallback,
        }
    }
}

/// Whether the mock can keep values of all of `args` and hand out copies (no file descriptor).
fn keepable<'a>(mut signatures: impl Iterator<Item = &'a zbus::Signature>) -> bool {
    signatures.all(|s| !types::holds_fd(s))
}

/// The mock of `interface`, whose server trait is `trait_` and call context `call`.
pub(crate) fn mock_code(interface: &Interface) -> TokenStream {
    let trait_ = type_ident(interface, "");
    let call_ty = type_ident(interface, "Call");
    let mock = type_ident(interface, "Mock");
    let values = type_ident(interface, "MockValues");
    let call_enum = type_ident(interface, "MockCall");
    let wire = &interface.wire;

    let mut fields = Vec::new();
    let mut variants = Vec::new();
    let mut functions = Vec::new();
    for method in &interface.methods {
        method_parts(
            method,
            &call_ty,
            &call_enum,
            wire,
            (&mut fields, &mut variants, &mut functions),
        );
    }
    for property in &interface.properties {
        property_parts(
            property,
            &call_ty,
            &call_enum,
            wire,
            (&mut fields, &mut variants, &mut functions),
        );
    }
    let mock_doc = format!(
        " A mock of [`{trait_}`] for tests: it records each call and each property set in \
         [`{mock}::calls`], in order, and answers what [`{mock}::values`] holds (a method's \
         out-values, a property's value), else its types' defaults."
    );
    let values_doc = format!(" What a [`{mock}`] answers: `None` for its type's default.");
    let call_doc = format!(" A call that a [`{mock}`] received, with its arguments.");
    quote! {
        #[doc = #mock_doc]
        #[derive(Debug, Default)]
        pub struct #mock {
            /// The calls and property sets it received, in order.
            pub calls: std::sync::Mutex<Vec<#call_enum>>,
            /// What it answers.
            pub values: std::sync::Mutex<#values>,
        }

        #[doc = #values_doc]
        #[derive(Debug, Default)]
        pub struct #values {
            #(#fields)*
        }

        #[doc = #call_doc]
        #[derive(Debug)]
        // The variants are the file's member names, which may share a prefix or suffix.
        #[allow(clippy::enum_variant_names)]
        pub enum #call_enum {
            #(#variants)*
        }

        impl #mock {
            /// The calls so far, taken out of the log.
            pub fn take_calls(&self) -> Vec<#call_enum> {
                std::mem::take(&mut *self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
            }

            fn record(&self, call: #call_enum) {
                self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(call);
            }

            fn values(&self) -> std::sync::MutexGuard<'_, #values> {
                self.values.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
            }
        }

        // Every kept value is handed out by `clone`, `Copy` ones too: one shape for every type.
        #[allow(deprecated, clippy::clone_on_copy)]
        impl #trait_ for #mock {
            type Error = zbus::fdo::Error;

            #(#functions)*
        }
    }
}

/// A member's field, call variant and trait function, gathered per interface.
type Parts<'p> = (
    &'p mut Vec<TokenStream>,
    &'p mut Vec<TokenStream>,
    &'p mut Vec<TokenStream>,
);

fn record_fields(args: &[Arg]) -> (Vec<&Ident>, Vec<TokenStream>) {
    let names: Vec<&Ident> = args.iter().map(|a| &a.rust).collect();
    let typed = args
        .iter()
        .map(|a| {
            let (name, ty) = (&a.rust, types::owned_ty(&a.ty));
            let doc = format!(" `{}`.", a.wire.as_deref().unwrap_or("(unnamed)"));
            quote!(#[doc = #doc] #name: #ty,)
        })
        .collect();
    (names, typed)
}

fn method_parts(method: &Method, call_ty: &Ident, call_enum: &Ident, wire: &str, parts: Parts<'_>) {
    let (fields, variants, functions) = parts;
    let name = &method.rust;
    let variant = format_ident!("{}", pascal_case(&name.to_string()));
    let (args, typed) = record_fields(&method.inputs);
    let doc = format!(" The method `{}`.", method.wire);
    variants.push(quote!(#[doc = #doc] #variant { #(#typed)* },));
    let params = method.inputs.iter().map(|a| {
        let (name, ty) = (&a.rust, types::owned_ty(&a.ty));
        quote!(#name: #ty)
    });
    let output = types::returned(method.outputs.iter().map(|a| &a.ty));
    let what = format!("method `{}` of `{wire}`", method.wire);
    let answer = if method.outputs.is_empty() {
        quote!(Ok(()))
    } else if method.outputs.len() <= WIDEST_STD_TUPLE
        && keepable(method.outputs.iter().map(|a| &a.signature))
    {
        let field_doc = format!(" What the method `{}` returns.", method.wire);
        fields.push(quote!(#[doc = #field_doc] pub #name: Option<#output>,));
        let has_default = method
            .outputs
            .iter()
            .all(|a| types::has_default(&a.signature));
        kept(name, fallback(&what, has_default))
    } else {
        fallback(&what, false)
    };
    functions.push(quote! {
        async fn #name(&self, #(#params,)* _call: &#call_ty<'_>) -> Result<#output, Self::Error> {
            self.record(#call_enum::#variant { #(#args),* });
            #answer
        }
    });
}

fn property_parts(
    property: &Property,
    call_ty: &Ident,
    call_enum: &Ident,
    wire: &str,
    parts: Parts<'_>,
) {
    let (fields, variants, functions) = parts;
    let ty = types::owned_ty(&property.ty);
    let keeps = keepable(std::iter::once(&property.signature));
    let field = &property.getter;
    let what = format!("the property `{}` of `{wire}`", property.wire);
    if keeps {
        let doc = format!(" The value of the property `{}`.", property.wire);
        fields.push(quote!(#[doc = #doc] pub #field: Option<#ty>,));
    }
    if property.read {
        let getter = &property.getter;
        let answer = if keeps {
            kept(
                field,
                fallback(&what, types::has_default(&property.signature)),
            )
        } else {
            fallback(&what, false)
        };
        functions.push(quote! {
            async fn #getter(&self) -> Result<#ty, Self::Error> {
                #answer
            }
        });
    }
    if property.write {
        let setter = &property.setter;
        let variant = format_ident!("{}", pascal_case(&setter.to_string()));
        let doc = format!(" The property `{}` set.", property.wire);
        variants.push(quote!(#[doc = #doc] #variant { #[doc = " The value."] value: #ty },));
        let keep = keeps.then(|| quote!(self.values().#field = Some(value.clone());));
        functions.push(quote! {
            async fn #setter(&self, value: #ty, _call: &#call_ty<'_>) -> Result<(), Self::Error> {
                #keep
                self.record(#call_enum::#variant { value });
                Ok(())
            }
        });
    }
}
