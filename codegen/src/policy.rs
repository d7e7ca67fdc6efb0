//! A project's compatibility policy, as `diff` applies it: which breaks do not fail.
//!
//! - **Unstable interfaces.** An interface is unstable where either version says so: the
//!   annotation `rs.dbus_xml_codegen.Unstable="true"` on its `<interface>`, or an element of
//!   its name that is `Unstable` or `Experimental` (in any case: `org.example.Unstable.Foo`,
//!   `org.example.experimental.Bar`; [`crate::wire::Interface::is_unstable`]). Its breaks
//!   are reported and do not fail.
//! - **Accepted breaks.** A file beside the new XML (`NAME.xml` → `NAME.accepted-breaks`)
//!   lists breaks made on purpose, each with its reason:
//!
//!   ```text
//!   # Lines starting with # are comments.
//!   accept: interface org.example.Foo, method Bar: signature changed from (in i) to (in u)
//!   because: no released client ever sent a negative count (issue 12)
//!   ```
//!
//!   `accept:` holds a difference as `diff` prints it, without its class and what clients
//!   see (`PLACE: WHAT`); `because:` is required. A listed break is reported as accepted and
//!   does not fail; an entry that matches nothing is reported, so the list does not outlive
//!   its breaks unnoticed.

use std::path::{Path, PathBuf};

use crate::compare::{Class, Report, Waiver};

/// One break made on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedBreak {
    /// The difference, as [`crate::compare::Difference::key`] gives it: `PLACE: WHAT`.
    pub difference: String,
    /// Why it was accepted.
    pub reason: String,
}

/// What a comparison forgives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The breaks made on purpose.
    pub accepted: Vec<AcceptedBreak>,
    /// The file they were read from, if any.
    pub file: Option<PathBuf>,
}

/// Why a list of accepted breaks cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file exists and cannot be read.
    #[error("{file}: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not what the format allows.
    #[error("{file}:{line}: {problem}")]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

impl Policy {
    /// The list of accepted breaks beside `xml` (`NAME.xml` → `NAME.accepted-breaks`), or
    /// an empty policy where there is none.
    pub fn beside(xml: &Path) -> Result<Self, PolicyError> {
        let file = xml.with_extension("accepted-breaks");
        match std::fs::read_to_string(&file) {
            Ok(text) => Self::parse(&file, &text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(PolicyError::Read { file, source }),
        }
    }

    /// Reads the text of a list of accepted breaks; `file` names it in errors.
    pub fn parse(file: &Path, text: &str) -> Result<Self, PolicyError> {
        let syntax = |line: usize, problem: &str| PolicyError::Syntax {
            file: file.to_owned(),
            line,
            problem: problem.to_owned(),
        };
        let mut accepted = Vec::new();
        let mut pending: Option<(usize, String)> = None;
        for (index, line) in text.lines().enumerate() {
            let (number, line) = (index + 1, line.trim());
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(difference) = line.strip_prefix("accept:") {
                if let Some((at, _)) = pending {
                    return Err(syntax(at, "an `accept:` without its `because:` line"));
                }
                pending = Some((number, difference.trim().to_owned()));
            } else if let Some(reason) = line.strip_prefix("because:") {
                let (_, difference) = pending
                    .take()
                    .ok_or_else(|| syntax(number, "`because:` without `accept:`"))?;
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(syntax(
                        number,
                        "an empty reason: say why the break is accepted",
                    ));
                }
                accepted.push(AcceptedBreak {
                    difference,
                    reason: reason.to_owned(),
                });
            } else {
                return Err(syntax(
                    number,
                    "expected `accept: PLACE: WHAT`, `because: REASON`, a comment (#) or nothing",
                ));
            }
        }
        if let Some((at, _)) = pending {
            return Err(syntax(at, "an `accept:` without its `because:` line"));
        }
        Ok(Self {
            accepted,
            file: Some(file.to_owned()),
        })
    }

    /// Waives the breaks of `report` that this policy forgives: those of unstable interfaces,
    /// and those it lists. Returns the listed breaks that match no difference of the report.
    pub fn apply(&self, report: &mut Report) -> Vec<&AcceptedBreak> {
        let mut used = vec![false; self.accepted.len()];
        for difference in &mut report.differences {
            let breaks = difference.class == Class::Breaking
                || difference.class_for_new_clients == Class::Breaking;
            if !breaks {
                continue;
            }
            let key = difference.key();
            if let Some(index) = self.accepted.iter().position(|a| a.difference == key) {
                used[index] = true;
                difference.waived = Some(Waiver::Accepted(self.accepted[index].reason.clone()));
            } else if difference.unstable {
                difference.waived = Some(Waiver::Unstable);
            }
        }
        self.accepted
            .iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(accepted, _)| accepted)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(Path::new("x.accepted-breaks"), text)
    }

    #[test]
    fn entries_need_a_reason() {
        let policy =
            parse("# c\naccept: interface a.B, method m: removed\nbecause: unused\n").unwrap();
        assert_eq!(
            policy.accepted,
            [AcceptedBreak {
                difference: "interface a.B, method m: removed".into(),
                reason: "unused".into()
            }]
        );
        let error = parse("accept: interface a.B: removed\n\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "x.accepted-breaks:1: an `accept:` without its `because:` line"
        );
        let error = parse("accept: x\nbecause:   \n").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("x.accepted-breaks:2: an empty reason"),
            "{error}"
        );
        assert!(parse("acept: x\n").is_err());
    }
}
