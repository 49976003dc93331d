//! The `safeguard` binary: `serve`, `user add`, `audit verify`, `migrate`
//! and `demo`. Every option can also be set by a `SAFEGUARD_*` environment
//! variable (see `docs/configuration.md`).

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use safeguard_core::anchor::{AnchorCheck, AnchorKey};
use safeguard_core::{CoreConfig, CoreError, Ctx, NewUserInput, Safeguard};
use safeguard_store::audit::Verification;
use safeguard_store::{Store, StoreOptions};
use time::OffsetDateTime;

/// The SQLite page cache per connection while generating records, in MiB.
const GENERATOR_CACHE_MIB: u32 = 64;

#[derive(Parser)]
#[command(
    name = "safeguard",
    version,
    about = "Adult safeguarding case management, built on Making Safeguarding Personal"
)]
struct Cli {
    /// Log format.
    #[arg(
        long,
        env = "SAFEGUARD_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    /// Log filter, for example `info` or `safeguard_web=debug`.
    #[arg(
        long,
        env = "SAFEGUARD_LOG",
        default_value = "info,sqlx::query=error",
        global = true
    )]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Where the data lives.
#[derive(Args, Clone)]
struct DbArgs {
    /// Directory for the embedded SQLite database (used when no database URL is given).
    #[arg(long, env = "SAFEGUARD_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// A `postgres://` (or `sqlite://`) URL; overrides the data directory.
    #[arg(long, env = "SAFEGUARD_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl DbArgs {
    async fn open(&self) -> anyhow::Result<Store> {
        self.open_with(StoreOptions::default()).await
    }

    async fn open_with(&self, options: StoreOptions) -> anyhow::Result<Store> {
        match &self.database_url {
            Some(url) => Store::connect_with(url, options)
                .await
                .context("cannot open the database at the given URL"),
            None => Store::open_data_dir_with(&self.data_dir, options)
                .await
                .with_context(|| {
                    format!("cannot open the database in {}", self.data_dir.display())
                }),
        }
    }
}

/// Where audit anchors go and the key that signs them (both outside the database).
#[derive(Args, Clone)]
struct AnchorArgs {
    /// The file audit anchors are appended to, outside the database (default: audit-anchors in the data directory).
    #[arg(long, env = "SAFEGUARD_AUDIT_ANCHOR_FILE")]
    audit_anchor_file: Option<PathBuf>,
    /// A file holding the key that signs audit anchors (32 characters or more). SAFEGUARD_AUDIT_KEY may hold the key itself instead.
    #[arg(long, env = "SAFEGUARD_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
}

impl AnchorArgs {
    fn file(&self, db: &DbArgs) -> PathBuf {
        self.audit_anchor_file
            .clone()
            .unwrap_or_else(|| db.data_dir.join("audit-anchors"))
    }

    /// The key, from the key file or SAFEGUARD_AUDIT_KEY; none when neither is set.
    fn key(&self) -> anyhow::Result<Option<AnchorKey>> {
        let text = match &self.audit_key_file {
            Some(f) => std::fs::read_to_string(f)
                .with_context(|| format!("cannot read the audit key file {}", f.display()))?,
            None => match std::env::var("SAFEGUARD_AUDIT_KEY") {
                Ok(k) if !k.trim().is_empty() => k,
                _ => return Ok(None),
            },
        };
        AnchorKey::new(&text).map(Some).map_err(anyhow::Error::msg)
    }
}

/// Where disposals are noted outside the database, for restores.
#[derive(Args, Clone)]
struct LedgerArgs {
    /// The file each disposal is noted in before it commits (default: disposal-ledger in the data directory).
    #[arg(long, env = "SAFEGUARD_DISPOSAL_LEDGER_FILE")]
    disposal_ledger_file: Option<PathBuf>,
}

impl LedgerArgs {
    fn file(&self, db: &DbArgs) -> PathBuf {
        self.disposal_ledger_file
            .clone()
            .unwrap_or_else(|| db.data_dir.join("disposal-ledger"))
    }
}

/// Where attachments are kept and what scans them.
#[derive(Args, Clone)]
struct AttachmentArgs {
    /// Where documents, photos and recordings are kept: a directory, or `s3://bucket/prefix` for S3-compatible storage (credentials, region and endpoint from the AWS_* variables). Default: attachments in the data directory.
    #[arg(long, env = "SAFEGUARD_ATTACHMENT_STORE")]
    attachment_store: Option<String>,
    /// ClamAV's clamd, which scans every file before it is released: `unix:/run/clamav/clamd.ctl` or `tcp:host:3310`. Without it, files wait in quarantine until one is configured.
    #[arg(long, env = "SAFEGUARD_CLAMD")]
    clamd: Option<String>,
}

impl AttachmentArgs {
    fn settings(
        &self,
        db: &DbArgs,
    ) -> anyhow::Result<safeguard_core::attachments::AttachmentSettings> {
        use safeguard_core::attachments::{AttachmentSettings, Scanner};
        let scanner = match self.clamd.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(Scanner::parse(s).map_err(anyhow::Error::msg)?),
        };
        match self.attachment_store.as_deref().map(str::trim) {
            Some(url) if url.starts_with("s3://") => {
                AttachmentSettings::s3(url, scanner).map_err(anyhow::Error::msg)
            }
            Some(dir) if !dir.is_empty() => {
                AttachmentSettings::local(std::path::Path::new(dir), scanner)
                    .map_err(anyhow::Error::msg)
            }
            _ => AttachmentSettings::local(&db.data_dir.join("attachments"), scanner)
                .map_err(anyhow::Error::msg),
        }
    }
}

/// Email to people who raised concerns (optional).
#[derive(Args, Clone)]
struct MailArgs {
    /// SMTP server: `smtp://host:port`, `smtp://host:port?tls=required` or `smtps://host:port`. No email is sent without it.
    #[arg(long, env = "SAFEGUARD_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender address of emails.
    #[arg(
        long,
        env = "SAFEGUARD_MAIL_FROM",
        default_value = "Safeguarding team <safeguarding@localhost>"
    )]
    mail_from: String,
    /// The public address of this site, for links in emails (default: the bind address).
    #[arg(long, env = "SAFEGUARD_PUBLIC_URL")]
    public_url: Option<String>,
}

/// Single sign-on through the organisation's OpenID Connect provider (optional).
#[derive(Args, Clone)]
struct SsoArgs {
    /// The provider's issuer: for Microsoft Entra ID, `https://login.microsoftonline.com/TENANT_ID/v2.0` (never the shared `common` address). Turns single sign-on on; needs --public-url.
    #[arg(long, env = "SAFEGUARD_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The application (client) id registered with the provider.
    #[arg(long, env = "SAFEGUARD_OIDC_CLIENT_ID", default_value = "")]
    oidc_client_id: String,
    /// A file holding the client secret (or SAFEGUARD_OIDC_CLIENT_SECRET holding it); none for a public client.
    #[arg(long, env = "SAFEGUARD_OIDC_CLIENT_SECRET_FILE")]
    oidc_client_secret_file: Option<PathBuf>,
    /// The tenant whose accounts may sign in (the ID token's `tid`).
    #[arg(long, env = "SAFEGUARD_OIDC_TENANT_ID")]
    oidc_tenant_id: Option<String>,
    /// App roles and the Safeguard role each gives, in order of precedence: `APP_ROLE=ROLE,...` (for example `Safeguard.Manager=manager,Safeguard.Practitioner=practitioner`).
    #[arg(long, env = "SAFEGUARD_OIDC_ROLE_MAP", default_value = "")]
    oidc_role_map: String,
    /// App roles and the council team each puts the person in: `APP_ROLE=Team name,...`.
    #[arg(long, env = "SAFEGUARD_OIDC_TEAM_MAP", default_value = "")]
    oidc_team_map: String,
    /// Make an account at someone's first sign-in (otherwise only accounts made beforehand, matched once by email).
    #[arg(long, env = "SAFEGUARD_OIDC_PROVISION", default_value_t = true, action = clap::ArgAction::Set)]
    oidc_provision: bool,
    /// The sign-in button's words.
    #[arg(
        long,
        env = "SAFEGUARD_OIDC_BUTTON",
        default_value = "Sign in with your organisation account"
    )]
    oidc_button: String,
    /// Whether local accounts may sign in with a password (set false once everyone uses single sign-on).
    #[arg(long, env = "SAFEGUARD_LOCAL_PASSWORDS", default_value_t = true, action = clap::ArgAction::Set)]
    local_passwords: bool,
}

impl SsoArgs {
    /// The core's settings, when single sign-on is on.
    fn settings(&self) -> anyhow::Result<Option<safeguard_core::sso::SsoSettings>> {
        let Some(issuer) = self.oidc_issuer.clone() else {
            return Ok(None);
        };
        let pairs = |s: &str| -> Vec<(String, String)> {
            s.split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .collect()
        };
        let mut role_map = Vec::new();
        for (claim, code) in pairs(&self.oidc_role_map) {
            let role = safeguard_domain::Role::parse(&code)
                .ok_or_else(|| anyhow::anyhow!("--oidc-role-map: {code:?} is not a role"))?;
            role_map.push((claim, role));
        }
        if role_map.is_empty() {
            bail!(
                "--oidc-issuer needs --oidc-role-map (which app roles give which Safeguard role)"
            );
        }
        Ok(Some(safeguard_core::sso::SsoSettings {
            issuer: issuer.trim_end_matches('/').to_string(),
            tenant: self.oidc_tenant_id.clone().filter(|t| !t.trim().is_empty()),
            role_map,
            team_map: pairs(&self.oidc_team_map),
            provision: self.oidc_provision,
        }))
    }

    fn client_secret(&self) -> anyhow::Result<Option<String>> {
        if let Ok(s) = std::env::var("SAFEGUARD_OIDC_CLIENT_SECRET")
            && !s.trim().is_empty()
        {
            return Ok(Some(s.trim().to_string()));
        }
        match &self.oidc_client_secret_file {
            Some(f) => Ok(Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read the client secret {}", f.display()))?
                    .trim()
                    .to_string(),
            )),
            None => Ok(None),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum CookieSecure {
    /// Secure cookies unless serving plain HTTP on a loopback address.
    Auto,
    /// Always mark cookies Secure (behind an HTTPS proxy).
    Always,
    /// Never (plain-HTTP testing only).
    Never,
}

// `serve` carries every server setting; the command is parsed once.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address and port to listen on.
        #[arg(long, env = "SAFEGUARD_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        #[command(flatten)]
        db: DbArgs,
        /// Load demo data (a council, teams, partner agencies, one account per role, synthetic people) into an empty database.
        #[arg(long, env = "SAFEGUARD_DEMO")]
        demo: bool,
        /// With --demo: synthetic adults with concerns and enquiries generated over the last two financial years, so the dashboard and the SAC return have a concluded year (0 for none).
        #[arg(long, env = "SAFEGUARD_DEMO_PEOPLE", default_value_t = 1500)]
        demo_people: u32,
        /// Minutes of inactivity after which a session ends.
        #[arg(long, env = "SAFEGUARD_IDLE_TIMEOUT_MINUTES", default_value_t = 30)]
        idle_timeout_minutes: u64,
        /// Hours after sign-in after which a session ends, however busy.
        #[arg(long, env = "SAFEGUARD_ABSOLUTE_TIMEOUT_HOURS", default_value_t = 12)]
        absolute_timeout_hours: u64,
        /// Failed sign-ins in a row before an account is locked.
        #[arg(long, env = "SAFEGUARD_LOCKOUT_THRESHOLD", default_value_t = 5)]
        lockout_threshold: i32,
        /// Whether cookies carry the Secure attribute.
        #[arg(
            long,
            env = "SAFEGUARD_COOKIE_SECURE",
            value_enum,
            default_value = "auto"
        )]
        cookie_secure: CookieSecure,
        /// Public concern submissions and status checks allowed per client address per hour (0: no limit).
        #[arg(long, env = "SAFEGUARD_PUBLIC_RATE_LIMIT", default_value_t = 30)]
        public_rate_limit: u32,
        /// Proxies whose X-Forwarded-For header is believed for the public rate limit, as addresses or networks separated by commas (for example 127.0.0.1,10.0.0.0/8). Without one, the header is ignored.
        #[arg(long, env = "SAFEGUARD_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
        trusted_proxies: Vec<ipnet::IpNet>,
        /// Seconds that must pass between starting and sending the public concern form.
        #[arg(long, env = "SAFEGUARD_MIN_FORM_SECONDS", default_value_t = 3)]
        min_form_seconds: u32,
        /// The safeguarding team's telephone number, printed on the person's plan summary (with --demo and none given, a fictional number).
        #[arg(long, env = "SAFEGUARD_CONTACT_PHONE")]
        contact_phone: Option<String>,
        /// Minutes an emergency (break-glass) opening of a record lasts.
        #[arg(long, env = "SAFEGUARD_BREAK_GLASS_MINUTES", default_value_t = 60)]
        break_glass_minutes: u64,
        /// The safeguarding lead's email address, told at once of every emergency opening (the email names no one; needs --smtp-url).
        #[arg(long, env = "SAFEGUARD_SAFEGUARDING_LEAD_EMAIL")]
        safeguarding_lead_email: Option<String>,
        /// Seconds one database statement may run before it is stopped (0: no limit), so slow searches cannot hold every connection.
        #[arg(
            long,
            env = "SAFEGUARD_STATEMENT_TIMEOUT_SECONDS",
            default_value_t = 30
        )]
        statement_timeout_seconds: u64,
        /// Minutes between anchors of the audit chain written outside the database (0: only at start and shutdown).
        #[arg(long, env = "SAFEGUARD_AUDIT_ANCHOR_MINUTES", default_value_t = 10)]
        audit_anchor_minutes: u64,
        #[command(flatten)]
        anchors: AnchorArgs,
        #[command(flatten)]
        ledger: LedgerArgs,
        /// The organisation's time zone (IANA name): every date recorded is the date there.
        #[arg(long, env = "SAFEGUARD_TIME_ZONE", default_value = "Europe/London", value_parser = parse_zone)]
        time_zone: safeguard_core::OrgZone,
        /// Roles whose accounts must sign in with a second factor (a code from an authenticator app): role codes separated by commas, or `none`.
        #[arg(long, env = "SAFEGUARD_TWO_FACTOR_ROLES", default_value = "admin,dpo,manager", value_parser = parse_roles)]
        two_factor_roles: RoleList,
        /// Whether opening a record in an emergency (break-glass) asks for a fresh second factor.
        #[arg(long, env = "SAFEGUARD_BREAK_GLASS_STEP_UP", default_value_t = true, action = clap::ArgAction::Set)]
        break_glass_step_up: bool,
        #[command(flatten)]
        mail: MailArgs,
        #[command(flatten)]
        sso: SsoArgs,
        #[command(flatten)]
        attachments: AttachmentArgs,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Back the database up to one file: SQLite a consistent snapshot,
    /// checked (integrity and audit chain) before it is kept; PostgreSQL a
    /// pg_dump archive.
    Backup {
        /// The backup file to write (it must not exist).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        attachments: AttachmentArgs,
    },
    /// Restore the database from a backup (stop the server first): the
    /// disposals noted since are made again, the audit anchors start afresh
    /// from the restored chain (the old file is kept beside it).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// Check the restored database's integrity and audit chain; fail if either is broken.
        #[arg(long)]
        verify: bool,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        anchors: AnchorArgs,
        #[command(flatten)]
        ledger: LedgerArgs,
        #[command(flatten)]
        attachments: AttachmentArgs,
    },
    /// Load the demo data into an empty database and exit; with --people,
    /// also generate synthetic records at scale (the same seed gives the same records).
    Demo {
        /// Generate this many synthetic adults at risk, with their concerns and enquiries.
        #[arg(long)]
        people: Option<u32>,
        /// Financial years of activity to generate, ending with --end-year.
        #[arg(long, default_value_t = 1)]
        years: u32,
        /// The last financial year generated, like 2025-26 (default: the current one).
        #[arg(long)]
        end_year: Option<String>,
        /// The random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Produce reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Write the Safeguarding Adults Collection return for a financial year:
    /// one CSV file per table (docs/sac-csv.md), and a summary of the
    /// data-quality checks on standard output.
    Sac {
        /// The financial year, like 2025-26 (1 April 2025 to 31 March 2026).
        #[arg(long)]
        year: String,
        /// The directory to write the CSV files into (made if missing).
        #[arg(long)]
        out: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user account. The password is read from standard input.
    Add {
        /// Username: 3 to 50 of a-z, 0-9, dot, hyphen, underscore.
        #[arg(long)]
        username: String,
        /// practitioner, manager, partner, analyst, dpo or admin.
        #[arg(long)]
        role: String,
        /// The agency's name; the council when omitted.
        #[arg(long, default_value = "")]
        agency: String,
        /// The team's name within the agency.
        #[arg(long, default_value = "")]
        team: String,
        /// The name shown on pages.
        #[arg(long, default_value = "")]
        display_name: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The council's name, used only if the database has no council yet.
        #[arg(long, env = "SAFEGUARD_ORGANISATION", default_value = "Council")]
        organisation: String,
        /// The person's work email address (where reset links go).
        #[arg(long, default_value = "")]
        email: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account: it cannot sign in, and its sessions and API tokens end at once.
    Disable {
        /// The account's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Enable a disabled account.
    Enable {
        /// The account's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// End every session and API token of an account.
    EndSessions {
        /// The account's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set an account's password (read from standard input); its sessions and tokens end.
    SetPassword {
        /// The account's username.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Clear an account's second factor (a lost phone and recovery codes): it sets one up again at its next sign-in if its role requires one.
    ResetTwoFactor {
        /// The account's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List an account's live sessions and API tokens (never their secrets).
    Sessions {
        /// The account's username.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain and check it against its anchors outside the
    /// database: exit 0 when intact, 1 naming the first broken event or anchor.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        anchors: AnchorArgs,
    },
    /// Write an anchor of the chain's head now (the server also writes them).
    Anchor {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        anchors: AnchorArgs,
    },
}

fn init_logging(format: LogFormat, filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// The server's allocator: mimalloc returns freed memory to the system and
/// keeps each thread's allocations apart, where glibc's arenas held a
/// loaded server at about twice the resident memory (docs/performance.md).
/// The hot-path benchmark uses the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format, &cli.log);
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve {
            bind,
            db,
            demo,
            demo_people,
            idle_timeout_minutes,
            absolute_timeout_hours,
            lockout_threshold,
            cookie_secure,
            public_rate_limit,
            trusted_proxies,
            min_form_seconds,
            contact_phone,
            break_glass_minutes,
            safeguarding_lead_email,
            time_zone,
            two_factor_roles,
            break_glass_step_up,
            audit_anchor_minutes,
            anchors,
            ledger,
            statement_timeout_seconds,
            mail,
            sso,
            attachments,
        } => {
            let config = CoreConfig {
                attachments: Some(attachments.settings(&db)?),
                disposal_ledger: Some(ledger.file(&db)),
                idle_timeout: Duration::from_secs(idle_timeout_minutes.max(1) * 60),
                absolute_timeout: Duration::from_secs(absolute_timeout_hours.max(1) * 3600),
                lockout_threshold: lockout_threshold.max(1),
                break_glass: Duration::from_secs(break_glass_minutes.clamp(1, 24 * 60) * 60),
                lead_email: safeguarding_lead_email.filter(|e| e.contains('@')),
                time_zone,
                two_factor_roles: two_factor_roles.0,
                break_glass_step_up,
                sso: sso.settings()?,
                local_passwords: sso.local_passwords,
                ..CoreConfig::default()
            };
            let secure = match cookie_secure {
                CookieSecure::Always => true,
                CookieSecure::Never => false,
                CookieSecure::Auto => !bind.ip().is_loopback(),
            };
            let web = safeguard_web::WebConfig {
                cookie_secure: secure,
                min_form_seconds,
                public_rate_limit,
                trusted_proxies,
                // A number from the range Ofcom keeps for drama: never a real line.
                contact_phone: contact_phone
                    .filter(|p| !p.trim().is_empty())
                    .or_else(|| demo.then(|| "01632 960 001".to_string())),
            };
            let anchoring = Anchoring {
                file: anchors.file(&db),
                key: anchors.key()?,
                every: Duration::from_secs(audit_anchor_minutes * 60),
            };
            let store_options = StoreOptions {
                statement_timeout: (statement_timeout_seconds > 0)
                    .then(|| Duration::from_secs(statement_timeout_seconds)),
                ..StoreOptions::default()
            };
            let demo = demo.then_some(demo_people);
            serve(
                bind,
                db,
                store_options,
                demo,
                config,
                web,
                mail,
                sso,
                anchoring,
            )
            .await
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    agency,
                    team,
                    display_name,
                    password_stdin: _,
                    organisation,
                    email,
                    db,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let core = Safeguard::new(db.open().await?, CoreConfig::default());
            let now = OffsetDateTime::now_utc();
            core.ensure_owner_agency(&organisation, now).await?;
            // At the command line the operator sets up the organisation: a
            // named agency or team that does not exist yet is created.
            for note in core
                .ensure_agency_and_team(agency.trim(), team.trim(), now)
                .await?
            {
                println!("{note}");
            }
            let input = NewUserInput {
                username,
                display_name,
                role,
                agency,
                team,
                password,
                email,
            };
            match core.add_user(None, &input, &Ctx::default(), now).await {
                Ok(_) => {
                    println!("Added user {}.", input.username.trim().to_lowercase());
                    Ok(ExitCode::SUCCESS)
                }
                Err(CoreError::Invalid(errors)) => {
                    for e in errors.0 {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e) => bail!(e),
            }
        }
        Command::User { command } => user_command(command).await,
        Command::Audit {
            command: AuditCommand::Verify { db, anchors },
        } => {
            let key = anchors.key()?;
            let file = anchors.file(&db);
            let core = Safeguard::new(db.open().await?, CoreConfig::default());
            match core.verify_audit().await? {
                Verification::Intact { events } => {
                    println!("audit chain intact: {events} events verified");
                }
                Verification::Broken { seq, id, reason } => {
                    let id = id.map(|i| format!(" (id {i})")).unwrap_or_default();
                    println!("audit chain BROKEN at event {seq}{id}: {reason}");
                    return Ok(ExitCode::from(1));
                }
            }
            match core.check_audit_anchors(&file, key.as_ref()).await? {
                AnchorCheck::NoAnchors => {
                    println!(
                        "no audit anchors in {}: a chain rewritten in full would not be noticed (the server writes them; or run `safeguard audit anchor`)",
                        file.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                AnchorCheck::Agree {
                    anchors,
                    signed,
                    latest,
                } => {
                    println!(
                        "{anchors} anchors in {} agree with the chain, the latest at event {latest} ({})",
                        file.display(),
                        if signed {
                            "signatures checked with the audit key"
                        } else {
                            "signatures NOT checked: no audit key given"
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                AnchorCheck::Disagree { line, reason } => {
                    println!(
                        "audit chain BROKEN: anchor at line {line} of {}: {reason}",
                        file.display()
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Anchor { db, anchors },
        } => {
            let key = anchors.key()?;
            let file = anchors.file(&db);
            let core = Safeguard::new(db.open().await?, CoreConfig::default());
            let seq = core
                .write_audit_anchor(&file, key.as_ref(), OffsetDateTime::now_utc())
                .await?;
            println!(
                "anchored the audit chain at event {seq} in {}{}",
                file.display(),
                if key.is_some() {
                    " (signed)"
                } else {
                    " (unsigned: no audit key)"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            command: ReportCommand::Sac { year, out, db },
        } => {
            let Some(year) = safeguard_domain::sac::Year::parse(&year) else {
                eprintln!("--year must be a financial year like 2025-26, not {year:?}");
                return Ok(ExitCode::from(2));
            };
            let store = db.open().await?;
            let mut pass = safeguard_domain::sac::Pass::count(year);
            store.sac_pass(year, false, &mut pass).await?;
            let result = pass.into_return();
            std::fs::create_dir_all(&out).with_context(|| format!("making {}", out.display()))?;
            let files = safeguard_domain::sac::to_csv(&result);
            for (name, body) in &files {
                let path = out.join(name);
                std::fs::write(&path, body)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            println!(
                "SAC return {year}: {} tables written to {}",
                files.len(),
                out.display()
            );
            let quality = store.sac_quality(year).await?;
            for (code, label, _, _) in safeguard_store::sac::QUALITY_CHECKS {
                let n = quality.iter().filter(|q| q.check_code == *code).count();
                if n > 0 {
                    println!("  check before submitting: {n} — {label}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup {
            out,
            db,
            attachments,
        } => backup(&out, &db, &attachments).await,
        Command::Restore {
            from,
            verify,
            db,
            anchors,
            ledger,
            attachments,
        } => {
            restore(
                &from,
                verify,
                &db,
                &anchors,
                &ledger.file(&db),
                &attachments,
            )
            .await
        }
        Command::Migrate { db } => {
            let store = db.open().await?;
            println!("migrations applied ({})", store.backend_name());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            people,
            years,
            end_year,
            seed,
            db,
        } => {
            // Generating records at scale loads millions of rows: a larger
            // page cache for this run only (the server keeps the bounded default).
            let options = StoreOptions {
                sqlite_cache_mib: people.is_some().then_some(GENERATOR_CACHE_MIB),
                sqlite_bulk_load: people.is_some(),
                ..StoreOptions::default()
            };
            let core = Safeguard::new(db.open_with(options).await?, CoreConfig::default());
            let now = OffsetDateTime::now_utc();
            match core.load_demo(now).await? {
                Some(logins) => {
                    core.load_demo_casework(now).await?;
                    print_logins(&logins)
                }
                None => println!("The database already has accounts; demo data was not loaded."),
            }
            if let Some(people) = people {
                let end_year = match end_year {
                    Some(y) => match safeguard_domain::sac::Year::parse(&y) {
                        Some(y) => y,
                        None => {
                            eprintln!(
                                "--end-year must be a financial year like 2025-26, not {y:?}"
                            );
                            return Ok(ExitCode::from(2));
                        }
                    },
                    None => safeguard_domain::sac::Year::containing(core.today(now)),
                };
                if years == 0 || years > 50 {
                    eprintln!("--years must be from 1 to 50");
                    return Ok(ExitCode::from(2));
                }
                let profile = safeguard_core::generate::Profile::new(people, years, end_year, seed);
                let started = std::time::Instant::now();
                let made = core
                    .generate(&profile, now, |what, done, of| {
                        let pct = (done * 100).checked_div(of).unwrap_or(100);
                        let bar = "#".repeat((pct / 4) as usize);
                        eprint!("\r{what:<9} [{bar:<25}] {pct:>3}% {done}/{of}   ");
                    })
                    .await?;
                eprintln!();
                println!(
                    "Generated {} people, {} concerns, {} enquiries ({} concluded) in {:.1}s (seed {seed}).",
                    made.people,
                    made.concerns,
                    made.enquiries,
                    made.concluded,
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A time zone by its IANA name, like `Europe/London`.
fn parse_zone(s: &str) -> Result<safeguard_core::OrgZone, String> {
    safeguard_core::OrgZone::named(s)
}

/// An address or network, like `10.0.0.0/8` or `127.0.0.1`.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is not an address or network like 10.0.0.0/8"))
}

/// The account subcommands other than `add`: the operator's authority.
async fn user_command(command: UserCommand) -> anyhow::Result<ExitCode> {
    let (username, db) = match &command {
        UserCommand::Add { .. } => bail!("handled above"),
        UserCommand::Disable { username, db }
        | UserCommand::Enable { username, db }
        | UserCommand::EndSessions { username, db }
        | UserCommand::SetPassword { username, db, .. }
        | UserCommand::ResetTwoFactor { username, db }
        | UserCommand::Sessions { username, db } => (username.clone(), db.clone()),
    };
    let core = Safeguard::new(db.open().await?, CoreConfig::default());
    let now = OffsetDateTime::now_utc();
    let ctx = Ctx::default();
    let Some(id) = core.user_id_of(&username).await? else {
        eprintln!("No account has the username {username:?}.");
        return Ok(ExitCode::from(1));
    };
    let done = match command {
        UserCommand::Add { .. } => bail!("handled above"),
        UserCommand::Disable { .. } => core
            .set_account_disabled(None, &id, true, &ctx, now)
            .await
            .map(|_| format!("Disabled {username}; its sessions and API tokens have ended.")),
        UserCommand::Enable { .. } => core
            .set_account_disabled(None, &id, false, &ctx, now)
            .await
            .map(|_| format!("Enabled {username}.")),
        UserCommand::EndSessions { .. } => core
            .end_account_credentials(None, &id, None, &ctx, now)
            .await
            .map(|n| format!("Ended {n} sessions and API tokens of {username}.")),
        UserCommand::SetPassword { .. } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            core.operator_set_password(&id, password, now)
                .await
                .map(|_| {
                    format!(
                        "Set the password of {username}; its sessions and API tokens have ended."
                    )
                })
        }
        UserCommand::ResetTwoFactor { .. } => core
            .reset_two_factor(None, &id, &ctx, now)
            .await
            .map(|_| format!("Reset the two-factor sign-in of {username}: it is set up again at the next sign-in.")),
        UserCommand::Sessions { .. } => core.account(None, &id, &ctx, now).await.map(|a| {
            let mut out = format!("{username}: {}", a.user.state());
            for c in a.credentials {
                out.push_str(&format!(
                    "\n  {} {} created {} {} {}",
                    c.kind,
                    c.handle,
                    safeguard_core::audit_day(c.created_at),
                    if c.kind == "session" {
                        "last used"
                    } else {
                        "expires"
                    },
                    safeguard_core::audit_day(c.until)
                ));
            }
            out
        }),
    };
    match done {
        Ok(msg) => {
            println!("{msg}");
            Ok(ExitCode::SUCCESS)
        }
        Err(CoreError::Invalid(errors)) => {
            for e in errors.0 {
                eprintln!("{}: {}", e.field, e.message);
            }
            Ok(ExitCode::from(1))
        }
        Err(e) => bail!(e),
    }
}

fn print_logins(logins: &[safeguard_core::demo::DemoLogin]) {
    println!(
        "Demo accounts (password for each: {}):",
        safeguard_core::demo::DEMO_PASSWORD
    );
    for l in logins {
        let code = if l.second_factor {
            " (and a code: see below)"
        } else {
            ""
        };
        println!("  {:<14} {}{code}", l.username, l.role.label());
    }
    if logins.iter().any(|l| l.second_factor) {
        let secret = safeguard_core::demo::DEMO_TOTP_SECRET;
        println!(
            "The accounts marked give a code too, from an authenticator app set up with the demo\n\
             key {secret} (time-based, 6 digits, 30 s; `oathtool --totp -b {secret}` prints one)."
        );
    }
}

/// Role codes separated by commas, or `none`.
#[derive(Clone, Debug)]
struct RoleList(Vec<safeguard_domain::Role>);

fn parse_roles(s: &str) -> Result<RoleList, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("none") || s.is_empty() {
        return Ok(RoleList(Vec::new()));
    }
    s.split(',')
        .map(|code| {
            safeguard_domain::Role::parse(code.trim()).ok_or_else(|| {
                format!(
                    "{:?} is not a role (practitioner, manager, partner, analyst, dpo, admin, or none)",
                    code.trim()
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(RoleList)
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    bind: SocketAddr,
    db: DbArgs,
    store_options: StoreOptions,
    demo: Option<u32>,
    config: CoreConfig,
    web: safeguard_web::WebConfig,
    mail: MailArgs,
    sso: SsoArgs,
    anchoring: Anchoring,
) -> anyhow::Result<ExitCode> {
    let store = db.open_with(store_options).await?;
    let backend = store.backend_name();
    let core = Safeguard::new(store, config);
    let now = OffsetDateTime::now_utc();
    let mut demo_volume = None;
    let demo_logins = if let Some(people) = demo {
        let logins = core.load_demo(now).await?;
        if logins.is_some() {
            core.load_demo_casework(now).await?;
            if people > 0 {
                // A concluded year and this one so far, so that the dashboard
                // and the SAC return show figures on first start.
                let year = safeguard_domain::sac::Year::containing(core.today(now));
                let made = core
                    .generate(
                        &safeguard_core::generate::Profile::new(people, 2, year, 1),
                        now,
                        |_, _, _| {},
                    )
                    .await?;
                demo_volume = Some(made);
            }
        }
        logins
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    // Anchor the audit chain outside the database now, every few minutes
    // while its head moves, and at shutdown.
    core.write_audit_anchor(&anchoring.file, anchoring.key.as_ref(), now)
        .await
        .with_context(|| format!("cannot write the audit anchor {}", anchoring.file.display()))?;
    if !anchoring.every.is_zero() {
        let anchorer = core.clone();
        let a = anchoring.clone();
        tokio::spawn(async move {
            let mut last = anchorer.audit_head_seq().await.ok();
            loop {
                tokio::time::sleep(a.every).await;
                let head = anchorer.audit_head_seq().await.ok();
                if head.is_some() && head != last {
                    match anchorer
                        .write_audit_anchor(&a.file, a.key.as_ref(), OffsetDateTime::now_utc())
                        .await
                    {
                        Ok(_) => last = head,
                        Err(e) => tracing::warn!(error = %e, "could not write the audit anchor"),
                    }
                }
            }
        });
    }
    // Files that came while no scanner answered are scanned once one does.
    let scanner = core.clone();
    tokio::spawn(async move {
        loop {
            match scanner.scan_quarantined(OffsetDateTime::now_utc()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(scanned = n, "quarantined attachments scanned"),
                Err(e) => tracing::warn!(error = %e, "could not scan quarantined attachments"),
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });
    let purge = core.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(600)).await;
            if let Err(e) = purge.purge_sessions(OffsetDateTime::now_utc()).await {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
        }
    });
    // Training reminders go into the outbox (each once) as levels near
    // their expiry; the mailer below sends them when mail is configured.
    let reminders = core.clone();
    tokio::spawn(async move {
        loop {
            match reminders
                .queue_learning_reminders(OffsetDateTime::now_utc())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(queued = n, "training reminders queued"),
                Err(e) => tracing::warn!(error = %e, "could not queue training reminders"),
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    if let Some(smtp_url) = mail.smtp_url.clone() {
        let mailer = core.clone();
        let cfg = safeguard_core::mail::MailConfig {
            smtp_url,
            from: mail.mail_from.clone(),
            public_url: mail
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}")),
        };
        tokio::spawn(async move {
            loop {
                match mailer
                    .send_pending_emails(&cfg, OffsetDateTime::now_utc())
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(sent = n, "emails sent"),
                    Err(e) => tracing::warn!(error = %e, "could not send emails"),
                }
                tokio::time::sleep(Duration::from_secs(15)).await;
            }
        });
    }
    let mut state = safeguard_web::AppState::new(core.clone(), web);
    if let Some(issuer) = &sso.oidc_issuer {
        let public = mail.public_url.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "--oidc-issuer needs --public-url (the address the provider sends people back to)"
            )
        })?;
        let client = safeguard_web::sso::SsoClient::discover(
            issuer.trim_end_matches('/'),
            &sso.oidc_client_id,
            sso.client_secret()?,
            &format!("{}/login/sso/callback", public.trim_end_matches('/')),
            &sso.oidc_button,
        )
        .await
        .map_err(|e| anyhow::anyhow!("single sign-on: {e}"))?;
        tracing::info!(issuer = client.issuer(), "single sign-on is on");
        state = state.with_sso(client);
    }
    let app = safeguard_web::router(state.clone());
    println!("Safeguard is running at http://{addr}/ (database: {backend})");
    if let Some(logins) = &demo_logins {
        print_logins(logins);
    } else if demo.is_some() {
        println!(
            "Demo data was already loaded: sign in with the demo accounts (password {}; managers, DPOs and administrators also give a code from an authenticator app set up with the key {}).",
            safeguard_core::demo::DEMO_PASSWORD,
            safeguard_core::demo::DEMO_TOTP_SECRET
        );
    }
    if let Some(made) = &demo_volume {
        println!(
            "Demo volume: {} synthetic people, {} concerns, {} enquiries ({} concluded) over two financial years.",
            made.people, made.concerns, made.enquiries, made.concluded
        );
    }
    // With each connection's peer address: the public rate limit counts by it.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown().await;
        // Not ready for new work; the requests in flight finish first.
        state.start_draining();
    })
    .await?;
    if let Err(e) = core
        .write_audit_anchor(
            &anchoring.file,
            anchoring.key.as_ref(),
            OffsetDateTime::now_utc(),
        )
        .await
    {
        tracing::warn!(error = %e, "could not write the audit anchor at shutdown");
    }
    Ok(ExitCode::SUCCESS)
}

impl DbArgs {
    /// The SQLite database file, when the database is SQLite.
    fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.database_url {
            None => Some(self.data_dir.join("safeguard.db")),
            Some(u) if u.starts_with("sqlite:") => {
                let path = u
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                Some(PathBuf::from(path.split('?').next().unwrap_or(path)))
            }
            Some(_) => None,
        }
    }
}

/// Syncs a file, then the directory that holds it (so a rename is durable).
fn sync_file_and_dir(path: &std::path::Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("cannot sync {}", dir.display()))?;
    }
    Ok(())
}

fn sha256_of(path: &std::path::Path) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(safeguard_store::hex(&h.finalize()))
}

/// Integrity and audit chain of the database `store` opens.
async fn check_database(store: Store) -> anyhow::Result<i64> {
    let integrity = store.integrity_check().await?;
    if integrity != "ok" {
        bail!("the database's integrity check failed: {integrity}");
    }
    let core = Safeguard::new(store, CoreConfig::default());
    match core.verify_audit().await? {
        Verification::Intact { events } => Ok(events),
        Verification::Broken { seq, reason, .. } => {
            bail!("the audit chain is broken at event {seq}: {reason}")
        }
    }
}

fn pg_tool(tool: &str, args: &[&str]) -> anyhow::Result<()> {
    let status = std::process::Command::new(tool)
        .args(args)
        .status()
        .with_context(|| format!("cannot run {tool} (install the PostgreSQL client tools)"))?;
    if !status.success() {
        bail!("{tool} failed ({status})");
    }
    Ok(())
}

/// `safeguard backup --out FILE`.
async fn backup(
    out: &std::path::Path,
    db: &DbArgs,
    attachments: &AttachmentArgs,
) -> anyhow::Result<ExitCode> {
    if out.exists() {
        bail!("{} exists already: choose a new file", out.display());
    }
    let tmp = out.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    let (events, listed) = match db.sqlite_file() {
        Some(_) => {
            let store = db.open().await?;
            store
                .sqlite_snapshot(&tmp)
                .await
                .context("cannot write the snapshot")?;
            // The snapshot itself is checked, not the live database.
            let copy = Store::connect(&format!("sqlite://{}", tmp.display()))
                .await
                .context("cannot open the snapshot")?;
            let listed = copy.attachment_manifest().await;
            let events = check_database(copy).await;
            if events.is_err() || listed.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            (events?, listed?)
        }
        None => {
            let url = db.database_url.clone().unwrap_or_default();
            // The chain is checked on the database the archive is taken from.
            let live = db.open().await?;
            let listed = live.attachment_manifest().await?;
            let events = check_database(live).await?;
            let t = tmp.to_string_lossy().to_string();
            pg_tool(
                "pg_dump",
                &["--format=custom", "--no-owner", "--file", &t, &url],
            )?;
            pg_tool("pg_restore", &["--list", &t]).context("the archive cannot be read back")?;
            (events, listed)
        }
    };
    sync_file_and_dir(&tmp)?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    sync_file_and_dir(out)?;
    let size = std::fs::metadata(out)?.len();
    println!(
        "backup written to {} ({size} bytes, sha256 {}); integrity ok, audit chain intact: {events} events",
        out.display(),
        sha256_of(out)?
    );
    // The files are in the object store, backed up with it: the backup
    // lists each by its SHA-256, and checks the store holds it now.
    let manifest = attachment_manifest_path(out);
    let mut text =
        String::from("# sha256 size status id: the attachments this backup's records refer to\n");
    for (id, status, size, sha) in &listed {
        text.push_str(&format!("{sha} {size} {status} {id}\n"));
    }
    std::fs::write(&manifest, text)
        .with_context(|| format!("cannot write {}", manifest.display()))?;
    sync_file_and_dir(&manifest)?;
    let core = Safeguard::new(
        db.open().await?,
        CoreConfig {
            attachments: Some(attachments.settings(db)?),
            ..CoreConfig::default()
        },
    );
    // The files the backup's own records refer to (from the snapshot).
    let bad = core.check_listed_files(&listed).await?;
    println!(
        "{} attachments listed by SHA-256 in {}{}",
        listed.len(),
        manifest.display(),
        if bad.is_empty() {
            "; every one is in the attachment store and matches".to_string()
        } else {
            format!(
                "; {} missing or not matching in the attachment store",
                bad.len()
            )
        }
    );
    for (id, why) in &bad {
        println!("attachment {id}: {why}");
    }
    if !bad.is_empty() {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The list of attachments written beside a backup.
fn attachment_manifest_path(backup: &std::path::Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".attachments");
    PathBuf::from(name)
}

/// `safeguard restore --from FILE [--verify]`.
async fn restore(
    from: &std::path::Path,
    verify: bool,
    db: &DbArgs,
    anchors: &AnchorArgs,
    ledger: &std::path::Path,
    attachments: &AttachmentArgs,
) -> anyhow::Result<ExitCode> {
    if !from.is_file() {
        bail!("no backup at {}", from.display());
    }
    match db.sqlite_file() {
        Some(target) => {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = target.with_extension("restoring");
            std::fs::copy(from, &tmp).with_context(|| format!("cannot copy {}", from.display()))?;
            sync_file_and_dir(&tmp)?;
            // The old log must not be replayed onto the restored file.
            for ext in ["db-wal", "db-shm"] {
                let _ = std::fs::remove_file(target.with_extension(ext));
            }
            std::fs::rename(&tmp, &target)?;
            sync_file_and_dir(&target)?;
        }
        None => {
            let url = db.database_url.clone().unwrap_or_default();
            let f = from.to_string_lossy().to_string();
            pg_tool(
                "pg_restore",
                &[
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    &url,
                    &f,
                ],
            )?;
        }
    }
    let store = db.open().await?;
    let now = OffsetDateTime::now_utc();
    let core = Safeguard::new(
        store.clone(),
        CoreConfig {
            attachments: Some(attachments.settings(db)?),
            ..CoreConfig::default()
        },
    );
    let again = core.reapply_disposals(ledger, now).await?;
    for (kind, id) in &again {
        println!("disposed of again (noted in the ledger since the backup): {kind} {id}");
    }
    // Anchors written after the backup describe a chain that is gone: they
    // are kept aside, and anchoring starts again from the restored head.
    let file = anchors.file(db);
    if file.exists() {
        let aside = file.with_extension(format!("before-restore-{}", now.unix_timestamp()));
        std::fs::rename(&file, &aside)?;
        println!(
            "audit anchors before the restore kept in {}",
            aside.display()
        );
    }
    core.write_audit_anchor(&file, anchors.key()?.as_ref(), now)
        .await?;
    if verify {
        let bad = core.check_attachment_files().await?;
        for (id, why) in &bad {
            println!("attachment {id}: {why}");
        }
        if !bad.is_empty() {
            println!(
                "restored, but verification FAILED: {} attachments missing or not matching in the attachment store",
                bad.len()
            );
            return Ok(ExitCode::from(1));
        }
        match check_database(store).await {
            Ok(events) => {
                println!("restored and verified: integrity ok, audit chain intact: {events} events")
            }
            Err(e) => {
                println!("restored, but verification FAILED: {e}");
                return Ok(ExitCode::from(1));
            }
        }
    } else {
        println!("restored from {}", from.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Where and how often the server anchors the audit chain.
#[derive(Clone)]
struct Anchoring {
    file: PathBuf,
    key: Option<AnchorKey>,
    every: Duration,
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
