//! `opsgate init`: writes the embedded defaults as a commented `opsgate.toml`.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};

use anyhow::{Context, Result, bail};

use crate::cli::InitArgs;
use crate::config::DEFAULTS_TOML;

pub(crate) fn run(args: &InitArgs) -> Result<()> {
    let path = args.path.join("opsgate.toml");
    let mut options = OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = match options.open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::AlreadyExists => bail!(
            "`{}` already exists; pass --force to replace it",
            path.display()
        ),
        Err(err) => {
            return Err(err).with_context(|| format!("creating `{}`", path.display()));
        }
    };
    file.write_all(DEFAULTS_TOML.as_bytes())
        .with_context(|| format!("writing `{}`", path.display()))?;
    anstream::eprintln!("opsgate: wrote {}", path.display());
    Ok(())
}
