//! The user-facing error: an HTTP status, a stable code and a Chinese message. Store errors map
//! onto it in one place; database details are logged, never shown.

use axum::http::StatusCode;
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
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.into(), message: message.into(), unmet: vec![] }
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
            StoreError::Invalid(d) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, d.code, d.message),
            StoreError::Unmet(items) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "exit.standards_unmet".into(),
                message: format!("未达到脱贫标准，不能提出退出：{}", items.join("；")),
                unmet: items,
            },
            StoreError::Rows(items) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "import.rejected".into(),
                message: format!("导入未执行：{}处问题", items.len()),
                unmet: items.into_iter().map(|(id, why)| format!("户{id}：{why}")).collect(),
            },
            StoreError::Db(detail) => {
                eprintln!("database error: {detail}");
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
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}
