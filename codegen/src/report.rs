//! What a comparison ([`crate::compare`]) finds: each [`Difference`], judged for old clients
//! of the new version and for new clients of the old one, and the [`Report`] of them all,
//! as `check` and `diff` print it.

use std::fmt;

/// How much a difference matters to a client written against the old node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Class {
    /// Such a client can fail.
    Breaking,
    /// Such a client keeps working.
    Compatible,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
        })
    }
}

/// One way the new node differs from the old.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Difference {
    /// How much it matters.
    pub class: Class,
    /// The node it is in, where that is not the root: its object path where the root's
    /// `<node name>` is one, else its path below the root.
    pub node: Option<String>,
    /// The interface it is in, where it is in one (not for a node added or removed).
    pub interface: Option<String>,
    /// The member, where there is one: `method Add`, `signal Changed`, `property Step`, or
    /// `method Add(s)` for one of several overloads.
    pub member: Option<String>,
    /// What differs.
    pub what: String,
    /// What a client written against the old node will see, for a breaking difference.
    pub old_clients_see: Option<String>,
    /// How much it matters to a client written against the new node that meets the old one
    /// (forward compatibility: a new client of an older service).
    pub class_for_new_clients: Class,
    /// What such a client will see, where it can fail.
    pub new_clients_see: Option<String>,
    /// Whether its interface is marked unstable (in either version), by
    /// [`crate::wire::Interface::is_unstable`]'s rule.
    pub unstable: bool,
    /// Why its break does not fail a comparison, where a [`crate::policy::Policy`] says so.
    pub waived: Option<Waiver>,
}

/// Why a breaking difference does not fail a comparison.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum Waiver {
    /// Its interface is marked unstable: breaks are reported, and do not fail.
    Unstable,
    /// It is in the list of accepted breaks, with this reason.
    Accepted(String),
}

impl Difference {
    /// A difference of `class` for old clients (`old_clients_see` where they can fail) and
    /// for new clients (`new_clients_see` where they can fail).
    /// A difference that only clients of the old side can meet (the file's, in a check).
    pub(crate) fn at(
        place: (Option<String>, Option<String>, Option<String>),
        what: String,
        old_clients_see: Option<String>,
    ) -> Self {
        Self::new(place, what, old_clients_see, None)
    }

    pub(crate) fn new(
        place: (Option<String>, Option<String>, Option<String>),
        what: String,
        old_clients_see: Option<String>,
        new_clients_see: Option<String>,
    ) -> Self {
        let class = |seen: &Option<String>| {
            if seen.is_some() {
                Class::Breaking
            } else {
                Class::Compatible
            }
        };
        let (node, interface, member) = place;
        Self {
            class: class(&old_clients_see),
            class_for_new_clients: class(&new_clients_see),
            node,
            interface,
            member,
            what,
            old_clients_see,
            new_clients_see,
            unstable: false,
            waived: None,
        }
    }

    /// Whether it fails a comparison: it breaks old clients (with `forward`, or new clients
    /// of the old version) and nothing waives it.
    pub fn fails(&self, forward: bool) -> bool {
        self.waived.is_none()
            && (self.class == Class::Breaking
                || (forward && self.class_for_new_clients == Class::Breaking))
    }

    /// `PLACE: WHAT`, as a list of accepted breaks names it.
    pub fn key(&self) -> String {
        format!("{}: {}", self.place(), self.what)
    }

    /// Where: `interface a.B`, `interface a.B, method m` or `node /a/b/c, interface a.B, …`.
    pub fn place(&self) -> String {
        let parts: Vec<String> = [
            self.node.as_ref().map(|n| format!("node {n}")),
            self.interface.as_ref().map(|i| format!("interface {i}")),
            self.member.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(", ")
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.class)?;
        match &self.waived {
            Some(Waiver::Unstable) => write!(f, " (unstable interface: does not fail)")?,
            Some(Waiver::Accepted(reason)) => write!(f, " (accepted: {reason})")?,
            None => {}
        }
        write!(f, ": {}", self.key())?;
        if let Some(seen) = &self.old_clients_see {
            write!(f, "; old clients: {seen}")?;
        }
        if let Some(seen) = &self.new_clients_see {
            write!(f, "; new clients of the old version: {seen}")?;
        }
        Ok(())
    }
}

/// All differences between two nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    /// The differences, breaking first.
    pub differences: Vec<Difference>,
    /// Standard interfaces that only the new node has.
    pub standard_interfaces: Vec<String>,
    /// Nodes below the root that were not compared (the root object was compared alone), by
    /// their path below the root.
    pub not_compared: Vec<String>,
    /// Interfaces of the file that no object of a live tree with an object manager carries
    /// now, so that nothing was compared with them (`check --recursive`).
    pub not_carried: Vec<String>,
}

impl Report {
    /// Whether any difference breaks old clients, unless waived.
    pub fn is_breaking(&self) -> bool {
        self.breaking().next().is_some()
    }

    /// How many differences break old clients, unless waived.
    pub fn breaking_count(&self) -> usize {
        self.breaking().count()
    }

    /// Whether the comparison fails: a difference breaks old clients (with `forward`, or
    /// new clients of the old version) and nothing waives it.
    pub fn fails(&self, forward: bool) -> bool {
        self.differences.iter().any(|d| d.fails(forward))
    }

    /// How many differences old clients do not notice.
    pub fn compatible_count(&self) -> usize {
        self.count(|d| d.class == Class::Compatible)
    }

    /// How many differences break old clients and are waived by a policy.
    pub fn waived_count(&self) -> usize {
        self.count(|d| d.class == Class::Breaking && d.waived.is_some())
    }

    /// How many differences break new clients of the old version, and how many of those a
    /// policy waives.
    pub fn breaking_for_new_clients_count(&self) -> (usize, usize) {
        let breaking = |d: &Difference| d.class_for_new_clients == Class::Breaking;
        (
            self.count(breaking),
            self.count(|d| breaking(d) && d.waived.is_some()),
        )
    }

    fn count(&self, which: impl Fn(&Difference) -> bool) -> usize {
        self.differences.iter().filter(|d| which(d)).count()
    }

    /// The report for old clients alone: what new clients of the old version would see is
    /// dropped (for [`crate::check`], where the "old" side is the file and the "new" one a
    /// live object, and only clients of the file matter).
    pub fn one_way(mut self) -> Self {
        for difference in &mut self.differences {
            difference.class_for_new_clients = Class::Compatible;
            difference.new_clients_see = None;
        }
        self
    }

    fn breaking(&self) -> impl Iterator<Item = &Difference> {
        self.differences
            .iter()
            .filter(|d| d.class == Class::Breaking && d.waived.is_none())
    }

    /// The D-Bus API design guidelines' remedy for each interface with a breaking
    /// difference: a new interface name beside the old one.
    pub fn remedies(&self) -> Vec<String> {
        let mut interfaces: Vec<&str> = self
            .breaking()
            .filter_map(|d| d.interface.as_deref())
            .collect();
        interfaces.sort();
        interfaces.dedup();
        interfaces
            .into_iter()
            .map(|interface| {
                format!(
                    "{interface} changed incompatibly: serve the new API as {} and keep {interface} \
                     as it was until its clients have moved",
                    next_interface_version(interface)
                )
            })
            .collect()
    }
}

/// `a.b.Foo1` → `a.b.Foo2`, `a.b.Foo` → `a.b.Foo2`.
fn next_interface_version(interface: &str) -> String {
    let stem = interface.trim_end_matches(|c: char| c.is_ascii_digit());
    let version: u64 = interface[stem.len()..].parse().unwrap_or(1);
    format!("{stem}{}", version + 1)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for difference in &self.differences {
            writeln!(f, "{difference}")?;
        }
        for remedy in self.remedies() {
            writeln!(f, "remedy: {remedy}")?;
        }
        if !self.standard_interfaces.is_empty() {
            writeln!(
                f,
                "standard interfaces (added by the bus library): {}",
                self.standard_interfaces.join(", ")
            )?;
        }
        if !self.not_compared.is_empty() {
            writeln!(
                f,
                "compared the root object only; not its {} child node(s) ({}): --recursive \
                 compares them too",
                self.not_compared.len(),
                self.not_compared.join(", ")
            )?;
        }
        if !self.not_carried.is_empty() {
            writeln!(
                f,
                "no live object carries {}: not compared",
                self.not_carried.join(", ")
            )?;
        }
        let (breaking, compatible) = (self.breaking_count(), self.compatible_count());
        write!(f, "{breaking} breaking, {compatible} compatible")?;
        let waived = self.waived_count();
        if waived > 0 {
            write!(f, ", {waived} breaking but waived")?;
        }
        match self.breaking_for_new_clients_count() {
            (0, _) => {}
            (forward, 0) => write!(f, "; {forward} break new clients of the old version")?,
            (forward, waived) => write!(
                f,
                "; {forward} break new clients of the old version ({waived} waived)"
            )?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remedy_names_the_next_interface_version() {
        assert_eq!(
            next_interface_version("org.example.Foo1"),
            "org.example.Foo2"
        );
        assert_eq!(
            next_interface_version("org.example.Foo"),
            "org.example.Foo2"
        );
        assert_eq!(
            next_interface_version("org.example.Foo9"),
            "org.example.Foo10"
        );
    }
}
