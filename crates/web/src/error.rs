//! The user-facing error: an HTTP status, a stable code and a Chinese message. Store errors map
//! onto it in one place; database details are logged, never shown.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fupin_store::StoreError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Items a rule found wanting (the unmet exit standards), each in Chinese.
    pub unmet: Vec<String>,
    /// The framework's own words on a malformed request (English), for the developer.
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.into(), message: message.into(), unmet: vec![], detail: None }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "auth.required", "请先登录")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "未找到（或不在您的管辖范围内）")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", why),
            StoreError::Conflict { current } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("档案已被他人修改（当前版本{current}），请刷新后重试"))
            }
            StoreError::Duplicate(detail) => {
                tracing::warn!(%detail, "duplicate key");
                ApiError::new(StatusCode::CONFLICT, "conflict.duplicate", "该编号刚被同时提交的另一请求占用，请重试")
            }
            StoreError::Invalid(d) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, d.code, d.message),
            StoreError::Unmet(items) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "exit.standards_unmet".into(),
                message: format!("未达到脱贫标准，不能提出退出：{}", items.join("；")),
                unmet: items,
                detail: None,
            },
            StoreError::Rows(items) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "import.rejected".into(),
                message: format!("导入未执行：{}处问题", items.len()),
                unmet: items.into_iter().map(|(id, why)| format!("户{id}：{why}")).collect(),
                detail: None,
            },
            StoreError::Corrupt(detail) => {
                tracing::error!(%detail, "corrupt row");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal.corrupt", "存储的数据已损坏，请联系系统管理员")
            }
            StoreError::Db(detail) => {
                tracing::error!(%detail, "database error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误，请稍后重试")
            }
        }
    }
}

impl From<fupin_domain::DomainError> for ApiError {
    fn from(d: fupin_domain::DomainError) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, d.code, d.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if !self.unmet.is_empty() {
            error["unmet"] = json!(self.unmet);
        }
        if let Some(d) = self.detail {
            error["detail"] = json!(d);
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

/// Rejections the framework answers itself (a body that is not the expected JSON, a query or
/// path that does not parse, a wrong content type, a body too large, an unknown route or
/// method) come as plain text in English. Rewritten here, in one place, to the documented shape:
/// JSON `{"error": {"code", "message", "detail"}}` under `/api/`, the Chinese error page elsewhere.
pub async fn uniform_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || ours {
        return res;
    }
    let detail =
        axum::body::to_bytes(res.into_body(), 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("request.malformed", "请求参数或内容格式错误"),
        StatusCode::UNAUTHORIZED => ("auth.required", "请先登录"),
        StatusCode::NOT_FOUND => ("not_found", "未找到该页面或接口"),
        StatusCode::METHOD_NOT_ALLOWED => ("request.method", "不支持该请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => ("request.too_large", "提交的内容过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("request.content_type", "内容类型不正确：接口只接受 application/json"),
        StatusCode::UNPROCESSABLE_ENTITY => ("request.invalid", "请求内容不符合接口要求"),
        _ if status.is_server_error() => ("internal", "服务器内部错误，请稍后重试"),
        _ => ("request.refused", "请求无法处理"),
    };
    let mut e = ApiError::new(status, code, message);
    e.detail = Some(detail.trim().to_string()).filter(|d| !d.is_empty());
    if api {
        e.into_response()
    } else {
        crate::ui::error_page(e)
    }
}

/// The documented shape of every refusal (what `ApiError` answers), for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// Stable, for programs (`not_found`, `conflict`, `request.malformed`, …).
    pub code: String,
    /// Chinese, for people.
    pub message: String,
    /// Items a rule found wanting, when there are any.
    pub unmet: Option<Vec<String>>,
    /// The framework's own words on a malformed request (English), for the developer.
    pub detail: Option<String>,
}

/// Declares, on every operation of the document, the refusals any call may get besides those
/// its own annotation lists, each with the error body: malformed parameters or body (400), not
/// logged in (401, but on the public endpoints), a role without the right (403), outside the
/// jurisdiction or unknown (404), a wrong method (405) and, with a body, too large (413), the
/// wrong content type (415) and a body the type does not fit (422); and 500.
pub struct CommonRefusals;

impl utoipa::Modify for CommonRefusals {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        use utoipa::{PartialSchema, ToSchema};
        let components = doc.components.get_or_insert_with(Default::default);
        components.schemas.insert(ErrorBody::name().into(), ErrorBody::schema());
        components.schemas.insert(ErrorDetail::name().into(), ErrorDetail::schema());
        let body = || ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name(ErrorBody::name())))).build();
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = path.starts_with("/api/v1/public/");
            for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch].into_iter().flatten() {
                let mut common = vec![
                    ("400", "请求参数或内容格式错误"),
                    ("403", "无权进行此操作"),
                    ("404", "未找到（或不在您的管辖范围内）"),
                    ("405", "不支持该请求方法"),
                    ("500", "服务器内部错误"),
                ];
                if !public {
                    common.push(("401", "请先登录"));
                }
                if op.request_body.is_some() {
                    common.extend([("413", "提交的内容过大"), ("415", "内容类型不正确"), ("422", "请求内容不符合接口要求")]);
                }
                for (status, description) in common {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| ResponseBuilder::new().description(description).into());
                }
                for (status, answer) in op.responses.responses.iter_mut() {
                    if let (true, RefOr::T(r)) = (status.as_str() >= "400", answer) {
                        if r.content.is_empty() {
                            r.content.insert("application/json".into(), body());
                        }
                    }
                }
            }
        }
    }
}
