//! Pages of list answers: every list takes `limit` (at most
//! [`MAX_PAGE_LIMIT`]) and `offset`, answers a JSON array as before, and
//! names the next page in a `Link: <…>; rel="next"` header, as GitHub's API
//! does, so no answer is unbounded and clients that read arrays keep working.
//! (Incidents page by cursor instead, see `incidents::list`.)

use crate::error::{ApiError, ApiJson};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

pub const DEFAULT_PAGE_LIMIT: usize = 100;
pub const MAX_PAGE_LIMIT: usize = 1000;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page: 1 to 1000, default 100. The `Link` header names the next page.
    pub limit: Option<usize>,
    /// Items to skip; taken from the previous page's `Link` header.
    pub offset: Option<usize>,
}

/// `limit`, or `default` without one, held to 1 to [`MAX_PAGE_LIMIT`].
pub fn checked_limit(limit: Option<usize>, default: usize) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            Some("limit"),
            format!("must be between 1 and {MAX_PAGE_LIMIT}"),
        ));
    }
    Ok(limit)
}

/// One page of a list, with the link to the next one if there is more.
pub struct Paged<T> {
    items: Vec<T>,
    next: Option<String>,
}

impl PageQuery {
    /// The page of `items` this query asks for; `uri` is the request's, to
    /// build the next page's link from.
    pub fn page<T>(&self, items: Vec<T>, uri: &Uri) -> Result<Paged<T>, ApiError> {
        let limit = checked_limit(self.limit, DEFAULT_PAGE_LIMIT)?;
        let offset = self.offset.unwrap_or(0);
        let total = items.len();
        let items: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
        let shown = offset.saturating_add(items.len());
        let next = (shown < total).then(|| next_link(uri, limit, shown));
        Ok(Paged { items, next })
    }
}

impl<T> Paged<T> {
    /// The page's items and next link, to turn the items into something else.
    pub fn into_parts(self) -> (Vec<T>, Option<String>) {
        (self.items, self.next)
    }

    pub fn from_parts(items: Vec<T>, next: Option<String>) -> Self {
        Paged { items, next }
    }
}

/// The request's path and query with `limit` and `offset` set for the next page.
fn next_link(uri: &Uri, limit: usize, offset: usize) -> String {
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    pairs.retain(|(key, _)| key != "limit" && key != "offset");
    pairs.push(("limit".into(), limit.to_string()));
    pairs.push(("offset".into(), offset.to_string()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", uri.path())
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let mut response = ApiJson(self.items).into_response();
        if let Some(next) = self.next
            && let Ok(value) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
        {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(limit: usize, offset: usize) -> PageQuery {
        PageQuery {
            limit: Some(limit),
            offset: Some(offset),
        }
    }

    #[test]
    fn pages_link_to_the_next_until_the_end() {
        let uri: Uri = "/api/v1/control?namespace=drill&offset=0".parse().unwrap();
        let first = query(2, 0).page(vec![1, 2, 3, 4, 5], &uri).unwrap();
        assert_eq!(first.items, vec![1, 2]);
        assert_eq!(
            first.next.as_deref(),
            Some("/api/v1/control?namespace=drill&limit=2&offset=2")
        );
        let last = query(2, 4).page(vec![1, 2, 3, 4, 5], &uri).unwrap();
        assert_eq!(last.items, vec![5]);
        assert_eq!(last.next, None);
        let beyond = query(2, usize::MAX).page(vec![1, 2, 3], &uri).unwrap();
        assert!(beyond.items.is_empty() && beyond.next.is_none());
    }

    #[test]
    fn the_limit_has_a_ceiling() {
        let uri: Uri = "/x".parse().unwrap();
        assert!(query(MAX_PAGE_LIMIT + 1, 0).page(vec![1], &uri).is_err());
        assert!(query(0, 0).page(vec![1], &uri).is_err());
    }
}
