//! A real headless Chromium, driven through chromedriver: the village official logs in,
//! searches, opens a household, edits a field and finds the edit in the history. Screenshots
//! go to `target/browser/`. Without Chromium the test is skipped loudly, except under
//! `CI=true`, where that is a failure.

mod common;

use common::{server, PASSWORD};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<(Driver, u16)> {
    let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists());
    let Some(path) = path else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromedriver not found under CI=true: install chromium and chromium-driver");
        }
        eprintln!("SKIPPED: chromedriver not installed; browser test not run");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(path).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((Driver(child), port));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not start");
}

fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn village_official_searches_opens_edits_and_sees_history() {
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": "/usr/bin/chromium", "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000", "--lang=zh-CN"]}),
    );
    let c = ClientBuilder::native().capabilities(caps).connect(&format!("http://127.0.0.1:{port}")).await.expect("connect to chromedriver");
    let shots = screenshot_dir();
    let result: Result<(), fantoccini::error::CmdError> = async {
        c.goto(&format!("{base}/login")).await?;
        c.find(Locator::Id("username")).await?.send_keys("village").await?;
        c.find(Locator::Id("password")).await?.send_keys(PASSWORD).await?;
        c.find(Locator::Id("login")).await?.click().await?;
        c.wait().for_element(Locator::Id("registered-persons")).await?;
        std::fs::write(shots.join("1-village-dashboard.png"), c.screenshot().await?).unwrap();

        // Search by the name of a household head shown in the village's list.
        c.goto(&format!("{base}/households?status=1")).await?;
        let first_head = c.find(Locator::Css("#households tr:nth-child(2) td:nth-child(3)")).await?.text().await?;
        c.find(Locator::Id("q")).await?.send_keys(&first_head).await?;
        c.find(Locator::Id("search")).await?.click().await?;
        c.wait().for_element(Locator::Css("#households tr:nth-child(2) a")).await?;
        std::fs::write(shots.join("2-search.png"), c.screenshot().await?).unwrap();
        let heads = c.find_all(Locator::Css("#households tr td:nth-child(3)")).await?;
        for h in heads {
            assert_eq!(h.text().await?, first_head);
        }
        c.find(Locator::Css("#households tr:nth-child(2) a")).await?.click().await?;
        c.wait().for_element(Locator::Id("edit-form")).await?;

        // Edit the phone with a reason; the page confirms and the history shows the event.
        let phone = c.find(Locator::Id("edit-phone")).await?;
        phone.clear().await?;
        phone.send_keys("13912345678").await?;
        c.find(Locator::Id("edit-reason")).await?.send_keys("户主更换手机号").await?;
        c.find(Locator::Id("save")).await?.click().await?;
        c.wait().for_element(Locator::Id("edit-ok")).await?;
        assert_eq!(c.find(Locator::Id("phone")).await?.text().await?, "13912345678");
        let history = c.find(Locator::Id("history")).await?.text().await?;
        assert!(history.contains("户主更换手机号") && history.contains("edit_fields"), "{history}");
        std::fs::write(shots.join("3-household-after-edit.png"), c.screenshot().await?).unwrap();

        // A bad value is refused inline, nothing saved.
        let phone = c.find(Locator::Id("edit-phone")).await?;
        phone.clear().await?;
        phone.send_keys("12345").await?;
        c.find(Locator::Id("edit-reason")).await?.send_keys("测试").await?;
        c.find(Locator::Id("save")).await?.click().await?;
        let err = c.wait().for_element(Locator::Id("edit-error")).await?.text().await?;
        assert!(err.contains("11位"), "{err}");
        assert_eq!(c.find(Locator::Id("phone")).await?.text().await?, "13912345678");
        std::fs::write(shots.join("4-refused-edit.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("browser scenario");
}
