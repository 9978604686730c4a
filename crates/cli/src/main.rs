//! `fupin`: the one binary. `demo` builds the demo province if absent and serves it; `serve`
//! serves an existing database; `ledger verify` recomputes every hash chain; the registry's
//! `check`, `yearly`, `export` and `import`; `policy reindex`; `measures` on any table. Each group's code is in `cmd/`.

mod cmd;

use clap::{Parser, Subcommand};
use cmd::Db;
use std::path::PathBuf;

/// The demo build and the server allocate and free many small strings across threads, where
/// mimalloc is markedly faster than glibc's allocator (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "fupin", about = "精准扶贫大数据平台 (poverty-alleviation platform)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// The server's log lines on standard error: `text`, or `json` (one object per line). The
    /// level comes from RUST_LOG (default `info`; `fupin_web=debug` adds store timings).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the demo province (if absent) and serve it.
    Demo {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The business date the demo runs at.
        #[arg(long, default_value = "2017-06-30")]
        as_of: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        #[arg(long, default_value = "demo")]
        demo_password: String,
        /// Build only; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve an existing database.
    Serve {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The address users reach the platform at, e.g. https://fupin.example.gov.cn behind a
        /// TLS proxy: with https, cookies are marked Secure.
        #[arg(long)]
        public_url: Option<String>,
    },
    /// 数据核查: list files that contradict themselves or each other.
    Check {
        #[command(flatten)]
        db: Db,
        /// Region code (default: the whole province).
        #[arg(long, default_value = "37")]
        region: String,
        /// Findings to print per kind.
        #[arg(long, default_value_t = 10)]
        show: usize,
    },
    /// 动态调整: the yearly update, every file of a region judged for the year.
    Yearly {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value = "37")]
        region: String,
        /// The year whose incomes are judged (default: the business year).
        #[arg(long)]
        year: Option<i32>,
    },
    /// Export household files to xlsx or CSV (the county offices' layout).
    Export {
        #[command(subcommand)]
        what: ExportCmd,
    },
    /// Import household files from xlsx or CSV: all or nothing, with an error report.
    Import {
        #[command(subcommand)]
        what: ImportCmd,
    },
    /// The tamper-evident ledger.
    Ledger {
        #[command(subcommand)]
        cmd: LedgerCmd,
    },
    /// 政策发布: the policies' full-text index.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
    /// 贫困测度: FGT P0/P1/P2 and Alkire–Foster H/A/M0 (by group, by indicator) on a CSV table.
    Measures {
        #[arg(long)]
        input: PathBuf,
        /// TOML naming the columns: income, line, weight, group, k and [[indicator]] column/cutoff/weight.
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// 成效评估: the register's measures, and design-based estimates from field results.
    Evaluation {
        #[command(subcommand)]
        cmd: EvaluationCmd,
    },
    /// 大数据比对: departments' registers matched against the poor households by ID number.
    Registers {
        #[command(subcommand)]
        cmd: RegistersCmd,
    },
    /// 供需对接: the optimal matcher.
    Match {
        #[command(subcommand)]
        cmd: MatchCmd,
    },
}

#[derive(Subcommand)]
enum EvaluationCmd {
    /// FGT and Alkire–Foster of a region over its files (as `GET /api/v1/measures/{region}`).
    Measures {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value = "37")]
        region: String,
        /// The income year (default: the year before the business year).
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// Design-based estimates with intervals from a field-results CSV: columns `stratum`, `psu`,
    /// `weight` and one or more 0/1 outcome columns (an empty cell: not asked).
    Estimate {
        #[arg(long)]
        input: PathBuf,
        /// korn_graubard (default), wilson or clopper_pearson.
        #[arg(long, default_value = "korn_graubard")]
        method: String,
        /// The confidence level.
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum RegistersCmd {
    /// Match an xlsx or CSV register (columns 公民身份号码, 姓名, 日期; the others kept as details)
    /// over the region: all or nothing, with an error report beside the input.
    Match {
        #[command(flatten)]
        db: Db,
        /// deaths, vehicles, companies, public_employees or homes.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        input: PathBuf,
        /// The official on whose authority it is matched (their region bounds it); the province by default.
        #[arg(long)]
        user: Option<String>,
    },
    /// Write a synthetic register: `rows` strangers with members of each county's poor
    /// households planted among them (to try the match, and for the benchmark).
    Synth {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        kind: String,
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Members planted: so many of every ten thousand poor households.
        #[arg(long, default_value_t = 20)]
        rate: u64,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum MatchCmd {
    /// Solve a DIMACS min-cost-flow file to optimality; the last stdout line is `s COST`.
    Solve {
        #[arg(long)]
        dimacs: PathBuf,
        /// Write the flow (`s COST` and `f TAIL HEAD FLOW` lines) here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Check the optimality certificate (feasibility, reduced costs, primal = dual).
        #[arg(long)]
        verify: bool,
    },
}

#[derive(Subcommand)]
enum PolicyCmd {
    /// Rebuild the search index (beside the data) from the published documents in the database.
    Reindex {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum ExportCmd {
    Households {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        region: String,
        /// Output file, .xlsx or .csv (CSV writes the other tables as sibling files).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    Households {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
        /// The official on whose authority the files are imported (their region bounds it).
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
enum LedgerCmd {
    /// Recompute every county's hash chain; exit non-zero naming the first broken event. With
    /// `--against`, also prove that the ledger extends a heads file the portal published
    /// (`/public/ledger/heads.json`): exit 2 naming the first chain that does not.
    Verify {
        #[command(flatten)]
        db: Db,
        /// A signed heads file downloaded from the portal earlier.
        #[arg(long)]
        against: Option<std::path::PathBuf>,
        /// The platform's public key as published (hex); by default the key the file names.
        #[arg(long)]
        key: Option<String>,
    },
}
fn main() {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    let result = match cli.cmd {
        Cmd::Demo { db, scale, as_of, listen, demo_password, no_serve } => {
            cmd::demo::demo(&db, scale, &as_of, &demo_password, no_serve, &listen)
        }
        Cmd::Serve { db, listen, public_url } => cmd::open(&db).and_then(|store| {
            if store.meta(cmd::DEMO_MARK)?.is_none() && store.meta("schema_version")?.is_none() {
                anyhow::bail!("数据库未完成初始化");
            }
            cmd::serve::serve(store, &listen, public_url.as_deref(), None, &cmd::index_dir(&db))
        }),
        Cmd::Check { db, region, show } => cmd::open(&db).and_then(|store| cmd::registry::check(&*store, &region, show)),
        Cmd::Export { what: ExportCmd::Households { db, region, output } } => {
            cmd::open(&db).and_then(|store| cmd::registry::export(&*store, &region, &output))
        }
        Cmd::Yearly { db, region, year } => cmd::open(&db).and_then(|store| cmd::registry::yearly(&*store, &region, year)),
        Cmd::Import { what: ImportCmd::Households { db, file, user } } => {
            cmd::open(&db).and_then(|store| cmd::registry::import(&*store, &file, &user))
        }
        Cmd::Ledger { cmd: LedgerCmd::Verify { db, against, key } } => {
            cmd::open(&db).and_then(|store| cmd::ledger::verify(&*store, against.as_deref(), key.as_deref()))
        }
        Cmd::Policy { cmd: PolicyCmd::Reindex { db } } => {
            cmd::open(&db).and_then(|store| cmd::policy::reindex(store, &cmd::index_dir(&db)))
        }
        Cmd::Measures { input, config, json } => cmd::evaluation::measures(&input, &config, json),
        Cmd::Evaluation { cmd: EvaluationCmd::Measures { db, region, year, json } } => {
            cmd::open(&db).and_then(|store| cmd::evaluation::region_measures(&*store, &region, year, json))
        }
        Cmd::Evaluation { cmd: EvaluationCmd::Estimate { input, method, level, json } } => {
            cmd::evaluation::estimate(&input, &method, level, json)
        }
        Cmd::Registers { cmd: RegistersCmd::Match { db, kind, input, user } } => {
            cmd::open(&db).and_then(|store| cmd::integrity::run(&*store, &kind, &input, user.as_deref()))
        }
        Cmd::Registers { cmd: RegistersCmd::Synth { db, kind, rows, rate, output } } => {
            cmd::open(&db).and_then(|store| cmd::integrity::synth(&*store, &kind, rows, rate, &output))
        }
        Cmd::Match { cmd: MatchCmd::Solve { dimacs, out, verify } } => cmd::matching::solve(&dimacs, out.as_deref(), verify),
    };
    if let Err(e) = result {
        eprintln!("错误：{e:#}");
        std::process::exit(1);
    }
}
