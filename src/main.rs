use std::io::Write;
use std::path::Path;

use clap::Parser;

use authsift::cli::{Cli, Command};
use authsift::config::{Config, Outputs};
use authsift::run::{self, exit};
use authsift::{Error, classify};

fn causes(json: bool) -> std::io::Result<()> {
    let out = std::io::stdout();
    let mut w = std::io::BufWriter::new(out.lock());
    if json {
        let rows: Vec<serde_json::Value> = classify::CAUSES
            .iter()
            .map(|c| serde_json::json!({"id": c.cause.id(), "meaning": c.meaning, "typical_fix": c.fix}))
            .collect();
        serde_json::to_writer_pretty(&mut w, &rows)?;
        writeln!(w)?;
    } else {
        for c in classify::CAUSES {
            writeln!(w, "{}\n    {}\n    fix: {}", c.cause.id(), c.meaning, c.fix)?;
        }
    }
    w.flush()
}

fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Causes { json } => {
            causes(json).map_err(|e| Error::output("stdout", e))?;
            Ok(exit::OK)
        }
        Command::Analyze(args) => {
            let cfg = Config::from_args(args)?;
            run::prepare_outputs(&cfg.outputs, cfg.events.as_deref())?;
            let analysis = run::analyze(&cfg)?;
            let events = cfg.events.as_deref().map(|p: &Path| run::EventsOut {
                events: analysis.events,
                files: analysis.files.as_slice(),
                path: p,
                ndjson: cfg.events_ndjson,
            });
            let report =
                run::write_outputs(analysis.state, &analysis.provenance, events, &cfg.outputs)?;
            run::diagnose(&report, cfg.quiet);
            Ok(run::exit_code(&report, cfg.strict))
        }
        Command::Merge(args) => {
            let outs = Outputs::from_args(args.output, None, args.quiet)?;
            run::prepare_outputs(&outs, None)?;
            let (state, provenance) =
                run::merge(&args.partials, args.allow_duplicates, args.quiet)?;
            let report = run::write_outputs(state, &provenance, None, &outs)?;
            run::diagnose(&report, args.quiet);
            Ok(run::exit_code(&report, false))
        }
    }
}

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => exit::OK,
        Err(e) => {
            eprintln!("authsift: {e}");
            match e {
                Error::Usage(_) => exit::USAGE,
                Error::Input { .. } | Error::Io { .. } => exit::USAGE,
                Error::Output { .. } => exit::WRITE_FAILED,
            }
        }
    };
    std::process::exit(code);
}
