//! Access logs. (Formats arrive with the log-format work.)

use crate::analyzer::{Analyzer, ChunkResult, Context, Source};
use crate::error::Result;
use crate::input::{Compression, Data, FormatName};
use crate::progress::FileBar;

pub struct Parsers;

impl Parsers {
    pub fn new(_log_format: Option<&str>, _json_fields: Option<&str>) -> Result<Self> {
        Ok(Parsers)
    }
}

#[allow(clippy::too_many_arguments)]
pub fn analyze(
    _data: Data,
    _compression: Compression,
    format: FormatName,
    _parsers: &Parsers,
    ctx: &Context,
    src: &Source,
    _threads: usize,
    _bar: &FileBar,
) -> ChunkResult {
    let mut a = Analyzer::new(ctx, src);
    a.failed(format!("the {format} format is not supported yet"));
    a.finish()
}
