// The tests of `browser.rs` and `browser_pg.rs`: one suite, served from each backend.


use common::{server, PASSWORD};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The browser tests share one server when run in one process (`cargo test`); one at a time,
/// so that one test's changes (the exit, the clock) never land between another's page and API reads.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

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
    let child =
        Command::new(path).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start chromedriver");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((Driver(child), port));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not start");
}

/// Headless Chromium through the chromedriver on `port`, with the flags this closed network needs.
async fn browser(port: u16, window: &str) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": "/usr/bin/chromium", "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", format!("--window-size={window}"), "--lang=zh-CN"]}),
    );
    // Console messages, read back by `console_errors`.
    caps.insert("goog:loggingPrefs".into(), serde_json::json!({"browser": "ALL"}));
    ClientBuilder::native().capabilities(caps).connect(&format!("http://127.0.0.1:{port}")).await.expect("connect to chromedriver")
}

fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn village_official_searches_opens_edits_and_sees_history() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    let c = browser(port, "1400,1000").await;
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

        // Edit the phone with a reason (the form opens from its own button); the page confirms
        // and the history shows the event.
        c.find(Locator::Css("#edit-details summary")).await?.click().await?;
        let phone = c.find(Locator::Id("edit-phone")).await?;
        phone.clear().await?;
        phone.send_keys("13912345678").await?;
        c.find(Locator::Id("edit-reason")).await?.send_keys("户主更换手机号").await?;
        c.find(Locator::Id("save")).await?.click().await?;
        c.wait().for_element(Locator::Id("edit-ok")).await?;
        assert_eq!(c.find(Locator::Id("phone")).await?.text().await?, "13912345678");
        let history = c.find(Locator::Id("history")).await?.text().await?;
        assert!(history.contains("户主更换手机号") && history.contains("修改户信息") && history.contains("联系电话"), "{history}");
        std::fs::write(shots.join("3-household-after-edit.png"), c.screenshot().await?).unwrap();

        // A bad value is refused inline, nothing saved.
        c.find(Locator::Css("#edit-details summary")).await?.click().await?;
        let phone = c.find(Locator::Id("edit-phone")).await?;
        phone.clear().await?;
        phone.send_keys("12345").await?;
        c.find(Locator::Id("edit-reason")).await?.send_keys("测试").await?;
        c.find(Locator::Id("save")).await?.click().await?;
        let err = c.wait().for_element(Locator::Id("edit-error")).await?.text().await?;
        assert!(err.contains("11位"), "{err}");
        assert_eq!(c.find(Locator::Id("phone")).await?.text().await?, "13912345678");
        // The form is open again beside its message, with what was typed, the field marked.
        let typed = c.find(Locator::Id("edit-phone")).await?;
        assert_eq!(typed.prop("value").await?.as_deref(), Some("12345"));
        assert_eq!(typed.attr("aria-invalid").await?.as_deref(), Some("true"));
        assert!(typed.is_displayed().await?, "the edit section is open");
        std::fs::write(shots.join("4-refused-edit.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("browser scenario");
}

/// Waits until the page is at a URL containing `part` and its map table has rows of `child_len`-digit codes.
async fn wait_for_table(c: &fantoccini::Client, part: &str) -> Result<(), fantoccini::error::CmdError> {
    for _ in 0..100 {
        if c.current_url().await?.as_str().contains(part) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.wait().for_element(Locator::Css("#map-table tr[data-code]")).await?;
    Ok(())
}

/// `(code, data-value)` of every row in the map table.
async fn table_values(c: &fantoccini::Client) -> Result<Vec<(String, Option<f64>)>, fantoccini::error::CmdError> {
    let mut out = vec![];
    for row in c.find_all(Locator::Css("#map-table tr[data-code]")).await? {
        let code = row.attr("data-code").await?.unwrap_or_default();
        let value = row.attr("data-value").await?.and_then(|v| v.parse().ok());
        out.push((code, value));
    }
    Ok(out)
}

fn api_values(map: &str, code: &str) -> Vec<(String, Option<f64>)> {
    tokio::task::block_in_place(|| api_values_blocking(map, code))
}

fn api_values_blocking(map: &str, code: &str) -> Vec<(String, Option<f64>)> {
    let body: serde_json::Value =
        common::login("province").get(format!("{}/api/v1/maps/{map}/{code}", server().base)).send().unwrap().json().unwrap();
    body["children"].as_array().unwrap().iter().map(|c| (c["code"].as_str().unwrap().to_string(), c["value"].as_f64())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn province_user_opens_every_map_and_drills_down_to_households() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    let c = browser(port, "1400,1100").await;
    let shots = screenshot_dir();
    let result: Result<(), fantoccini::error::CmdError> = async {
        c.goto(&format!("{base}/login")).await?;
        c.find(Locator::Id("username")).await?.send_keys("province").await?;
        c.find(Locator::Id("password")).await?.send_keys(PASSWORD).await?;
        c.find(Locator::Id("login")).await?.click().await?;
        c.wait().for_element(Locator::Id("registered-persons")).await?;
        for map in ["distribution", "measures", "dynamics", "schedule"] {
            c.goto(&format!("{base}/maps/{map}/37")).await?;
            wait_for_table(&c, &format!("/maps/{map}/37")).await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            std::fs::write(shots.join(format!("map-{map}-37.png")), c.screenshot().await?).unwrap();
            if map != "schedule" {
                assert_eq!(table_values(&c).await?, api_values(map, "37"), "{map}: the page shows the API's figures");
            }
        }
        // The other province-level pages render in the browser.
        for (path, marker, shot) in [
            ("/indicators/3715", "#region-incidence", "indicators-3715.png"),
            ("/yearly", "#meets-exit", "yearly-37.png"),
            ("/checks", "#check-counts", "checks-37.png"),
            // The list, or the sentence saying why it is empty.
            ("/cases?region=371521&all=1", "#cases, #no-cases", "cases-371521.png"),
            ("/households/import", "#import-file", "import-page.png"),
            ("/audit", "#audit-search", "audit-37.png"),
        ] {
            c.goto(&format!("{base}{path}")).await?;
            c.wait().for_element(Locator::Css(marker)).await?;
            std::fs::write(shots.join(shot), c.screenshot().await?).unwrap();
        }
        // Drill down 山东 → 聊城 → 阳谷 → a township → a village → its households.
        c.goto(&format!("{base}/maps/distribution/37")).await?;
        wait_for_table(&c, "/maps/distribution/37").await?;
        let mut code = "37".to_string();
        for next in ["3715", "371521"] {
            c.find(Locator::Css(&format!("#map-table tr[data-code='{next}'] a"))).await?.click().await?;
            wait_for_table(&c, &format!("/maps/distribution/{next}")).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(table_values(&c).await?, api_values("distribution", next));
            std::fs::write(shots.join(format!("drill-{next}.png")), c.screenshot().await?).unwrap();
            code = next.to_string();
        }
        assert_eq!(code, "371521");
        // The PII audit on a phone-sized window: nothing wider than the window but its table.
        c.set_window_size(390, 844).await?;
        c.goto(&format!("{base}/audit")).await?;
        c.wait().for_element(Locator::Id("audit-search")).await?;
        std::fs::write(shots.join("audit-390.png"), c.screenshot().await?).unwrap();
        c.set_window_size(1400, 1100).await?;
        c.goto(&format!("{base}/maps/distribution/371521")).await?;
        wait_for_table(&c, "/maps/distribution/371521").await?;
        // The township with the most remaining poor, then its village with the most.
        for _ in 0..2 {
            let rows = table_values(&c).await?;
            let (best, _) = rows.iter().max_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0))).unwrap().clone();
            c.find(Locator::Css(&format!("#map-table tr[data-code='{best}'] a"))).await?.click().await?;
            if best.len() == 9 {
                wait_for_table(&c, &format!("/maps/distribution/{best}")).await?;
                assert_eq!(table_values(&c).await?, api_values("distribution", &best));
                std::fs::write(shots.join("drill-township.png"), c.screenshot().await?).unwrap();
            } else {
                c.wait().for_element(Locator::Css("#households tr:nth-child(2)")).await?;
                assert!(c.current_url().await?.as_str().contains(&format!("region={best}")));
                std::fs::write(shots.join("drill-village-households.png"), c.screenshot().await?).unwrap();
            }
        }
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("maps scenario");
}

async fn login_as(c: &fantoccini::Client, base: &str, user: &str) -> Result<(), fantoccini::error::CmdError> {
    c.delete_all_cookies().await?;
    c.goto(&format!("{base}/login")).await?;
    c.find(Locator::Id("username")).await?.send_keys(user).await?;
    c.find(Locator::Id("password")).await?.send_keys(PASSWORD).await?;
    c.find(Locator::Id("login")).await?.click().await?;
    c.wait().for_element(Locator::Id("registered-persons")).await?;
    Ok(())
}

/// Clicks a form's button and reads the outcome on the page that follows. It first waits for
/// the clicked page to go away, so that an outcome left on the old page is never read.
async fn click_and_wait(c: &fantoccini::Client, button: &str, outcome: &str) -> Result<String, fantoccini::error::CmdError> {
    let old = c.find(Locator::Id(button)).await?;
    old.click().await?;
    for _ in 0..100 {
        if old.text().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait().for_element(Locator::Id(outcome)).await?.text().await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exit_runs_from_proposal_through_an_objection_to_announcement() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    let (ready, _) = tokio::task::block_in_place(common::exit_candidates);
    let household = ready.first().expect("an exit-ready household").clone();
    let c = browser(port, "1400,1100").await;
    let shots = screenshot_dir();
    let result: Result<(), fantoccini::error::CmdError> = async {
        // 1. The village official proposes the exit and does the village's four steps.
        login_as(&c, &base, "village").await?;
        c.goto(&format!("{base}/households/{household}")).await?;
        c.wait().for_element(Locator::Id("standards-ok")).await?;
        c.find(Locator::Id("propose-exit")).await?.click().await?;
        c.wait().for_element(Locator::Id("steps")).await?;
        let case_url = c.current_url().await?.to_string();
        let case_id = case_url.rsplit('/').next().unwrap().to_string();
        for _ in 0..4 {
            let ok = click_and_wait(&c, "approve", "case-ok").await?;
            assert!(ok.contains("已办理"), "{ok}");
        }
        assert_eq!(c.find(Locator::Id("case-state")).await?.text().await?, "公示中");
        std::fs::write(shots.join("exit-1-village-notice.png"), c.screenshot().await?).unwrap();

        // 2. Someone from the public objects on the notice page, without logging in.
        c.delete_all_cookies().await?;
        let town = &household[..9];
        c.goto(&format!("{base}/public/notices?region={town}")).await?;
        let row = c.wait().for_element(Locator::Css(&format!("tr[data-case='{case_id}']"))).await?;
        row.find(Locator::Css(".objection-text")).await?.send_keys("听说该户儿子在外地买了房").await?;
        row.find(Locator::Css(".objection-submit")).await?.click().await?;
        let ok = c.wait().for_element(Locator::Id("objection-ok")).await?.text().await?;
        assert!(ok.contains(&format!("{case_id}-O1")), "{ok}");
        std::fs::write(shots.join("exit-2-public-objection.png"), c.screenshot().await?).unwrap();

        // 3. The county cannot announce while the objection is open; the township resolves it.
        login_as(&c, &base, "township").await?;
        c.goto(&case_url).await?;
        assert_eq!(c.wait().for_element(Locator::Id("case-state")).await?.text().await?, "有异议，暂停");
        c.find(Locator::Id("resolution-1")).await?.send_keys("经核实，房屋系儿子分户后自购，不影响本户").await?;
        let ok = click_and_wait(&c, "dismiss-1", "case-ok").await?;
        assert!(ok.contains("异议已处理"));
        assert_eq!(c.find(Locator::Id("case-state")).await?.text().await?, "公示中");
        std::fs::write(shots.join("exit-3-township-resolves.png"), c.screenshot().await?).unwrap();

        // 4. The notice period runs out (the demo's clock), and the county announces the exit.
        login_as(&c, &base, "yanggu").await?;
        c.goto(&case_url).await?;
        let refused = click_and_wait(&c, "approve", "case-error").await?;
        assert!(refused.contains("公示期"), "{refused}");
        tokio::task::block_in_place(|| {
            let r = common::login("province")
                .post(format!("{}/api/v1/clock", server().base))
                .json(&serde_json::json!({"days": 7}))
                .send()
                .unwrap();
            assert_eq!(r.status(), 200);
        });
        c.goto(&case_url).await?;
        let ok = click_and_wait(&c, "approve", "case-ok").await?;
        assert!(ok.contains("已办结"), "{ok}");
        std::fs::write(shots.join("exit-4-county-announces.png"), c.screenshot().await?).unwrap();
        c.goto(&format!("{base}/households/{household}")).await?;
        assert_eq!(c.wait().for_element(Locator::Id("status")).await?.text().await?, "已脱贫(享受政策)");
        let history = c.find(Locator::Id("history")).await?.text().await?;
        assert!(history.contains("脱贫退出：乡镇审核、县级公告退出") && history.contains("公示异议：不成立"), "{history}");
        std::fs::write(shots.join("exit-5-household-exited.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("exit scenario");
}

/// Chromium's console messages since the last read (chromedriver's log endpoint, outside W3C).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(r#"{"type": "browser"}"#.to_string()))
    }
}

/// The errors the page logged to the console (script errors, failed loads) since the last call.
async fn console_errors(c: &fantoccini::Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let log = c.issue_cmd(BrowserLog).await?;
    Ok(log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// How far the page is wider than the window (0: nothing to scroll sideways but a table's own box).
async fn overflow(c: &fantoccini::Client) -> Result<i64, fantoccini::error::CmdError> {
    let v = c.execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth", vec![]).await?;
    Ok(v.as_i64().unwrap_or(0))
}

/// Every demo role logs in on a desktop and on a phone, lands on its own front page and opens
/// every item of its menu: no page is an error, none is wider than the screen.
#[tokio::test(flavor = "multi_thread")]
async fn every_role_walks_its_menu_on_a_desktop_and_a_phone() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    let c = browser(port, "1400,1000").await;
    let shots = screenshot_dir();
    let result: Result<(), fantoccini::error::CmdError> = async {
        for (w, h) in [(1400u32, 1000u32), (390, 844)] {
            c.set_window_size(w, h).await?;
            for user in ["province", "liaocheng", "yanggu", "township", "village", "helper", "department", "donor", "evaluator"] {
                login_as(&c, &base, user).await?;
                c.wait().for_element(Locator::Id("home-title")).await?;
                std::fs::write(shots.join(format!("home-{user}-{w}.png")), c.screenshot().await?).unwrap();
                assert_eq!(overflow(&c).await?, 0, "{user} front page at {w}px");
                let mut hrefs = vec![];
                for a in c.find_all(Locator::Css("nav.menu a")).await? {
                    hrefs.push(a.attr("href").await?.expect("a menu link has an href"));
                }
                assert!(hrefs.len() >= 3, "{user}: {hrefs:?}");
                for href in hrefs {
                    c.goto(&format!("{base}{href}")).await?;
                    c.wait().for_element(Locator::Css("main")).await?;
                    let title = c.title().await?;
                    assert!(!title.starts_with("错误"), "{user} {href}: {title}");
                    if href.starts_with("/maps/") {
                        // The map draws after its data arrives.
                        c.wait().for_element(Locator::Css("#map-table tr, #no-children[style='']")).await?;
                    }
                    assert_eq!(overflow(&c).await?, 0, "{user} {href} at {w}px");
                    assert_eq!(console_errors(&c).await?, Vec::<String>::new(), "{user} {href}: console errors");
                    if href == "/policies" && user == "yanggu" {
                        std::fs::write(shots.join(format!("policy-desk-{user}-{w}.png")), c.screenshot().await?).unwrap();
                    }
                }
                // The household file a village official and a helper work on, at both widths.
                if user == "village" || user == "helper" {
                    c.goto(&format!("{base}/")).await?;
                    let file = c.find(Locator::Css("#village-households a, #my-households a")).await?.attr("href").await?.unwrap();
                    c.goto(&format!("{base}{file}")).await?;
                    c.wait().for_element(Locator::Id("sections")).await?;
                    assert_eq!(overflow(&c).await?, 0, "{user} {file} at {w}px");
                    std::fs::write(shots.join(format!("household-{user}-{w}.png")), c.screenshot().await?).unwrap();
                    c.goto(&format!("{base}{file}#history-h")).await?;
                    let history = c.find(Locator::Id("history")).await?.text().await?;
                    for raw in ["register", "set_status", "set_income", "edit_fields", "case."] {
                        assert!(!history.contains(raw), "{user}: raw event name {raw} in the history: {history}");
                    }
                    std::fs::write(shots.join(format!("household-history-{user}-{w}.png")), c.screenshot().await?).unwrap();
                }
            }
        }
        // A visitor: the portal and the notices, on the phone.
        c.delete_all_cookies().await?;
        c.goto(&format!("{base}/")).await?;
        c.wait().for_element(Locator::Id("portal-title")).await?;
        assert_eq!(overflow(&c).await?, 0, "portal at 390px");
        std::fs::write(shots.join("portal-390.png"), c.screenshot().await?).unwrap();
        c.find(Locator::Css("#children a")).await?.click().await?;
        c.wait().for_element(Locator::Css(".crumbs")).await?;
        assert_eq!(overflow(&c).await?, 0, "a city on the portal at 390px");
        c.find(Locator::Id("nav-public-notices")).await?.click().await?;
        c.wait().for_element(Locator::Id("notice-regions")).await?;
        std::fs::write(shots.join("notices-pick-390.png"), c.screenshot().await?).unwrap();
        // The visitor searches the policies on the phone and opens the first hit.
        c.find(Locator::Id("nav-public-policies")).await?.click().await?;
        c.wait().for_element(Locator::Id("policy-q")).await?;
        c.find(Locator::Id("policy-q")).await?.send_keys("雨露计划").await?;
        c.find(Locator::Id("policy-go")).await?.click().await?;
        c.wait().for_element(Locator::Css("#policies li b, #index-building")).await?;
        // The index may still be building right after the server started: wait for it.
        for _ in 0..100 {
            if c.find(Locator::Css("#policies li b")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            c.refresh().await?;
        }
        assert_eq!(overflow(&c).await?, 0, "policy search at 390px");
        assert_eq!(console_errors(&c).await?, Vec::<String>::new(), "policy search: console errors");
        std::fs::write(shots.join("policies-search-390.png"), c.screenshot().await?).unwrap();
        c.find(Locator::Css("#policies li a.policy-title")).await?.click().await?;
        c.wait().for_element(Locator::Id("doc-title")).await?;
        assert!(c.find(Locator::Id("doc-body")).await?.text().await?.contains("雨露计划"));
        assert_eq!(overflow(&c).await?, 0, "a policy at 390px");
        std::fs::write(shots.join("policy-390.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("every role's menu");
}

/// The row of a table that holds `text`.
async fn row_with(c: &fantoccini::Client, table: &str, text: &str) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    c.wait().for_element(Locator::XPath(&format!("//table[@id='{table}']//tr[contains(., '{text}')]"))).await
}

/// Clicks `button` inside `row` (a CSS selector) and waits for the desk's answer.
async fn click_in_row(c: &fantoccini::Client, row: &fantoccini::elements::Element, button: &str, outcome: &str) -> Result<String, fantoccini::error::CmdError> {
    row.find(Locator::Css(button)).await?.click().await?;
    for _ in 0..100 {
        if row.text().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait().for_element(Locator::Id(outcome)).await?.text().await
}

/// 供需对接 in the browser, on a phone: a donor registers its company, the county verifies it;
/// it offers training; the village official records a household's need on the file and the
/// township publishes it; the donor takes it from the list (which names no household); the
/// village official agrees for the household and gets the card's code; the donor sees who and
/// records the delivery; the village official confirms with the code; the public page ranks the
/// donor.
#[tokio::test(flavor = "multi_thread")]
async fn a_donor_registers_offers_and_meets_a_need_to_the_households_confirmation() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    let c = browser(port, "390,844").await;
    let shots = screenshot_dir();
    let company = "阳谷县惠农电商服务有限公司";
    let credit = fupin_domain::matching::CreditCode::complete("91371521MA3C0B7K2").unwrap().to_string();
    let result: Result<(), fantoccini::error::CmdError> = async {
        // 1. The donor registers.
        login_as(&c, &base, "donor3").await?;
        c.find(Locator::Id("nav-matching")).await?.click().await?;
        c.wait().for_element(Locator::Id("donor-form")).await?;
        assert_eq!(overflow(&c).await?, 0, "the registration form fits a phone");
        c.find(Locator::Id("donor-name")).await?.send_keys(company).await?;
        c.find(Locator::Id("donor-credit")).await?.send_keys(&credit).await?;
        c.find(Locator::Id("donor-contact")).await?.send_keys("孙经理").await?;
        c.find(Locator::Id("donor-phone")).await?.send_keys("13863501234").await?;
        c.find(Locator::Id("donor-region")).await?.send_keys("371521").await?;
        let ok = click_and_wait(&c, "donor-save", "matching-ok").await?;
        assert!(ok.contains("等待所在县扶贫办审核"), "{ok}");
        assert_eq!(c.find(Locator::Id("donor-state")).await?.text().await?, "待审核");
        std::fs::write(shots.join("matching-1-donor-registered-390.png"), c.screenshot().await?).unwrap();

        // 2. The county verifies it.
        login_as(&c, &base, "yanggu").await?;
        c.goto(&format!("{base}/matching")).await?;
        let row = row_with(&c, "pending-donors", company).await?;
        let ok = click_in_row(&c, &row, ".verify-donor", "matching-ok").await?;
        assert!(ok.contains("已审核"), "{ok}");
        assert_eq!(overflow(&c).await?, 0, "the county's desk fits a phone");
        std::fs::write(shots.join("matching-2-county-desk-390.png"), c.screenshot().await?).unwrap();

        // 3. The donor offers two places of e-commerce training in 阳谷县.
        login_as(&c, &base, "donor3").await?;
        c.goto(&format!("{base}/matching")).await?;
        c.find(Locator::Css("#offer-details summary")).await?.click().await?;
        c.find(Locator::Css("#offer-category option[value='06']")).await?.click().await?;
        c.find(Locator::Id("offer-title")).await?.send_keys("电商运营实训").await?;
        c.find(Locator::Id("offer-capacity")).await?.send_keys("2").await?;
        c.find(Locator::Id("offer-value")).await?.send_keys("600").await?;
        c.find(Locator::Id("offer-regions")).await?.send_keys("371521").await?;
        c.find(Locator::Id("offer-deadline")).await?.send_keys("2017-12-31").await?;
        let ok = click_and_wait(&c, "offer-save", "matching-ok").await?;
        assert!(ok.contains("电商运营实训"), "{ok}");

        // 4. The village official records a need on a household's file; the township publishes it.
        login_as(&c, &base, "village").await?;
        let file = c.find(Locator::Css("#village-households a")).await?.attr("href").await?.unwrap();
        c.goto(&format!("{base}{file}#needs-h")).await?;
        c.find(Locator::Css("#need-details summary")).await?.click().await?;
        c.find(Locator::Css("#need-category option[value='06']")).await?.click().await?;
        c.find(Locator::Id("need-description")).await?.send_keys("儿子返乡，想学网店运营").await?;
        c.find(Locator::Id("need-amount")).await?.send_keys("600").await?;
        c.find(Locator::Id("need-deadline")).await?.send_keys("2017-12-31").await?;
        let ok = click_and_wait(&c, "need-save", "edit-ok").await?;
        assert!(ok.contains("等待乡镇审核"), "{ok}");
        std::fs::write(shots.join("matching-3-household-need-390.png"), c.screenshot().await?).unwrap();
        login_as(&c, &base, "township").await?;
        c.goto(&format!("{base}/matching")).await?;
        let row = row_with(&c, "needs", "想学网店运营").await?;
        let ok = click_in_row(&c, &row, ".approve-need", "matching-ok").await?;
        assert!(ok.contains("已发布"), "{ok}");

        // 5. The donor takes it: the list names the village, never the household.
        login_as(&c, &base, "donor3").await?;
        c.goto(&format!("{base}/matching")).await?;
        let row = row_with(&c, "open-needs", "想学网店运营").await?;
        let listed = row.text().await?;
        let household = file.trim_start_matches("/households/").to_string();
        assert!(!listed.contains(&household), "no household id in the list: {listed}");
        std::fs::write(shots.join("matching-4-donor-open-needs-390.png"), c.screenshot().await?).unwrap();
        let ok = click_in_row(&c, &row, ".pick button", "matching-ok").await?;
        assert!(ok.contains("等待农户同意"), "{ok}");
        let row = row_with(&c, "matches", company).await?;
        assert!(row.find(Locator::Css(".show-contact")).await.is_err(), "no contact before the household agrees");

        // 6. The village official agrees for the household and gets the card's code.
        login_as(&c, &base, "village").await?;
        c.goto(&format!("{base}/matching")).await?;
        let row = row_with(&c, "matches", company).await?;
        click_in_row(&c, &row, ".step-agree", "card-code").await?;
        let code = c.find(Locator::Id("card-code-value")).await?.text().await?;
        assert_eq!(code.len(), 6, "{code}");
        std::fs::write(shots.join("matching-5-card-code-390.png"), c.screenshot().await?).unwrap();

        // 7. The donor sees who, and records the delivery.
        login_as(&c, &base, "donor3").await?;
        c.goto(&format!("{base}/matching")).await?;
        let row = row_with(&c, "matches", company).await?;
        let who = click_in_row(&c, &row, ".show-contact", "contact").await?;
        assert!(who.contains("阳谷县") && who.contains("本次查阅已记录"), "{who}");
        let row = row_with(&c, "matches", company).await?;
        row.find(Locator::Css(".deliver input[name='receipt']")).await?.send_keys("实训结业证").await?;
        let ok = click_in_row(&c, &row, ".step-deliver", "matching-ok").await?;
        assert!(ok.contains("待农户确认"), "{ok}");

        // 8. The village official confirms with the household's code and its thanks.
        login_as(&c, &base, "village").await?;
        c.goto(&format!("{base}/matching")).await?;
        let row = row_with(&c, "matches", company).await?;
        row.find(Locator::Css(".confirm input[name='code']")).await?.send_keys(&code).await?;
        row.find(Locator::Css(".confirm input[name='note']")).await?.send_keys("学会了开网店，谢谢").await?;
        let ok = click_in_row(&c, &row, ".step-confirm", "matching-ok").await?;
        assert!(ok.contains("已完成"), "{ok}");
        assert_eq!(overflow(&c).await?, 0, "the village's desk fits a phone");
        std::fs::write(shots.join("matching-6-village-desk-390.png"), c.screenshot().await?).unwrap();

        // 9. The public page ranks the donor; its record shows the thanks.
        c.delete_all_cookies().await?;
        c.goto(&format!("{base}/public/matching?region=371521")).await?;
        let ranking = c.wait().for_element(Locator::Id("donor-ranking")).await?.text().await?;
        assert!(ranking.contains(company), "{ranking}");
        assert_eq!(overflow(&c).await?, 0, "the public page fits a phone");
        assert_eq!(console_errors(&c).await?, Vec::<String>::new());
        std::fs::write(shots.join("matching-7-public-390.png"), c.screenshot().await?).unwrap();
        c.find(Locator::LinkText(company)).await?.click().await?;
        let given = c.wait().for_element(Locator::Id("given")).await?.text().await?;
        assert!(given.contains("学会了开网店，谢谢"), "{given}");
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("the donor's way through");
}

/// 监督举报 on a phone: the public reports a problem about the demo village without logging in
/// and keeps the number and code; the county accepts and answers it, seeing who reported; the
/// reporter follows it with the code and rates it; when the business clock runs past the time
/// to accept, a report left waiting shows a red card on the county's desk.
#[tokio::test(flavor = "multi_thread")]
async fn the_public_reports_a_problem_the_county_answers_and_a_red_card_shows_when_the_clock_runs() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    // The store's PostgreSQL client blocks: read it off the async runtime.
    let village = std::thread::spawn(|| server().store.user("village").unwrap().unwrap().region.to_string()).join().unwrap();
    let c = browser(port, "390,844").await;
    let shots = screenshot_dir();
    let result: Result<(), fantoccini::error::CmdError> = async {
        // 1. Anyone reports, named; a second report is left waiting.
        let mut filed = vec![];
        for (text, name) in [("村里的光伏扶贫电站收益一年多没有分到贫困户手里", "孙立新"), ("村干部把公益岗位安排给了自己的亲属，贫困户没有份", "")] {
            c.delete_all_cookies().await?;
            c.goto(&format!("{base}/public/reports?region={village}")).await?;
            c.find(Locator::Css("#report-category option[value='funds']")).await?.click().await?;
            c.find(Locator::Id("report-text")).await?.send_keys(text).await?;
            if !name.is_empty() {
                c.find(Locator::Id("report-name")).await?.send_keys(name).await?;
                c.find(Locator::Id("report-contact")).await?.send_keys("13561234567").await?;
            }
            assert_eq!(overflow(&c).await?, 0, "the report form fits a phone");
            let done = click_and_wait(&c, "report-submit", "report-filed").await?;
            assert!(done.contains("查询码只显示这一次"), "{done}");
            let number = c.find(Locator::Id("tracking-number")).await?.text().await?;
            let code = c.find(Locator::Id("query-code")).await?.text().await?;
            assert_eq!(code.len(), 8, "{code}");
            filed.push((number, code));
        }
        std::fs::write(shots.join("reports-1-filed-390.png"), c.screenshot().await?).unwrap();
        let ((first, code), (waiting, _)) = (filed[0].clone(), filed[1].clone());

        // 2. The county accepts and answers the first; it sees who reported.
        login_as(&c, &base, "yanggu").await?;
        c.find(Locator::Id("nav-supervision")).await?.click().await?;
        let row = row_with(&c, "reports", &first).await?;
        row.find(Locator::Css("a")).await?.click().await?;
        let who = c.wait().for_element(Locator::Id("reporter")).await?.text().await?;
        assert!(who.contains("孙立新") && who.contains("本次查阅已记录"), "{who}");
        let ok = click_and_wait(&c, "do-accept", "report-ok").await?;
        assert!(ok.contains("办理中"), "{ok}");
        c.find(Locator::Css("#step-answer textarea")).await?.send_keys("经核查，电站收益已按户分配到位，孙立新反映的问题已整改").await?;
        let ok = click_and_wait(&c, "do-answer", "report-ok").await?;
        assert!(ok.contains("待回访"), "{ok}");
        assert_eq!(overflow(&c).await?, 0, "a report's page fits a phone");
        std::fs::write(shots.join("reports-2-county-answered-390.png"), c.screenshot().await?).unwrap();

        // 3. The reporter follows it with the code and is satisfied.
        c.delete_all_cookies().await?;
        c.goto(&format!("{base}/public/reports/follow")).await?;
        c.find(Locator::Id("follow-id")).await?.send_keys(&first).await?;
        c.find(Locator::Id("follow-code")).await?.send_keys("WRONG234").await?;
        let e = click_and_wait(&c, "follow-submit", "follow-error").await?;
        assert!(e.contains("未找到"), "{e}");
        c.find(Locator::Id("follow-code")).await?.clear().await?;
        c.find(Locator::Id("follow-code")).await?.send_keys(&code).await?;
        click_and_wait(&c, "follow-submit", "follow-state").await?;
        let outcome = c.find(Locator::Id("follow-outcome")).await?.text().await?;
        assert!(outcome.contains("电站收益已按户分配到位"), "{outcome}");
        let ok = click_and_wait(&c, "rate-submit", "follow-ok").await?;
        assert!(ok.contains("已办结"), "{ok}");
        assert_eq!(console_errors(&c).await?, Vec::<String>::new());
        std::fs::write(shots.join("reports-3-rated-390.png"), c.screenshot().await?).unwrap();
        // Published, the reporter's name masked.
        c.goto(&format!("{base}/public/reports?region={}", &village[..6])).await?;
        let published = c.wait().for_element(Locator::Id("outcomes")).await?.text().await?;
        assert!(published.contains("孙某反映的问题已整改") && !published.contains("孙立新"), "{published}");

        // 4. The clock runs a week: the report left waiting is past the time to accept.
        login_as(&c, &base, "yanggu").await?;
        c.goto(&format!("{base}/supervision")).await?;
        let before = row_with(&c, "reports", &waiting).await?.text().await?;
        assert!(!before.contains("红牌"), "{before}");
        login_as(&c, &base, "province").await?;
        let was = c.find(Locator::Css(".asof")).await?.text().await?;
        c.find(Locator::Id("clock-7")).await?.click().await?;
        for _ in 0..100 {
            let now = match c.find(Locator::Css(".asof")).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if !now.is_empty() && now != was {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        login_as(&c, &base, "yanggu").await?;
        c.goto(&format!("{base}/supervision?card=red")).await?;
        let after = row_with(&c, "reports", &waiting).await?.text().await?;
        assert!(after.contains("红牌") && after.contains("督办"), "{after}");
        assert_eq!(overflow(&c).await?, 0, "the desk fits a phone");
        std::fs::write(shots.join("reports-4-red-card-390.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("the public's report through the county to its rating");
}

/// 第三方评估 on a phone: the evaluator draws 阳谷县's sample from a seed it chooses, records a
/// sampled household's answers and a household outside the register found omitted, and reads
/// the verdict the omitted household brings.
#[tokio::test(flavor = "multi_thread")]
async fn an_evaluator_draws_a_sample_records_the_field_work_and_reads_the_verdict() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    let c = browser(port, "390,844").await;
    let shots = screenshot_dir();
    let result: Result<(), fantoccini::error::CmdError> = async {
        login_as(&c, &base, "evaluator").await?;
        c.find(Locator::Id("nav-evaluations")).await?.click().await?;
        c.wait().for_element(Locator::Css("#draw summary")).await?.click().await?;
        c.find(Locator::Css("#draw-county option[value='371521']")).await?.click().await?;
        // Many villages, so that the small test province's few files are likely among them.
        for (field, value) in [("draw-seed", "770301"), ("draw-villages", "100"), ("draw-outside", "1")] {
            let input = c.find(Locator::Id(field)).await?;
            input.clear().await?;
            input.send_keys(value).await?;
        }
        assert_eq!(overflow(&c).await?, 0, "the draw form fits a phone");
        std::fs::write(shots.join("evaluation-1-draw-390.png"), c.screenshot().await?).unwrap();
        let seed = click_and_wait(&c, "draw-submit", "evaluation-seed").await?;
        assert_eq!(seed, "770301");
        let digest = c.find(Locator::Id("frame-digest")).await?.text().await?;
        assert_eq!(digest.len(), 64, "{digest}");
        assert_eq!(overflow(&c).await?, 0, "the evaluation fits a phone");

        // The first household of the field list.
        c.find(Locator::Css("#field-list tr[id^='unit-'] a")).await?.click().await?;
        c.wait().for_element(Locator::Id("unit-form")).await?;
        if let Ok(no) = c.find(Locator::Id("wrong-exit-no")).await {
            no.click().await?;
        }
        c.find(Locator::Id("satisfied-yes")).await?.click().await?;
        c.find(Locator::Id("unit-enumerator")).await?.send_keys("调查员09").await?;
        assert_eq!(overflow(&c).await?, 0, "the household's form fits a phone");
        std::fs::write(shots.join("evaluation-2-household-390.png"), c.screenshot().await?).unwrap();
        let saved = click_and_wait(&c, "unit-submit", "saved").await?;
        assert!(saved.contains("已保存第"), "{saved}");

        // A household outside the register, omitted; first without a reason, refused and kept.
        c.find(Locator::Css("a.add-outside")).await?.click().await?;
        c.wait().for_element(Locator::Id("unit-form")).await?;
        c.find(Locator::Id("unit-head")).await?.send_keys("韩某山").await?;
        c.find(Locator::Id("unit-persons")).await?.send_keys("3").await?;
        c.find(Locator::Id("omitted-yes")).await?.click().await?;
        c.find(Locator::Id("unit-enumerator")).await?.send_keys("调查员09").await?;
        let refused = click_and_wait(&c, "unit-submit", "unit-error").await?;
        assert!(refused.contains("须写明情况"), "{refused}");
        assert_eq!(c.find(Locator::Id("unit-head")).await?.prop("value").await?.as_deref(), Some("韩某山"), "what was typed is kept");
        c.find(Locator::Id("unit-reason")).await?.send_keys("户主患大病，家庭人均纯收入低于标准").await?;
        click_and_wait(&c, "unit-submit", "saved").await?;
        // One village is not a design: the page says why there is no 漏评率 yet.
        let alone = c.find(Locator::Id("rate-omitted")).await?.text().await?;
        assert!(alone.contains("只来自一个村"), "{alone}");
        // A second village's household outside the register, rightly not registered.
        c.find_all(Locator::Css("a.add-outside")).await?[1].click().await?;
        c.wait().for_element(Locator::Id("unit-form")).await?;
        c.find(Locator::Id("unit-head")).await?.send_keys("邵某林").await?;
        c.find(Locator::Id("unit-persons")).await?.send_keys("2").await?;
        c.find(Locator::Id("omitted-no")).await?.click().await?;
        c.find(Locator::Id("satisfied-yes")).await?.click().await?;
        c.find(Locator::Id("unit-enumerator")).await?.send_keys("调查员09").await?;
        click_and_wait(&c, "unit-submit", "saved").await?;
        let verdict = c.find(Locator::Id("verdict")).await?.text().await?;
        assert!(verdict.contains("一票否决"), "an omitted household among two vetoes: {verdict}");
        let omitted = c.find(Locator::Id("rate-omitted")).await?.text().await?;
        assert!(omitted.contains("未达标"), "{omitted}");
        assert_eq!(overflow(&c).await?, 0, "the estimates fit a phone");
        assert_eq!(console_errors(&c).await?, Vec::<String>::new());
        std::fs::write(shots.join("evaluation-3-verdict-390.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("the evaluator's draw, field work and verdict");
}

/// 重点工作任务 on a phone: the county dispatches a reported percentage down to its townships and
/// splits it (a weaker part refused, what was typed kept); the township finds it in 待办 and
/// reports with evidence; the county's bulletin ranks the township with its value.
#[tokio::test(flavor = "multi_thread")]
async fn a_county_dispatches_a_key_task_and_the_township_reports_it() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    // The store's PostgreSQL client blocks: not on the test's runtime thread.
    let town = tokio::task::spawn_blocking(|| server().store.user("township").unwrap().unwrap().region.to_string()).await.unwrap();
    let c = browser(port, "390,844").await;
    let shots = screenshot_dir();
    let title = format!("重点村宽带入户（浏览器，第{}号进程）", std::process::id());
    let result: Result<(), fantoccini::error::CmdError> = async {
        login_as(&c, &base, "yanggu").await?;
        c.find(Locator::Id("nav-tasks")).await?.click().await?;
        c.wait().for_element(Locator::Css("#dispatch summary")).await?.click().await?;
        c.find(Locator::Id("task-title")).await?.send_keys(&title).await?;
        c.find(Locator::Css("#task-indicator option[value='reported']")).await?.click().await?;
        c.find(Locator::Css("#task-kind option[value='percent']")).await?.click().await?;
        c.find(Locator::Css("#task-down-to option[value='township']")).await?.click().await?;
        c.find(Locator::Id("task-target")).await?.send_keys("100").await?;
        assert_eq!(overflow(&c).await?, 0, "the dispatch form fits a phone");
        std::fs::write(shots.join("tasks-1-dispatch-390.png"), c.screenshot().await?).unwrap();
        let saved = click_and_wait(&c, "dispatch-submit", "saved").await?;
        assert!(saved.contains("已下达"), "{saved}");
        let url = c.current_url().await?;
        let id = url.path().rsplit('/').next().unwrap().to_string();

        // A weaker part is refused and the form keeps it; the right one is saved.
        let input = c.find(Locator::Id(&format!("target_{town}"))).await?;
        input.send_keys("90").await?;
        let refused = click_and_wait(&c, "split-submit", "task-error").await?;
        assert!(refused.contains("低于本级承接的100.00%"), "{refused}");
        let input = c.find(Locator::Id(&format!("target_{town}"))).await?;
        assert_eq!(input.prop("value").await?.as_deref(), Some("90"), "what was typed is kept");
        input.clear().await?;
        input.send_keys("100").await?;
        let saved = click_and_wait(&c, "split-submit", "saved").await?;
        assert!(saved.contains("已分解到下级"), "{saved}");
        assert_eq!(overflow(&c).await?, 0, "the task fits a phone");

        // The township finds it in 待办 and reports.
        login_as(&c, &base, "township").await?;
        c.goto(&format!("{base}/todo")).await?;
        c.wait().for_element(Locator::Css(&format!("a[href='/supervision/tasks/{id}?region={town}']"))).await?.click().await?;
        c.wait().for_element(Locator::Css("#report summary")).await?;
        if !c.find(Locator::Id("progress-value")).await?.is_displayed().await? {
            c.find(Locator::Css("#report summary")).await?.click().await?;
        }
        c.find(Locator::Id("progress-value")).await?.send_keys("60").await?;
        c.find(Locator::Id("progress-evidence")).await?.send_keys("已有60%的重点村光纤入户，验收单存乡镇").await?;
        std::fs::write(shots.join("tasks-2-report-390.png"), c.screenshot().await?).unwrap();
        let saved = click_and_wait(&c, "progress-submit", "saved").await?;
        assert!(saved.contains("进度已填报"), "{saved}");
        assert_eq!(c.find(Locator::Id("task-value")).await?.text().await?, "60.00%");

        // The county's bulletin ranks the township with its value.
        login_as(&c, &base, "yanggu").await?;
        c.goto(&format!("{base}/supervision/tasks/{id}")).await?;
        let row = c.wait().for_element(Locator::Css(&format!("#parts tr[data-region='{town}']"))).await?.text().await?;
        assert!(row.contains("60.00%"), "{row}");
        assert_eq!(c.find(Locator::Id("task-value")).await?.text().await?, "60.00%", "a single part: its value is the county's");
        assert_eq!(overflow(&c).await?, 0, "the bulletin fits a phone");
        assert_eq!(console_errors(&c).await?, Vec::<String>::new());
        std::fs::write(shots.join("tasks-3-bulletin-390.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("the county's key task, the township's report and the bulletin");
}

/// 扶贫资金 on a phone: the province previews an allocation (the lines shown, nothing
/// published), a refused weight keeps what was typed, and it is published with its 文号; 阳谷县
/// records a project for a household, approves it and puts up its notice, and records a payment;
/// a visitor reads the notice on the public page without the household or the account.
#[tokio::test(flavor = "multi_thread")]
async fn the_province_allocates_the_county_runs_a_project_and_the_public_reads_its_notice() {
    let _serial = one_at_a_time();
    let Some((_driver, port)) = chromedriver() else { return };
    let base = server().base.clone();
    // The store's PostgreSQL client blocks: not on the test's runtime thread.
    let (hid, account) = tokio::task::spawn_blocking(|| {
        let store = &server().store;
        let village = fupin_web::auth::caller_of(&store.user("village").unwrap().unwrap());
        let q = fupin_store::HouseholdQuery { status: Some(fupin_domain::registry::codes::Status::Poor), per_page: 1, page: 1, ..Default::default() };
        let id = store.search_households(&village, &q).unwrap().items[0].id.clone();
        let account = store.household(&village, &id).unwrap().bank_account;
        (id, account)
    })
    .await
    .unwrap();
    let c = browser(port, "390,844").await;
    let shots = screenshot_dir();
    let pid = std::process::id();
    let title = format!("2017年省级财政专项扶贫资金追加（浏览器{pid}）");
    let name = format!("肉牛养殖扶贫项目（浏览器{pid}）");
    let result: Result<(), fantoccini::error::CmdError> = async {
        login_as(&c, &base, "province").await?;
        c.find(Locator::Id("nav-funds")).await?.click().await?;
        c.wait().for_element(Locator::Css("#allocate summary")).await?.click().await?;
        c.find(Locator::Css("#al-source option[value='provincial']")).await?.click().await?;
        c.find(Locator::Id("al-total")).await?.send_keys("10000000").await?;
        c.find(Locator::Id("al-title")).await?.send_keys(&title).await?;
        let task = c.find(Locator::Id("weight-task")).await?;
        task.clear().await?;
        task.send_keys("25").await?;
        let refused = click_and_wait(&c, "al-preview", "allocation-error").await?;
        assert!(refused.contains("权重之和应为100%"), "{refused}");
        assert_eq!(c.find(Locator::Id("al-title")).await?.prop("value").await?.as_deref(), Some(title.as_str()), "what was typed is kept");
        let task = c.find(Locator::Id("weight-task")).await?;
        task.clear().await?;
        task.send_keys("0").await?;
        let poor = c.find(Locator::Id("weight-poor")).await?;
        poor.clear().await?;
        poor.send_keys("60").await?;
        let total = click_and_wait(&c, "al-preview", "preview-total").await?;
        assert_eq!(total, "10,000,000.00", "the preview adds up to the total");
        assert_eq!(overflow(&c).await?, 0, "the preview fits a phone");
        std::fs::write(shots.join("funds-1-preview-390.png"), c.screenshot().await?).unwrap();
        c.find(Locator::Id("al-document")).await?.send_keys("鲁财农〔2017〕浏览器号").await?;
        let saved = click_and_wait(&c, "al-publish", "saved").await?;
        assert!(saved.contains("已下达"), "{saved}");
        assert!(c.find(Locator::Id("allocations-h")).await.is_ok());
        assert!(c.source().await?.contains(&title));

        login_as(&c, &base, "yanggu").await?;
        c.find(Locator::Id("nav-funds")).await?.click().await?;
        c.wait().for_element(Locator::Css("#record summary")).await?.click().await?;
        c.find(Locator::Id("p-name")).await?.send_keys(&name).await?;
        let region = c.find(Locator::Id("p-region")).await?;
        region.clear().await?;
        region.send_keys(&hid[..12]).await?;
        c.find(Locator::Id("budget-county")).await?.send_keys("30000").await?;
        c.find(Locator::Id("p-beneficiaries")).await?.send_keys(&format!("{hid} 产业带动")).await?;
        std::fs::write(shots.join("funds-2-record-390.png"), c.screenshot().await?).unwrap();
        let saved = click_and_wait(&c, "p-submit", "saved").await?;
        assert!(saved.contains("已入库"), "{saved}");
        click_and_wait(&c, "step-approve", "saved").await?;
        assert_eq!(c.find(Locator::Id("project-state")).await?.text().await?, "已批复");
        c.find(Locator::Css("#notice summary")).await?.click().await?;
        c.find(Locator::Id("notice-text")).await?.send_keys("肉牛养殖项目公示，监督电话0635-6212317").await?;
        let saved = click_and_wait(&c, "notice-submit", "saved").await?;
        assert!(saved.contains("公示已发布"), "{saved}");
        // Started while the notice is still up: allowed, and flagged on the page.
        click_and_wait(&c, "step-start", "saved").await?;
        let flags = c.find(Locator::Id("project-flags")).await?.text().await?;
        assert!(flags.contains("项目未按规定公示"), "{flags}");
        // A payment with a bad account is refused, the form kept; then recorded.
        c.find(Locator::Css("#pay summary")).await?.click().await?;
        c.find(Locator::Id("pay-amount")).await?.send_keys("3000").await?;
        c.find(Locator::Id("pay-payee")).await?.send_keys("阳谷县牧业合作社").await?;
        c.find(Locator::Id("pay-account")).await?.send_keys("12ab").await?;
        c.find(Locator::Id("pay-voucher")).await?.send_keys("记-0630-1").await?;
        let refused = click_and_wait(&c, "pay-submit", "project-error").await?;
        assert!(refused.contains("收款账号应为8至32位数字"), "{refused}");
        let acc = c.find(Locator::Id("pay-account")).await?;
        acc.clear().await?;
        acc.send_keys("6228480012345678").await?;
        let saved = click_and_wait(&c, "pay-submit", "saved").await?;
        assert!(saved.contains("拨付已登记"), "{saved}");
        assert_eq!(c.find(Locator::Id("project-paid")).await?.text().await?, "3,000.00");
        assert_eq!(overflow(&c).await?, 0, "the project fits a phone");
        assert_eq!(console_errors(&c).await?, Vec::<String>::new());
        std::fs::write(shots.join("funds-3-project-390.png"), c.screenshot().await?).unwrap();

        c.delete_all_cookies().await?;
        c.goto(&format!("{base}/public/projects?region={}", &hid[..6])).await?;
        c.wait().for_element(Locator::Css(".crumbs")).await?;
        let text = c.find(Locator::Css("main")).await?.text().await?;
        assert!(text.contains(&name) && text.contains("监督电话0635-6212317"), "the notice is public");
        assert!(!text.contains(&hid) && !text.contains(&account) && !text.contains("6228480012345678"), "no household, no account");
        assert_eq!(overflow(&c).await?, 0, "the public page fits a phone");
        std::fs::write(shots.join("funds-4-public-390.png"), c.screenshot().await?).unwrap();
        Ok(())
    }
    .await;
    c.close().await.ok();
    result.expect("the allocation, the project and its public notice");
}
