use std::io::Write;
use std::path::Path;

use clap::{CommandFactory, Parser};

use authsift::cli::{Cli, Command, Shell};
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

fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::output("stdout", e))
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
            let (state, provenance) = (analysis.state, &analysis.provenance);
            let report = analysis
                .pool
                .install(|| run::write_outputs(state, provenance, events, &cfg.outputs))?;
            run::diagnose(&report, cfg.quiet);
            Ok(run::exit_code(&report, cfg.strict))
        }
        Command::Report(args) => {
            let report = run::report(&args.partials, &args.output)?;
            run::diagnose(&report, args.quiet);
            Ok(run::exit_code(&report, false))
        }
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let shell = match shell {
                Shell::Bash => clap_complete::Shell::Bash,
                Shell::Zsh => clap_complete::Shell::Zsh,
                Shell::Fish => clap_complete::Shell::Fish,
            };
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "authsift", &mut out);
            write_stdout(&out)?;
            Ok(exit::OK)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::output("stdout", e))?;
            write_stdout(&out)?;
            Ok(exit::OK)
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
            authsift::say!("authsift: {e}");
            match e {
                Error::Usage(_) => exit::USAGE,
                Error::Input { .. } | Error::Io { .. } => exit::USAGE,
                Error::Output { .. } => exit::WRITE_FAILED,
            }
        }
    };
    std::process::exit(code);
}
