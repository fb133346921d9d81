//! The visitor's currency: asked for with `?currency=` on any page with prices, remembered in
//! a cookie (no account needed), and saved to the account by signed-in users (`save`). A
//! page resolves it once ([`PageCurrency::of`]) and shows its prices converted at the current
//! exchange rates, or in dollars with a notice while there are none.
//!
//! Precedence: the address, then the cookie, then the account, then US dollars. A value that
//! is not a currency we show is ignored: from the address with a notice, from a cookie
//! silently.

pub mod save;

use crate::copy::Text;
use crate::feed::Feed;
use crate::store;
use actix_session::SessionExt;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponse};
use chassis::db::DbPool;
use shared_ui::format::price_in;
use shared_ui::{Banner, BannerKind, Currency, CurrencyChoice, InCurrency, PageContext};

/// The cookie that remembers the choice: a currency code and nothing else.
pub const COOKIE: &str = "currency";
/// The query field that chooses.
pub const FIELD: &str = "currency";
const COOKIE_DAYS: i64 = 365;
/// Query fields the selector carries along, and how long each may be; the rest is dropped.
const MAX_KEPT_FIELDS: usize = 8;
const MAX_KEPT_CHARS: usize = 200;

/// How product sets its cookies; scope data.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

/// Where a page's currency came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Address,
    Cookie,
    Account,
    Default,
}

/// What a request asks for: from the address, or else the cookie.
struct Asked {
    currency: Currency,
    origin: Origin,
    /// An unusable `?currency=` value, quoted and shortened, for the notice.
    junk: Option<String>,
}

impl Asked {
    fn of(req: &HttpRequest) -> Self {
        let mut junk = None;
        if let Some(raw) = query_value(req.query_string(), FIELD) {
            match Currency::parse(&raw) {
                Some(currency) => {
                    return Self {
                        currency,
                        origin: Origin::Address,
                        junk: None,
                    };
                }
                None => {
                    let shown: String = raw.chars().take(20).collect();
                    junk = Some(format!("{shown:?}"));
                }
            }
        }
        match req.cookie(COOKIE).and_then(|c| Currency::parse(c.value())) {
            Some(currency) => Self {
                currency,
                origin: Origin::Cookie,
                junk,
            },
            None => Self {
                currency: Currency::Usd,
                origin: Origin::Default,
                junk,
            },
        }
    }
}

/// The first non-empty value of `name` in a query string.
fn query_value(query: &str, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs
        .into_iter()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v)
}

/// A page's currency, resolved against the exchange rates.
#[derive(Debug, Clone)]
pub(crate) struct PageCurrency {
    /// What the page's amounts are shown in.
    pub(crate) cur: InCurrency,
    /// Why the page is not in what was asked for, if it is not.
    notice: Option<String>,
    /// Whether the cookie should be set to `cur`'s currency (a new choice, or one from the
    /// account that the browser does not have yet).
    remember: bool,
    /// Whether a signed-in viewer is looking (offered to save the choice).
    signed_in: bool,
    asked_currency: Currency,
}

impl PageCurrency {
    /// The currency of the page `req` asks for; `user_id` is the signed-in viewer, whose saved
    /// choice counts when neither the address nor the cookie says.
    pub(crate) async fn of(
        req: &HttpRequest,
        feed: &Feed,
        pool: &DbPool,
        user_id: Option<i64>,
    ) -> Self {
        let mut asked = Asked::of(req);
        if asked.origin == Origin::Default
            && let Some(user_id) = user_id
            && let Some(saved) = saved_choice(req, pool, user_id).await
        {
            asked.currency = saved;
            asked.origin = Origin::Account;
        }
        let rates = feed.live().rates();
        Self::resolve(asked, rates.as_deref(), user_id.is_some())
    }

    fn resolve(
        asked: Asked,
        rates: Option<&crate::market::ExchangeRates>,
        signed_in: bool,
    ) -> Self {
        let converted = rates.and_then(|r| r.in_currency(asked.currency));
        let (cur, notice) = match converted {
            Some(cur) => (cur, None),
            None if asked.currency == Currency::Usd => (InCurrency::USD, None),
            None => (
                InCurrency::USD,
                Some(
                    Text::NoRatesYet {
                        asked: asked.currency.label(),
                        shown: Currency::Usd.label(),
                    }
                    .text(),
                ),
            ),
        };
        let notice = match asked.junk {
            Some(given) => Some(
                Text::UnknownCurrency {
                    given,
                    shown: cur.currency.label(),
                }
                .text(),
            ),
            None => notice,
        };
        Self {
            cur,
            notice,
            remember: matches!(asked.origin, Origin::Address | Origin::Account),
            signed_in,
            asked_currency: asked.currency,
        }
    }

    /// Whether the page is the default one that every visitor in dollars sees, and so may be
    /// kept and served to others (see `listing::cache`).
    pub(crate) fn is_default(&self) -> bool {
        self.cur.currency == Currency::Usd && self.notice.is_none()
    }

    /// Puts the header's selector, and the notice if there is one, into the page's context.
    pub(crate) fn fill(&self, ctx: &mut PageContext, req: &HttpRequest) {
        if let Some(notice) = &self.notice {
            ctx.banners.push(Banner {
                kind: BannerKind::Warning,
                message: notice.clone(),
            });
        }
        ctx.currency = Some(choice(self.cur.currency, req, self.signed_in));
    }

    /// Sets the cookie on `response` when the choice is new to this browser.
    pub(crate) fn remember(&self, req: &HttpRequest, response: &mut HttpResponse) {
        // A currency asked for while there are no rates is still what the visitor chose.
        let choice = self.asked_currency;
        let known = req.cookie(COOKIE).and_then(|c| Currency::parse(c.value()));
        if !self.remember || known == Some(choice) {
            return;
        }
        let secure = req
            .app_data::<actix_web::web::Data<CookiePolicy>>()
            .is_none_or(|p| p.secure);
        let _ = response.add_cookie(&cookie(choice, secure));
    }
}

/// The session key that holds the account's saved choice once product has looked it up for
/// this session: a currency code, or empty for none. Signed-in pages then cost no database
/// query for it (the session is read anyway); saving sets it too.
pub(crate) const SESSION_KEY: &str = "saved_currency";

/// The signed-in viewer's saved currency: from the session when this session has looked it up
/// before, or else from the database, remembered in the session.
async fn saved_choice(req: &HttpRequest, pool: &DbPool, user_id: i64) -> Option<Currency> {
    let session = req.get_session();
    if let Ok(Some(code)) = session.get::<String>(SESSION_KEY) {
        return Currency::parse(&code);
    }
    // A page still renders if the database does not answer, in dollars.
    match pool
        .run(move |conn| store::currency_preference::get(conn, user_id))
        .await
    {
        Ok(saved) => {
            let code = saved.map(Currency::code).unwrap_or_default();
            if let Err(err) = session.insert(SESSION_KEY, code) {
                log::warn!("saved currency not kept in the session: {err}");
            }
            saved
        }
        Err(err) => {
            log::warn!("saved currency unavailable: {err}");
            None
        }
    }
}

/// "Prices in euros (EUR), converted from US dollars at $1 = €0.9200."
pub(crate) fn prices_in(cur: InCurrency) -> String {
    Text::PricesIn {
        name: cur.name(),
        label: cur.label(),
        rate: (cur.currency != Currency::Usd).then(|| price_in(cur.per_usd, cur.currency)),
    }
    .text()
}

/// The remembering cookie: not secret, but only ours to read, for a year.
pub(crate) fn cookie(currency: Currency, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, currency.code())
        .path("/")
        .max_age(Duration::days(COOKIE_DAYS))
        .same_site(SameSite::Lax)
        .http_only(true)
        .secure(secure)
        .finish()
}

/// The header's selector for a page at `req`: the form goes to this page and carries its
/// other query fields along (page, sort, search, range), so a choice changes nothing else.
pub(crate) fn choice(current: Currency, req: &HttpRequest, can_save: bool) -> CurrencyChoice {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let kept = pairs
        .into_iter()
        .filter(|(k, v)| k != FIELD && k.len() <= 20 && v.chars().count() <= MAX_KEPT_CHARS)
        .take(MAX_KEPT_FIELDS)
        .collect();
    CurrencyChoice {
        current,
        action: req.path().to_owned(),
        kept,
        can_save,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::ExchangeRates;
    use actix_web::test::TestRequest;

    fn rates() -> ExchangeRates {
        ExchangeRates::new(0, [(Currency::Eur, 0.5), (Currency::Jpy, 150.0)])
    }

    fn resolved(req: &HttpRequest, rates: Option<&ExchangeRates>) -> PageCurrency {
        PageCurrency::resolve(Asked::of(req), rates, false)
    }

    #[test]
    fn the_address_wins_over_the_cookie() {
        let req = TestRequest::with_uri("/?currency=EUR")
            .cookie(Cookie::new(COOKIE, "jpy"))
            .to_http_request();
        let page = resolved(&req, Some(&rates()));
        assert_eq!(page.cur.currency, Currency::Eur);
        assert_eq!(page.cur.per_usd, 0.5);
        assert!(page.remember);
        assert!(!page.is_default());
    }

    #[test]
    fn the_cookie_counts_when_the_address_is_silent_and_junk_is_ignored() {
        let req = TestRequest::with_uri("/?page=2")
            .cookie(Cookie::new(COOKIE, "jpy"))
            .to_http_request();
        let page = resolved(&req, Some(&rates()));
        assert_eq!(page.cur.currency, Currency::Jpy);
        assert!(!page.remember);

        let req = TestRequest::with_uri("/")
            .cookie(Cookie::new(COOKIE, "<script>"))
            .to_http_request();
        let page = resolved(&req, Some(&rates()));
        assert!(page.is_default());

        let req = TestRequest::with_uri("/?currency=doge").to_http_request();
        let page = resolved(&req, Some(&rates()));
        assert_eq!(page.cur.currency, Currency::Usd);
        assert_eq!(
            page.notice.as_deref(),
            Some(
                "The currency \"doge\" is not offered, so prices are in USD. Choose USD, EUR, GBP, JPY, BTC or ETH."
            )
        );
        assert!(!page.is_default());
    }

    #[test]
    fn without_rates_a_page_is_in_dollars_and_says_so() {
        let req = TestRequest::with_uri("/?currency=gbp").to_http_request();
        let page = resolved(&req, Some(&rates()));
        assert_eq!(page.cur, InCurrency::USD);
        assert_eq!(
            page.notice.as_deref(),
            Some("Exchange rates are not loaded yet, so prices are in USD instead of GBP for now.")
        );
        // The choice is still remembered, for when the rates arrive.
        assert!(page.remember);
        let page = PageCurrency::resolve(Asked::of(&req), None, false);
        assert_eq!(page.cur, InCurrency::USD);
    }

    #[test]
    fn the_selector_keeps_the_other_query_fields() {
        let req =
            TestRequest::with_uri("/?sort=price&currency=eur&page=2&q=a%22b").to_http_request();
        let choice = choice(Currency::Eur, &req, true);
        assert_eq!(choice.action, "/");
        assert_eq!(
            choice.kept,
            vec![
                ("sort".to_owned(), "price".to_owned()),
                ("page".to_owned(), "2".to_owned()),
                ("q".to_owned(), "a\"b".to_owned()),
            ]
        );
    }

    #[test]
    fn every_page_says_its_currency() {
        assert_eq!(prices_in(InCurrency::USD), "Prices in US dollars (USD).");
        let eur = InCurrency {
            currency: Currency::Eur,
            per_usd: 0.92,
        };
        assert_eq!(
            prices_in(eur),
            "Prices in euros (EUR), converted from US dollars at $1 = €0.9200."
        );
    }
}
