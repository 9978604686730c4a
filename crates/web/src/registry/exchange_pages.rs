//! Export and import pages: downloads in the county offices' layout, and uploads applied all
//! or nothing with the problems listed on the page and as a downloadable report.

use crate::auth::{self, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, nav, render, Nav};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use fupin_domain::RegionCode;
use fupin_exchange::{ImportFailure, RowError};
use serde::Deserialize;
use std::sync::Arc;

/// Uploads up to this size (a county's file of 100 k people is ~25 MB).
pub(crate) const MAX_UPLOAD: usize = 200 * 1024 * 1024;

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
}

#[derive(Deserialize)]
pub struct ExportQuery {
    region: Option<String>,
    format: Option<String>,
}

pub(crate) async fn export(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(q): Query<ExportQuery>) -> Response {
    let result = async {
        let region = match q.region.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => RegionCode::parse(r)?,
            None => a.caller.scope.region.clone(),
        };
        let ext = if q.format.as_deref() == Some("csv") { "csv" } else { "xlsx" };
        let (store, caller, r, at) = (state.store.clone(), a.caller.clone(), region.clone(), state.today().to_string());
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
            let dir = tempfile::tempdir().map_err(internal)?;
            let path = dir.path().join(format!("export.{ext}"));
            fupin_exchange::export(&*store, &caller, &r, &path, &at)
                .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "export.failed", m))?;
            std::fs::read(&path).map_err(internal)
        })
        .await
        .map_err(internal)??;
        let mime =
            if ext == "csv" { "text/csv; charset=utf-8" } else { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
        let name = format!("attachment; filename=\"households-{region}.{ext}\"");
        Ok::<_, ApiError>(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, name)], bytes).into_response())
    }
    .await;
    result.unwrap_or_else(error_page)
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    nav: Nav,
    message: Option<String>,
    error: Option<String>,
    rows: Vec<RowError>,
    report: Option<String>,
}

pub(crate) async fn import_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth) -> Response {
    render(ImportPage { nav: nav(&a, &state), message: None, error: None, rows: vec![], report: None })
}

pub(crate) async fn import(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, mut form: Multipart) -> Response {
    let mut page = ImportPage { nav: nav(&a, &state), message: None, error: None, rows: vec![], report: None };
    let (mut csrf, mut upload) = (String::new(), None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("upload").to_string();
                    match field.bytes().await {
                        Ok(b) => upload = Some((name, b)),
                        Err(e) => page.error = Some(format!("上传失败：{e}")),
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                page.error = Some(format!("上传失败：{e}"));
                break;
            }
        }
    }
    if !auth::csrf_ok(&a, &csrf) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let Some((name, bytes)) = upload.filter(|_| page.error.is_none()) else {
        page.error.get_or_insert_with(|| "请选择要导入的文件".into());
        return render(page);
    };
    let ext = std::path::Path::new(&name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let (store, caller, at) = (state.store.clone(), a.caller.clone(), state.today().to_string());
    let outcome = tokio::task::spawn_blocking(move || -> Result<Result<fupin_store::ImportOutcome, ImportFailure>, ApiError> {
        let dir = tempfile::tempdir().map_err(internal)?;
        let path = dir.path().join(format!("upload.{ext}"));
        std::fs::write(&path, &bytes).map_err(internal)?;
        Ok(fupin_exchange::import_file(&*store, &caller, &path, &at))
    })
    .await
    .map_err(internal);
    match outcome {
        Ok(Ok(Ok(o))) => {
            page.message =
                Some(format!("导入完成：新建档 {} 户，更新 {} 户，未变化 {} 户，共 {} 人", o.created, o.updated, o.unchanged, o.people))
        }
        Ok(Ok(Err(ImportFailure::Rows(rows)))) => {
            page.error = Some(format!("导入未执行：发现 {} 处问题，一户也未导入。请修改后重新导入。", rows.len()));
            page.report = Some(state.keep_report(&rows));
            page.rows = rows.into_iter().take(500).collect();
        }
        Ok(Ok(Err(ImportFailure::Malformed(m) | ImportFailure::Forbidden(m)))) => page.error = Some(m),
        Ok(Err(e)) | Err(e) => page.error = Some(e.message),
    }
    render(page)
}

pub(crate) async fn report(State(state): State<Arc<AppState>>, PageAuth(_): PageAuth, Path(token): Path<String>) -> Response {
    match state.report(&token) {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"import-errors.xlsx\"".to_string()),
            ],
            bytes,
        )
            .into_response(),
        None => error_page(ApiError::not_found()),
    }
}
