//! The public pages of the queue, served by the server itself: the kiosk, the hall
//! display, the desk monitor, the pre-booking form and the status lookup
//! (`assets/web/`, plain HTML, CSS and JavaScript compiled into the binary: no build step,
//! no external URL, so they work on the office's closed network).
//!
//! A page reads its office (and desk) from its own URL and talks to the JSON API and the
//! live stream of [`queue_api`](crate::queue_api). Every file is served with its content
//! type, a strict `Content-Security-Policy` (only this server), `Cache-Control: no-cache`
//! and an `ETag`, so a kiosk revalidates cheaply and picks up a new version at once.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// The page routes of [`routes`] as (method, path template), for the OpenAPI document.
pub const PAGE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/queue/{office}/kiosk"),
    ("GET", "/queue/{office}/hall"),
    ("GET", "/queue/{office}/desk/{desk}"),
    ("GET", "/queue/{office}/book"),
    ("GET", "/status"),
    ("GET", "/assets/web/{file}"),
];

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset { name: $name, content_type: $type, body: include_bytes!(concat!("../../assets/web/", $name)) }
    };
}

const ASSETS: &[Asset] = &[
    asset!("kiosk.html", HTML),
    asset!("hall.html", HTML),
    asset!("desk.html", HTML),
    asset!("book.html", HTML),
    asset!("status.html", HTML),
    asset!("queue.css", CSS),
    asset!("queue.js", JS),
    asset!("kiosk.js", JS),
    asset!("hall.js", JS),
    asset!("desk.js", JS),
    asset!("book.js", JS),
    asset!("status.js", JS),
];

/// Only this server: no inline code, no other origin.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// The routes of the pages and of `/assets/web/{file}`; stateless, merged into the app.
pub fn routes() -> Router {
    Router::new()
        .route("/queue/{office}/kiosk", get(|p, h| page(p, h, "kiosk.html")))
        .route("/queue/{office}/hall", get(|p, h| page(p, h, "hall.html")))
        .route("/queue/{office}/book", get(|p, h| page(p, h, "book.html")))
        .route("/queue/{office}/desk/{desk}", get(desk))
        .route("/status", get(|h: HeaderMap| async move { serve("status.html", &h) }))
        .route("/assets/web/{file}", get(|Path(file): Path<String>, h: HeaderMap| async move { serve(&file, &h) }))
}

async fn page(Path(office): Path<String>, headers: HeaderMap, file: &'static str) -> Response {
    if !valid_id(&office) {
        return not_found();
    }
    serve(file, &headers)
}

async fn desk(Path((office, desk)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if !valid_id(&office) || desk.parse::<u16>().is_err() {
        return not_found();
    }
    serve("desk.html", &headers)
}

/// An office id as the queue's office files use them: letters, digits, `-` and `_`.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The ETags of [`ASSETS`], in order, computed once.
fn etags() -> &'static [String] {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    TAGS.get_or_init(|| ASSETS.iter().map(|a| format!("\"{}\"", hex::encode(&Sha256::digest(a.body)[..12]))).collect())
}

fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some((i, asset)) = ASSETS.iter().enumerate().find(|(_, a)| a.name == name) else {
        return not_found();
    };
    let etag = etags().get(i).map(String::as_str).unwrap_or_default();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::ETAG, HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"0\""))),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (StatusCode::OK, common, [(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type))], asset.body)
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))],
        "Сторінку не знайдено. / Page not found.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn get_page(uri: &str, etag: Option<&str>) -> (StatusCode, HeaderMap, String) {
        let mut req = Request::builder().uri(uri);
        if let Some(t) = etag {
            req = req.header(header::IF_NONE_MATCH, t);
        }
        let res = routes().oneshot(req.body(Body::empty()).expect("request")).await.expect("response");
        let status = res.status();
        let headers = res.headers().clone();
        let body = to_bytes(res.into_body(), 1 << 20).await.expect("body");
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn every_page_is_ukrainian_html_with_its_scripts() {
        for (uri, script) in [
            ("/queue/demo/kiosk", "kiosk.js"),
            ("/queue/demo/hall", "hall.js"),
            ("/queue/demo/desk/3", "desk.js"),
            ("/queue/demo/book", "book.js"),
            ("/status", "status.js"),
        ] {
            let (status, headers, body) = get_page(uri, None).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(headers[header::CONTENT_TYPE], HTML, "{uri}");
            assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{uri}");
            assert!(body.contains(r#"<html lang="uk">"#), "{uri}");
            assert!(body.contains(&format!("/assets/web/{script}")), "{uri}");
            assert!(!body.contains("http://") && !body.contains("https://"), "{uri} names an external URL");
            let (status, headers, _) = get_page(&format!("/assets/web/{script}"), None).await;
            assert_eq!((status, &headers[header::CONTENT_TYPE]), (StatusCode::OK, &HeaderValue::from_static(JS)));
        }
    }

    #[tokio::test]
    async fn assets_have_types_and_revalidate_by_etag() {
        let (status, headers, body) = get_page("/assets/web/queue.css", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], CSS);
        assert!(body.contains("@media print"));
        let etag = headers[header::ETAG].to_str().expect("etag").to_owned();
        let (status, _, body) = get_page("/assets/web/queue.css", Some(&etag)).await;
        assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));
        let (status, _, _) = get_page("/assets/web/queue.css", Some("\"other\"")).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn unknown_files_offices_and_desks_are_not_found() {
        for uri in [
            "/assets/web/secret.toml",
            "/assets/web/..%2F..%2FCargo.toml",
            "/queue/demo/desk/x",
            "/queue/de%20mo/kiosk",
            "/queue/demo/console",
        ] {
            let (status, _, _) = get_page(uri, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        }
    }
}
