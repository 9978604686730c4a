//! Every route of the platform, in one place: the JSON API per function (utoipa `routes!`, so the
//! OpenAPI document is generated from the same definitions) and the pages per function.

use crate::maps::{self, geo, indicators};
use crate::platform::{self, ops};
use crate::registry::{case_api, case_pages, checks, exchange_pages, member_pages, pages, yearly};
use crate::{assets, AppState};
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(info(
    title = "fupin 扶贫 API",
    version = "0.1.0",
    description = "Poverty-alleviation platform. Every call is limited to the caller's jurisdiction."
))]
struct ApiDoc;

fn platform_api() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(platform::api::create_session, platform::api::delete_session))
        .routes(routes!(platform::todo::get_todo))
}

fn registry_api() -> OpenApiRouter<Arc<AppState>> {
    use crate::registry::api;
    OpenApiRouter::new()
        .routes(routes!(api::list_households))
        .routes(routes!(api::get_household))
        .routes(routes!(api::get_history))
        .routes(routes!(api::get_visits, api::post_visit))
        .routes(routes!(api::post_change))
        .routes(routes!(case_api::propose_exit))
        .routes(routes!(case_api::propose_return))
        .routes(routes!(case_api::propose_removal))
        .routes(routes!(case_api::propose_monitoring))
        .routes(routes!(case_api::propose_clear))
        .routes(routes!(case_api::propose_transfer))
        .routes(routes!(case_api::record_household))
        .routes(routes!(case_api::apply, case_api::list))
        .routes(routes!(case_api::get_case))
        .routes(routes!(case_api::step))
        .routes(routes!(case_api::object))
        .routes(routes!(case_api::resolve))
        .routes(routes!(case_api::notices))
        .routes(routes!(case_api::advance_clock))
        .routes(routes!(checks::get_checks))
        .routes(routes!(checks::post_run))
        .routes(routes!(yearly::get_yearly))
}

fn policy_api() -> OpenApiRouter<Arc<AppState>> {
    use crate::policy::api;
    OpenApiRouter::new()
        .routes(routes!(api::list))
        .routes(routes!(api::get_public))
        .routes(routes!(api::draft))
        .routes(routes!(api::edit))
        .routes(routes!(api::submit))
        .routes(routes!(api::review))
        .routes(routes!(api::repeal))
}

fn matching_api() -> OpenApiRouter<Arc<AppState>> {
    use crate::matching::api;
    OpenApiRouter::new()
        .routes(routes!(api::public_figures))
        .routes(routes!(api::register_donor, api::list_donors))
        .routes(routes!(api::verify_donor))
        .routes(routes!(api::post_offer, api::list_offers))
        .routes(routes!(api::withdraw_offer))
        .routes(routes!(api::record_need))
        .routes(routes!(api::suggestions))
        .routes(routes!(api::list_needs))
        .routes(routes!(api::open_needs))
        .routes(routes!(api::verify_need))
        .routes(routes!(api::withdraw_need))
        .routes(routes!(api::pick))
        .routes(routes!(api::run, api::runs))
        .routes(routes!(api::list_matches))
        .routes(routes!(api::get_match))
        .routes(routes!(api::step))
        .routes(routes!(api::complain))
        .routes(routes!(api::contact))
}

fn supervision_api() -> OpenApiRouter<Arc<AppState>> {
    use crate::supervision::{api, tasks};
    OpenApiRouter::new()
        .routes(routes!(api::post_report, api::public_reports))
        .routes(routes!(api::get_report))
        .routes(routes!(api::rate))
        .routes(routes!(api::list))
        .routes(routes!(api::get_one))
        .routes(routes!(api::step))
        .routes(routes!(api::ledger_heads))
        .routes(routes!(tasks::list, tasks::dispatch))
        .routes(routes!(tasks::get_one))
        .routes(routes!(tasks::split))
        .routes(routes!(tasks::progress))
}

fn evaluation_api() -> OpenApiRouter<Arc<AppState>> {
    use crate::evaluation::{measures, samples};
    OpenApiRouter::new()
        .routes(routes!(measures::get_measures))
        .routes(routes!(samples::post_evaluation, samples::list_evaluations))
        .routes(routes!(samples::get_evaluation))
        .routes(routes!(samples::get_frame))
        .routes(routes!(samples::post_result))
        .routes(routes!(samples::post_outside))
        .routes(routes!(samples::get_estimates))
        .routes(routes!(samples::post_close))
}

fn funds_api() -> OpenApiRouter<Arc<AppState>> {
    use crate::funds::api;
    OpenApiRouter::new()
        .routes(routes!(api::preview))
        .routes(routes!(api::publish))
        .routes(routes!(api::allocations))
        .routes(routes!(api::factors, api::set_factors))
        .routes(routes!(api::projects, api::record))
        .routes(routes!(api::project))
        .routes(routes!(api::step))
        .routes(routes!(api::notice))
        .routes(routes!(api::pay))
        .routes(routes!(api::report))
        .routes(routes!(api::flags))
        .routes(routes!(api::public_projects))
}

fn maps_api() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(maps::api::get_region))
        .routes(routes!(maps::api::get_map))
        .routes(routes!(maps::api::export_map))
        .routes(routes!(maps::api::get_helper_load))
        .routes(routes!(indicators::get_indicators))
}

/// The JSON API of every function, with its OpenAPI document.
pub fn openapi_router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(platform_api())
        .merge(registry_api())
        .merge(maps_api())
        .merge(policy_api())
        .merge(matching_api())
        .merge(supervision_api())
        .merge(evaluation_api())
        .merge(funds_api())
}

fn platform_pages() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(platform::home::home))
        .route("/public", get(platform::home::public_portal))
        .route("/favicon.svg", get(platform::home::favicon))
        .route("/favicon.ico", get(|| async { Redirect::permanent("/favicon.svg") }))
        .route("/login", get(platform::pages::login_page).post(platform::pages::login_submit))
        .route("/logout", post(platform::pages::logout))
        .route("/audit", get(platform::pages::audit_page))
        .route("/todo", get(platform::todo::todo_page))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
}

fn registry_pages() -> Router<Arc<AppState>> {
    Router::new()
        .route("/households", get(pages::households_page))
        .route("/households/{id}", get(pages::household_page))
        .route("/households/{id}/edit", post(pages::household_edit))
        .route("/households/{id}/visits", post(pages::household_visit))
        .route("/households/record", get(member_pages::record_page).post(member_pages::record))
        .route("/households/{id}/members", post(member_pages::add_member))
        .route("/households/{id}/members/{no}/leave", post(member_pages::member_left))
        .route("/households/{id}/income", post(member_pages::set_income))
        .route("/households/export", get(exchange_pages::export))
        .route(
            "/households/import",
            get(exchange_pages::import_page).post(exchange_pages::import).layer(DefaultBodyLimit::max(exchange_pages::MAX_UPLOAD)),
        )
        .route("/households/import/report/{token}", get(exchange_pages::report))
        .route("/households/{id}/case", post(case_pages::open_case))
        .route("/cases", get(case_pages::cases_page))
        .route("/cases/{id}", get(case_pages::case_page))
        .route("/cases/{id}/step", post(case_pages::step))
        .route("/objections/{id}/resolve", post(case_pages::resolve))
        .route("/public/notices", get(case_pages::notices_page))
        .route("/public/notices/{case_id}/objection", post(case_pages::object))
        .route("/clock", post(case_pages::clock))
        .route("/checks", get(checks::checks_page))
        .route("/checks/run", post(checks::run_page))
        .route("/checks/export.xlsx", get(checks::export))
        .route("/yearly", get(yearly::yearly_page))
        .route("/yearly/export.xlsx", get(yearly::export))
        // The yearly update was called "evaluation" before 成效评估 needed the name.
        .route(
            "/evaluation",
            get(|uri: axum::http::Uri| async move {
                Redirect::permanent(&format!("/yearly{}", uri.query().map(|q| format!("?{q}")).unwrap_or_default()))
            }),
        )
}

fn policy_pages() -> Router<Arc<AppState>> {
    use crate::policy::pages;
    Router::new()
        .route("/public/policies", get(pages::list_page))
        .route("/public/policies/{id}", get(pages::doc))
        .route("/policies", get(pages::desk).post(pages::create))
        .route("/policies/{id}/{action}", post(pages::act))
        .route(
            "/policies/{id}/attachments",
            post(pages::attach).layer(DefaultBodyLimit::max(fupin_domain::policy::MAX_ATTACHMENT_BYTES + 64 * 1024)),
        )
        .route("/policies/{id}/attachments/{no}/remove", post(pages::detach))
        .route("/public/policies/{id}/attachments/{no}", get(pages::download))
}

fn matching_pages() -> Router<Arc<AppState>> {
    use crate::matching::{pages, public};
    Router::new()
        .route("/public/matching", get(public::page))
        .route("/public/donors/{id}", get(public::donor))
        .route("/matching", get(pages::desk))
        .route("/matching/donor", post(pages::register))
        .route("/matching/offers", post(pages::post_offer))
        .route("/matching/run", post(pages::run))
        .route("/matching/matches/{id}/{action}", post(pages::step))
        .route("/matching/{what}/{id}/{action}", post(pages::act))
        .route("/households/{id}/needs", post(pages::record_need))
}

fn supervision_pages() -> Router<Arc<AppState>> {
    use crate::supervision::{pages, public, tasks};
    Router::new()
        .route("/public/reports", get(public::page).post(public::submit))
        .route("/public/reports/follow", get(public::follow_form).post(public::follow))
        .route("/public/reports/{id}/rating", post(public::rate))
        .route("/public/ledger/heads.json", get(crate::supervision::api::ledger_heads_file))
        .route("/supervision", get(pages::desk))
        .route("/supervision/reports/{id}", get(pages::report))
        .route("/supervision/reports/{id}/{action}", post(pages::step))
        .route("/supervision/tasks", get(tasks::tasks).post(tasks::dispatch_form))
        .route("/supervision/tasks/{id}", get(tasks::task))
        .route("/supervision/tasks/{id}/split", post(tasks::split_form))
        .route("/supervision/tasks/{id}/progress", post(tasks::progress_form))
}

fn evaluation_pages() -> Router<Arc<AppState>> {
    use crate::evaluation::samples;
    Router::new()
        .route("/evaluation/measures", get(crate::evaluation::measures::measures_page))
        .route("/evaluation/samples", get(samples::evaluations).post(samples::draw_form))
        .route("/evaluation/samples/{id}", get(samples::evaluation_page))
        .route("/evaluation/samples/{id}/units/{n}", get(samples::unit_form).post(samples::unit_post))
        .route("/evaluation/samples/{id}/close", axum::routing::post(samples::close_form))
}

fn funds_pages() -> Router<Arc<AppState>> {
    use crate::funds::pages;
    Router::new()
        .route("/funds", get(pages::desk))
        .route("/funds/allocations", post(pages::allocate))
        .route("/funds/projects", post(pages::record))
        .route("/funds/projects/{id}", get(pages::project))
        .route("/funds/projects/{id}/{action}", post(pages::act))
        .route("/public/projects", get(pages::public))
}

fn maps_pages() -> Router<Arc<AppState>> {
    Router::new()
        .route("/regions/{code}", get(maps::pages::region_page))
        .route("/maps/{map}/{code}", get(maps::pages::map_page))
        .route("/indicators/{code}", get(indicators::indicators_page))
        .route("/api/v1/geo/{code}", get(geo::children_boundaries))
        .route("/assets/echarts-5.6.0.min.js", get(assets::echarts))
        .route("/assets/maps.js", get(assets::maps_js))
        .route("/assets/todo.js", get(assets::todo_js))
        .route("/assets/forms.js", get(assets::forms_js))
}

pub fn router(state: Arc<AppState>) -> Router {
    // Parse the boundaries now, not in the first map request.
    geo::boundaries();
    let (api, mut doc) = openapi_router().split_for_parts();
    // After the merge, so that it reaches every operation.
    utoipa::Modify::modify(&crate::error::CommonRefusals, &mut doc);
    let doc = Arc::new(doc);
    Router::new()
        .merge(api)
        .route("/api/openapi.json", get(move || async move { Json((*doc).clone()) }))
        .merge(platform_pages())
        .merge(registry_pages())
        .merge(maps_pages())
        .merge(policy_pages())
        .merge(matching_pages())
        .merge(supervision_pages())
        .merge(evaluation_pages())
        .merge(funds_pages())
        .layer(middleware::from_fn_with_state(state.clone(), ops::count_requests))
        .layer(middleware::from_fn(crate::error::uniform_errors))
        .layer(middleware::from_fn(ops::security_headers))
        .with_state(state)
}
