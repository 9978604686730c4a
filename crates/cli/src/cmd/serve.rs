//! `fupin serve`: the web platform over an existing database.

use super::*;
use fupin_domain::id_number::Date;
use fupin_store::prelude::*;
use std::sync::Arc;

/// The demo's accounts as the banner lists them: (username, name, role and region).
pub type Accounts = Vec<(String, String, String)>;

fn listen_banner(listen: &str, accounts: &Accounts, password: &str) {
    println!("\n精准扶贫大数据平台已启动： http://{listen}");
    println!("演示账号（密码均为 {password}）：");
    for (u, d, r) in accounts {
        println!("  {u:<12} {d}（{r}）");
    }
}

/// Serves until the process is stopped. Everything that reads the store happens here, before
/// the async runtime starts: the PostgreSQL client is blocking and may not be called from async
/// code (inside the server every store call runs on a blocking thread).
pub fn serve(
    store: Arc<dyn Store>,
    listen: &str,
    public_url: Option<&str>,
    banner: Option<(&Accounts, &str)>,
    index_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let secure = match public_url {
        None => false,
        Some(u) if u.starts_with("https://") => true,
        Some(u) if u.starts_with("http://") => false,
        Some(u) => anyhow::bail!("--public-url “{u}” 应以 https:// 或 http:// 开头"),
    };
    let as_of: Date = business_date(&*store)?;
    let demo_mode = store.meta(DEMO_MARK)?.is_some();
    let state = fupin_web::AppState::with_index(store, as_of, demo_mode, secure, Some(index_dir));
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("无法监听{listen}"))?;
        match banner {
            Some((accounts, pw)) => listen_banner(&listener.local_addr()?.to_string(), accounts, pw),
            None => println!("精准扶贫大数据平台已启动： http://{}", listener.local_addr()?),
        }
        fupin_web::serve(state, listener).await?;
        Ok(())
    })
}
