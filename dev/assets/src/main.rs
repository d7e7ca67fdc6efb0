//! `random-data-assets PREFIX`: writes random-data's man pages and bash, zsh and fish
//! completions under `PREFIX/share`, generated from the binaries' clap definitions
//! (`random_data::cli`), and prints each file's path. `scripts/install` runs it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;
use random_data::client::cli::ClientCli;
use random_data::service::cli::ServiceArgs;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(prefix), None) = (args.next(), args.next()) else {
        eprintln!("usage: random-data-assets PREFIX");
        return ExitCode::from(2);
    };
    match write_assets(&Path::new(&prefix).join("share")) {
        Ok(written) => {
            for path in written {
                println!("{}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("random-data-assets: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Writes every page and completion under `share`; returns their paths.
fn write_assets(share: &Path) -> std::io::Result<Vec<PathBuf>> {
    let client = ClientCli::command();
    let service = ServiceArgs::command();
    let mut written = vec![
        man_page(share, &client, "1", &[("random-data-service", "8")])?,
        man_page(
            share,
            &service,
            "8",
            &[("random-data", "1"), ("busctl", "1")],
        )?,
    ];
    for command in [client, service] {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            written.push(completion(share, &command, shell)?);
        }
    }
    Ok(written)
}

/// Writes the man page of `command` in `section`, ending with SEE ALSO `see_also`.
fn man_page(
    share: &Path,
    command: &clap::Command,
    section: &str,
    see_also: &[(&str, &str)],
) -> std::io::Result<PathBuf> {
    let dir = share.join("man").join(format!("man{section}"));
    std::fs::create_dir_all(&dir)?;
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .section(section)
        .manual("random-data")
        .render(&mut page)?;
    page.extend_from_slice(b".SH \"SEE ALSO\"\n");
    let references: Vec<String> = see_also
        .iter()
        .map(|(name, section)| format!(".BR {} ({section})", name.replace('-', "\\-")))
        .collect();
    page.extend_from_slice(references.join(",\n").as_bytes());
    page.push(b'\n');
    let path = dir.join(format!("{}.{section}", command.get_name()));
    std::fs::write(&path, page)?;
    Ok(path)
}

/// Writes the completion of `command` for `shell`, where and as that shell looks for it.
fn completion(share: &Path, command: &clap::Command, shell: Shell) -> std::io::Result<PathBuf> {
    let name = command.get_name().to_owned();
    let (dir, file) = match shell {
        Shell::Bash => ("bash-completion/completions", name.clone()),
        Shell::Zsh => ("zsh/site-functions", format!("_{name}")),
        _ => ("fish/vendor_completions.d", format!("{name}.fish")),
    };
    let dir = share.join(dir);
    std::fs::create_dir_all(&dir)?;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command.clone(), name, &mut script);
    let path = dir.join(file);
    std::fs::write(&path, script)?;
    Ok(path)
}
