//! `firebreak login`, `user …` and `token …`.

use super::prompt::ask_secret;
use super::read_secret_line;
use crate::cli::{LoginArgs, TokenCommand, UserCommand};
use crate::client::{Client, Config, config_path, encode};
use crate::output::{self, text};
use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write;

pub async fn login(args: LoginArgs) -> Result<()> {
    let token = match (args.token, &args.user) {
        (_, Some(user)) => {
            let password = ask_secret("password", args.password_stdin)?;
            token_from_password(
                &args.url,
                user,
                &password,
                &args.scope,
                args.expires_in_days,
            )
            .await?
        }
        (Some(token), None) => token,
        (None, None) => read_secret_line("token")?,
    };
    let client = Client::new(&args.url, &token)?;
    let me = client.get("/api/v1/me").await?;
    let path = config_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let config = serde_json::to_string_pretty(&Config {
        url: args.url.clone(),
        token,
    })?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)
        .and_then(|mut f| f.write_all(config.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "logged in to {} as {} ({}); saved to {}",
        args.url,
        text(&me["name"]),
        text(&me["role"]),
        path.display()
    );
    Ok(())
}

/// Exchanges `user`'s password for a new token of theirs, named after this
/// machine so they can tell it apart and revoke it.
async fn token_from_password(
    url: &str,
    user: &str,
    password: &str,
    scope: &str,
    expires_in_days: u32,
) -> Result<String> {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "this machine".into());
    let created = Client::new(url, "")?
        .post(
            "/api/v1/sessions/token",
            json!({
                "user": user,
                "password": password,
                "description": format!("firebreak CLI on {host}"),
                "scope": scope,
                "expires_in_days": expires_in_days,
            }),
        )
        .await?;
    Ok(text(&created["secret"]))
}

fn user_rows(users: &Value) -> Vec<Vec<String>> {
    users
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| {
            vec![
                text(&u["name"]),
                text(&u["role"]),
                text(&u["has_password"]),
                text(&u["created_at"]),
            ]
        })
        .collect()
}

pub async fn user(command: UserCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            json,
        } => {
            let password = if password_stdin {
                Some(read_secret_line("password")?)
            } else {
                None
            };
            let created = client
                .post(
                    "/api/v1/users",
                    json!({ "name": name, "role": role, "password": password }),
                )
                .await?;
            if json {
                output::json(&created);
            } else {
                println!(
                    "created user {} ({})",
                    text(&created["name"]),
                    text(&created["role"])
                );
            }
        }
        UserCommand::Passwd { name, current } => {
            let current_password = if current {
                Some(read_secret_line("current password")?)
            } else {
                None
            };
            let password = read_secret_line("password")?;
            client
                .send(
                    Method::PUT,
                    &format!("/api/v1/users/{}/password", encode(&name)),
                    Some(json!({ "password": password, "current_password": current_password })),
                )
                .await?;
            println!("password set for {name}");
        }
        UserCommand::List(flag) => {
            let users = client.get("/api/v1/users").await?;
            if flag.json {
                output::json(&users);
            } else {
                output::table(&["NAME", "ROLE", "PASSWORD", "CREATED"], &user_rows(&users));
            }
        }
    }
    Ok(())
}

fn token_row(t: &Value) -> Vec<String> {
    vec![
        text(&t["id"]),
        text(&t["user"]),
        text(&t["scope"]),
        text(&t["description"]),
        text(&t["expires_at"]),
        text(&t["revoked_at"]),
    ]
}

const TOKEN_HEADERS: [&str; 6] = ["ID", "USER", "SCOPE", "DESCRIPTION", "EXPIRES", "REVOKED"];

pub async fn token(command: TokenCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        TokenCommand::Create {
            description,
            scope,
            expires_in_days,
            json,
        } => {
            let created = client
                .post(
                    "/api/v1/tokens",
                    json!({ "description": description, "scope": scope, "expires_in_days": expires_in_days }),
                )
                .await?;
            if json {
                output::json(&created);
            } else {
                println!(
                    "created token {} ({})",
                    text(&created["id"]),
                    text(&created["scope"])
                );
                println!("secret (shown once): {}", text(&created["secret"]));
            }
        }
        TokenCommand::List(flag) => {
            let tokens = client.get("/api/v1/tokens").await?;
            if flag.json {
                output::json(&tokens);
            } else {
                let rows: Vec<_> = tokens
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(token_row)
                    .collect();
                output::table(&TOKEN_HEADERS, &rows);
            }
        }
        TokenCommand::Revoke { id, json } => {
            let revoked = client
                .send(
                    Method::DELETE,
                    &format!("/api/v1/tokens/{}", encode(&id)),
                    None,
                )
                .await?;
            if json {
                output::json(&revoked);
            } else {
                println!("revoked token {}", text(&revoked["id"]));
            }
        }
    }
    Ok(())
}
