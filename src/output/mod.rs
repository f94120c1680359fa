//! Outputs: one writer per format, all reading a finished `Report`. The CSV
//! column lists are constants: they are a stable interface (README
//! documents them; a test keeps the two in step).

pub mod csv_out;
pub mod events;
pub mod table;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::summary::report::Report;

/// Writes `report` as pretty JSON.
pub fn write_json<W: Write>(report: &Report, w: &mut W) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}

/// Creates a file for writing, buffered; errors name the path.
pub fn create(path: &Path) -> Result<BufWriter<File>> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 16, f))
        .map_err(|e| Error::output(path, e))
}

/// Writes every file of `--out DIR`.
pub fn write_dir(report: &Report, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    let p = dir.join("summary.json");
    let mut w = create(&p)?;
    write_json(report, &mut w)
        .and_then(|_| w.flush())
        .map_err(|e| Error::output(&p, e))?;
    for (name, f) in csv_out::FILES {
        let p = dir.join(name);
        let w = create(&p)?;
        f(report, w).map_err(|e| Error::output(&p, e))?;
    }
    Ok(())
}
