//! The `complaints-server` binary: parses its arguments, opens the database,
//! and serves [`complaints_server::app`] until Ctrl-C or SIGTERM.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use complaints_server::{app, open_db, AppState, DB_FILE_NAME};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "\
complaints-server: serves the complaints app and its API

USAGE:
    complaints-server [OPTIONS]

OPTIONS:
    --addr <HOST:PORT>    Address to listen on [env: COMPLAINTS_ADDR] [default: 127.0.0.1:8080]
    --data-dir <DIR>      Directory of the SQLite database, created if missing
                          [env: COMPLAINTS_DATA_DIR] [default: ./data]
    --dist <DIR>          Directory of the built app (trunk build output)
                          [env: COMPLAINTS_DIST] [default: ./dist]
    -h, --help            Print this help
    -V, --version         Print the version

Logging is controlled by RUST_LOG (default: info).";

/// The resolved configuration: command line beats environment beats default.
#[derive(Debug, PartialEq, Eq)]
struct Config {
    addr: String,
    data_dir: PathBuf,
    dist_dir: PathBuf,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(Config),
    Help,
    Version,
}

fn parse_args(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, String> {
    let env = |name: &str| env(name).filter(|value| !value.is_empty());
    let mut addr = None;
    let mut data_dir = None;
    let mut dist_dir = None;

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|arg| format!("argument is not valid UTF-8: {arg:?}"))?;
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let slot = match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--addr" => &mut addr,
            "--data-dir" => &mut data_dir,
            "--dist" => &mut dist_dir,
            other => return Err(format!("unknown argument '{other}'")),
        };
        let value = match inline {
            Some(value) => value,
            None => args
                .next()
                .and_then(|value| value.into_string().ok())
                .ok_or_else(|| format!("{name} needs a value"))?,
        };
        if value.is_empty() {
            return Err(format!("{name} needs a non-empty value"));
        }
        *slot = Some(value);
    }

    Ok(Command::Run(Config {
        addr: addr
            .or_else(|| env("COMPLAINTS_ADDR"))
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
        data_dir: data_dir
            .or_else(|| env("COMPLAINTS_DATA_DIR"))
            .unwrap_or_else(|| "./data".to_owned())
            .into(),
        dist_dir: dist_dir
            .or_else(|| env("COMPLAINTS_DIST"))
            .unwrap_or_else(|| "./dist".to_owned())
            .into(),
    }))
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args_os().skip(1), |name| std::env::var(name).ok()) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("complaints-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("complaints-server: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail("cannot start the async runtime", &error),
    };
    runtime.block_on(run(config))
}

async fn run(config: Config) -> ExitCode {
    let db = match open_db(&config.data_dir).await {
        Ok(db) => db,
        Err(error) => {
            let context = format!("cannot open the database in {}", config.data_dir.display());
            return fail(&context, &error);
        }
    };

    let listener = match tokio::net::TcpListener::bind(&config.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            let hint = if error.kind() == std::io::ErrorKind::AddrInUse {
                " (is another server running? choose another port with --addr)"
            } else {
                ""
            };
            return fail(&format!("cannot listen on {}{hint}", config.addr), &error);
        }
    };
    let shown_addr = listener
        .local_addr()
        .map(|addr| addr.to_string())
        .unwrap_or_else(|_| config.addr.clone());

    if !config.dist_dir.join("index.html").is_file() {
        tracing::warn!(
            dist = %config.dist_dir.display(),
            "no index.html in the app directory: build the app first (trunk build --release)"
        );
    }
    println!(
        "complaints-server listening on http://{shown_addr} (data: {}, app: {})",
        config.data_dir.join(DB_FILE_NAME).display(),
        config.dist_dir.display()
    );

    let risk = match complaints_server::load_risk_config(&config.data_dir) {
        Ok(risk) => risk,
        Err(error) => {
            let error = std::io::Error::new(std::io::ErrorKind::InvalidData, error);
            return fail("the risk-rule configuration cannot be read", &error);
        }
    };
    let state = AppState {
        db: db.clone(),
        dist_dir: config.dist_dir,
        risk: std::sync::Arc::new(risk),
    };
    let served = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    db.close().await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => fail("server error", &error),
    }
}

/// Prints `error: <context>: <error>: <cause>...` and returns exit code 1.
fn fail(context: &str, error: &dyn std::error::Error) -> ExitCode {
    let mut message = format!("complaints-server: error: {context}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // thiserror messages often embed their source already.
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    eprintln!("{message}");
    ExitCode::FAILURE
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested, finishing open requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Command, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_args(args.iter().map(OsString::from), move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn config(addr: &str, data: &str, dist: &str) -> Command {
        Command::Run(Config {
            addr: addr.into(),
            data_dir: data.into(),
            dist_dir: dist.into(),
        })
    }

    #[test]
    fn defaults_env_and_flags() {
        assert_eq!(
            parse(&[], &[]),
            Ok(config("127.0.0.1:8080", "./data", "./dist"))
        );
        assert_eq!(
            parse(
                &[],
                &[("COMPLAINTS_ADDR", "0.0.0.0:9000"), ("COMPLAINTS_DIST", "")]
            ),
            Ok(config("0.0.0.0:9000", "./data", "./dist"))
        );
        assert_eq!(
            parse(
                &[
                    "--addr",
                    "127.0.0.1:1",
                    "--data-dir=/tmp/d",
                    "--dist",
                    "out"
                ],
                &[
                    ("COMPLAINTS_ADDR", "0.0.0.0:9000"),
                    ("COMPLAINTS_DATA_DIR", "x")
                ]
            ),
            Ok(config("127.0.0.1:1", "/tmp/d", "out"))
        );
    }

    #[test]
    fn help_version_and_errors() {
        assert_eq!(parse(&["--help"], &[]), Ok(Command::Help));
        assert_eq!(parse(&["-V"], &[]), Ok(Command::Version));
        assert!(parse(&["--bogus"], &[]).unwrap_err().contains("--bogus"));
        assert!(parse(&["--addr"], &[])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&["--dist="], &[]).unwrap_err().contains("non-empty"));
    }
}
