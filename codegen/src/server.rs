//! The server side of one interface: a trait to implement, an adapter that serves any
//! implementor on a zbus object server, a per-call context, and a handle to emit signals.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use zbus::Signature;

use crate::docs::{MemberKind, own_line};
use crate::emit::{deprecated_attr, doc_attrs};
use crate::forwarding;
use crate::model::{Arg, EmitsChanged, Interface, Method, Property, Signal, type_ident};
use crate::named::Ty;
use crate::types;

/// The type names generated for one interface.
struct Names<'a> {
    /// The interface's name on the bus.
    wire: &'a str,
    /// The trait a service implements.
    trait_: Ident,
    /// The generic adapter that serves an implementor.
    adapter: Ident,
    /// The type that zbus's `#[interface]` implements, which the adapter wraps.
    dispatch: Ident,
    /// The context of one method call.
    call: Ident,
    /// The signal-emitting handle.
    signals: Ident,
}

/// The Rust code of the server module for `interface`, whose `<interface>` element in the
/// XML is `source_xml`; with `default_impls`, every trait method has a default body.
pub(crate) fn server_code(
    interface: &Interface,
    source_xml: &str,
    default_impls: bool,
) -> TokenStream {
    let names = Names {
        wire: &interface.wire,
        trait_: type_ident(interface, ""),
        adapter: type_ident(interface, "Server"),
        dispatch: type_ident(interface, "Dispatch"),
        call: type_ident(interface, "Call"),
        signals: type_ident(interface, "Signals"),
    };
    let has_signals =
        !interface.signals.is_empty() || interface.properties.iter().any(|p| p.changed.is_some());
    let trait_code = trait_code(interface, &names, default_impls);
    let adapter_code = adapter_code(interface, &names, source_xml);
    // With no methods and no writable property there are no calls; the handle is made with `new`.
    let called = !interface.methods.is_empty() || interface.properties.iter().any(|p| p.write);
    let call_code = called.then(|| call_code(&names, has_signals));
    let signals_code = has_signals.then(|| signals_code(interface, &names));
    quote! {
        #trait_code
        #adapter_code
        #call_code
        #signals_code
    }
}

/// Which of an argument's names a parameter list uses.
#[derive(Debug, Clone, Copy)]
enum ArgName {
    /// Its snake-case Rust name (the trait, the signal handle).
    Rust,
    /// The name the adapter exports in introspection.
    Exported,
}

/// `name: Type` for `args`, with `ty` giving each one's Rust type: `types::owned` for what a
/// server receives, `types::borrowed` for what an emitter takes.
fn params(args: &[Arg], name: ArgName, ty: fn(&Ty) -> TokenStream) -> Vec<TokenStream> {
    args.iter()
        .map(|arg| {
            let name = match name {
                ArgName::Rust => &arg.rust,
                ArgName::Exported => &arg.exported,
            };
            let ty = ty(&arg.ty);
            quote!(#name: #ty)
        })
        .collect()
}

fn method_output(method: &Method) -> TokenStream {
    types::returned(method.outputs.iter().map(|a| &a.ty))
}

/// The end of a trait function's declaration: `;` where implementors must write it, or,
/// with default bodies, a body that answers `org.freedesktop.DBus.Error.NotSupported` (as
/// gdbus-codegen's skeletons do), using every parameter so that none is reported unused.
fn body_or_semicolon(
    default_impls: bool,
    what: String,
    params: impl Iterator<Item = TokenStream>,
) -> TokenStream {
    if !default_impls {
        return quote!(;);
    }
    let message = not_implemented(&what);
    let params: Vec<TokenStream> = params.collect();
    quote! {
        {
            let _ = (#(#params,)*);
            async { Err(zbus::fdo::Error::NotSupported(#message.to_owned()).into()) }
        }
    }
}

/// What a default body says of the member `what` (`method \`X\` of \`a.b.C\``).
fn not_implemented(what: &str) -> String {
    format!("{what} is not implemented by this service")
}

/// The end of a property getter's declaration: `;`, or with default bodies, the value a
/// gdbus-codegen skeleton answers for a property nobody set: its type's default (0, false,
/// "", empty, `/`), so that `Get`, `GetAll` and `GetManagedObjects` agree and no client meets
/// a property missing. A type with no default value (`v`, `h`) answers `NotSupported`, which
/// `GetAll` leaves out. Either way the service says so once per property, through `tracing`
/// (`dbus_xml_runtime::notice`).
fn getter_body(default_impls: bool, what: String, signature: &Signature) -> TokenStream {
    if !default_impls {
        return quote!(;);
    }
    let not_implemented = not_implemented(&what);
    let (answer, value) = if types::has_default(signature) {
        ("its type's default value", quote!(Ok(Default::default())))
    } else {
        (
            "NotSupported (its type has no default value), and GetAll leaves it out",
            quote!(Err(zbus::fdo::Error::NotSupported(#not_implemented.to_owned()).into())),
        )
    };
    let line = format!("{not_implemented}: answering {answer}");
    quote! {
        {
            static REPORTED: std::sync::Once = std::sync::Once::new();
            REPORTED.call_once(|| dbus_xml_runtime::notice(#line));
            async { #value }
        }
    }
}

fn trait_code(interface: &Interface, names: &Names<'_>, default_impls: bool) -> TokenStream {
    let Names {
        wire,
        trait_,
        call,
        adapter,
        ..
    } = names;
    let docs = doc_attrs(&interface.docs, own_line(None, wire));
    let serve_doc = format!(" Serve an implementation with [`{adapter}`].");
    let deprecated = deprecated_attr(interface.deprecated);
    let methods = interface.methods.iter().map(|method| {
        let name = &method.rust;
        let params = params(&method.inputs, ArgName::Rust, types::owned_ty);
        let output = method_output(method);
        let docs = doc_attrs(&method.docs, own_line(Some(MemberKind::Method), &method.wire));
        let no_reply = method.no_reply.then(|| {
            quote!(#[doc = ""] #[doc = " Callers expect no reply (`org.freedesktop.DBus.Method.NoReply`)."])
        });
        let deprecated = deprecated_attr(method.deprecated);
        let what = format!("method `{}` of `{wire}`", method.wire);
        let used = method.inputs.iter().map(|a| {
            let name = &a.rust;
            quote!(#name)
        });
        let body = body_or_semicolon(default_impls, what, used.chain([quote!(call)]));
        quote! {
            #docs
            #no_reply
            #deprecated
            fn #name(&self, #(#params,)* call: &#call<'_>)
                -> impl std::future::Future<Output = Result<#output, Self::Error>> + Send #body
        }
    });
    let properties = interface.properties.iter().map(|property| {
        let ty = types::owned_ty(&property.ty);
        let docs = doc_attrs(
            &property.docs,
            own_line(Some(MemberKind::Property), &property.wire),
        );
        let deprecated = deprecated_attr(property.deprecated);
        let (getter, setter) = (&property.getter, &property.setter);
        let what = |verb: &str| format!("{verb} the property `{}` of `{wire}`", property.wire);
        let get_body = getter_body(default_impls, what("reading"), &property.signature);
        let get = property.read.then(|| quote! {
            #docs
            #deprecated
            fn #getter(&self) -> impl std::future::Future<Output = Result<#ty, Self::Error>> + Send #get_body
        });
        let set_doc = format!(" Sets the D-Bus property `{}`.", property.wire);
        let set_body =
            body_or_semicolon(default_impls, what("writing"), [quote!(value), quote!(call)].into_iter());
        let set = property.write.then(|| quote! {
            #[doc = #set_doc]
            #[doc = ""]
            #[doc = " zbus announces the new value by itself where the property emits changes; `call` tells"]
            #[doc = " who set it and can emit other signals."]
            #deprecated
            fn #setter(&self, value: #ty, call: &#call<'_>)
                -> impl std::future::Future<Output = Result<(), Self::Error>> + Send #set_body
        });
        quote!(#get #set)
    });
    let error_doc = quote! {
        /// The error that methods fail with, sent to the caller as a D-Bus error:
        /// `zbus::fdo::Error` for the standard names, or a type of your own that implements
        /// `zbus::DBusError` (e.g. with `#[derive(zbus::DBusError)]`) for names of your own.
    };
    // Default bodies answer with `zbus::fdo::Error::NotSupported`, turned into this error.
    let from_fdo = default_impls.then(|| quote!(+ From<zbus::fdo::Error>));
    quote! {
        #docs
        #[doc = ""]
        #[doc = #serve_doc]
        #deprecated
        pub trait #trait_: Send + Sync + 'static {
            #error_doc
            type Error: zbus::DBusError #from_fdo + Send + Sync + 'static;

            #(#methods)*
            #(#properties)*
        }
    }
}

fn adapter_method(method: &Method, call: &Ident) -> TokenStream {
    let name = &method.rust;
    // An overload is known inside by a name of its own (see `forwarding`).
    let wire = method
        .overload
        .as_ref()
        .map_or(&method.wire, |o| &o.dispatch_name);
    let params = params(&method.inputs, ArgName::Exported, types::owned_ty);
    let args = method.inputs.iter().map(|a| &a.exported);
    let output = method_output(method);
    let out_names: Vec<&str> = method
        .outputs
        .iter()
        .filter_map(|a| a.wire.as_deref())
        .collect();
    let out_attr = (!out_names.is_empty() && out_names.len() == method.outputs.len())
        .then(|| quote!(, out_args(#(#out_names),*)));
    quote! {
        #[zbus(name = #wire #out_attr)]
        async fn #name(
            &self,
            #(#params,)*
            #[zbus(header)] __zbus_header: zbus::message::Header<'_>,
            #[zbus(signal_emitter)] __zbus_emitter: zbus::object_server::SignalEmitter<'_>,
        ) -> Result<#output, T::Error> {
            let __zbus_call = #call::new(&__zbus_header, &__zbus_emitter);
            self.inner.#name(#(#args,)* &__zbus_call).await
        }
    }
}

fn adapter_property(property: &Property, call: &Ident) -> TokenStream {
    let wire = &property.wire;
    let ty = types::owned_ty(&property.ty);
    let (getter, setter) = (&property.getter, &property.setter);
    let emits = property.emits.as_str();
    let get = property.read.then(|| {
        let attr = if property.emits == EmitsChanged::True {
            quote!(#[zbus(property, name = #wire)])
        } else {
            quote!(#[zbus(property(emits_changed_signal = #emits), name = #wire)])
        };
        quote! {
            #attr
            async fn #getter(&self) -> Result<#ty, T::Error> {
                self.inner.#getter().await
            }
        }
    });
    let set = property.write.then(|| {
        quote! {
            #[zbus(property, name = #wire)]
            async fn #setter(
                &self,
                value: #ty,
                #[zbus(header)] __zbus_header: Option<zbus::message::Header<'_>>,
                #[zbus(signal_emitter)] __zbus_emitter: zbus::object_server::SignalEmitter<'_>,
            ) -> Result<(), T::Error> {
                // zbus's `Properties.Set` passes its call's header to every setter, and the
                // code zbus writes around this setter unwraps it before calling it.
                let __zbus_header = __zbus_header.expect("zbus passes a setter the header of the Set call");
                let __zbus_call = #call::new(&__zbus_header, &__zbus_emitter);
                self.inner.#setter(value, &__zbus_call).await
            }
        }
    });
    quote!(#get #set)
}

fn adapter_signal(signal: &Signal) -> TokenStream {
    let name = &signal.adapter;
    let wire = &signal.wire;
    let params = params(&signal.args, ArgName::Exported, types::borrowed);
    quote! {
        // Declared for introspection: the macro writes the body, and code emits through the
        // typed handle instead.
        #[allow(dead_code)]
        #[zbus(signal, name = #wire)]
        async fn #name(
            __zbus_emitter: &zbus::object_server::SignalEmitter<'_>,
            #(#params,)*
        ) -> zbus::Result<()> {}
    }
}

fn adapter_code(interface: &Interface, names: &Names<'_>, source_xml: &str) -> TokenStream {
    let served_xml = crate::source::in_dbus_vocabulary(source_xml);
    let Names {
        wire,
        trait_,
        adapter,
        dispatch,
        call,
        ..
    } = names;
    let doc = format!(
        " Serves an implementation of [`{trait_}`] as the D-Bus interface `{wire}`, with the \
         members, names and signatures of its XML; `Introspect()` answers with the XML's own \
         `<interface>` element, in the D-Bus introspection vocabulary."
    );
    let dispatch_doc = format!(
        " The calls, properties and signals of `{wire}`, dispatched by zbus's `#[interface]`; \
         [`{adapter}`] serves it."
    );
    let methods = interface.methods.iter().map(|m| adapter_method(m, call));
    let properties = interface
        .properties
        .iter()
        .map(|p| adapter_property(p, call));
    let signals = interface.signals.iter().map(adapter_signal);
    let spawn = interface.spawn_per_call;
    let interface_trait =
        forwarding::interface_forwarding(adapter, dispatch, trait_, &interface.methods);
    let declared = declared_properties(interface, adapter, trait_);
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        pub struct #adapter<T: #trait_> {
            dispatch: #dispatch<T>,
        }

        impl<T: #trait_> #adapter<T> {
            /// Wraps `inner`, to be served with `dbus_xml_runtime::serve_at` (which answers
            /// `Properties` as sd-bus does) or in a `dbus_xml_runtime::Tree`; zbus's
            /// `serve_at` and `ObjectServer::at` serve it with zbus's own `Properties`.
            pub fn new(inner: T) -> Self {
                Self { dispatch: #dispatch { inner: dbus_xml_runtime::Implementation::Owned(inner) } }
            }

            /// Wraps an implementation that is shared with other code (another interface of
            /// the object, a task).
            pub fn from_arc(inner: std::sync::Arc<T>) -> Self {
                Self { dispatch: #dispatch { inner: dbus_xml_runtime::Implementation::Shared(inner) } }
            }

            /// The implementation being served.
            pub fn get_ref(&self) -> &T {
                &self.dispatch.inner
            }
        }

        #[doc = #dispatch_doc]
        #[derive(Debug)]
        struct #dispatch<T: #trait_> {
            inner: dbus_xml_runtime::Implementation<T>,
        }

        #[zbus::interface(name = #wire, spawn = #spawn)]
        impl<T: #trait_> #dispatch<T> {
            #(#methods)*
            #(#properties)*
            #(#signals)*
        }

        /// The `<interface>` element of the XML as the file has it, but for what is not in
        /// the D-Bus introspection vocabulary (`<doc:doc>`, `tp:` markup).
        const INTERFACE_XML: &str = #served_xml;

        #interface_trait

        #declared
    }
}

/// `dbus_xml_runtime::Declared` for the adapter: its properties in the file's order, with
/// their access, for the runtime's `Properties`.
fn declared_properties(interface: &Interface, adapter: &Ident, trait_: &Ident) -> TokenStream {
    let properties = interface.properties.iter().map(|property| {
        let wire = &property.wire;
        let access = match (property.read, property.write) {
            (true, true) => quote!(ReadWrite),
            (false, true) => quote!(Write),
            _ => quote!(Read),
        };
        quote! {
            dbus_xml_runtime::Property {
                name: #wire,
                access: dbus_xml_runtime::Access::#access,
            }
        }
    });
    quote! {
        impl<T: #trait_> dbus_xml_runtime::Declared for #adapter<T> {
            const PROPERTIES: &'static [dbus_xml_runtime::Property] = &[#(#properties),*];
        }
    }
}

fn call_code(names: &Names<'_>, has_signals: bool) -> TokenStream {
    let Names {
        wire,
        trait_,
        call,
        signals,
        ..
    } = names;
    let doc = format!(
        " The call being served, a method call or a property's `Set`: who sent it, and where \
         it arrived. Every method and property setter of [`{trait_}`] receives one."
    );
    let signals_fn = has_signals.then(|| {
        let doc = format!(
            " A handle that emits the signals of `{wire}` from this object; it can be moved \
             into a spawned task."
        );
        quote! {
            #[doc = #doc]
            pub fn signals(&self) -> #signals {
                #signals::from_emitter(self.emitter.to_owned())
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #call<'a> {
            header: &'a zbus::message::Header<'a>,
            emitter: &'a zbus::object_server::SignalEmitter<'a>,
        }

        impl<'a> #call<'a> {
            fn new(
                header: &'a zbus::message::Header<'a>,
                emitter: &'a zbus::object_server::SignalEmitter<'a>,
            ) -> Self {
                Self { header, emitter }
            }

            /// The unique bus name of the caller, if the bus told it (a bus always does).
            pub fn sender(&self) -> Option<&zbus::names::UniqueName<'a>> {
                self.header.sender()
            }

            /// The header of the call's message.
            pub fn header(&self) -> &zbus::message::Header<'a> {
                self.header
            }

            /// The connection the call arrived on.
            pub fn connection(&self) -> &zbus::Connection {
                self.emitter.connection()
            }

            #signals_fn
        }
    }
}

fn emit_signal(wire: &str, signal: &Signal) -> TokenStream {
    let name = &signal.rust;
    let signal_wire = &signal.wire;
    let params = params(&signal.args, ArgName::Rust, types::borrowed);
    let body = match signal.args.as_slice() {
        [single] => {
            let name = &single.rust;
            quote!(&#name)
        }
        many => {
            let names = many.iter().map(|a| &a.rust);
            quote!(&(#(#names,)*))
        }
    };
    let doc = format!(" Emits the D-Bus signal `{signal_wire}`.");
    let docs = (!signal.docs.is_empty()).then(|| {
        let docs = doc_attrs(&signal.docs, String::new());
        quote!(#[doc = ""] #docs)
    });
    let deprecated = deprecated_attr(signal.deprecated);
    quote! {
        #[doc = #doc]
        #docs
        #deprecated
        pub async fn #name(&self, #(#params),*) -> zbus::Result<()> {
            self.emitter.emit(#wire, #signal_wire, #body).await
        }
    }
}

/// Whether a change of `property` is announced with its new value (else as invalidated).
fn announced_with_value(property: &Property) -> bool {
    property.read && property.emits == EmitsChanged::True
}

fn emit_property_change(property: &Property) -> Option<TokenStream> {
    let name = property.changed.as_ref()?;
    let property_wire = &property.wire;
    let body = if announced_with_value(property) {
        let ty = types::borrowed(&property.ty);
        let doc = format!(
            " Announces the new value of the D-Bus property `{property_wire}` with `PropertiesChanged`."
        );
        quote! {
            #[doc = #doc]
            pub async fn #name(&self, value: #ty) -> zbus::Result<()> {
                let changed = std::collections::HashMap::from([
                    (#property_wire, zbus::as_variant::to_owned_variant(&value)?),
                ]);
                self.emit_properties_changed(changed, &[]).await
            }
        }
    } else {
        let doc = format!(
            " Announces that the D-Bus property `{property_wire}` changed, without its value, with `PropertiesChanged`."
        );
        quote! {
            #[doc = #doc]
            pub async fn #name(&self) -> zbus::Result<()> {
                self.emit_properties_changed(std::collections::HashMap::new(), &[#property_wire]).await
            }
        }
    };
    Some(body)
}

/// The batch of property changes (`{Type}Changes`) and the handle's methods that announce
/// changes in one `PropertiesChanged`, where any property announces its changes.
fn batch_of_changes(
    interface: &Interface,
    names: &Names<'_>,
) -> Option<(TokenStream, TokenStream)> {
    let announced: Vec<&Property> = interface
        .properties
        .iter()
        .filter(|p| p.changed.is_some())
        .collect();
    if announced.is_empty() {
        return None;
    }
    let Names { wire, signals, .. } = names;
    let changes = type_ident(interface, "Changes");
    let fields = announced.iter().map(|p| {
        let field = &p.getter;
        let property_wire = &p.wire;
        if announced_with_value(p) {
            let ty = types::owned_ty(&p.ty);
            let doc = format!(" The new value of `{property_wire}`, if it changed.");
            quote!(#[doc = #doc] pub #field: Option<#ty>,)
        } else {
            let doc = format!(" Whether `{property_wire}` changed (announced without its value).");
            quote!(#[doc = #doc] pub #field: bool,)
        }
    });
    let collect = announced.iter().map(|p| {
        let field = &p.getter;
        let property_wire = &p.wire;
        if announced_with_value(p) {
            quote! {
                if let Some(value) = &changes.#field {
                    changed.insert(#property_wire, zbus::as_variant::to_owned_variant(value)?);
                }
            }
        } else {
            quote! {
                if changes.#field {
                    invalidated.push(#property_wire);
                }
            }
        }
    });
    // `mut` where something is added, so that the generated code passes clippy.
    let with_value = announced.iter().any(|p| announced_with_value(p));
    let changed_mut = with_value.then(|| quote!(mut));
    let invalidated_mut = announced
        .iter()
        .any(|p| !announced_with_value(p))
        .then(|| quote!(mut));
    let doc = format!(
        " Changes of several properties of `{wire}`, announced together in one \
         `PropertiesChanged` with [`{signals}::properties_changed`] (as players announce a new \
         track's metadata, length and position at once). Fields left at their default are not \
         announced."
    );
    let item = quote! {
        #[doc = #doc]
        #[derive(Debug, Default)]
        pub struct #changes {
            #(#fields)*
        }
    };
    let methods = quote! {
        /// Announces every change in `changes` in one `PropertiesChanged`.
        pub async fn properties_changed(&self, changes: &#changes) -> zbus::Result<()> {
            let #changed_mut changed = std::collections::HashMap::new();
            let #invalidated_mut invalidated: Vec<&str> = Vec::new();
            #(#collect)*
            self.emit_properties_changed(changed, &invalidated).await
        }

        async fn emit_properties_changed(
            &self,
            changed: std::collections::HashMap<&str, zbus::OwnedVariant>,
            invalidated: &[&str],
        ) -> zbus::Result<()> {
            self.emitter
                .emit("org.freedesktop.DBus.Properties", "PropertiesChanged", &(#wire, changed, invalidated))
                .await
        }
    };
    Some((item, methods))
}

fn signals_code(interface: &Interface, names: &Names<'_>) -> TokenStream {
    let Names { wire, signals, .. } = names;
    let doc = format!(
        " Emits the signals of `{wire}` from one object path. Cheap to clone; broadcast unless \
         [`{signals}::to`] names a destination."
    );
    let emitters = interface.signals.iter().map(|s| emit_signal(wire, s));
    let changes = interface.properties.iter().filter_map(emit_property_change);
    let (batch, batch_methods) = batch_of_changes(interface, names).unzip();
    quote! {
        #batch

        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #signals {
            emitter: zbus::object_server::SignalEmitter<'static>,
        }

        impl #signals {
            /// A handle for the object at `path` on `connection`.
            pub fn new(connection: &zbus::Connection, path: zbus::OwnedObjectPath) -> Self {
                Self::from_emitter(zbus::object_server::SignalEmitter::from_parts(
                    connection.clone(),
                    path.into(),
                ))
            }

            fn from_emitter(emitter: zbus::object_server::SignalEmitter<'static>) -> Self {
                Self { emitter }
            }

            /// The same handle, but its signals go to `destination` alone instead of to every
            /// subscriber.
            pub fn to(self, destination: zbus::names::BusName<'static>) -> Self {
                Self::from_emitter(self.emitter.set_destination(destination))
            }

            #(#emitters)*
            #(#changes)*
            #batch_methods
        }
    }
}
