use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_core::Timestamp;
use firebreak_core::auth::{Role, Scope};
use firebreak_server::api::users::new_token;
use firebreak_server::auth::{random_secret, secret_hash};
use firebreak_server::state::AppState;
use firebreak_store::{SessionRecord, User};
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct TestServer {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
    pub app: Router,
    pub admin_token: String,
}

pub struct Response {
    pub status: StatusCode,
    pub content_type: String,
    /// The `Link` header, when the answer has one.
    pub link: Option<String>,
    pub body: Value,
}

impl TestServer {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let prepared = firebreak_server::prepare(dir.path(), &Default::default()).unwrap();
        let admin_token = std::fs::read_to_string(prepared.admin_token_file.unwrap())
            .unwrap()
            .trim()
            .to_string();
        let app = firebreak_server::router(prepared.state.clone());
        TestServer {
            _dir: dir,
            state: prepared.state,
            app,
            admin_token,
        }
    }

    /// Changes the server's settings and rebuilds the router over them.
    pub fn configure(&mut self, change: impl FnOnce(&mut AppState)) {
        change(&mut self.state);
        self.app = firebreak_server::router(self.state.clone());
    }

    /// A raw answer, headers included (for pages and headers).
    pub async fn raw(&self, request: Request<Body>) -> axum::response::Response {
        self.app.clone().oneshot(request).await.unwrap()
    }

    /// A user with this role (created once) and a fresh token of this scope.
    pub fn token(&self, role: Role, scope: Scope) -> String {
        let name = role.as_str();
        if self.state.store.find_user(name).unwrap().is_none() {
            let user = User {
                name: name.into(),
                role,
                password_hash: None,
                created_at: Timestamp::now(),
            };
            self.state.store.create_user(&user, "admin").unwrap();
        }
        let (record, secret) = new_token(name, "test", scope, None);
        self.state.store.create_token(&record, "admin").unwrap();
        secret
    }

    /// A browser session for a user with this role: (cookie, csrf token).
    pub fn session(&self, role: Role) -> (String, String) {
        self.token(role, Scope::Read);
        let secret = random_secret();
        let csrf = random_secret();
        let session = SessionRecord {
            id_hash: secret_hash(&secret),
            user: role.as_str().into(),
            csrf_token: csrf.clone(),
            expires_at: Timestamp::now() + jiff::SignedDuration::from_hours(1),
        };
        self.state
            .store
            .create_session(&session, firebreak_core::Timestamp::now())
            .unwrap();
        (format!("firebreak_session={secret}"), csrf)
    }

    pub async fn call(&self, request: Request<Body>) -> Response {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let link = response
            .headers()
            .get(header::LINK)
            .map(|v| v.to_str().unwrap().to_string());
        if content_type.starts_with("text/event-stream") {
            // An event stream never ends; its status and type are enough here.
            return Response {
                status,
                content_type,
                link,
                body: Value::Null,
            };
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Response {
            status,
            content_type,
            link,
            body,
        }
    }

    pub async fn api(&self, method: Method, path: &str, body: Option<&str>) -> Response {
        let mut builder = Request::builder().method(method).uri(path).header(
            header::AUTHORIZATION,
            format!("Bearer {}", self.admin_token),
        );
        if body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        self.call(
            builder
                .body(Body::from(body.unwrap_or_default().to_string()))
                .unwrap(),
        )
        .await
    }

    pub async fn api_json(&self, method: Method, path: &str, body: Value) -> Response {
        self.api(method, path, Some(&body.to_string())).await
    }

    /// One system `scoring` (with `db` below it) and one incident INC-1.
    pub async fn with_incident() -> Self {
        let server = TestServer::new();
        let db = json!({"slug": "db", "name": "Feature DB", "is_ai": false});
        assert_eq!(
            server
                .api_json(Method::POST, "/api/v1/systems", db)
                .await
                .status,
            StatusCode::CREATED
        );
        let scoring = json!({
            "slug": "scoring", "name": "Credit scoring", "depends_on": ["db"],
            "model_versions": [{"version": "v1", "known_good": true}, {"version": "v2"}]
        });
        assert_eq!(
            server
                .api_json(Method::POST, "/api/v1/systems", scoring)
                .await
                .status,
            StatusCode::CREATED
        );
        let incident = json!({
            "title": "Approvals for group C fell", "severity": "sev2", "severity_rationale": "thousands affected",
            "systems": ["scoring"], "detected_at": "2026-03-01T09:00:00Z", "impact_started_at": "2026-03-01T08:00:00Z"
        });
        let declared = server
            .api_json(Method::POST, "/api/v1/incidents", incident)
            .await;
        assert_eq!(declared.status, StatusCode::CREATED, "{:?}", declared.body);
        server
    }

    /// Everything integrity depends on, to show a refused request wrote nothing.
    pub fn fingerprint_of_store(&self) -> String {
        let ledger = self.state.store.ledger().unwrap();
        format!(
            "{:?}|{:?}|{}",
            ledger.streams,
            ledger.records,
            self.state.store.user_count().unwrap()
        )
    }
}
