//! `GET /watchlist`: the signed-in user's coins, with the listing's columns. A visitor who is
//! not signed in is sent to log in and brought back here.

use crate::copy::Copy;
use crate::feed::Feed;
use crate::market::{CoinDirectory, CoinId, ListedCoin, Snapshot};
use crate::routes::as_of::AsOf;
use crate::routes::coin_table::CoinRow;
use crate::routes::currency::PageCurrency;
use crate::store;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chassis::AppError;
use chassis::db::DbPool;
use chassis::page::{PageBuilder, render, see_other};
use shared_ui::InCurrency;
use shared_ui::context::login_url_for;
use shared_ui::template_prelude::*;
use std::collections::HashSet;

#[derive(Template)]
#[template(path = "watchlist.html")]
pub(crate) struct WatchlistPage<'a> {
    ctx: PageContext,
    as_of: Option<AsOf>,
    /// The sentence that says which currency the page is in (the rows carry the currency).
    prices_in: String,
    rows: Vec<CoinRow<'a>>,
    /// Watched coins outside the ranked set that the coin list has: each has its own page.
    outside_top: Vec<ListedCoin>,
    /// Watched coins the provider no longer lists at all.
    unlisted: Vec<CoinId>,
}

pub async fn watchlist_page(
    req: HttpRequest,
    page: PageBuilder,
    feed: web::Data<Feed>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    let Some(identity) = page.identity().cloned() else {
        return Ok(see_other(&login_url_for("/watchlist")));
    };
    let ids = pool
        .run(move |conn| store::watchlist::list(conn, identity.user_id))
        .await?;
    let snapshot = feed.live().snapshot();
    let currency = PageCurrency::of(&req, &feed, &pool, Some(identity.user_id)).await;
    let mut ctx = page.form_context(Copy::WatchlistTitle.text(), Nav::Watchlist);
    currency.fill(&mut ctx, &req);
    let watchlist =
        WatchlistPage::new(ctx, &snapshot, &ids, currency.cur).with_directory(&feed.directory());
    let mut response = render(&watchlist)?;
    currency.remember(&req, &mut response);
    Ok(response)
}

impl<'a> WatchlistPage<'a> {
    /// The page for the watched `ids`; the handler and the gallery both build it here.
    pub(crate) fn new(
        ctx: PageContext,
        snapshot: &'a Snapshot,
        ids: &[CoinId],
        cur: InCurrency,
    ) -> Self {
        let watched: HashSet<&CoinId> = ids.iter().collect();
        Self {
            ctx,
            as_of: snapshot.as_of().map(AsOf::new),
            prices_in: crate::routes::currency::prices_in(cur),
            // In the listing's order, so the rank column reads top to bottom.
            rows: snapshot
                .coins()
                .iter()
                .filter(|coin| watched.contains(&coin.id))
                .map(|coin| CoinRow::new(coin, cur))
                .collect(),
            unlisted: ids
                .iter()
                .filter(|id| snapshot.coin(id).is_none())
                .cloned()
                .collect(),
            outside_top: Vec::new(),
        }
    }

    /// Moves the unlisted coins that the coin list has to the coins outside the ranked set.
    pub(crate) fn with_directory(mut self, directory: &CoinDirectory) -> Self {
        let (outside, gone): (Vec<CoinId>, Vec<CoinId>) = std::mem::take(&mut self.unlisted)
            .into_iter()
            .partition(|id| directory.contains(id));
        self.outside_top = outside
            .iter()
            .filter_map(|id| directory.get(id).cloned())
            .collect();
        self.unlisted = gone;
        self
    }
}
