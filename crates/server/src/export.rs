//! Documents out of the server: one `?format=md|html|pdf` for every export,
//! rendered by the report crate.

use crate::error::ApiError;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use firebreak_report::Document;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Md,
    Html,
    Pdf,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// md (default), html or pdf.
    #[serde(default)]
    pub format: ExportFormat,
}

/// `document` rendered as `format`: its bytes, media type and file extension.
pub async fn rendered(
    document: Document,
    format: ExportFormat,
) -> Result<(Vec<u8>, &'static str, &'static str), ApiError> {
    Ok(match format {
        ExportFormat::Md => (
            firebreak_report::to_markdown(&document).into_bytes(),
            "text/markdown; charset=utf-8",
            "md",
        ),
        ExportFormat::Html => (
            firebreak_report::to_html(&document).into_bytes(),
            "text/html; charset=utf-8",
            "html",
        ),
        ExportFormat::Pdf => {
            // Typesetting takes a moment of CPU; keep it off the async workers.
            let pdf = tokio::task::spawn_blocking(move || firebreak_report::to_pdf(&document))
                .await
                .map_err(|e| ApiError::Internal(format!("PDF rendering failed: {e}")))?
                .map_err(|e| ApiError::Internal(format!("PDF rendering failed: {e}")))?;
            (pdf, "application/pdf", "pdf")
        }
    })
}

/// Renders `document` as `format`, offered for download as `name.<ext>`.
pub async fn render(
    document: Document,
    format: ExportFormat,
    name: &str,
) -> Result<Response, ApiError> {
    let (bytes, content_type, extension) = rendered(document, format).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"{name}.{extension}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
