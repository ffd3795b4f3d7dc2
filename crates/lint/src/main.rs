//! `complaints-lint [REPOSITORY_ROOT]`: checks the repository's sources
//! against the rules documented in the library (`cargo doc -p
//! complaints-lint`). Prints one `path:line: rule: message` line per
//! violation and a summary; exits 1 if there is any violation, 2 if the
//! sources cannot be read. The root defaults to this workspace's.

use std::env;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = match env::args_os().nth(1) {
        Some(arg) if arg == "-h" || arg == "--help" => {
            println!("usage: complaints-lint [REPOSITORY_ROOT]");
            return ExitCode::SUCCESS;
        }
        Some(arg) => PathBuf::from(arg),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
    };
    match complaints_lint::check_repository(&root) {
        Ok(report) => {
            for violation in &report.violations {
                println!("{violation}");
            }
            println!("{}", report.summary());
            if report.violations.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("complaints-lint: cannot read {}: {e}", root.display());
            ExitCode::from(2)
        }
    }
}
