//! Documentation from the XML, for rustdoc: gdbus-codegen-style comments before an element,
//! `<doc:doc>` elements, `org.gtk.GDBus.DocString` annotations and Telepathy docstrings.

use std::collections::HashMap;

/// The kinds of interface member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum MemberKind {
    /// A `<method>`.
    Method,
    /// A `<signal>`.
    Signal,
    /// A `<property>`.
    Property,
}

impl MemberKind {
    /// The element's name in the XML (`method`).
    fn as_str(self) -> &'static str {
        match self {
            Self::Method => "method",
            Self::Signal => "signal",
            Self::Property => "property",
        }
    }
}

/// The line that documents an interface (`kind` none) or a member of it where the XML says
/// nothing of its own: "The D-Bus method `Inhibit`."
pub(crate) fn own_line(kind: Option<MemberKind>, name: &str) -> String {
    let kind = kind.map_or("interface", MemberKind::as_str);
    format!("The D-Bus {kind} `{name}`.")
}

/// What stands for the name of an unnamed argument where documentation and `tp:type`s are
/// looked up: its direction and its place among the member's arguments of that direction
/// (`in#0`), which no argument's name can be.
pub(crate) fn unnamed_arg(input: bool, position: usize) -> String {
    let direction = if input { "in" } else { "out" };
    format!("{direction}#{position}")
}

/// What a piece of documentation belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct DocTarget {
    /// The interface's name.
    pub interface: String,
    /// The member, if the documentation is not the interface's own.
    pub member: Option<(MemberKind, String)>,
    /// The argument, if the documentation is an argument's.
    pub arg: Option<String>,
}

impl DocTarget {
    /// The interface `name` itself.
    pub(crate) fn interface(name: &str) -> Self {
        Self {
            interface: name.to_owned(),
            member: None,
            arg: None,
        }
    }

    /// The member `name` of `interface`.
    pub(crate) fn member(interface: &str, kind: MemberKind, name: &str) -> Self {
        Self {
            member: Some((kind, name.to_owned())),
            ..Self::interface(interface)
        }
    }

    /// The argument `name` of this member.
    pub(crate) fn arg(&self, name: &str) -> Self {
        Self {
            arg: Some(name.to_owned()),
            ..self.clone()
        }
    }
}

/// All documentation of one file, by what it documents.
#[derive(Debug, Default)]
pub(crate) struct Docs {
    paragraphs: HashMap<DocTarget, Vec<String>>,
}

impl Docs {
    /// Adds `text` (white space tidied) to the documentation of `target`.
    pub(crate) fn add(&mut self, target: DocTarget, text: &str) {
        let text = dedent(text);
        if !text.is_empty() {
            self.paragraphs.entry(target).or_default().push(text);
        }
    }

    /// Adds a comment written before `target`, read the way gdbus-codegen reads it: an
    /// optional first line `name:`, then `@arg: text` lines for arguments, then free text.
    /// A comment before a member that is neither (a section divider, `<!-- Inhibitions -->`)
    /// follows the member's own line rather than take its place.
    pub(crate) fn add_comment(&mut self, target: DocTarget, comment: &str) {
        let text = dedent(comment);
        let mut lines = text.lines().peekable();
        if lines
            .peek()
            .is_some_and(|first| first.ends_with(':') && !first.contains(char::is_whitespace))
        {
            lines.next();
        }
        let mut free_text = Vec::new();
        // `Name:` (alone, or before its text: `Step: What add adds.`) or `@arg:` lines make
        // a comment documentation; anything else is a remark beside the member.
        let first_word = text.split_whitespace().next().unwrap_or_default();
        let documents = first_word.ends_with(':') || text.lines().any(|l| l.starts_with('@'));
        if let Some((kind, name)) = &target.member
            && !documents
        {
            free_text.extend([own_line(Some(*kind), name), String::new()]);
        }
        let mut current_arg: Option<(String, String)> = None;
        for line in lines {
            if let Some((name, rest)) = line
                .strip_prefix('@')
                .and_then(|tagged| tagged.split_once(':'))
            {
                self.finish_arg(&target, current_arg.take(), &mut free_text);
                current_arg = Some((name.trim().to_owned(), rest.trim().to_owned()));
            } else if let (Some((_, text)), false) = (&mut current_arg, line.trim().is_empty()) {
                text.push(' ');
                text.push_str(line.trim());
            } else {
                self.finish_arg(&target, current_arg.take(), &mut free_text);
                free_text.push(line.to_owned());
            }
        }
        self.finish_arg(&target, current_arg, &mut free_text);
        self.add(target, &free_text.join("\n"));
    }

    fn finish_arg(
        &mut self,
        target: &DocTarget,
        arg: Option<(String, String)>,
        free_text: &mut Vec<String>,
    ) {
        match arg {
            // gdbus-codegen's one-line summary of an interface.
            Some((name, text)) if name == "short_description" => {
                free_text.splice(0..0, [text, String::new()]);
            }
            Some((name, text)) => self.add(target.arg(&name), &text),
            None => {}
        }
    }

    /// The documentation of `target`, paragraphs apart, if there is any.
    pub(crate) fn text(&self, target: &DocTarget) -> Option<String> {
        self.paragraphs.get(target).map(|p| p.join("\n\n"))
    }
}

/// `text` with its lines' common indentation removed, runs of blank lines made one, and blank
/// lines at either end dropped.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut lines: Vec<&str> = text
        .lines()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect();
    lines.dedup_by(|line, previous| line.is_empty() && previous.is_empty());
    lines.join("\n").trim_matches('\n').to_owned()
}

/// Rustdoc lines for a member: its text, then a list of the arguments that have any.
pub(crate) fn rustdoc_lines(
    text: Option<String>,
    args: &[(String, Option<String>)],
) -> Vec<String> {
    let mut lines: Vec<String> = text
        .iter()
        .flat_map(|text| text.lines().map(str::to_owned))
        .collect();
    let documented: Vec<_> = args
        .iter()
        .filter_map(|(name, doc)| doc.as_ref().map(|doc| (name, doc)))
        .collect();
    if !documented.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push("# Arguments".to_owned());
        lines.push(String::new());
        for (name, doc) in documented {
            lines.push(format!("* `{name}`: {}", doc.replace('\n', " ")));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_divider_follows_the_members_own_line() {
        let mut docs = Docs::default();
        let inhibit = DocTarget::member(
            "org.freedesktop.Notifications",
            MemberKind::Method,
            "Inhibit",
        );
        docs.add_comment(inhibit.clone(), " Inhibitions ");
        assert_eq!(
            docs.text(&inhibit).as_deref(),
            Some("The D-Bus method `Inhibit`.\n\nInhibitions")
        );
        // A comment that names its member, or documents arguments, is the member's own.
        let mut docs = Docs::default();
        docs.add_comment(inhibit.clone(), "Inhibit: Stops notifications.");
        assert_eq!(
            docs.text(&inhibit).as_deref(),
            Some("Inhibit: Stops notifications.")
        );
        let mut docs = Docs::default();
        docs.add_comment(inhibit.clone(), "Inhibit:\n\nStops notifications.");
        assert_eq!(docs.text(&inhibit).as_deref(), Some("Stops notifications."));
        let mut docs = Docs::default();
        docs.add_comment(inhibit.clone(), "@hint: Why.\n\nStops notifications.");
        assert_eq!(docs.text(&inhibit).as_deref(), Some("Stops notifications."));
        // An interface's comment is its own.
        let interface = DocTarget::interface("org.freedesktop.Notifications");
        docs.add_comment(interface.clone(), "Notifications on the desktop.");
        assert_eq!(
            docs.text(&interface).as_deref(),
            Some("Notifications on the desktop.")
        );
    }

    #[test]
    fn gdbus_style_comments_split_into_text_and_arguments() {
        let mut docs = Docs::default();
        let method = DocTarget::member("a.B", MemberKind::Method, "quick");
        docs.add_comment(
            method.clone(),
            "\n      quick:\n      @bits: Width of\n        the number.\n\n      Returns it.\n    ",
        );
        assert_eq!(docs.text(&method).as_deref(), Some("Returns it."));
        assert_eq!(
            docs.text(&method.arg("bits")).as_deref(),
            Some("Width of the number.")
        );
    }

    #[test]
    fn arguments_are_listed_after_the_text() {
        let lines = rustdoc_lines(
            Some("Does it.".into()),
            &[("a".into(), Some("the a".into())), ("b".into(), None)],
        );
        assert_eq!(lines, ["Does it.", "", "# Arguments", "", "* `a`: the a"]);
    }
}
