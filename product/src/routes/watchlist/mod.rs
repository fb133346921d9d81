//! The watchlist: the page, and the watch and unwatch forms that coin pages and the
//! watchlist post. Both forms are idempotent and answer 303 to the page they came from.

pub mod get;
pub mod unwatch;
pub mod watch;

use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::identity::Identity;
use chassis::page::see_other;
use chassis::redirect::local_or_home;
use serde::Deserialize;
use shared_ui::context::login_url_for;

/// The fields of the watch and unwatch forms besides the CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct WatchForm {
    /// The local page to go back to; anything else goes home.
    #[serde(default)]
    return_to: Option<String>,
}

impl WatchForm {
    pub fn return_path(&self) -> String {
        local_or_home(self.return_to.as_deref())
    }
}

/// A watch or unwatch form as submitted.
pub enum Submission {
    /// From a signed-in user, with its CSRF token checked.
    SignedIn(Identity, WatchForm),
    /// From a visitor who is not signed in: the answer is the login page, which brings them
    /// back to where they were. Nothing changes, so no token is needed for that.
    Anonymous(HttpResponse),
}

impl Submission {
    pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Self, AppError> {
        let mut payload = payload.into_inner();
        match chassis::identity::current_for_request(req) {
            Some(identity) => {
                let CsrfForm(form) = CsrfForm::<WatchForm>::from_request(req, &mut payload).await?;
                Ok(Self::SignedIn(identity, form))
            }
            None => {
                let form = web::Form::<WatchForm>::from_request(req, &mut payload)
                    .await
                    .map(web::Form::into_inner)
                    .unwrap_or_default();
                Ok(Self::Anonymous(see_other(&login_url_for(
                    &form.return_path(),
                ))))
            }
        }
    }
}
