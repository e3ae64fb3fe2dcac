//! The API client behind every command but `serve` and `verify`. It finds the
//! server and token in FIREBREAK_URL / FIREBREAK_TOKEN or in the file that
//! `firebreak login` writes, and turns problem+json answers into messages.

use crate::InputError;
use anyhow::{Context, Result, anyhow};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
pub struct Config {
    pub url: String,
    pub token: String,
}

pub fn config_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("FIREBREAK_CONFIG") {
        return Ok(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .context("neither XDG_CONFIG_HOME nor HOME is set; set FIREBREAK_CONFIG")?;
    Ok(base.join("firebreak").join("config.json"))
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    pub fn new(url: &str, token: &str) -> Result<Self> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(InputError(format!("`{url}` is not an http(s) URL")).into());
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("firebreak-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Client {
            http,
            base,
            token: token.trim().to_string(),
        })
    }

    /// From the environment, else from the login file.
    pub fn from_environment() -> Result<Self> {
        let url = std::env::var("FIREBREAK_URL").ok();
        let token = std::env::var("FIREBREAK_TOKEN").ok();
        if let (Some(url), Some(token)) = (&url, &token) {
            return Client::new(url, token);
        }
        let path = config_path()?;
        let text = std::fs::read_to_string(&path).map_err(|_| {
            InputError(format!(
                "no server configured: set FIREBREAK_URL and FIREBREAK_TOKEN, or run `firebreak login` (looked for {})",
                path.display()
            ))
        })?;
        let config: Config = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a Firebreak login file", path.display()))?;
        Client::new(
            url.as_deref().unwrap_or(&config.url),
            token.as_deref().unwrap_or(&config.token),
        )
    }

    /// A GET; a list answered in pages (a `Link: <…>; rel="next"` header) is
    /// read to its end and returned as one array.
    pub async fn get(&self, path: &str) -> Result<Value> {
        let mut items: Vec<Value> = Vec::new();
        let mut next = path.to_string();
        loop {
            let request = self.request(Method::GET, &next, "application/json");
            let response = self.answer(request, &Method::GET, &next).await?;
            let following = next_page(response.headers());
            let text = response
                .text()
                .await
                .context("the server's answer broke off")?;
            let value: Value = if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).context("the server's answer is not JSON")?
            };
            match (value, following) {
                (Value::Array(page), Some(following)) => {
                    items.extend(page);
                    next = following;
                }
                (Value::Array(page), None) => {
                    items.extend(page);
                    return Ok(Value::Array(items));
                }
                (other, _) => return Ok(other),
            }
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        let body = body.map(|b| ("application/json", b.to_string()));
        let text = self
            .exchange(method, path, body, "application/json")
            .await?;
        if text.is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str(&text).context("the server's answer is not JSON")
        }
    }

    /// Sends a body of another media type, e.g. text/csv; expects JSON back.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &'static str,
        body: String,
    ) -> Result<Value> {
        let text = self
            .exchange(method, path, Some((content_type, body)), "application/json")
            .await?;
        serde_json::from_str(&text).context("the server's answer is not JSON")
    }

    /// A GET whose answer is not JSON, e.g. an SVG.
    pub async fn get_text(&self, path: &str) -> Result<String> {
        self.exchange(Method::GET, path, None, "*/*").await
    }

    pub async fn get_accepting(&self, path: &str, accept: &str) -> Result<String> {
        self.exchange(Method::GET, path, None, accept).await
    }

    /// One request; the answer's text on success, else the problem as an error.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, String)>,
        accept: &str,
    ) -> Result<String> {
        let mut request = self.request(method.clone(), path, accept);
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        self.answer(request, &method, path)
            .await?
            .text()
            .await
            .context("the server's answer broke off")
    }

    /// Uploads `file` as the `file` part of a multipart form, streamed from
    /// disk, with `fields` as text parts; expects JSON back.
    pub async fn upload(
        &self,
        path: &str,
        file: &Path,
        fields: &[(&str, String)],
    ) -> Result<Value> {
        let opened = tokio::fs::File::open(file)
            .await
            .map_err(|e| InputError(format!("cannot read {}: {e}", file.display())))?;
        let size = opened
            .metadata()
            .await
            .with_context(|| format!("cannot read {}", file.display()))?
            .len();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| InputError(format!("{} is not a file", file.display())))?;
        let stream = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
            opened,
            256 * 1024,
        ));
        let mut form = reqwest::multipart::Form::new();
        for (key, value) in fields {
            form = form.text(key.to_string(), value.clone());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::stream_with_length(stream, size)
                .file_name(name)
                .mime_str("application/octet-stream")?,
        );
        let request = self
            .request(Method::POST, path, "application/json")
            .multipart(form);
        let text = self
            .answer(request, &Method::POST, path)
            .await?
            .text()
            .await
            .context("the server's answer broke off")?;
        serde_json::from_str(&text).context("the server's answer is not JSON")
    }

    /// Streams the answer to `out` (written beside it, then renamed, so a
    /// broken download leaves no partial file); returns the bytes written.
    pub async fn download(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        out: &Path,
    ) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let mut request = self.request(method.clone(), path, "*/*");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let mut response = self.answer(request, &method, path).await?;
        let partial = out.with_extension("partial");
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| InputError(format!("cannot write {}: {e}", partial.display())))?;
        let mut written = 0;
        let copied: Result<()> = async {
            while let Some(chunk) = response
                .chunk()
                .await
                .context("the server's answer broke off")?
            {
                file.write_all(&chunk).await?;
                written += chunk.len() as u64;
            }
            file.sync_all().await?;
            Ok(())
        }
        .await;
        if let Err(error) = copied {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(error.context(format!("cannot write {}", out.display())));
        }
        tokio::fs::rename(&partial, out)
            .await
            .with_context(|| format!("cannot write {}", out.display()))?;
        Ok(written)
    }

    fn request(&self, method: Method, path: &str, accept: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("accept", accept);
        // Only signing in goes without a token.
        if self.token.is_empty() {
            request
        } else {
            request.bearer_auth(&self.token)
        }
    }

    /// Sends `request`; the response on success, else the problem as an error.
    async fn answer(
        &self,
        request: reqwest::RequestBuilder,
        method: &Method,
        path: &str,
    ) -> Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach Firebreak at {}", self.base))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let message = problem["detail"]
            .as_str()
            .map_or_else(|| format!("{status} from {method} {path}"), str::to_string);
        match status {
            StatusCode::BAD_REQUEST
            | StatusCode::NOT_FOUND
            | StatusCode::CONFLICT
            | StatusCode::UNPROCESSABLE_ENTITY => Err(InputError(message).into()),
            StatusCode::UNAUTHORIZED => Err(anyhow!(
                "{message}\nhint: the token is missing, expired or revoked; run `firebreak login`"
            )),
            _ => Err(anyhow!(message)),
        }
    }
}

/// Checks a timestamp flag locally so the message names the flag.
pub fn timestamp_flag(flag: &str, value: &Option<String>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map(|t| Some(t.to_string()))
            .map_err(|e| InputError(format!("--{flag} `{text}` is not a timestamp with an offset (e.g. 2026-03-01T09:00:00Z): {e}")).into()),
    }
}

/// Percent-encodes a path segment or query value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The path of the next page from a `Link` header (`<path>; rel="next"`).
fn next_page(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|link| link.contains("rel=\"next\""))
        .and_then(|link| {
            let start = link.find('<')? + 1;
            let end = link.find('>')?;
            link.get(start..end).map(str::to_string)
        })
        .filter(|path| path.starts_with('/'))
}
