//! `GET /watchlist`: the signed-in user's coins, with the listing's columns. A visitor who is
//! not signed in is sent to log in and brought back here.

use crate::copy::Text;
use crate::feed::{Feed, LongTailCoin};
use crate::logos::LogoIndex;
use crate::market::{Coin, CoinDirectory, CoinId, ListedCoin, Snapshot};
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
    cur: InCurrency,
    rows: Vec<CoinRow<'a>>,
    /// Watched coins outside the ranked set, with their figures, each as of its own time.
    outside_rows: Vec<CoinRow<'a>>,
    /// Watched coins outside the ranked set that the coin list has but that no figures could
    /// be had for yet: each still has its own page.
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
    let mut ctx = page.form_context(Text::WatchlistTitle.text(), Nav::Watchlist);
    currency.fill(&mut ctx, &req);
    // Coins outside the ranked set are fetched while they are stale, all in one call, from
    // the long-tail share of the budget; when it is spent they show their kept figures.
    let directory = feed.directory();
    let outside: Vec<ListedCoin> = ids
        .iter()
        .filter(|id| snapshot.coin(id).is_none())
        .filter_map(|id| directory.get(id).cloned())
        .collect();
    let priced: Vec<Coin> = feed
        .long_tail()
        .coins(&outside)
        .await
        .into_iter()
        .filter_map(|figures| match figures {
            LongTailCoin::Priced { coin, as_of } => Some(Coin {
                kept_from: Some(as_of),
                ..*coin
            }),
            LongTailCoin::Unpriced => None,
        })
        .collect();
    let watchlist = WatchlistPage::new(ctx, &snapshot, &ids, currency.cur)
        .with_directory(&directory)
        .with_long_tail(&priced)
        .with_logos(feed.logos().index());
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
            cur,
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
            outside_rows: Vec::new(),
            outside_top: Vec::new(),
        }
    }

    /// Gives the coins outside the ranked set that have figures their rows, in `priced`'s
    /// order (the watchlist's).
    pub(crate) fn with_long_tail(mut self, priced: &'a [Coin]) -> Self {
        let shown: HashSet<&CoinId> = priced.iter().map(|coin| &coin.id).collect();
        self.outside_top
            .retain(|listed| !shown.contains(&listed.id));
        self.outside_rows = priced
            .iter()
            .map(|coin| CoinRow::new(coin, self.cur))
            .collect();
        self
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

    /// Shows our copy of each coin's logo where we have one.
    pub(crate) fn with_logos(mut self, logos: &LogoIndex) -> Self {
        for row in &mut self.rows {
            row.logo = logos.of(&row.coin.id);
        }
        self
    }
}
