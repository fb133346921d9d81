//! `GET /account`: username, email and member since, the sessions the account is signed in
//! with, and the forms to change the password or email and to delete the account.

use crate::state::LoginState;
use crate::users::{self, User};
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chassis::AppError;
use chassis::identity::Identity;
use chassis::page::{PageBuilder, render_with_status, see_other};
use chassis::session::ActiveSession;
use shared_ui::context::login_url_for;
use shared_ui::template_prelude::*;

#[derive(Debug, Default)]
pub struct PasswordErrors {
    pub current: Option<String>,
    pub new: Option<String>,
    pub confirm: Option<String>,
}

#[derive(Debug, Default)]
pub struct EmailErrors {
    pub email: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Default)]
pub struct DeleteErrors {
    pub password: Option<String>,
    pub confirm: Option<String>,
}

/// What the account page shows besides the user: which form was sent back with problems.
#[derive(Debug, Default)]
pub struct AccountForms {
    pub password: PasswordErrors,
    pub email: EmailErrors,
    /// The email typed into the change-email form, kept when it had problems.
    pub email_value: String,
    pub delete: DeleteErrors,
    pub confirm_value: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    pub ctx: PageContext,
    pub username: String,
    pub email: String,
    pub member_since: i64,
    /// Where the account is signed in, this browser first; `None` when the session store could
    /// not say (the rest of the page still renders).
    pub sessions: Option<Vec<SessionRow>>,
    pub forms: AccountForms,
}

/// One signed-in session, as the account page lists it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub browser: String,
    pub address: String,
    pub started_at: i64,
    pub last_seen_at: i64,
    pub current: bool,
}

impl SessionRow {
    fn new(session: ActiveSession, current: Option<&str>) -> Self {
        Self {
            current: current == Some(session.meta.id.as_str()),
            id: session.meta.id,
            browser: session.meta.browser,
            address: session.meta.address,
            started_at: session.started_at,
            last_seen_at: session.last_seen_at,
        }
    }
}

pub async fn account_page(
    page: PageBuilder,
    state: web::Data<LoginState>,
) -> Result<HttpResponse, AppError> {
    match signed_in_user(&page, &state).await? {
        Ok((_, user)) => {
            render_account(&page, &state, user, AccountForms::default(), StatusCode::OK).await
        }
        Err(redirect) => Ok(redirect),
    }
}

/// The signed-in user, or the redirect to send a visitor (or a deleted account's stale
/// session) to the login page.
pub async fn signed_in_user(
    page: &PageBuilder,
    state: &LoginState,
) -> Result<Result<(Identity, User), HttpResponse>, AppError> {
    let login = see_other(&login_url_for("/account"));
    let Some(identity) = page.identity().cloned() else {
        return Ok(Err(login));
    };
    let id = identity.user_id;
    match state.pool.run(move |conn| users::find(conn, id)).await? {
        Some(user) => Ok(Ok((identity, user))),
        None => {
            chassis::identity::sign_out(page.session(), None);
            Ok(Err(login))
        }
    }
}

pub async fn render_account(
    page: &PageBuilder,
    state: &LoginState,
    user: User,
    forms: AccountForms,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let current = chassis::identity::session_id(page.session());
    // The store may fail between reading this session and listing the others (it died a
    // moment ago): the page renders without the list rather than answering 503.
    let sessions = match state.sessions.list(chassis::ids::UserId(user.id)).await {
        Ok(list) => {
            let mut rows: Vec<SessionRow> = list
                .into_iter()
                .map(|s| SessionRow::new(s, current.as_deref()))
                .collect();
            rows.sort_by_key(|s| !s.current);
            Some(rows)
        }
        Err(err) => {
            log::warn!("the account's sessions could not be listed: {err}");
            None
        }
    };
    render_with_status(
        &AccountPage {
            ctx: page.form_context("Your account", Nav::Account),
            username: user.username,
            email: user.email,
            member_since: user.created_at,
            sessions,
            forms,
        },
        status,
    )
}
